import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '../helpers/db';

/**
 * Every benchmark script in bench/ still runs, at a tiny size, against PostgreSQL, and writes its
 * section of results (to a scratch file, not bench/RESULTS.md). Nothing about speed is asserted:
 * that is measured with `npm run bench`, never in the tests.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));

function runBench(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string; results: string }> {
  const resultsFile = path.join(mkdtempSync(path.join(tmpdir(), 'mr-bench-smoke-')), 'RESULTS.md');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(root, 'bench', script), ...args], {
      cwd: root,
      env: { ...process.env, ...env, BENCH_DATABASE_URL: testDatabaseUrl!, BENCH_RESULTS_FILE: resultsFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => {
      let results = '';
      try {
        results = readFileSync(resultsFile, 'utf8');
      } catch {
        // No results written: the assertions below say so.
      }
      resolve({ code, output, results });
    });
  });
}

const scripts: Array<{ script: string; args?: string[]; env?: Record<string, string>; section: RegExp }> = [
  { script: 'class-at-once.ts', args: ['--classes=2', '--pupils=3'], section: /## A school at once: 6 pupils \(2 classes of 3\)[\s\S]*Refused: 0/ },
  { script: 'duo-import.ts', env: { BENCH_LOCATIONS: '100' }, section: /## DUO import: national-size list \(100 locations\)/ },
  { script: 'duo-update.ts', env: { BENCH_LOCATIONS: '300' }, section: /## DUO update: national lists replaced \(300 locations\) on PostgreSQL/ },
  { script: 'export.ts', env: { BENCH_EXPORT_RESPONSES: '200' }, section: /## Export of 200 responses[\s\S]*export sav/ },
  { script: 'persons-scale.ts', env: { PERSONS_SCALE: '300', PERSONS_CODES: '30' }, section: /## Person rounds at scale: 300 persons per measurement[\s\S]*wide export, CSV \(360 rows/ },
  { script: 'mail-wave.ts', env: { BENCH_MAILS: '100', BENCH_REPEAT: '1' }, section: /## Invitation wave: 100 mails[\s\S]*Median ratio/ },
  {
    script: 'mail-chaos.ts',
    env: { BENCH_CHAOS_MAILS: '30', BENCH_CHAOS_LATENCY_MS: '20', MAIL_LEASE_SECONDS: '4', MAIL_HEARTBEAT_SECONDS: '1' },
    section: /## Mail chaos: kill -9 mid-wave, 30 mails[\s\S]*takeover logged/,
  },
  { script: 'dashboard.ts', args: ['--sizes=1000', '--quick'], section: /## Dashboard aggregates[\s\S]*\| 1,000 \|/ },
  { script: 'respondent.ts', args: ['--connections=5', '--duration=1', '--complete=10'], section: /## Respondent path[\s\S]*\| 5 \| \*\*autosave/ },
  { script: 'page.ts', args: ['--loads=1'], section: /## Respondent page in Chromium[\s\S]*Admin code in the respondent bundle/ },
  // One questionnaire (the smallest): the walker itself is tested in tests/unit.
  {
    script: 'routing-property.ts',
    args: ['2', '1'],
    env: { ROUTING_QUESTIONNAIRES: 'image-partners-2022' },
    section: /## Routing property: 2 sequences per questionnaire[\s\S]*image-partners-2022 \| 2 \|/,
  },
];

describe.skipIf(!testDatabaseUrl)('benchmark scripts at a tiny size', () => {
  it('covers every script that npm run bench runs', () => {
    const benchmarks = readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !['lib.ts', 'run-all.ts'].includes(f) && !f.startsWith('_'));
    expect(scripts.map((s) => s.script).sort()).toEqual(benchmarks.sort());
  });

  for (const { script, args = [], env = {}, section } of scripts) {
    it.concurrent(`bench/${script} runs and records its figures`, { timeout: 180_000 }, async () => {
      const run = await runBench(script, args, env);
      expect(run.code, run.output.slice(-3000)).toBe(0);
      expect(run.results).toMatch(section);
      expect(run.results).toMatch(/commit [0-9a-f]{7}/);
    });
  }
});
