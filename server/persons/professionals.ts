import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/types';
import { badRequest, conflict, notFound } from '../errors';
import { newNonce } from '../invitations/person-links';
import { hostileValue } from '../schools/import-types';
import { problemText, readTable } from '../schools/table';
import { INVITED_TALLY_COLUMNS, invitedTally, type InvitedTally } from './invited';
import { contactHash, previousRoundOf } from './previous';

/**
 * Professionals of a person round (issue 19; IMAGE sub-study 4: about 900 onderwijsprofessionals
 * in 2022, asked again in 2024, 239 in both). They are not recruited through a school: an admin
 * imports a list (CSV or XLSX) of addresses, each with an optional SWV code and function, and each
 * professional gets a personal link by e-mail (invited-mail.ts, as teachers).
 *
 * A professional is a person with role 'professional', no school location (`site_id` null,
 * migration 0024), the SWV and function of the list, the address in `person_contacts` and its
 * keyed hash in `persons.contact_hash`. In a follow-up round the same address continues the
 * previous measurement's professional: same `panel_id`, `previous_person_id` set (the hash finds
 * it; no plain address is compared). "Copy from the previous measurement" invites the previous
 * round's professionals again without a new list.
 *
 * The importer follows the platform's rules: a dry run lists every problem by line in Dutch;
 * applying stores everything or, with any problem, nothing; addresses are never echoed or logged.
 */

const MAX_REPORTED = 200;
export const MAX_FUNCTION = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const EMAIL_HEADERS = ['e-mail', 'email', 'e-mailadres', 'emailadres', 'e-mail adres', 'mail'];
const SWV_HEADERS = ['swv', 'swv-code', 'swv_code', 'swvcode', 'samenwerkingsverband'];
const FUNCTION_HEADERS = ['functie', 'rol', 'function'];

export interface ProfessionalsImportReport {
  dryRun: boolean;
  applied: boolean;
  lines: number;
  /** Professionals new in this round. */
  added: number;
  /** Of those, continued from the previous measurement (same address): same panel. */
  continued: number;
  /** Addresses already in this round (a list imported again): left as they are. */
  existing: number;
  problems: Array<{ line: number | null; problem: string }>;
  moreProblems: number;
}

/** A person round that asks professionals and whose data still exists. */
async function professionalRound(db: Kysely<DB>, roundId: number) {
  const round = await db
    .selectFrom('rounds as r')
    .innerJoin('person_rounds as pr', 'pr.round_id', 'r.id')
    .select(['r.id', 'r.status', 'r.purged_at', 'pr.roles'])
    .where('r.id', '=', roundId)
    .executeTakeFirst();
  if (!round) throw notFound('Deze meting is geen meting per persoon.');
  if (round.purged_at !== null) throw conflict('purged', 'De gegevens van deze meting zijn al verwijderd.');
  if (!asksProfessionals(round.roles)) throw badRequest('no_professionals', 'Deze meting vraagt geen professionals. Kies de rol "professional" bij de instellingen.');
  if (round.status === 'closed') throw conflict('round_closed', 'Deze meting is gesloten.');
  return round;
}

export function asksProfessionals(roles: unknown): boolean {
  return Array.isArray(roles) && roles.includes('professional');
}

/** A cell shown back in a problem: short. Never an address. */
const shown = (text: string) => (text.length > 30 ? `${text.slice(0, 30)}…` : text);

interface ProfessionalLine {
  line: number;
  email: string;
  hash: string;
  swvId: number | null;
  fn: string | null;
}

/** The hashes of this round's professionals, and of the previous round's by hash (id, panel). */
async function knownContacts(db: Kysely<DB>, roundId: number) {
  const current = await db.selectFrom('persons').select('contact_hash').where('round_id', '=', roundId).where('role', '=', 'professional').execute();
  const previousRoundId = await previousRoundOf(db, roundId);
  const previous = new Map<string, { id: number; panel_id: string }>();
  if (previousRoundId !== null) {
    const rows = await db
      .selectFrom('persons')
      .select(['id', 'panel_id', 'contact_hash'])
      .where('round_id', '=', previousRoundId)
      .where('role', '=', 'professional')
      .where('contact_hash', 'is not', null)
      .orderBy('id', 'desc')
      .execute();
    // The first one of a hash wins (ordered descending, so the lowest id is set last).
    for (const r of rows) previous.set(r.contact_hash!, { id: r.id, panel_id: r.panel_id });
  }
  return { current: new Set(current.map((r) => r.contact_hash)), previous, previousRoundId };
}

/**
 * Inserts professionals (in the caller's transaction): a person each, with its contact, continuing
 * the previous measurement's person of the same address. Returns how many continued.
 */
