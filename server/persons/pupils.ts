import { sql, type Kysely, type Transaction } from 'kysely';
import type { ConsentEventKind, ConsentMode, DB } from '../db/types';
import { badRequest, DomainError, notFound } from '../errors';
import { checkPupilCompletion } from './answers';
import { codeHash, linkToken, normaliseCode, tokenId, tokenMatches } from '../invitations/person-links';

/**
 * Class links, parents and pupils. Wrong codes are throttled per class link (a class behind one
 * school NAT address is never limited by its own pupils' correct codes), see `CODE_THROTTLE`.
 */
export const CODE_THROTTLE = { maxFailures: 50, windowMs: 15 * 60_000 };

export interface ClassContext {
  classId: number;
  roundId: number;
  siteId: number;
  label: string;
  schoolName: string;
  roundName: string;
  studyName: string;
  consentMode: ConsentMode;
  questionnaireVersionId: number | null;
}

const NO_LINK = () => notFound('Deze link werkt niet. Controleer of je de hele link hebt overgenomen.');

export async function openClass(db: Kysely<DB>, secret: string, purpose: 'class-link' | 'parent-link' | 'parent-survey-link', token: string): Promise<ClassContext> {
  const id = tokenId(token, purpose);
  if (id === null) throw NO_LINK();
  const row = await db
    .selectFrom('person_classes as c')
    .innerJoin('person_sites as s', 's.id', 'c.site_id')
    .innerJoin('invitations as i', 'i.id', 's.invitation_id')
    .innerJoin('rounds as r', 'r.id', 'c.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .innerJoin('person_rounds as pr', 'pr.round_id', 'r.id')
    .select(['c.id', 'c.round_id', 'c.site_id', 'c.label', 'c.link_nonce', 'i.school_name', 'i.erased_at', 'i.excluded_at', 'r.name as round_name', 'r.status', 'r.questionnaire_version_id', 'st.name as study_name', 'pr.consent_mode'])
    .where('c.id', '=', id)
    .executeTakeFirst();
  // A school an admin excluded or whose data was erased: its class and parent links stop too.
  if (!row || row.erased_at !== null || row.excluded_at !== null || !tokenMatches(secret, purpose, token, row.id, row.link_nonce)) throw NO_LINK();
  if (row.status !== 'open') throw new DomainError(410, 'round_closed', 'Dit onderzoek is gesloten.');
  return {
    classId: row.id,
    roundId: row.round_id,
    siteId: row.site_id,
    label: row.label,
    schoolName: row.school_name ?? '',
    roundName: row.round_name,
    studyName: row.study_name,
    consentMode: row.consent_mode,
    questionnaireVersionId: row.questionnaire_version_id,
  };
}

/** Refuses (429, Dutch) while this class link has too many wrong codes in the window. */
async function assertNotThrottled(db: Kysely<DB>, classId: number, now: Date): Promise<void> {
  const since = new Date(now.getTime() - CODE_THROTTLE.windowMs);
  const row = await db
    .selectFrom('person_code_failures')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('class_id', '=', classId)
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  if (Number(row.n) >= CODE_THROTTLE.maxFailures)
    throw new DomainError(429, 'too_many_codes', 'Er zijn te veel onjuiste codes ingevoerd voor deze klas. Wacht een kwartier en probeer het dan opnieuw.');
}

/**
 * The pupil a typed code names in this class's school, or a Dutch 400 (counted as a failure).
 * Not in a transaction: the failure it records must stay when it throws.
 */
export async function findPupil(db: Kysely<DB>, secret: string, ctx: ClassContext, typed: string, now: Date) {
  await assertNotThrottled(db, ctx.classId, now);
  const code = normaliseCode(typed);
  const pupil =
    code === null
      ? undefined
      : await db
          .selectFrom('persons')
          .select(['id', 'class_id', 'status', 'code_nonce'])
          .where('round_id', '=', ctx.roundId)
          .where('code_hash', '=', codeHash(secret, code))
          .where('site_id', '=', ctx.siteId)
          .where('role', '=', 'pupil')
          .executeTakeFirst();
  if (!pupil) {
    await db.insertInto('person_code_failures').values({ class_id: ctx.classId, at: now }).execute();
    // Only the window counts: older failures of this class go (the table stays small).
    await db.deleteFrom('person_code_failures').where('class_id', '=', ctx.classId).where('at', '<=', new Date(now.getTime() - CODE_THROTTLE.windowMs)).execute();
    throw badRequest(
      'unknown_code',
      code === null
        ? 'Deze code klopt niet. Een code heeft 8 tekens (letters en cijfers, zonder 0, O, 1 en I), bijvoorbeeld K7QM-3XWD.'
        : 'Deze code is niet bekend. Kijk goed of je de code precies hebt overgenomen.',
    );
  }
  return pupil;
}

export type ParentState = 'none' | 'objection' | 'consent';

/** The parents' latest word for each pupil (objection or consent; later events replace earlier). */
export async function parentStates(db: Kysely<DB>, personIds: number[]): Promise<Map<number, ParentState>> {
  const states = new Map<number, ParentState>();
  if (personIds.length === 0) return states;
  const rows = await db
    .selectFrom('consent_events')
    .select(['person_id', 'kind'])
    .where('person_id', 'in', personIds)
    .where('kind', 'in', ['objection', 'consent'])
    .orderBy('at')
    .orderBy('id')
    .execute();
  for (const r of rows) states.set(r.person_id!, r.kind as ParentState);
  return states;
}

/** Whether a pupil may answer: passive needs no objection, active needs consent. */
export function mayTakePart(mode: ConsentMode, state: ParentState): boolean {
  return mode === 'passive' ? state !== 'objection' : state === 'consent';
}

async function event(db: Kysely<DB>, ctx: Pick<ClassContext, 'roundId'>, classId: number | null, personId: number, kind: ConsentEventKind, source: 'parent_online' | 'pupil' | 'system', now: Date) {
  await db.insertInto('consent_events').values({ round_id: ctx.roundId, class_id: classId, person_id: personId, kind, source, at: now }).execute();
}

/**
 * A parent's objection or consent with the child's code. An objection erases what the pupil
 * already answered (and records that), and the pupil can no longer start. `pupil`: findPupil's
 * answer, looked up before the caller's transaction, which holds the pupil's lock to the commit.
 */
export async function parentDecision(trx: Transaction<DB>, ctx: ClassContext, pupil: { id: number; class_id: number | null }, decision: 'objection' | 'consent', now: Date) {
  await trx.selectFrom('persons').select('id').where('id', '=', pupil.id).forUpdate().executeTakeFirstOrThrow();
  await event(trx, ctx, pupil.class_id, pupil.id, decision, 'parent_online', now);
  if (decision === 'objection') await erasePupil(trx, ctx, pupil.class_id, pupil.id, now);
  else await trx.updateTable('persons').set({ status: 'issued' }).where('id', '=', pupil.id).where('status', '=', 'excluded').execute();
  return { decision };
}

/** Deletes a pupil's answers and marks the pupil excluded; records 'erased' if there was anything. */
export async function erasePupil(trx: Kysely<DB>, ctx: Pick<ClassContext, 'roundId'>, classId: number | null, personId: number, now: Date): Promise<void> {
  const deleted = await trx.deleteFrom('person_responses').where('person_id', '=', personId).executeTakeFirst();
  const before = await trx.selectFrom('persons').select('status').where('id', '=', personId).executeTakeFirstOrThrow();
  await trx.updateTable('persons').set({ status: 'excluded', started_at: null, completed_at: null }).where('id', '=', personId).execute();
  if (Number(deleted.numDeletedRows) > 0 || before.status === 'started' || before.status === 'completed') await event(trx, ctx, classId, personId, 'erased', 'system', now);
}

export interface PupilStart {
  session: string;
  state: 'assent' | 'open' | 'completed';
}

/**
 * A pupil typed a code on the class link. Refused (403, Dutch) when the parents objected
 * (passive) or have not agreed (active), or when the pupil said no. Otherwise a session token
 * for this pupil: every code entry starts afresh, nothing of another pupil is carried over.
 */
export async function startPupil(db: Kysely<DB>, secret: string, ctx: ClassContext, typed: string, now: Date): Promise<PupilStart> {
  const pupil = await findPupil(db, secret, ctx, typed, now);
  const state = (await parentStates(db, [pupil.id])).get(pupil.id) ?? 'none';
  if (!mayTakePart(ctx.consentMode, state))
    throw new DomainError(
      403,
      'no_consent',
      ctx.consentMode === 'passive' ? 'Met deze code kun je niet meedoen. Vraag je juf of meester wat je nu kunt doen.' : 'Voor deze code hebben we nog geen toestemming van je ouders. Vraag je juf of meester wat je nu kunt doen.',
    );
  if (pupil.status === 'refused') throw new DomainError(403, 'refused', 'Je hebt gekozen om niet mee te doen. Dat is goed. Vraag je juf of meester als je toch wilt meedoen.');
  const session = linkToken(secret, 'pupil-session', pupil.id, pupil.code_nonce!);
  return { session, state: pupil.status === 'completed' ? 'completed' : pupil.status === 'started' ? 'open' : 'assent' };
}

export interface PupilContext {
  personId: number;
  roundId: number;
  classId: number | null;
  status: string;
  consentMode: ConsentMode;
  roundStatus: string;
  questionnaireVersionId: number | null;
}

export async function openPupil(db: Kysely<DB>, secret: string, session: string): Promise<PupilContext> {
  const id = tokenId(session, 'pupil-session');
  const gone = () => new DomainError(401, 'session_gone', 'Typ je code opnieuw in om verder te gaan.');
  if (id === null) throw gone();
  const row = await db
    .selectFrom('persons as p')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('person_rounds as pr', 'pr.round_id', 'r.id')
    .select(['p.id', 'p.round_id', 'p.class_id', 'p.status', 'p.code_nonce', 'pr.consent_mode', 'r.status as round_status', 'r.questionnaire_version_id'])
    .where('p.id', '=', id)
    .where('p.role', '=', 'pupil')
    .executeTakeFirst();
  if (!row || row.code_nonce === null || !tokenMatches(secret, 'pupil-session', session, row.id, row.code_nonce)) throw gone();
  if (row.round_status !== 'open') throw new DomainError(410, 'round_closed', 'Dit onderzoek is gesloten.');
  const state = (await parentStates(db, [row.id])).get(row.id) ?? 'none';
  if (!mayTakePart(row.consent_mode, state) || row.status === 'excluded' || row.status === 'refused') throw new DomainError(403, 'no_consent', 'Met deze code kun je niet (meer) meedoen.');
  return {
    personId: row.id,
    roundId: row.round_id,
    classId: row.class_id,
    status: row.status,
    consentMode: row.consent_mode,
    roundStatus: row.round_status,
    questionnaireVersionId: row.questionnaire_version_id,
  };
}

/** The pupil's own yes or no, the first screen. No: nothing is stored but the event. In the caller's transaction. */
export async function pupilAssent(trx: Transaction<DB>, ctx: PupilContext, assent: boolean, now: Date): Promise<void> {
  await event(trx, { roundId: ctx.roundId }, ctx.classId, ctx.personId, assent ? 'assent' : 'assent_refused', 'pupil', now);
  if (assent) {
    await trx.updateTable('persons').set({ status: 'started', started_at: now }).where('id', '=', ctx.personId).where('status', '=', 'issued').execute();
    await trx
      .insertInto('person_responses')
      .values({ person_id: ctx.personId, data: '{}', created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('person_id').doNothing())
      .execute();
  } else {
    await trx.deleteFrom('person_responses').where('person_id', '=', ctx.personId).execute();
    await trx.updateTable('persons').set({ status: 'refused', started_at: null }).where('id', '=', ctx.personId).execute();
  }
}

export async function pupilAnswers(db: Kysely<DB>, personId: number) {
  return db.selectFrom('person_responses').select(['data', 'revision', 'completed_at']).where('person_id', '=', personId).executeTakeFirst();
}

/**
 * Stores a person's answers (and with `complete` their completion) only when `revision` is still
 * the stored one and they are not completed yet: the optimistic lock of autosave, shared by the
 * pupil's and the parent's page. Undefined when another device saved in between; the caller
 * says so in its own words.
 */
export async function updateAnswersAtRevision(trx: Kysely<DB>, personId: number, data: Record<string, unknown>, revision: number, complete: boolean, now: Date) {
  return trx
    .updateTable('person_responses')
    .set({ data: JSON.stringify(data), revision: sql`revision + 1`, updated_at: now, ...(complete ? { completed_at: now } : {}) })
    .where('person_id', '=', personId)
    .where('revision', '=', revision)
    .where('completed_at', 'is', null)
    .returning('revision')
    .executeTakeFirst();
}

/** Autosave with an optimistic revision; 409 (Dutch) when another device saved in between. In the caller's transaction. */
export async function savePupilAnswers(trx: Transaction<DB>, ctx: PupilContext, data: Record<string, unknown>, revision: number, complete: boolean, now: Date) {
  if (ctx.status === 'issued') throw new DomainError(409, 'no_assent', 'Kies eerst of je meedoet.');
  if (ctx.status === 'completed') throw new DomainError(409, 'completed', 'Je hebt de vragenlijst al ingeleverd. Dank je wel!');
  // Completion: checked against the questionnaire as routed (answers.ts); autosaves as sent.
  if (complete) data = await checkPupilCompletion(trx, ctx.personId, ctx.questionnaireVersionId, data);
  const updated = await updateAnswersAtRevision(trx, ctx.personId, data, revision, complete, now);
  if (!updated) throw new DomainError(409, 'stale', 'Je antwoorden zijn op een ander apparaat veranderd. Laad de pagina opnieuw.');
  if (complete) await trx.updateTable('persons').set({ status: 'completed', completed_at: now }).where('id', '=', ctx.personId).execute();
  return { revision: updated.revision };
}
