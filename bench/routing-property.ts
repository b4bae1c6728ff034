import { cpuUsage } from 'node:process';
import { listQuestionnaires, type QuestionnaireContent } from '../server/questionnaires';
import { checkRouting, describeFailure } from '../tests/fixtures/routing-walk';

/**
 * The routing property (tests/unit/questionnaire-routing-property.test.ts) at nightly size:
 * `npx tsx bench/routing-property.ts [sequences per questionnaire] [seed]` (default 100000,
 * random seed). Prints sequences per second (wall and CPU) and the shortest failing sequence.
 */
const count = Number(process.argv[2] ?? process.env.ROUTING_SEQUENCES ?? 100_000);
const seed = Number(process.argv[3] ?? process.env.ROUTING_SEED ?? Math.floor(Math.random() * 2 ** 31));
let failed = false;
for (const file of listQuestionnaires()) {
  const started = Date.now();
  const cpu = cpuUsage();
  const result = await checkRouting(file.content as QuestionnaireContent, { seed, count });
  const wall = (Date.now() - started) / 1000;
  const used = cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(
    `${file.id}: ${result.sequences} sequences, ${result.states} routing states, ${wall.toFixed(1)} s wall (${(result.sequences / wall).toFixed(1)}/s), ${cpuSeconds.toFixed(1)} s CPU, seed ${seed}`,
  );
  if (result.shrunk) {
    failed = true;
    console.log(describeFailure(result.shrunk));
  }
}
process.exit(failed ? 1 : 0);
