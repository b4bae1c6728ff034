import type { Transaction } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/types';
import { badRequest, conflict, notFound } from '../errors';
import { codeHash, normaliseCode } from '../invitations/person-links';
import { hostileValue } from '../schools/import-types';
import { problemText, readTable } from '../schools/table';
import { mayTakePart, parentStates } from './pupils';

/**
 * External scores (e.g. LVS: reading, spelling, maths) a researcher imports by pupil code into a
 * person round, from CSV or XLSX, with the platform's importer rules: a dry run lists every line
 * problem in Dutch; applying imports everything or, with any problem, nothing.
 *
 * The file: a header with a code column (`code` or `leerlingcode`) and one column per variable
 * (names: a letter, then letters, digits and _, at most 60 characters, so `ext_<name>` fits
 * SPSS's 64). Values are numbers (a decimal comma or point) unless the researcher names the
 * variable as text; an empty cell is no value. A variable in the file replaces that variable's
 * earlier import for the whole round.
 *
 * Codes are typed by schools and researchers, so they are found through the keyed lookup hash
 * (`codeHash`), like a pupil's code at the class link; no code is stored, logged or echoed in the
 * report (problems name the line). A pupil whose parents objected (or, with active consent, did
 * not agree) gets nothing stored: those lines are counted as skipped, not named.
 */

export const MAX_VARIABLES = 100;
export const MAX_TEXT_VALUE = 200;
const MAX_REPORTED = 200;
const VARIABLE = /^[A-Za-z][A-Za-z0-9_]{0,59}$/;
const CODE_HEADERS = ['code', 'leerlingcode'];

export interface ExternalScoresReport {
  dryRun: boolean;
  applied: boolean;
  lines: number;
  /** Lines whose pupil gets values (skipped ones not counted). */
  pupils: number;
  /** Pupils whose parents objected or did not agree: nothing stored for them. */
  skipped: number;
  values: number;
  variables: Array<{ name: string; kind: 'numeric' | 'string' }>;
  problems: Array<{ line: number | null; problem: string }>;
  /** Problems beyond the ones listed. */
  moreProblems: number;
}

function parseNumber(text: string): number | null {
  const t = text.trim().replace(/\s/g, '');
  if (!/^[+-]?(\d+([.,]\d+)?|[.,]\d+)$/.test(t)) return null;
  const n = Number(t.replace(',', '.'));
  return Number.isFinite(n) ? n : null;
}

/** A cell shown back in a problem: short, and only when it cannot be a code. */
const shown = (text: string) => (text.length > 30 ? `${text.slice(0, 30)}…` : text);

