import { sql, type Kysely, type Transaction } from 'kysely';
import type { InvitedSurveyView } from '../../contract/api/persons';
import type { DB } from '../db/types';
import { badRequest, DomainError, notFound } from '../errors';
import { tokenId, tokenMatches } from '../invitations/person-links';
import type { QuestionnaireContent } from '../questionnaires';
import { checkAnswers } from '../responses/answers';
import { versionInfo, type VersionInfo } from '../responses/survey-state';
import { stopInvitedMail } from './invited-mail';
import { personVariables } from './parents';

/**
 * A person invited by e-mail: a teacher (`teachers.ts`) or a professional (`professional-page.ts`).
 * Their own link `<person id>-<mac>` (mac = HMAC(secret, role's link purpose, id:code_nonce),
 * `person-links.ts`), their own yes or no first (`teacher_consents`, append-only; nothing else is
 * stored before the yes; a no deletes the answers and stops the mail; a later yes is allowed),
 * then a questionnaire with autosave (an optimistic revision) and the full check on completion
 * (`checkAnswers`, like a school's answers). The real difference between the roles: a teacher
 * answers once per class taught (`teacher_responses`, one row per class; done when every class
 * is), a professional once (`person_responses`). The functions that write take the caller's
 * transaction.
 */

/** What a role's link finds (its own query: teachers through their school, professionals directly). */
export interface InvitedRow {
  id: number;
  round_id: number;
  site_id: number | null;
  status: string;
  code_nonce: string | null;
  round_status: string;
  closes_at: Date | null;
  round_name: string;
  study_name: string;
  /** The questionnaire the role answers in this round. */
  version_id: number | null;
  school_name?: string | null;
  swv_name?: string | null;
  /** The school was excluded or erased: the link no longer works. */
  excluded_at?: Date | null;
  erased_at?: Date | null;
}

export interface InvitedRole {
  role: 'teacher' | 'professional';
  /** The HMAC purpose of the personal link. */
  link: 'teacher-link' | 'professional-link';
  /** The person of this role with that id, if any. */
  find(db: Kysely<DB>, personId: number): Promise<InvitedRow | undefined>;
  /** Who they are in the reason of withdrawn mail ("Niet verstuurd: de leerkracht is klaar"). */
  who: string;
  /** The Dutch 404 when the round has no questionnaire for them (yet). */
  noQuestionnaire: string;
}

export interface InvitedContext {
  role: InvitedRole;
  personId: number;
  roundId: number;
  siteId: number | null;
  status: string;
  schoolName: string;
  swvName: string;
  studyName: string;
  roundName: string;
  closesAt: Date | null;
  versionId: number | null;
}

const GONE = () => notFound('Deze link werkt niet (meer). Controleer of u de hele link uit de e-mail heeft gebruikt.');
const DONE = () => new DomainError(409, 'completed', 'U heeft de vragenlijst al ingevuld. Dank u wel!');

/** A person of a role with their round and study, for `InvitedRole.find`, which joins what the role needs. */
export function invitedPerson(db: Kysely<DB>, personId: number, role: InvitedRole['role']) {
  return db
    .selectFrom('persons as p')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .select(['p.id', 'p.round_id', 'p.site_id', 'p.status', 'p.code_nonce', 'r.name as round_name', 'r.status as round_status', 'r.closes_at', 'st.name as study_name'])
    .where('p.id', '=', personId)
    .where('p.role', '=', role);
}

export async function openInvited(db: Kysely<DB>, secret: string, role: InvitedRole, token: string): Promise<InvitedContext> {
  const id = tokenId(token, role.link);
  if (id === null) throw GONE();
  const row = await role.find(db, id);
  if (!row || row.code_nonce === null || row.excluded_at || row.erased_at || !tokenMatches(secret, role.link, token, row.id, row.code_nonce)) throw GONE();
  if (row.round_status !== 'open') throw new DomainError(410, 'round_closed', 'Deze meting is gesloten.');
  return {
    role,
    personId: row.id,
    roundId: row.round_id,
    siteId: row.site_id,
    status: row.status,
    schoolName: row.school_name ?? '',
    swvName: row.swv_name ?? '',
    studyName: row.study_name,
    roundName: row.round_name,
    closesAt: row.closes_at,
    versionId: row.version_id,
  };
}

