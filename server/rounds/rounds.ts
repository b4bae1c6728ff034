import type { Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB, ReminderPolicy, Round } from '../db/types';
import { badRequest, conflict, notFound } from '../errors';
import { getVersion, listQuestionnaires, snapshotVersion } from '../questionnaires';
import { endOfDay } from '../time';

/** A round (meting) is open for six weeks unless the admin says otherwise. */
export const DEFAULT_ROUND_DAYS = 42;
/** A new round's reminders (the column default of rounds.reminder_policy, migration 0001, says the same). */
export const DEFAULT_REMINDER_POLICY: ReminderPolicy = { afterDays: [14] };

const DAY_MS = 24 * 60 * 60 * 1000;

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/**
 * The closing moment when the admin gives none: the end of the Dutch day six weeks after
 * `from`, so the day the mail names ("open tot en met …") is open to its end.
 */
export function defaultCloseAfter(from: Date): Date {
  return endOfDay(addDays(from, DEFAULT_ROUND_DAYS));
}

// ---------------------------------------------------------------------------------------------
// Studies

export interface StudyInput {
  name: string;
  description?: string | null;
  senderName?: string | null;
}

function slugify(name: string): string {
  const slug = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
  return slug || 'onderzoek';
}

export async function createStudy(db: Kysely<DB>, input: StudyInput, now: Date, actor: Actor) {
  const name = input.name.trim();
  if (!name) throw badRequest('invalid_name', 'Geef het onderzoek een naam.');
  const base = slugify(name);
  const taken = new Set((await db.selectFrom('studies').select('slug').where('slug', 'like', `${base}%`).execute()).map((s) => s.slug));
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  const study = await db
    .insertInto('studies')
    .values({ name, slug, description: input.description?.trim() || null, sender_name: input.senderName?.trim() || null })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(db, actor, now, 'study.create', `study:${study.id}`, { name });
  return study;
}

// ---------------------------------------------------------------------------------------------
// Rounds

export interface RoundInput {
  studyId: number;
  name: string;
  /** A questionnaire file id ('image-samenwerking-2023'): its current content is snapshotted and pinned; or 'v<id>', a version saved from the admin app. */
  questionnaireId?: string | null;
  /** Or an already stored snapshot (e.g. the previous round's). */
  questionnaireVersionId?: number | null;
  opensAt?: Date | null;
  /** Defaults to six weeks after opensAt. */
  closesAt?: Date | null;
  reminderPolicy?: ReminderPolicy;
  targetRespondents?: number | null;
}

export function checkReminderPolicy(policy: ReminderPolicy): ReminderPolicy {
  const days = policy.afterDays;
  if (!Array.isArray(days) || days.length > 5 || days.some((d) => !Number.isInteger(d) || d < 1 || d > 90)) {
    throw badRequest('invalid_reminder_policy', 'Herinneringen: geef hoogstens vijf dagen op, elk een heel getal van 1 tot en met 90.');
  }
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length !== days.length) throw badRequest('invalid_reminder_policy', 'Herinneringen: elke dag mag maar één keer voorkomen.');
  return { afterDays: sorted };
}

function checkWindow(opensAt: Date | null, closesAt: Date | null): { opensAt: Date | null; closesAt: Date | null } {
  const closes = closesAt ?? (opensAt ? defaultCloseAfter(opensAt) : null);
  if (opensAt && closes && closes.getTime() <= opensAt.getTime()) {
    throw badRequest('invalid_dates', 'De sluitdatum moet na de openingsdatum liggen.');
  }
  return { opensAt, closesAt: closes };
}

/** The questionnaire version an id names (a file is snapshotted); also for a person round's teachers. */
export async function pinVersion(db: Kysely<DB>, input: Pick<RoundInput, 'questionnaireId' | 'questionnaireVersionId'>): Promise<number | null> {
  if (input.questionnaireId) {
    // A version saved from the admin app (issue 27): 'v<id>', pinned as it is (rows are immutable).
    const stored = /^v([1-9][0-9]{0,9})$/.exec(input.questionnaireId);
    if (stored) return (await getVersion(db, Number(stored[1]))).id;
    const file = listQuestionnaires().find((q) => q.id === input.questionnaireId);
    if (!file) throw badRequest('unknown_questionnaire', 'Deze vragenlijst bestaat niet.');
    if (file.issues.length) throw badRequest('questionnaire_not_valid', 'Deze vragenlijst bevat fouten en kan niet worden gebruikt.');
    return (await snapshotVersion(db, input.questionnaireId)).id;
  }
  if (input.questionnaireVersionId) return (await getVersion(db, input.questionnaireVersionId)).id;
  return null;
}