async function insertProfessionals(trx: Kysely<DB>, roundId: number, lines: Array<Omit<ProfessionalLine, 'line'>>, previous: Map<string, { id: number; panel_id: string }>, now: Date): Promise<number> {
  let continued = 0;
  for (let i = 0; i < lines.length; i += 500) {
    const chunk = lines.slice(i, i + 500);
    const values = chunk.map((l) => {
      const earlier = previous.get(l.hash);
      if (earlier) continued++;
      return {
        round_id: roundId,
        site_id: null,
        role: 'professional',
        panel_id: earlier?.panel_id ?? randomUUID(),
        previous_person_id: earlier?.id ?? null,
        contact_hash: l.hash,
        code_nonce: newNonce(),
        swv_id: l.swvId,
        function: l.fn,
        created_at: now,
      };
    });
    const created = await trx.insertInto('persons').values(values).returning(['id', 'contact_hash']).execute();
    const idOf = new Map(created.map((c) => [c.contact_hash!, c.id]));
    await trx
      .insertInto('person_contacts')
      .values(chunk.map((l) => ({ person_id: idOf.get(l.hash)!, email: l.email })))
      .execute();
  }
  return continued;
}

/** Admin: imports a list of professionals (CSV or XLSX) into a person round that asks them, in the caller's transaction. */
export async function importProfessionals(
  trx: Transaction<DB>,
  secret: string,
  roundId: number,
  bytes: Uint8Array,
  options: { dryRun: boolean; now: Date; actor: Actor; fileName?: string | null },
): Promise<ProfessionalsImportReport> {
  await professionalRound(trx, roundId);
  const table = await readTable(bytes);
  const header = table.header.map((h) => h.trim().toLowerCase());
  const find = (names: string[]) => header.map((h, i) => (names.includes(h) ? i : -1)).filter((i) => i >= 0);
  const emailColumns = find(EMAIL_HEADERS);
  const swvColumns = find(SWV_HEADERS);
  const functionColumns = find(FUNCTION_HEADERS);
  const headerProblems: string[] = [];
  if (emailColumns.length === 0) headerProblems.push('De kopregel heeft geen kolom "e-mail" met de e-mailadressen.');
  for (const [columns, name] of [[emailColumns, 'e-mail'], [swvColumns, 'swv'], [functionColumns, 'functie']] as const)
    if (columns.length > 1) headerProblems.push(`De kopregel heeft meer dan één kolom "${name}".`);
  if (headerProblems.length > 0) throw badRequest('invalid_header', 'Het bestand is niet ingelezen. Verbeter de kopregel.', headerProblems.map((problem) => ({ line: table.headerLine, problem })));
  const [emailColumn] = emailColumns as [number];
  const swvColumn = swvColumns[0];
  const functionColumn = functionColumns[0];

  const swvByCode = new Map((await trx.selectFrom('swvs').select(['id', 'code']).execute()).map((s) => [s.code.trim().toUpperCase(), s.id]));
  const problems: ProfessionalsImportReport['problems'] = [];
  let problemCount = 0;
  const problem = (line: number | null, text: string) => {
    problemCount++;
    if (problems.length < MAX_REPORTED) problems.push({ line, problem: text });
  };

  const lines: ProfessionalLine[] = [];
  const firstLineOf = new Map<string, number>();
  for (const row of table.rows) {
    if (!('cells' in row)) {
      problem(row.line, `Regel ${row.line}: ${problemText(row.problem)}.`);
      continue;
    }
    if (row.cells.every((c) => c.trim() === '')) continue;
    const cell = (i: number | undefined) => (i === undefined ? '' : (row.cells[i] ?? '').trim());
    const email = cell(emailColumn).toLowerCase();
    let ok = true;
    if (email === '') {
      problem(row.line, `Regel ${row.line}: het e-mailadres ontbreekt.`);
      ok = false;
    } else if (hostileValue(email) || !EMAIL.test(email) || email.length > 254) {
      problem(row.line, `Regel ${row.line}: dit is geen geldig e-mailadres.`);
      ok = false;
    }
    const hash = ok ? contactHash(secret, email) : '';
    if (ok) {
      const earlier = firstLineOf.get(hash);
      if (earlier !== undefined) {
        problem(row.line, `Regel ${row.line}: hetzelfde e-mailadres als regel ${earlier}.`);
        ok = false;
      } else firstLineOf.set(hash, row.line);
    }
    let swvId: number | null = null;
    const swv = cell(swvColumn);
    if (swv !== '') {
      const hostile = hostileValue(swv);
      swvId = swvByCode.get(swv.toUpperCase()) ?? null;
      if (hostile) {
        problem(row.line, `Regel ${row.line}, swv: de waarde ${hostile}.`);
        ok = false;
      } else if (swvId === null) {
        problem(row.line, `Regel ${row.line}: het samenwerkingsverband "${shown(swv)}" is niet bekend (gebruik de SWV-code, bijvoorbeeld PO2601).`);
        ok = false;
      }
    }
    const fn = cell(functionColumn);
    const hostileFn = fn === '' ? null : hostileValue(fn);
    if (hostileFn) {
      problem(row.line, `Regel ${row.line}, functie: de waarde ${hostileFn}.`);
      ok = false;
    } else if (fn.length > MAX_FUNCTION) {
      problem(row.line, `Regel ${row.line}, functie: langer dan ${MAX_FUNCTION} tekens.`);
      ok = false;
    }
    if (ok) lines.push({ line: row.line, email, hash, swvId, fn: fn === '' ? null : fn });
  }
  if (firstLineOf.size === 0 && problemCount === 0) problem(null, 'Het bestand heeft geen regels met een e-mailadres onder de kopregel.');

  const known = await knownContacts(trx, roundId);
  const fresh = lines.filter((l) => !known.current.has(l.hash));
  const report: ProfessionalsImportReport = {
    dryRun: options.dryRun,
    applied: false,
    lines: table.rows.length,
    added: fresh.length,
    continued: fresh.filter((l) => known.previous.has(l.hash)).length,
    existing: lines.length - fresh.length,
    problems,
    moreProblems: problemCount - problems.length,
  };
  if (options.dryRun) return report;
  if (problemCount > 0) throw badRequest('invalid_file', 'Er is niets ingelezen: het bestand heeft fouten. Verbeter ze en probeer het opnieuw.', report);

  // One import at a time per round, so two uploads of one list add nobody twice.
  await trx.selectFrom('person_rounds').select('round_id').where('round_id', '=', roundId).forUpdate().executeTakeFirstOrThrow();
  const again = await knownContacts(trx, roundId);
  const toAdd = fresh.filter((l) => !again.current.has(l.hash));
  await insertProfessionals(trx, roundId, toAdd, again.previous, options.now);
  await audit(trx, options.actor, options.now, 'persons.professionals_import', `round:${roundId}`, {
    fileName: options.fileName ?? null,
    added: toAdd.length,
    continued: report.continued,
    existing: report.existing,
  });
  return { ...report, applied: true };
}