export type InvitedState = 'consent' | 'open' | 'refused' | 'completed';

/** What every invited person's page shows first (the roles add their school or SWV, and classes). */
export function invitedView(ctx: InvitedContext) {
  const state: InvitedState = ctx.status === 'completed' ? 'completed' : ctx.status === 'started' ? 'open' : ctx.status === 'refused' ? 'refused' : 'consent';
  return {
    studyName: ctx.studyName,
    roundName: ctx.roundName,
    closesAt: ctx.closesAt ? ctx.closesAt.toISOString() : null,
    state,
    hasQuestionnaire: ctx.versionId !== null,
  };
}

/**
 * The person's yes or no, in the caller's transaction. Yes: started. No: refused, with any answers
 * deleted, and no more mail.
 */
export async function invitedConsent(trx: Transaction<DB>, ctx: InvitedContext, consent: boolean, now: Date): Promise<InvitedState> {
  if (ctx.status === 'completed') throw DONE();
  await trx.selectFrom('persons').select('id').where('id', '=', ctx.personId).forUpdate().executeTakeFirstOrThrow();
  await trx.insertInto('teacher_consents').values({ person_id: ctx.personId, consent, at: now }).execute();
  if (consent) {
    await trx.updateTable('persons').set({ status: 'started', started_at: now }).where('id', '=', ctx.personId).where('status', 'in', ['issued', 'refused']).execute();
    return 'open';
  }
  if (ctx.role.role === 'teacher') await trx.deleteFrom('teacher_responses').where('person_id', '=', ctx.personId).execute();
  else await trx.deleteFrom('person_responses').where('person_id', '=', ctx.personId).execute();
  await trx.updateTable('persons').set({ status: 'refused', started_at: null }).where('id', '=', ctx.personId).execute();
  await stopInvitedMail(trx, [ctx.personId], `Niet verstuurd: ${ctx.role.who} doet niet mee`);
  return 'refused';
}

async function questionnaireOf(db: Kysely<DB>, ctx: InvitedContext): Promise<VersionInfo> {
  if (ctx.versionId === null) throw notFound(ctx.role.noQuestionnaire);
  const row = await db.selectFrom('questionnaire_versions').select(['id', 'sha256', 'content']).where('id', '=', ctx.versionId).executeTakeFirstOrThrow();
  return versionInfo(row.id, row.sha256, row.content);
}

/** The label of a class the teacher teaches, or a Dutch 404. */
async function ownClass(db: Kysely<DB>, ctx: InvitedContext, classId: number): Promise<string> {
  const row = await db
    .selectFrom('teacher_classes as tc')
    .innerJoin('person_classes as c', 'c.id', 'tc.class_id')
    .select('c.label')
    .where('tc.person_id', '=', ctx.personId)
    .where('tc.class_id', '=', classId)
    .executeTakeFirst();
  if (!row) throw notFound('Deze klas hoort niet bij uw link.');
  return row.label;
}

function assertConsented(ctx: InvitedContext) {
  if (ctx.status === 'issued' || ctx.status === 'refused') throw new DomainError(409, 'no_consent', 'Geef eerst aan of u meedoet.');
}

/**
 * The stored answers of one questionnaire: a teacher's about one class (`classId`), or a
 * professional's (`classId` null).
 */
function storedAnswers(db: Kysely<DB>, personId: number, classId: number | null) {
  return classId === null
    ? db.selectFrom('person_responses').select(['data', 'revision', 'completed_at']).where('person_id', '=', personId).executeTakeFirst()
    : db.selectFrom('teacher_responses').select(['data', 'revision', 'completed_at']).where('person_id', '=', personId).where('class_id', '=', classId).executeTakeFirst();
}

