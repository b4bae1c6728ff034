import os from 'node:os';
import { cpuUsage } from 'node:process';
import { listQuestionnaires, type QuestionnaireContent } from '../server/questionnaires';
import { checkRouting, describeFailure } from '../tests/fixtures/routing-walk';
import { recordResults, table } from './lib';

/**
 * The routing property (tests/unit/questionnaire-routing-property.test.ts) beyond npm test's 120
 * sequences: `npx tsx bench/routing-property.ts [sequences per questionnaire] [seed]` (random
 * seed). The default, 200 per questionnaire, is sized for `npm run bench`, which must finish
 * within 12 minutes on 2 cores (issue 21): 200 took 68 CPU seconds for the six questionnaires
 * (233 s wall at load 17-21), 500 took 108 (307 s wall at load 21; about 40 CPU seconds are
 * the aimed walks and survey-core's start, whatever the count); the nightly run
 * passes its size: `npx tsx bench/routing-property.ts 100000` or ROUTING_SEQUENCES=100000 (it
 * took more than 7 minutes for the four and was the largest share of the full run).
 * Prints sequences per second (wall and CPU) and the shortest failing sequence.
 * ROUTING_QUESTIONNAIRES=<id>,<id> walks only those questionnaires (the suite's smoke run walks one).
 */
/** Bench-sized default; the nightly size (100000) is passed as the first argument or ROUTING_SEQUENCES. */
const BENCH_SEQUENCES = 200;
const count = Number(process.argv[2] ?? process.env.ROUTING_SEQUENCES ?? BENCH_SEQUENCES);
const seed = Number(process.argv[3] ?? process.env.ROUTING_SEED ?? Math.floor(Math.random() * 2 ** 31));
const only = process.env.ROUTING_QUESTIONNAIRES?.split(',').map((id) => id.trim()).filter((id) => id !== '');
const files = listQuestionnaires().filter((file) => !only || only.includes(file.id));
if (only && files.length !== only.length) throw new Error(`ROUTING_QUESTIONNAIRES names an unknown questionnaire: ${only.join(', ')}`);
let failed = false;
const rows: Array<Array<string | number>> = [];
const failures: string[] = [];
for (const file of files) {
  const started = Date.now();
  const cpu = cpuUsage();
  const result = await checkRouting(file.content as QuestionnaireContent, { seed, count });
  const wall = (Date.now() - started) / 1000;
  const used = cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  rows.push([file.id, result.sequences, result.states, wall.toFixed(1), (result.sequences / wall).toFixed(1), cpuSeconds.toFixed(1), result.shrunk ? 'FAILS' : 'holds']);
  if (result.shrunk) {
    failed = true;
    failures.push('', `${file.id} (seed ${seed}):`, '```', describeFailure(result.shrunk), '```');
  }
}
recordResults(`Routing property: ${count} sequences per questionnaire`, [
  `Seed ${seed}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
  '',
  ...table(['questionnaire', 'sequences', 'routing states', 'wall s', 'sequences/s', 'CPU s', 'property'], rows),
  ...failures,
]);
process.exit(failed ? 1 : 0);