export interface CopyPreviousReport {
  dryRun: boolean;
  /** Invited again: continued in this round with their panel id. */
  copied: number;
  /** Already in this round. */
  existing: number;
  /** Not copied: opted out of mail, address bounced, or no address any more (erased, purged). */
  skipped: number;
}

/**
 * Admin: invites the previous measurement's professionals again ("copy from the previous
 * measurement"): each one not yet in this round becomes a person of this round with the same
 * panel id, SWV and function. Not copied: who opted out of the mail or whose address bounced in
 * the previous round, and who has no address any more. In the caller's transaction.
 */
export async function copyPreviousProfessionals(trx: Transaction<DB>, roundId: number, options: { dryRun: boolean; now: Date; actor: Actor }): Promise<CopyPreviousReport> {
  await professionalRound(trx, roundId);
  const previousRoundId = await previousRoundOf(trx, roundId);
  if (previousRoundId === null) throw badRequest('no_previous_round', 'Deze meting volgt geen eerdere meting. Kies eerst de vorige meting bij de instellingen.');
  const plan = async () => {
    const known = await knownContacts(trx, roundId);
    const rows = await trx
      .selectFrom('persons as p')
      .leftJoin('person_contacts as pc', 'pc.person_id', 'p.id')
      .select(['p.id', 'p.contact_hash', 'p.swv_id', 'p.function', 'pc.email', 'pc.opted_out_at', 'pc.bounced_at'])
      .where('p.round_id', '=', previousRoundId)
      .where('p.role', '=', 'professional')
      .orderBy('p.id')
      .execute();
    const seen = new Set<string>();
    const copy: Array<Omit<ProfessionalLine, 'line'>> = [];
    let existing = 0;
    let skipped = 0;
    for (const r of rows) {
      if (r.contact_hash !== null && (known.current.has(r.contact_hash) || seen.has(r.contact_hash))) {
        existing++;
        continue;
      }
      if (r.email === null || r.contact_hash === null || r.opted_out_at !== null || r.bounced_at !== null) {
        skipped++;
        continue;
      }
      seen.add(r.contact_hash);
      copy.push({ email: r.email, hash: r.contact_hash, swvId: r.swv_id, fn: r.function });
    }
    return { copy, existing, skipped, previous: known.previous };
  };
  if (options.dryRun) {
    const p = await plan();
    return { dryRun: true, copied: p.copy.length, existing: p.existing, skipped: p.skipped };
  }
  await trx.selectFrom('person_rounds').select('round_id').where('round_id', '=', roundId).forUpdate().executeTakeFirstOrThrow();
  const p = await plan();
  await insertProfessionals(trx, roundId, p.copy, p.previous, options.now);
  await audit(trx, options.actor, options.now, 'persons.professionals_copy', `round:${roundId}`, { previousRoundId, copied: p.copy.length, existing: p.existing, skipped: p.skipped });
  return { dryRun: false, copied: p.copy.length, existing: p.existing, skipped: p.skipped };
}

/** A round's professionals in figures (the admin page and tracking): the mail and the answers. */
export interface ProfessionalTally extends InvitedTally {
  /** Continued from the previous measurement (same address, same panel). */
  continued: number;
}

export async function professionalTally(db: Kysely<DB>, roundId: number): Promise<ProfessionalTally> {
  const row = await db
    .selectFrom('persons as p')
    .leftJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .select([...INVITED_TALLY_COLUMNS, sql<number>`count(p.previous_person_id)`.as('continued')])
    .where('p.round_id', '=', roundId)
    .where('p.role', '=', 'professional')
    .executeTakeFirstOrThrow();
  return { ...invitedTally(row), continued: Number(row.continued) };
}