/** The questionnaire and what is stored (after the yes): a teacher's about one of their classes, a professional's (null). */
export async function invitedSurvey(db: Kysely<DB>, ctx: InvitedContext, classId: number): Promise<InvitedSurveyView & { classLabel: string }>;
export async function invitedSurvey(db: Kysely<DB>, ctx: InvitedContext, classId: null): Promise<InvitedSurveyView>;
export async function invitedSurvey(db: Kysely<DB>, ctx: InvitedContext, classId: number | null): Promise<InvitedSurveyView & { classLabel?: string }> {
  assertConsented(ctx);
  const classLabel = classId === null ? undefined : await ownClass(db, ctx, classId);
  const version = await questionnaireOf(db, ctx);
  const row = await storedAnswers(db, ctx.personId, classId);
  return {
    ...(classLabel === undefined ? {} : { classLabel }),
    state: row?.completed_at ? 'completed' : 'open',
    questionnaire: version.content as unknown,
    // A questionnaire with actor groups (issue 20) runs in the role's version.
    variables: { ...personVariables(version.content as QuestionnaireContent, ctx.role.role, ctx.schoolName) },
    consentQuestion: version.meta.consent.question,
    consentYes: version.meta.consent.yes,
    data: (row?.data ?? {}) as Record<string, unknown>,
    revision: row?.revision ?? 0,
  };
}

declare const checkedBrand: unique symbol;
/** Answers that passed `checkInvitedAnswers` (only it makes them), ready to store. */
export interface CheckedAnswers {
  readonly [checkedBrand]: true;
  classId: number | null;
  data: string;
  complete: boolean;
}

/**
 * Checks answers before they are stored (outside any transaction: the full check runs the
 * questionnaire). Autosave (complete = false) checks the shape of every answer; completion the
 * questionnaire's full check (400: answers that could never come from the page, 422: missing or
 * wrong answers, both with the problems in Dutch). A professional who already handed in gets a
 * 409; a teacher's is per class, when storing.
 */
export async function checkInvitedAnswers(db: Kysely<DB>, ctx: InvitedContext, classId: number | null, raw: Record<string, unknown>, complete: boolean): Promise<CheckedAnswers> {
  assertConsented(ctx);
  if (classId === null) {
    if (ctx.status === 'completed') throw DONE();
  } else await ownClass(db, ctx, classId);
  const version = await questionnaireOf(db, ctx);
  const variables = personVariables(version.content as QuestionnaireContent, ctx.role.role, ctx.schoolName);
  const checked = checkAnswers(version, variables, raw, complete ? 'complete' : 'autosave');
  if (!checked.ok && checked.malformed) throw badRequest('invalid_answers', 'Deze antwoorden kunnen niet worden opgeslagen.', checked.errors);
  if (!checked.ok) throw new DomainError(422, 'invalid_answers', 'Nog niet alle vragen zijn (goed) beantwoord.', checked.errors);
  return { classId, data: JSON.stringify(checked.data), complete } as CheckedAnswers;
}

/**
 * Stores checked answers in the caller's transaction, with the optimistic revision: 409 when
 * another device saved in between or the questionnaire was already handed in. Completing the last
 * questionnaire (a teacher's last class, a professional's one) completes the person and stops
 * their mail (`allDone`).
 */
export async function saveInvitedAnswers(trx: Transaction<DB>, ctx: InvitedContext, answers: CheckedAnswers, revision: number, now: Date) {
  const { classId, data, complete } = answers;
  const personId = ctx.personId;
  const created = { data, revision: 1, created_at: now, updated_at: now, completed_at: complete ? now : null };
  const changed = { data, revision: sql<number>`revision + 1`, updated_at: now, ...(complete ? { completed_at: now } : {}) };
  // An update finds the row only as the page last saw it, and not yet handed in.
  const unchanged = sql<boolean>`person_id = ${personId} and revision = ${revision} and completed_at is null`;
  let saved: { revision: number } | undefined;
  if (classId === null) {
    saved = await (revision === 0
      ? trx.insertInto('person_responses').values({ person_id: personId, ...created }).onConflict((oc) => oc.column('person_id').doNothing()).returning('revision')
      : trx.updateTable('person_responses').set(changed).where(unchanged).returning('revision')
    ).executeTakeFirst();
  } else {
    const teacherClass = { person_id: personId, class_id: classId };
    saved = await (revision === 0
      ? trx.insertInto('teacher_responses').values({ ...teacherClass, ...created }).onConflict((oc) => oc.columns(['person_id', 'class_id']).doNothing()).returning('revision')
      : trx.updateTable('teacher_responses').set(changed).where(unchanged).where('class_id', '=', classId).returning('revision')
    ).executeTakeFirst();
  }
  if (!saved) {
    const current = await storedAnswers(trx, personId, classId);
    if (current?.completed_at) throw classId === null ? DONE() : new DomainError(409, 'completed', 'U heeft de vragenlijst over deze klas al ingevuld.');
    throw new DomainError(409, 'stale', 'Uw antwoorden zijn intussen op een ander apparaat veranderd. Laad de pagina opnieuw.');
  }
  const allDone = complete && (classId === null || (await openClasses(trx, personId)) === 0);
  if (allDone) {
    await trx.updateTable('persons').set({ status: 'completed', completed_at: now }).where('id', '=', personId).execute();
    await stopInvitedMail(trx, [personId], `Niet verstuurd: ${ctx.role.who} is klaar`);
  }
  return { revision: saved.revision, allDone };
}

