// `npm run typecheck`: the three TypeScript programs (docs/DEVELOPING.md, "Types") checked at the
// same time, one tsc each, so the check takes about as long as the largest one on a two-core
// machine instead of the sum. Each program's output is printed whole when it ends; the exit code
// is 1 when any of them fails (or cannot be started), 0 only when all three pass.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const programs = ['server/tsconfig.json', 'client/tsconfig.json', 'tests/tsconfig.json'];

const check = (project) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [tsc, '-p', project, ...process.argv.slice(2)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolve({ project, ok: false, output: `${output}${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ project, ok: code === 0, output: signal ? `${output}tsc stopped by ${signal}\n` : output }));
  });

const results = await Promise.all(programs.map((project) => check(project).then((result) => {
  process.stdout.write(`tsc -p ${result.project}: ${result.ok ? 'ok' : 'FAILED'}\n${result.output}`);
  return result;
})));
process.exitCode = results.every((result) => result.ok) ? 0 : 1;
