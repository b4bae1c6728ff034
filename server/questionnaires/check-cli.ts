import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `npm run questionnaires:check`: lints every questionnaire in questionnaires/ and exits
 * non-zero on any error. (The linter itself arrives with the questionnaire registry.)
 */
const dir = fileURLToPath(new URL('../../questionnaires/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
console.log(files.length ? `questionnaires: ${files.length} file(s) found` : 'questionnaires: none yet');
