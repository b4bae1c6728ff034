import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `npm run bench`: runs every benchmark script in bench/ in its own process, one after the other. */
const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !['lib.ts', 'run-all.ts'].includes(f) && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
const begun = Date.now();
for (const script of scripts) {
  console.log(`\n=== ${script} ===`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', fileURLToPath(new URL(script, import.meta.url))], {
    stdio: 'inherit',
    env: process.env,
  });
  console.log(`=== ${script}: ${result.status === 0 ? 'done' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s ===`);
  if (result.status !== 0) failed++;
}
const minutes = (Date.now() - begun) / 60_000;
// The whole run is meant to fit in 10 minutes on 2 cores; say so when it did not.
console.log(`\nAll ${scripts.length} benchmarks in ${minutes.toFixed(1)} min${minutes > 10 ? ' (over the 10 minutes it should take)' : ''}; ${failed} failed.`);
process.exit(failed ? 1 : 0);
