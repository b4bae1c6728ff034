import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder (absolute). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The TypeScript source files under `dir` (a folder relative to the repository root), as
 * repository-relative paths with forward slashes (`server/rounds/rounds.ts`): .ts, .tsx and .mts,
 * no declaration files. The structure tests (structure, contract, vocabulary) read the code with it.
 */
export function sourceFiles(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The text of a repository-relative file. */
export function readSource(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}
