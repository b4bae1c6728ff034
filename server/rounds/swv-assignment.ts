import type { Kysely } from 'kysely';
import type { AssignmentImportReport } from '../../contract/api/rounds';
import { audit, type Actor } from '../audit';
import { NO_SITUATION_LABEL, SITUATION_LABELS, SITUATIONS } from '../../contract/vocabulary';
import type { DB, Situation, SwvSector } from '../db/types';
import { badRequest, notFound } from '../errors';
import { readMeta } from '../questionnaires';
import { normaliseSwvCode } from '../schools/codes';
import { mapColumns, type FieldSpec } from '../schools/columns';
import { readTable } from '../schools/table';
import { assertDraft, lockRound } from './rounds';

/**
 * Which SWVs take part in a round, each with its samenwerkingssituatie and the report's region
 * letter. A letter names one SWV, except in the po–vo situation, where one letter pairs a po and
 * a vo SWV (the report's regions G, H, I). Assignments change only while the round is a draft.
 */

export { NO_SITUATION_LABEL, SITUATION_LABELS, SITUATIONS };

/** The SWV sector a situation needs; null when either fits. */
const SITUATION_SECTOR: Record<Situation, SwvSector | null> = {
  'po-ko': 'po',
  'po-po': 'po',
  'vo-vo': 'vo',
  'vso-vo': 'vo',
  'po-vo': null,
  'ow-jh': null,
};

/**
 * Written for "no situation" in an assignment file and the admin form: an SWV's own monitor
 * (Eemland) has none. An empty cell means the same.
 */
export const NO_SITUATION_WORDS = ['', 'geen', 'geen-samenwerkingssituatie', '-', 'nvt', 'n.v.t.'];

/** Accepts our codes, the spec's (`po_vo`, `onderwijs_jeugdhulp`) and the report's Dutch labels. */
export function parseSituation(raw: string): Situation | null {
  const value = raw
    .trim()
    .toLowerCase()
    .replace(/[–—_ ]+/g, '-');
  const aliases: Record<string, Situation> = {
    'po-kinderopvang': 'po-ko',
    kinderopvang: 'po-ko',
    'po-onderling': 'po-po',
    'binnen-po': 'po-po',
    'vo-onderling': 'vo-vo',
    'binnen-vo': 'vo-vo',
    'onderwijs-jeugdhulp': 'ow-jh',
    jeugdhulp: 'ow-jh',
    'speciaal-regulier': 'vso-vo',
    'regulier-speciaal': 'vso-vo',
    // The admin form's label for vso–vo until the report's label replaced it; files may still spell it.
    'tussen-vso-en-regulier-vo': 'vso-vo',
  };
  if ((SITUATIONS as readonly string[]).includes(value)) return value as Situation;
  if (aliases[value]) return aliases[value]!;
  const byLabel = SITUATIONS.find((s) => SITUATION_LABELS[s].toLowerCase().replace(/[–—_ ]+/g, '-') === value);
  return byLabel ?? null;
}

export interface Assignment {
  swvCode: string;
  /** Null: no samenwerkingssituatie (a round whose questionnaire does not use one). */
  situation: Situation | null;
  regionLetter: string;
}

interface AssignedSwv extends Assignment {
  swvId: number;
  sector: SwvSector;
}