/** How many of a teacher's classes still wait for their completed questionnaire. */
async function openClasses(trx: Transaction<DB>, personId: number): Promise<number> {
  const open = await trx
    .selectFrom('teacher_classes as tc')
    .leftJoin('teacher_responses as tr', (join) => join.onRef('tr.person_id', '=', 'tc.person_id').onRef('tr.class_id', '=', 'tc.class_id'))
    .select('tc.class_id')
    .where('tc.person_id', '=', personId)
    .where('tr.completed_at', 'is', null)
    .execute();
  return open.length;
}

/** The person's own opt-out link (`/api/persons/a/<id>-<mac>`, teachers and professionals alike): no more mail of this round. */
export async function findOptOut(db: Kysely<DB>, secret: string, token: string) {
  const id = tokenId(token, 'teacher-optout');
  if (id === null) return null;
  const row = await db
    .selectFrom('persons as p')
    .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .select(['p.id', 'p.code_nonce', 'pc.opted_out_at', 'r.name as round_name', 'st.name as study_name'])
    .where('p.id', '=', id)
    .where('p.role', 'in', ['teacher', 'professional'])
    .executeTakeFirst();
  if (!row || row.code_nonce === null || !tokenMatches(secret, 'teacher-optout', token, row.id, row.code_nonce)) return null;
  return { personId: row.id, optedOut: row.opted_out_at !== null, studyName: row.study_name, roundName: row.round_name };
}

/** Opts the person out of this round's mail, in the caller's transaction. */
export async function optOut(trx: Transaction<DB>, personId: number, now: Date): Promise<void> {
  await trx.updateTable('person_contacts').set({ opted_out_at: now }).where('person_id', '=', personId).where('opted_out_at', 'is', null).execute();
  await stopInvitedMail(trx, [personId], 'Niet verstuurd: afgemeld');
}

/** A role's persons in figures (tracking, the admin page): the mail and the answers. */
export interface InvitedTally {
  registered: number;
  invited: number;
  started: number;
  completed: number;
  refused: number;
  optedOut: number;
  bounced: number;
}

/** The counts of an `InvitedTally`, for a select over persons (p) left-joined to their contacts (pc). */
export const INVITED_TALLY_COLUMNS = [
  sql<number>`count(*)`.as('registered'),
  sql<number>`count(pc.invited_at)`.as('invited'),
  sql<number>`count(*) filter (where p.status in ('started', 'completed'))`.as('started'),
  sql<number>`count(*) filter (where p.status = 'completed')`.as('completed'),
  sql<number>`count(*) filter (where p.status = 'refused')`.as('refused'),
  sql<number>`count(pc.opted_out_at)`.as('opted_out'),
  sql<number>`count(pc.bounced_at)`.as('bounced'),
];

export function invitedTally(row: { registered: number; invited: number; started: number; completed: number; refused: number; opted_out: number; bounced: number }): InvitedTally {
  return {
    registered: Number(row.registered),
    invited: Number(row.invited),
    started: Number(row.started),
    completed: Number(row.completed),
    refused: Number(row.refused),
    optedOut: Number(row.opted_out),
    bounced: Number(row.bounced),
  };
}