export async function createRound(db: Kysely<DB>, input: RoundInput, now: Date, actor: Actor): Promise<Round> {
  const name = input.name.trim();
  if (!name) throw badRequest('invalid_name', 'Geef de meting een naam.');
  const study = await db.selectFrom('studies').select('id').where('id', '=', input.studyId).executeTakeFirst();
  if (!study) throw notFound('Dit onderzoek bestaat niet.');
  const window = checkWindow(input.opensAt ?? null, input.closesAt ?? null);
  const versionId = await pinVersion(db, input);
  const round = await db
    .insertInto('rounds')
    .values({
      study_id: input.studyId,
      name,
      questionnaire_version_id: versionId,
      opens_at: window.opensAt,
      closes_at: window.closesAt,
      // Without a policy the column default applies: one reminder 14 days after the invitation.
      ...(input.reminderPolicy ? { reminder_policy: JSON.stringify(checkReminderPolicy(input.reminderPolicy)) } : {}),
      target_respondents: input.targetRespondents ?? null,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(db, actor, now, 'round.create', `round:${round.id}`, { studyId: input.studyId, name, questionnaireVersionId: versionId });
  return round;
}

export async function lockRound(db: Kysely<DB>, roundId: number): Promise<Round> {
  const round = await db.selectFrom('rounds').selectAll().where('id', '=', roundId).forUpdate().executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  return round;
}

export function assertNotClosed(round: Round): void {
  if (round.status === 'closed') throw conflict('round_closed', 'Deze meting is gesloten.');
}

export function assertDraft(round: Round): void {
  if (round.status !== 'draft') throw conflict('round_not_draft', 'Deze meting is al geopend; dit kan alleen vóór het openen.');
}

/** What `updateRound` may change: a round's settings, each optional (undefined keeps it). */
export type RoundPatch = Partial<Omit<RoundInput, 'studyId'>>;

/**
 * Changes a round's settings. The questionnaire and the opening date are fixed once the round is
 * open; the close date, the reminder policy and the target may still move (not to the past).
 * Call inside a transaction.
 */
export async function updateRound(trx: Kysely<DB>, roundId: number, patch: RoundPatch, now: Date, actor: Actor): Promise<Round> {
  const round = await lockRound(trx, roundId);
  assertNotClosed(round);
  const open = round.status === 'open';
  if (open && (patch.questionnaireId !== undefined || patch.questionnaireVersionId !== undefined)) {
    throw conflict('round_not_draft', 'De vragenlijst van een geopende meting ligt vast.');
  }
  if (open && patch.opensAt !== undefined && patch.opensAt?.getTime() !== round.opens_at?.getTime()) {
    throw conflict('round_not_draft', 'De openingsdatum van een geopende meting ligt vast.');
  }
  const opensAt = patch.opensAt !== undefined ? patch.opensAt : round.opens_at;
  const closesAt = patch.closesAt !== undefined ? patch.closesAt : patch.opensAt !== undefined && patch.opensAt ? null : round.closes_at;
  const window = checkWindow(opensAt, closesAt);
  if (open && window.closesAt && window.closesAt.getTime() <= now.getTime()) {
    throw badRequest('invalid_dates', 'De sluitdatum van een geopende meting moet in de toekomst liggen.');
  }
  const name = patch.name !== undefined ? patch.name.trim() : round.name;
  if (!name) throw badRequest('invalid_name', 'Geef de meting een naam.');
  const versionId =
    patch.questionnaireId !== undefined || patch.questionnaireVersionId !== undefined ? await pinVersion(trx, patch) : round.questionnaire_version_id;
  const updated = await trx
    .updateTable('rounds')
    .set({
      name,
      questionnaire_version_id: versionId,
      opens_at: window.opensAt,
      closes_at: window.closesAt,
      ...(patch.reminderPolicy ? { reminder_policy: JSON.stringify(checkReminderPolicy(patch.reminderPolicy)) } : {}),
      ...(patch.targetRespondents !== undefined ? { target_respondents: patch.targetRespondents } : {}),
      updated_at: now,
    })
    .where('id', '=', roundId)
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(trx, actor, now, 'round.update', `round:${roundId}`, { fields: Object.keys(patch) });
  return updated;
}

export interface CopyInput {
  name: string;
  opensAt?: Date | null;
  closesAt?: Date | null;
  /** A newer questionnaire file for the next measurement; default: the same pinned version. */
  questionnaireId?: string | null;
}

/**
 * The next measurement of a round (2022 → 2023 → 2024): same study, questionnaire version (unless
 * a newer one is given), reminder policy and target, and the same SWVs with their situations and
 * region letters, so the same schools are compared across rounds. Per-school choices (added or
 * excluded schools) are not copied: they were about that measurement. Call inside a transaction.
 */
/** What other areas copy along with a round (server/app.ts passes server/persons' settings copy). */
export type RoundCopied = (trx: Kysely<DB>, fromRoundId: number, toRoundId: number, now: Date, actor: Actor) => Promise<void>;

export async function copyRound(trx: Kysely<DB>, roundId: number, input: CopyInput, now: Date, actor: Actor, roundCopied?: RoundCopied): Promise<Round> {
  const source = await trx.selectFrom('rounds').selectAll().where('id', '=', roundId).executeTakeFirst();
  if (!source) throw notFound('Deze meting bestaat niet.');
  const name = input.name.trim();
  if (!name) throw badRequest('invalid_name', 'Geef de nieuwe meting een naam.');
  const window = checkWindow(input.opensAt ?? null, input.closesAt ?? null);
  const versionId = input.questionnaireId ? await pinVersion(trx, { questionnaireId: input.questionnaireId }) : source.questionnaire_version_id;
  const round = await trx
    .insertInto('rounds')
    .values({
      study_id: source.study_id,
      name,
      questionnaire_version_id: versionId,
      opens_at: window.opensAt,
      closes_at: window.closesAt,
      reminder_policy: JSON.stringify(source.reminder_policy),
      target_respondents: source.target_respondents,
      previous_round_id: source.id,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const swvs = await trx.selectFrom('round_swvs').select(['swv_id', 'situation', 'region_letter']).where('round_id', '=', roundId).execute();
  if (swvs.length) await trx.insertInto('round_swvs').values(swvs.map((s) => ({ ...s, round_id: round.id }))).execute();
  await roundCopied?.(trx, roundId, round.id, now, actor);
  await audit(trx, actor, now, 'round.copy', `round:${round.id}`, { from: roundId, swvs: swvs.length });
  return round;
}

/**
 * Sets the round's target number of respondents (the dashboard's target): by hand on the
 * dashboard, or from a sample-size calculation (server/analysis/target.ts). False when the round
 * does not exist.
 */
export async function setRoundTarget(db: Kysely<DB>, roundId: number, target: number | null, now: Date): Promise<boolean> {
  const updated = await db.updateTable('rounds').set({ target_respondents: target, updated_at: now }).where('id', '=', roundId).returning('id').executeTakeFirst();
  return updated !== undefined;
}

/** Sets (or clears) the date after which the round's contact data are purged (server/privacy/). */
export async function setRetentionUntil(db: Kysely<DB>, roundId: number, until: Date | null, now: Date): Promise<void> {
  await db.updateTable('rounds').set({ retention_until: until, updated_at: now }).where('id', '=', roundId).execute();
}

/**
 * A partner round (server/snowball/): an open round in the source round's study whose respondents
 * are organisations the source round's schools named. It opens at once without inviting anyone
 * (the snowball area invites partners one by one as the admin approves them), closes with the
 * source round (or six weeks from now when that has passed), has the source's retention date and
 * its SWVs and situations, so waves can target them. In the caller's transaction.
 */
export async function createPartnerRound(trx: Kysely<DB>, sourceRoundId: number, questionnaireId: string, now: Date, actor: Actor): Promise<Round> {
  const source = await lockRound(trx, sourceRoundId);
  const versionId = await pinVersion(trx, { questionnaireId });
  const closesAt = source.closes_at && new Date(source.closes_at).getTime() > now.getTime() ? new Date(source.closes_at) : defaultCloseAfter(now);
  const round = await trx
    .insertInto('rounds')
    .values({
      study_id: source.study_id,
      name: `${source.name} – partners`,
      questionnaire_version_id: versionId,
      status: 'open',
      opens_at: now,
      closes_at: closesAt,
      retention_until: source.retention_until,
      unit_type: 'partner',
      reminder_policy: JSON.stringify(source.reminder_policy),
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const swvs = await trx.selectFrom('round_swvs').select(['swv_id', 'situation', 'region_letter']).where('round_id', '=', sourceRoundId).execute();
  if (swvs.length) await trx.insertInto('round_swvs').values(swvs.map((s) => ({ ...s, round_id: round.id }))).execute();
  await audit(trx, actor, now, 'round.create_partner_round', `round:${round.id}`, { sourceRoundId, questionnaireVersionId: versionId });
  return round;
}

/** Makes a draft round a person round (server/persons/ checks the draft state in the same transaction). */
export async function setUnitType(db: Kysely<DB>, roundId: number, unitType: 'school' | 'person', now: Date): Promise<void> {
  await db.updateTable('rounds').set({ unit_type: unitType, updated_at: now }).where('id', '=', roundId).execute();
}
