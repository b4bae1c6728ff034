import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the client with Vite when the build is missing or stale. Staleness is decided by a
 * hash of the client sources, the contract the client bundles (contract/vocabulary.ts, and the
 * types of contract/api) and the lock file, kept in client/dist/.build-hash, so that a `git pull`
 * that changes the client or the contract triggers a rebuild on the next `npm start`.
 */
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const clientDir = path.join(projectRoot, 'client');
const distDir = path.join(clientDir, 'dist');
const stampFile = path.join(distDir, '.build-hash');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (statSync(full).isFile()) out.push(full);
  }
  return out.sort();
}

export function clientSourceHash(): string {
  const hash = createHash('sha256');
  const files = [...listFiles(clientDir), ...listFiles(path.join(projectRoot, 'contract')), path.join(projectRoot, 'package-lock.json')];
  for (const file of files) {
    if (!existsSync(file)) continue;
    hash.update(path.relative(projectRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export async function ensureClientBuild(options: { quiet?: boolean } = {}): Promise<'fresh' | 'built'> {
  // The Docker image ships the built client without its sources (and without Vite): keep it.
  const built = existsSync(path.join(distDir, 'admin', 'index.html'));
  if (built && listFiles(clientDir).length === 0) return 'fresh';
  const want = clientSourceHash();
  const have = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null;
  if (have === want && existsSync(path.join(distDir, 'admin', 'index.html'))) return 'fresh';
  if (!options.quiet) console.log('Building the web client (first start or changed sources)…');
  const { build } = await import('vite');
  // Vite keeps a NODE_ENV it finds; under vitest that is 'test', which would bundle React's
  // development build (StrictMode's double effects and all) into what the browser tests exercise.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: path.join(clientDir, 'vite.config.ts'), logLevel: options.quiet ? 'error' : 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  writeFileSync(stampFile, want + '\n');
  return 'built';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  ensureClientBuild().catch((error: unknown) => {
    console.error('Building the web client failed:', error);
    process.exit(1);
  });
}
