import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCKS, ROUND_LOCKS, TEXT_LOCK_SEEDS } from '../../server/db/locks';

/**
 * Rules about how the server's code is put together, checked on its source text: who takes
 * advisory locks, who writes which table (docs/DEVELOPING.md), and which areas import which.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const serverFiles = sourceFiles('server').map((path) => ({ path: relative(root, join(root, path)), text: readFileSync(join(root, path), 'utf8') }));

describe('advisory locks', () => {
  it('have distinct numbers within each kind', () => {
    for (const kind of [LOCKS, ROUND_LOCKS, TEXT_LOCK_SEEDS]) {
      const numbers = Object.values(kind);
      expect(new Set(numbers).size).toBe(numbers.length);
    }
  });

  it('are only taken through server/db/locks.ts', () => {
    const takers = serverFiles.filter((f) => f.path !== 'server/db/locks.ts' && /pg_(try_)?advisory/.test(f.text)).map((f) => f.path);
    expect(takers).toEqual([]);
  });
});