export async function importExternalScores(
  trx: Transaction<DB>,
  secret: string,
  roundId: number,
  bytes: Uint8Array,
  options: { dryRun: boolean; textVariables: string[]; now: Date; actor: Actor; fileName?: string | null },
): Promise<ExternalScoresReport> {
  const round = await trx
    .selectFrom('rounds as r')
    .innerJoin('person_rounds as pr', 'pr.round_id', 'r.id')
    .select(['r.id', 'pr.consent_mode', 'r.purged_at'])
    .where('r.id', '=', roundId)
    .executeTakeFirst();
  if (!round) throw notFound('Deze meting is geen meting per persoon.');
  if (round.purged_at !== null) throw conflict('purged', 'De gegevens van deze meting zijn al verwijderd.');
  const table = await readTable(bytes);

  // The header: one code column, the rest variables.
  const headerProblems: string[] = [];
  const header = table.header.map((h) => h.trim());
  const codeColumns = header.map((h, i) => (CODE_HEADERS.includes(h.toLowerCase()) ? i : -1)).filter((i) => i >= 0);
  if (codeColumns.length === 0) headerProblems.push('De kopregel heeft geen kolom "code" met de leerlingcodes.');
  if (codeColumns.length > 1) headerProblems.push('De kopregel heeft meer dan één kolom "code".');
  const textWanted = new Set(options.textVariables.map((v) => v.trim().toLowerCase()).filter(Boolean));
  const variables: Array<{ index: number; name: string; kind: 'numeric' | 'string' }> = [];
  const seen = new Set<string>();
  header.forEach((h, index) => {
    if (codeColumns.includes(index)) return;
    if (h === '') return headerProblems.push(`Kolom ${index + 1} heeft geen naam.`);
    if (!VARIABLE.test(h)) return headerProblems.push(`Kolom ${index + 1} (${shown(h)}): een variabelenaam begint met een letter en bevat alleen letters, cijfers en _ (ten hoogste 60 tekens).`);
    if (seen.has(h.toLowerCase())) return headerProblems.push(`Kolom ${index + 1}: de variabele ${h} staat er twee keer in.`);
    seen.add(h.toLowerCase());
    variables.push({ index, name: h, kind: textWanted.has(h.toLowerCase()) ? 'string' : 'numeric' });
  });
  for (const wanted of textWanted) if (!seen.has(wanted)) headerProblems.push(`De tekstvariabele ${shown(wanted)} staat niet in de kopregel.`);
  if (variables.length === 0 && codeColumns.length === 1) headerProblems.push('Het bestand heeft naast de code geen kolommen met scores.');
  if (variables.length > MAX_VARIABLES) headerProblems.push(`Ten hoogste ${MAX_VARIABLES} variabelen per bestand.`);
  if (headerProblems.length > 0) throw badRequest('invalid_header', 'Het bestand is niet ingelezen. Verbeter de kopregel.', headerProblems.map((problem) => ({ line: table.headerLine, problem })));
  const codeColumn = codeColumns[0]!;

  const problems: ExternalScoresReport['problems'] = [];
  let problemCount = 0;
  const problem = (line: number | null, text: string) => {
    problemCount++;
    if (problems.length < MAX_REPORTED) problems.push({ line, problem: text });
  };

  // Lines: codes and values, every problem listed.
  const lines: Array<{ line: number; hash: string; values: Array<{ variable: string; number: number | null; text: string | null }> }> = [];
  const firstLineOf = new Map<string, number>();
  for (const row of table.rows) {
    if (!('cells' in row)) {
      problem(row.line, `Regel ${row.line}: ${problemText(row.problem)}.`);
      continue;
    }
    if (row.cells.length > header.length && row.cells.slice(header.length).some((c) => c.trim() !== '')) {
      problem(row.line, `Regel ${row.line}: meer kolommen dan de kopregel.`);
      continue;
    }
    const rawCode = (row.cells[codeColumn] ?? '').trim();
    const code = normaliseCode(rawCode);
    let ok = true;
    if (rawCode === '') {
      problem(row.line, `Regel ${row.line}: de code ontbreekt.`);
      ok = false;
    } else if (code === null) {
      problem(row.line, `Regel ${row.line}: dit is geen leerlingcode (8 tekens, letters en cijfers zonder 0, O, 1 en I).`);
      ok = false;
    }
    const hash = code === null ? '' : codeHash(secret, code);
    if (ok) {
      const earlier = firstLineOf.get(hash);
      if (earlier !== undefined) {
        problem(row.line, `Regel ${row.line}: dezelfde code als regel ${earlier}.`);
        ok = false;
      } else firstLineOf.set(hash, row.line);
    }
    const values: (typeof lines)[number]['values'] = [];
    for (const v of variables) {
      const cell = (row.cells[v.index] ?? '').trim();
      if (cell === '') continue;
      const hostile = hostileValue(cell);
      if (hostile && !(v.kind === 'numeric' && parseNumber(cell) !== null)) {
        problem(row.line, `Regel ${row.line}, ${v.name}: de waarde ${hostile}.`);
        ok = false;
        continue;
      }
      if (v.kind === 'numeric') {
        const n = parseNumber(cell);
        if (n === null) {
          problem(row.line, `Regel ${row.line}, ${v.name}: "${shown(cell)}" is geen getal.`);
          ok = false;
        } else values.push({ variable: v.name, number: n, text: null });
      } else if (cell.length > MAX_TEXT_VALUE) {
        problem(row.line, `Regel ${row.line}, ${v.name}: de tekst is langer dan ${MAX_TEXT_VALUE} tekens.`);
        ok = false;
      } else values.push({ variable: v.name, number: null, text: cell });
    }
    if (ok) lines.push({ line: row.line, hash, values });
  }
  if (table.rows.length === 0) problem(null, 'Het bestand heeft geen regels onder de kopregel.');

  // Codes of this round's pupils, found by their lookup hash.
  const pupilByHash = new Map<string, number>();
  const hashes = lines.map((l) => l.hash);
  for (let i = 0; i < hashes.length; i += 1000) {
    const found = await trx
      .selectFrom('persons')
      .select(['id', 'code_hash'])
      .where('round_id', '=', roundId)
      .where('role', '=', 'pupil')
      .where('code_hash', 'in', hashes.slice(i, i + 1000))
      .execute();
    for (const p of found) pupilByHash.set(p.code_hash!, p.id);
  }
  const known = lines.filter((l) => {
    if (pupilByHash.has(l.hash)) return true;
    problem(l.line, `Regel ${l.line}: deze code hoort niet bij een leerling van deze meting.`);
    return false;
  });
  const states = await parentStates(trx, known.map((l) => pupilByHash.get(l.hash)!));
  const allowed = known.filter((l) => mayTakePart(round.consent_mode, states.get(pupilByHash.get(l.hash)!) ?? 'none'));
  const skipped = known.length - allowed.length;

  const report: ExternalScoresReport = {
    dryRun: options.dryRun,
    applied: false,
    lines: table.rows.length,
    pupils: allowed.length,
    skipped,
    values: allowed.reduce((n, l) => n + l.values.length, 0),
    variables: variables.map((v) => ({ name: v.name, kind: v.kind })),
    problems,
    moreProblems: problemCount - problems.length,
  };
  if (options.dryRun) return report;
  if (problemCount > 0) throw badRequest('invalid_file', 'Er is niets ingelezen: het bestand heeft fouten. Verbeter ze en probeer het opnieuw.', report);

  // All or nothing (the caller's transaction): the file's variables replace their earlier import in this round.
  await trx
    .deleteFrom('person_external_scores')
    .where('round_id', '=', roundId)
    .where('variable', 'in', variables.map((v) => v.name))
    .execute();
  const rows = allowed.flatMap((l) =>
    l.values.map((v) => ({ person_id: pupilByHash.get(l.hash)!, round_id: roundId, variable: v.variable, value_number: v.number, value_text: v.text, imported_at: options.now })),
  );
  for (let i = 0; i < rows.length; i += 1000) await trx.insertInto('person_external_scores').values(rows.slice(i, i + 1000)).execute();
  await audit(trx, options.actor, options.now, 'persons.external_scores', `round:${roundId}`, {
    fileName: options.fileName ?? null,
    pupils: allowed.length,
    skipped,
    values: rows.length,
    variables: variables.map((v) => v.name),
  });
  return { ...report, applied: true };
}
