import path from 'node:path';
import { loadQuestionnaireFiles, questionnairesDir } from './registry';

/**
 * `npm run questionnaires:check [dir]`: lints every questionnaire in questionnaires/ (or `dir`)
 * and exits non-zero on any problem. `npm test` runs it.
 */
const dir = process.argv[2] ? path.resolve(process.argv[2]) : questionnairesDir;
const files = loadQuestionnaireFiles(dir);
let problems = 0;
for (const file of files) {
  if (file.issues.length === 0) {
    console.log(`ok    ${file.id} (${file.sha256.slice(0, 12)})`);
    continue;
  }
  problems += file.issues.length;
  console.error(`FAIL  ${file.id}: ${file.issues.length} problem(s)`);
  for (const issue of file.issues) console.error(`      [${issue.rule}] ${issue.where}: ${issue.message}`);
}
if (files.length === 0) console.log(`questionnaires: no files in ${dir}`);
if (problems > 0) {
  console.error(`questionnaires: ${problems} problem(s) in ${files.length} file(s)`);
  process.exit(1);
}
console.log(`questionnaires: ${files.length} file(s) checked, no problems`);