/** Why an assignment cannot join the others, in Dutch; null when it can. */
function conflictWith(candidate: AssignedSwv, others: AssignedSwv[]): string | null {
  const need = candidate.situation ? SITUATION_SECTOR[candidate.situation] : null;
  if (candidate.situation && need && need !== candidate.sector) {
    return `${candidate.swvCode} is een ${candidate.sector}-samenwerkingsverband en past niet bij de situatie "${SITUATION_LABELS[candidate.situation]}"`;
  }
  const sameLetter = others.filter((o) => o.regionLetter === candidate.regionLetter && o.swvCode !== candidate.swvCode);
  if (sameLetter.length === 0) return null;
  const partner = sameLetter[0]!;
  if (candidate.situation !== 'po-vo' || sameLetter.length > 1 || partner.situation !== 'po-vo') {
    return `letter ${candidate.regionLetter} hoort al bij ${partner.swvCode}; alleen in de situatie po–vo delen een po- en een vo-samenwerkingsverband een letter`;
  }
  if (partner.sector === candidate.sector) {
    return `letter ${candidate.regionLetter} hoort al bij ${partner.swvCode}; een po–vo-regio heeft één po- en één vo-samenwerkingsverband`;
  }
  return null;
}

function normaliseLetter(raw: string): string | null {
  const letter = raw.trim().toUpperCase();
  return /^[A-Z]{1,2}$/.test(letter) ? letter : null;
}

async function currentAssignments(db: Kysely<DB>, roundId: number): Promise<AssignedSwv[]> {
  const rows = await db
    .selectFrom('round_swvs')
    .innerJoin('swvs', 'swvs.id', 'round_swvs.swv_id')
    .select(['swvs.id', 'swvs.code', 'swvs.sector', 'round_swvs.situation', 'round_swvs.region_letter'])
    .where('round_swvs.round_id', '=', roundId)
    .execute();
  return rows.map((r) => ({ swvId: r.id, swvCode: r.code, sector: r.sector, situation: r.situation, regionLetter: r.region_letter ?? '' }));
}

async function resolve(db: Kysely<DB>, input: { swvCode: string; situation: string; regionLetter: string }): Promise<AssignedSwv | string> {
  const code = normaliseSwvCode(input.swvCode);
  if (!code) return `ongeldige SWV-code '${input.swvCode}'`;
  const none = NO_SITUATION_WORDS.includes(input.situation.trim().toLowerCase().replace(/\s+/g, '-'));
  const situation = none ? null : parseSituation(input.situation);
  if (!none && !situation) return `onbekende samenwerkingssituatie '${input.situation}' (laat leeg of schrijf 'geen' als de vragenlijst geen situatie gebruikt)`;
  const letter = normaliseLetter(input.regionLetter);
  if (!letter) return `ongeldige regioletter '${input.regionLetter}' (één of twee hoofdletters)`;
  const swv = await db.selectFrom('swvs').select(['id', 'code', 'sector', 'active']).where('code', '=', code).executeTakeFirst();
  if (!swv) return `onbekende SWV-code ${code} (importeer eerst de lijst van samenwerkingsverbanden)`;
  if (!swv.active) return `samenwerkingsverband ${code} is niet meer actief`;
  return { swvId: swv.id, swvCode: code, sector: swv.sector, situation, regionLetter: letter };
}

async function write(trx: Kysely<DB>, roundId: number, a: AssignedSwv): Promise<void> {
  await trx
    .insertInto('round_swvs')
    .values({ round_id: roundId, swv_id: a.swvId, situation: a.situation, region_letter: a.regionLetter })
    .onConflict((oc) => oc.columns(['round_id', 'swv_id']).doUpdateSet({ situation: a.situation, region_letter: a.regionLetter }))
    .execute();
}

/** Adds an SWV to a draft round, or changes its situation and letter. Call inside a transaction. */
export async function assignSwv(
  trx: Kysely<DB>,
  roundId: number,
  input: { swvCode: string; situation: string; regionLetter: string },
  now: Date,
  actor: Actor,
): Promise<Assignment> {
  assertDraft(await lockRound(trx, roundId));
  const resolved = await resolve(trx, input);
  if (typeof resolved === 'string') throw badRequest('invalid_assignment', capitalise(resolved) + '.');
  const others = (await currentAssignments(trx, roundId)).filter((o) => o.swvId !== resolved.swvId);
  const problem = conflictWith(resolved, others);
  if (problem) throw badRequest('invalid_assignment', capitalise(problem) + '.');
  await write(trx, roundId, resolved);
  await audit(trx, actor, now, 'round.swv.assign', `round:${roundId}`, { swv: resolved.swvCode, situation: resolved.situation, letter: resolved.regionLetter });
  return { swvCode: resolved.swvCode, situation: resolved.situation, regionLetter: resolved.regionLetter };
}

