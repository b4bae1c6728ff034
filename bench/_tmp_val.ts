import { readMeta, validateResponse, variablesFor, getQuestionnaire, type QuestionnaireContent } from '../server/questionnaires';
import { randomAnswers, seededRandom } from '../tests/fixtures/random-responses';
const file = getQuestionnaire('image-samenwerking-2023');
const content = file.content as QuestionnaireContent;
const meta = readMeta(content);
const variables = variablesFor({ situation: 'po-vo', sector: 'po', schoolName: 'X', schoolKind: 'po' });
const rng = seededRandom(10);
const given = { [meta.consent.question]: meta.consent.yes, ...(meta.branch ? { [meta.branch.question]: meta.branch.values[0] } : {}) };
const raw = randomAnswers(content, variables, rng, { given });
const c = validateResponse(content, variables, raw, { mode: 'complete' });
if (!c.ok) throw new Error('x');
for (const mode of ['partial','complete'] as const) {
  for (let k=0;k<3;k++){
  const t0 = process.cpuUsage(); const n=50;
  for (let i=0;i<n;i++) validateResponse(content, variables, c.data, { mode, malformedFirst: true });
  const u = process.cpuUsage(t0); console.log(mode, ((u.user+u.system)/1000/n).toFixed(2),'ms');
  }
}
