import type { Kysely } from 'kysely';
import type { DB } from '../db/types';
import { assignRespondentNumbers } from '../invitations/respondent-numbers';
import { getVersion, readMeta, type QuestionnaireContent } from '../questionnaires';
import { answerColumns, answerValues, VisibilityEvaluator } from '../questionnaires/columns';
import { neutraliseFormula } from '../spreadsheet';
import { schoolRound } from './nominations';
import { partnerRoundOf } from './partner-round';

/**
 * The partners' answers, one row per partner that consented, linked to the schools that named
 * it by their respondent numbers in the school round's export (`respondent`, fixed within a
 * round). No names or addresses: the partner is its respondent number in the partner round.
 * CSV the way Dutch Excel opens it (BOM, semicolons, CRLF). Numbers both rounds first: run it in
 * a transaction.
 */
export const PARTNER_EXPORT_FIXED = ['partner_respondent', 'partner_soort', 'genoemd_door_respondenten', 'genoemd_door_aantal', 'status'] as const;

function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string') text = neutraliseFormula(text);
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function partnerExportCsv(trx: Kysely<DB>, sourceRoundId: number): Promise<{ csv: string; rows: number; partnerRoundId: number | null }> {
  await schoolRound(trx, sourceRoundId);
  const round = await partnerRoundOf(trx, sourceRoundId);
  if (!round) return { csv: '\uFEFF' + PARTNER_EXPORT_FIXED.join(';') + '\r\n', rows: 0, partnerRoundId: null };
  await assignRespondentNumbers(trx, sourceRoundId);
  await assignRespondentNumbers(trx, round.id);
  const roundRow = await trx.selectFrom('rounds').select('questionnaire_version_id').where('id', '=', round.id).executeTakeFirstOrThrow();
  const version = await getVersion(trx, roundRow.questionnaire_version_id!);
  const content = version.content as QuestionnaireContent;
  const meta = readMeta(content);
  const columns = answerColumns(content, {}, { consentQuestion: meta.consent.question });
  const evaluator = new VisibilityEvaluator(columns);

  const rows = await trx
    .selectFrom('partners as p')
    .innerJoin('invitations as pi', 'pi.id', 'p.invitation_id')
    .innerJoin('responses as resp', 'resp.invitation_id', 'pi.id')
    .select(['p.id', 'p.partner_type', 'pi.respondent_number', 'pi.status', 'resp.data'])
    .where('p.source_round_id', '=', sourceRoundId)
    .where('pi.respondent_number', 'is not', null)
    .where('pi.erased_at', 'is', null)
    .orderBy('pi.respondent_number')
    .execute();
  const named = await trx
    .selectFrom('partner_nominations as n')
    .innerJoin('invitations as si', 'si.id', 'n.invitation_id')
    .select(['n.partner_id', 'si.respondent_number'])
    .where('n.source_round_id', '=', sourceRoundId)
    .where('si.erased_at', 'is', null)
    .execute();
  const schoolsOf = new Map<number, Set<number>>();
  for (const n of named) {
    if (n.partner_id === null || n.respondent_number === null) continue;
    const set = schoolsOf.get(n.partner_id) ?? new Set<number>();
    set.add(n.respondent_number);
    schoolsOf.set(n.partner_id, set);
  }

  const lines = [[...PARTNER_EXPORT_FIXED, ...columns.map((c) => c.name)].map(cell).join(';')];
  for (const r of rows) {
    const data = (r.data ?? {}) as Record<string, unknown>;
    const schools = [...(schoolsOf.get(r.id) ?? [])].sort((a, b) => a - b);
    const answers = answerValues(columns, data, evaluator.askedColumns(data, {}));
    lines.push(
      [r.respondent_number, r.partner_type, schools.join(','), schools.length, r.status === 'completed' ? 1 : 2, ...answers.map((a) => (a === null ? null : (a as string | number)))]
        .map(cell)
        .join(';'),
    );
  }
  return { csv: '\uFEFF' + lines.join('\r\n') + '\r\n', rows: rows.length, partnerRoundId: round.id };
}