export async function unassignSwv(trx: Kysely<DB>, roundId: number, swvCode: string, now: Date, actor: Actor): Promise<void> {
  assertDraft(await lockRound(trx, roundId));
  const code = normaliseSwvCode(swvCode);
  const swv = code ? await trx.selectFrom('swvs').select('id').where('code', '=', code).executeTakeFirst() : undefined;
  if (!swv) throw notFound('Dit samenwerkingsverband bestaat niet.');
  const deleted = await trx.deleteFrom('round_swvs').where('round_id', '=', roundId).where('swv_id', '=', swv.id).executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) throw notFound('Dit samenwerkingsverband doet niet mee aan deze meting.');
  await audit(trx, actor, now, 'round.swv.unassign', `round:${roundId}`, { swv: code });
}

type AssignmentField = 'swvCode' | 'situation' | 'regionLetter';
const ASSIGNMENT_FIELDS: Array<FieldSpec<AssignmentField>> = [
  { key: 'swvCode', aliases: ['SWV', 'SWVCODE', 'CODE', 'SAMENWERKINGSVERBAND', 'ADMINISTRATIENUMMER'], required: true, label: 'SWV' },
  { key: 'situation', aliases: ['SITUATIE', 'SAMENWERKINGSSITUATIE', 'SITUATION'], required: false, label: 'Situatie' },
  { key: 'regionLetter', aliases: ['LETTER', 'REGIOLETTER', 'REGIO', 'AANDUIDINGREGIO'], required: true, label: 'Letter' },
];

/** Small files only: a round has tens of SWVs, not thousands. */
export const MAX_ASSIGNMENT_FILE_BYTES = 256 * 1024;

/**
 * Assigns SWVs from a small CSV or XLSX (`SWV;Situatie;Letter`). All or nothing: with any rejected
 * line nothing is assigned, so the round never ends up half-configured. Lines for SWVs already
 * assigned change their situation and letter. Call inside a transaction.
 */
