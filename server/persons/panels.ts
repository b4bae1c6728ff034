import ExcelJS from 'exceljs';
import type { Transaction } from 'kysely';
import type { DB } from '../db/types';
import { badRequest, conflict, notFound } from '../errors';
import { codeHash, formatCode, normaliseCode } from '../invitations/person-links';
import { previousRoundOf } from './previous';
import type { CoordinatorContext, FieldProblem } from './sites';
import { MAX_PUPILS_PER_CLASS, pupilPlaceRow } from './sites';

/**
 * Panels across measurements (migration 0021; README "Panels"). A person round may follow an
 * earlier one (`person_rounds.previous_round_id`). Its persons continue earlier persons:
 *
 * - pupils: the school re-issues the round-1 codes from its key list. The lookup hash of a code is
 *   deterministic (HMAC(secret, 'pupil-code-lookup', code)), so a typed or uploaded code finds the
 *   round-1 person of the same school; the new person gets that person's panel id and code nonce
 *   (so the sheet prints the same code again). A pupil who changed class keeps the code.
 * - persons invited by e-mail (teachers, professionals): the keyed hash of the address
 *   (`contactHash`) finds the previous round's person with the same role; never the plain address.
 */

export const MAX_REISSUE_LINES = MAX_PUPILS_PER_CLASS;
/** A key list of one class is a few kB; this bounds what a hostile upload can make us parse. */
export const MAX_KEY_LIST_BYTES = 1024 * 1024;

export interface CodeLine {
  /** Line number as the coordinator sees it: the line of the pasted text, or the row in Excel. */
  line: number;
  text: string;
}

/**
 * Pasted codes: one a line; a line copied from the key list (number, code, name, … separated by
 * tabs or semicolons) counts by its code cell, the rest of the line is not kept.
 */
export function pastedLines(text: string): CodeLine[] {
  const lines: CodeLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const cells = raw.split(/[\t;]/).map((c) => c.trim()).filter((c) => c !== '');
    if (cells.length === 0) return;
    const code = cells.find((c) => normaliseCode(c) !== null) ?? (cells.length === 1 ? cells[0]! : cells.join(' '));
    lines.push({ line: i + 1, text: code.slice(0, 40) });
  });
  return lines;
}

/** The code column (header "Code") of the first sheet of a key list; only that column is read. */
export async function keyListLines(bytes: Buffer): Promise<CodeLine[]> {
  if (bytes.length > MAX_KEY_LIST_BYTES) throw badRequest('file_too_large', 'Het bestand is groter dan 1 MB. Een sleutellijst van één klas is veel kleiner.');
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw badRequest('invalid_key_list', 'Dit bestand is geen Excel-bestand (.xlsx). Upload de sleutellijst zoals u die bij de vorige meting downloadde.');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw badRequest('invalid_key_list', 'Het Excel-bestand heeft geen werkblad.');
  let column = 0;
  sheet.getRow(1).eachCell((cell, n) => {
    if (column === 0 && String(cell.value ?? '').trim().toLowerCase() === 'code') column = n;
  });
  if (column === 0) throw badRequest('invalid_key_list', 'In de eerste rij van het Excel-bestand staat geen kolom "Code". Upload de sleutellijst van de vorige meting.');
  const lines: CodeLine[] = [];
  const last = Math.min(sheet.rowCount, 1000);
  for (let r = 2; r <= last; r++) {
    const value = sheet.getRow(r).getCell(column).value;
    const text = value === null || value === undefined ? '' : String(typeof value === 'object' && 'text' in value ? value.text : value).trim();
    if (text !== '') lines.push({ line: r, text: text.slice(0, 40) });
  }
  return lines;
}

/**
 * Re-issues round-1 codes to a class of a follow-up round, all or nothing. Every problem is a
 * Dutch line: not a code, not known from the previous measurement of this school, twice in the
 * list, or already given out in this round. The class keeps its size where it can: re-issued codes
 * take the place of new codes nobody used yet; beyond those the class grows. In the caller's
 * transaction, which holds the site's lock to the commit.
 */