export async function importAssignments(
  trx: Kysely<DB>,
  roundId: number,
  bytes: Uint8Array,
  options: { dryRun: boolean; now: Date; actor: Actor },
): Promise<AssignmentImportReport> {
  if (bytes.length > MAX_ASSIGNMENT_FILE_BYTES) throw badRequest('file_too_large', 'Dit bestand is te groot voor een lijst van samenwerkingsverbanden.');
  assertDraft(await lockRound(trx, roundId));
  const table = await readTable(bytes);
  const mapping = mapColumns(table.header, ASSIGNMENT_FIELDS);
  if (mapping.missing.length) {
    throw badRequest('missing_columns', `Deze kolommen ontbreken in de kopregel: ${mapping.missing.map((m) => m.label).join(', ')}.`);
  }
  const current = await currentAssignments(trx, roundId);
  const rejected: AssignmentImportReport['rejected'] = [];
  const seen = new Map<string, number>();
  const resolvedLines: Array<{ line: number; a: AssignedSwv }> = [];
  for (const row of table.rows) {
    if (!('cells' in row)) {
      rejected.push({ line: row.line, reason: 'regel kan niet worden gelezen' });
      continue;
    }
    if (row.cells.length !== table.header.length) {
      rejected.push({ line: row.line, reason: `verwacht ${table.header.length} kolommen, gevonden ${row.cells.length}` });
      continue;
    }
    const cell = (k: AssignmentField) => row.cells[mapping.index[k]!]?.trim() ?? '';
    const resolved = await resolve(trx, { swvCode: cell('swvCode'), situation: cell('situation'), regionLetter: cell('regionLetter') });
    if (typeof resolved === 'string') {
      rejected.push({ line: row.line, reason: resolved });
      continue;
    }
    const earlier = seen.get(resolved.swvCode);
    if (earlier !== undefined) {
      rejected.push({ line: row.line, reason: `${resolved.swvCode} komt al voor op regel ${earlier}` });
      continue;
    }
    seen.set(resolved.swvCode, row.line);
    resolvedLines.push({ line: row.line, a: resolved });
  }
  // Letters and sectors are checked line by line against the round as the file leaves it: the
  // assignments it does not mention, then its own lines in order (the first claim on a letter wins).
  const accepted: AssignedSwv[] = current.filter((c) => !seen.has(c.swvCode));
  const incoming: Array<{ line: number; a: AssignedSwv }> = [];
  for (const item of resolvedLines) {
    const problem = conflictWith(item.a, accepted);
    if (problem) {
      rejected.push({ line: item.line, reason: problem });
      continue;
    }
    accepted.push(item.a);
    incoming.push(item);
  }
  rejected.sort((x, y) => x.line - y.line);
  const byCode = new Map(current.map((a) => [a.swvCode, a]));
  const added: Assignment[] = [];
  const changed: Assignment[] = [];
  let unchanged = 0;
  for (const { a } of incoming) {
    const before = byCode.get(a.swvCode);
    const plain = { swvCode: a.swvCode, situation: a.situation, regionLetter: a.regionLetter };
    if (!before) added.push(plain);
    else if (before.situation !== a.situation || before.regionLetter !== a.regionLetter) changed.push(plain);
    else unchanged++;
  }
  const apply = !options.dryRun && rejected.length === 0;
  if (apply) {
    for (const { a } of incoming) await write(trx, roundId, a);
    await audit(trx, options.actor, options.now, 'round.swv.import', `round:${roundId}`, { added: added.length, changed: changed.length, unchanged });
  }
  return { lines: table.rows.length, added, changed, unchanged, rejected, applied: apply };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The questionnaire variables that derive from the samenwerkingssituatie. */
const SITUATION_VARIABLES = new Set(['situatie', 'partner', 'thema']);

/**
 * Whether a round needs a samenwerkingssituatie for each of its SWVs: yes when its questionnaire
 * uses the situation (the IMAGE questionnaire pipes {partner} and routes on {situatie}), no for a
 * questionnaire without it (an SWV's own monitor). A round without a questionnaire yet: unknown,
 * so not required until one is chosen (opening checks again).
 */
export async function roundNeedsSituation(db: Kysely<DB>, roundId: number): Promise<boolean> {
  const row = await db
    .selectFrom('rounds')
    .innerJoin('questionnaire_versions as qv', 'qv.id', 'rounds.questionnaire_version_id')
    .select('qv.content')
    .where('rounds.id', '=', roundId)
    .executeTakeFirst();
  if (!row) return false;
  return readMeta(row.content).variables.some((v) => SITUATION_VARIABLES.has(v));
}

/** Refuses to open a round whose questionnaire uses the situation while an SWV has none. */
export async function assertSituations(db: Kysely<DB>, roundId: number): Promise<void> {
  if (!(await roundNeedsSituation(db, roundId))) return;
  const missing = await db
    .selectFrom('round_swvs')
    .innerJoin('swvs', 'swvs.id', 'round_swvs.swv_id')
    .select('swvs.code')
    .where('round_swvs.round_id', '=', roundId)
    .where('round_swvs.situation', 'is', null)
    .orderBy('swvs.code')
    .execute();
  if (missing.length > 0) {
    throw badRequest(
      'missing_situation',
      `De vragenlijst van deze meting gebruikt de samenwerkingssituatie. Kies een situatie voor ${missing.map((m) => m.code).join(', ')}.`,
    );
  }
}