export async function reissueCodes(trx: Transaction<DB>, secret: string, ctx: CoordinatorContext, classId: number, lines: CodeLine[], now: Date) {
  const previous = await previousRoundOf(trx, ctx.roundId);
  if (previous === null) throw conflict('not_follow_up', 'Deze meting volgt niet op een eerdere meting: er zijn geen codes om opnieuw uit te geven.');
  if (lines.length === 0) throw badRequest('no_codes', 'Vul ten minste één code in.');
  if (lines.length > MAX_REISSUE_LINES) throw badRequest('too_many_codes', `Ten hoogste ${MAX_REISSUE_LINES} codes per klas tegelijk.`);
  await trx.selectFrom('person_sites').select('id').where('id', '=', ctx.siteId).forUpdate().executeTakeFirstOrThrow();
  const cls = await trx.selectFrom('person_classes').select(['id', 'label']).where('id', '=', classId).where('site_id', '=', ctx.siteId).executeTakeFirst();
  if (!cls) throw notFound('Deze klas bestaat niet (meer).');
  const school = await trx.selectFrom('invitations').select('school_id').where('id', '=', ctx.invitationId).executeTakeFirstOrThrow();
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  const found: Array<{ line: number; hash: string; previousId: number; panelId: string; nonce: string }> = [];
  for (const { line, text } of lines) {
    const code = normaliseCode(text);
    if (code === null) {
      problems.push({ field: `codes.${line}`, problem: `Regel ${line}: "${text.slice(0, 20)}" is geen code. Een code heeft 8 tekens (letters en cijfers, zonder 0, O, 1 en I), bijvoorbeeld K7QM-3XWD.` });
      continue;
    }
    const shown = formatCode(code);
    const earlier = seen.get(code);
    if (earlier !== undefined) {
      problems.push({ field: `codes.${line}`, problem: `Regel ${line}: de code ${shown} staat ook op regel ${earlier}. Elke leerling heeft een eigen code.` });
      continue;
    }
    seen.set(code, line);
    const hash = codeHash(secret, code);
    const old = await trx
      .selectFrom('persons as p')
      .innerJoin('person_sites as s', 's.id', 'p.site_id')
      .innerJoin('invitations as i', 'i.id', 's.invitation_id')
      .select(['p.id', 'p.panel_id', 'p.code_nonce'])
      .where('p.round_id', '=', previous)
      .where('p.code_hash', '=', hash)
      .where('p.role', '=', 'pupil')
      .where('i.school_id', '=', school.school_id)
      .executeTakeFirst();
    if (!old || old.code_nonce === null) {
      problems.push({ field: `codes.${line}`, problem: `Regel ${line}: de code ${shown} is niet bekend uit de vorige meting van deze school. Kijk of de code goed is overgenomen.` });
      continue;
    }
    const taken = await trx
      .selectFrom('persons as p')
      .leftJoin('person_classes as c', 'c.id', 'p.class_id')
      .select(['p.id', 'c.label'])
      .where('p.round_id', '=', ctx.roundId)
      .where((eb) => eb.or([eb('p.code_hash', '=', hash), eb('p.previous_person_id', '=', old.id)]))
      .executeTakeFirst();
    if (taken) {
      problems.push({ field: `codes.${line}`, problem: `Regel ${line}: de code ${shown} is in deze meting al uitgegeven${taken.label ? ` (klas ${taken.label})` : ''}.` });
      continue;
    }
    found.push({ line, hash, previousId: old.id, panelId: old.panel_id, nonce: old.code_nonce });
  }
  if (problems.length > 0) throw badRequest('invalid_codes', 'Er is niets opgeslagen. Verbeter de regels hieronder en probeer het opnieuw.', problems.slice(0, 100));

  // Re-issued codes take the places of new codes nobody used, from the last place down.
  const places = await trx
    .selectFrom('persons as p')
    .select(['p.id', 'p.seq', 'p.previous_person_id', 'p.status'])
    .select((eb) => eb.exists(eb.selectFrom('consent_events as e').select('e.id').whereRef('e.person_id', '=', 'p.id')).as('has_events'))
    .where('p.class_id', '=', classId)
    .where('p.role', '=', 'pupil')
    .orderBy('p.seq')
    .execute();
  const free = places.filter((p) => p.previous_person_id === null && p.status === 'issued' && !p.has_events).reverse();
  const dropped = free.slice(0, found.length).map((p) => p.id);
  const total = places.length - dropped.length + found.length;
  if (total > MAX_PUPILS_PER_CLASS)
    throw badRequest('invalid_codes', 'Er is niets opgeslagen. Verbeter de regels hieronder en probeer het opnieuw.', [
      { field: 'codes', problem: `Klas ${cls.label} zou dan ${total} leerlingen hebben; ten hoogste ${MAX_PUPILS_PER_CLASS}.` },
    ]);
  if (dropped.length > 0) await trx.deleteFrom('persons').where('id', 'in', dropped).execute();
  for (const f of found) await trx.insertInto('persons').values(pupilPlaceRow(ctx, classId, now, { ...f, seq: null })).execute();
  // Number the places again: the kept ones in their order, then the re-issued ones in list order.
  const rows = await trx.selectFrom('persons').select(['id', 'seq']).where('class_id', '=', classId).where('role', '=', 'pupil').orderBy('seq').orderBy('id').execute();
  const ordered = [...rows.filter((r) => r.seq !== null), ...rows.filter((r) => r.seq === null)];
  for (const [i, r] of ordered.entries()) if (r.seq !== i + 1) await trx.updateTable('persons').set({ seq: i + 1 }).where('id', '=', r.id).execute();
  await trx.updateTable('person_classes').set({ pupils: ordered.length }).where('id', '=', classId).execute();
  return { reissued: found.length, pupils: ordered.length };
}
