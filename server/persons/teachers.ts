import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types';
import { badRequest, DomainError, notFound } from '../errors';
import { tokenId, tokenMatches } from '../invitations/person-links';
import type { QuestionnaireContent } from '../questionnaires';
import { personVariables } from './parents';
import { checkAnswers } from '../responses/answers';
import { versionInfo, type VersionInfo } from '../responses/survey-state';
import { stopTeacherMail } from './teacher-mail';
import { personsAtSites } from './joins';

/**
 * The teacher's page `/t/<person id>-<mac>` (mac = HMAC(secret, 'teacher-link', id:code_nonce),
 * `person-links.ts`). First the teacher's own yes or no (`teacher_consents`, append-only; nothing
 * else is stored before the yes), then the round's teacher questionnaire once per class the
 * teacher teaches (`teacher_classes`): a teacher with two classes answers about each of them, one
 * `teacher_responses` row per class, so each pupil row can carry the answers about its own class
 * (`linked-columns.ts`). Autosave has an optimistic revision per class; completing a class checks
 * the answers against the questionnaire (`checkAnswers`, like a school's answers). The teacher is
 * `completed` once every class is.
 */

export interface TeacherContext {
  personId: number;
  roundId: number;
  siteId: number;
  status: string;
  schoolName: string;
  studyName: string;
  roundName: string;
  closesAt: Date | null;
  versionId: number | null;
}

const GONE = () => notFound('Deze link werkt niet (meer). Controleer of u de hele link uit de e-mail heeft gebruikt.');

export async function openTeacher(db: Kysely<DB>, secret: string, token: string): Promise<TeacherContext> {
  const id = tokenId(token, 'teacher-link');
  if (id === null) throw GONE();
  const row = await personsAtSites(db)
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .innerJoin('person_rounds as pr', 'pr.round_id', 'r.id')
    .select(['p.id', 'p.round_id', 'p.site_id', 'p.status', 'p.code_nonce', 'i.school_name', 'i.excluded_at', 'i.erased_at', 'r.name as round_name', 'r.status as round_status', 'r.closes_at', 'st.name as study_name', 'pr.teacher_questionnaire_version_id'])
    .where('p.id', '=', id)
    .where('p.role', '=', 'teacher')
    .executeTakeFirst();
  if (!row || row.code_nonce === null || row.excluded_at !== null || row.erased_at !== null || !tokenMatches(secret, 'teacher-link', token, row.id, row.code_nonce)) throw GONE();
  if (row.round_status !== 'open') throw new DomainError(410, 'round_closed', 'Deze meting is gesloten.');
  return {
    personId: row.id,
    roundId: row.round_id,
    siteId: row.site_id!, // joined through its site: never null here
    status: row.status,
    schoolName: row.school_name ?? '',
    studyName: row.study_name,
    roundName: row.round_name,
    closesAt: row.closes_at,
    versionId: row.teacher_questionnaire_version_id,
  };
}

export type TeacherState = 'consent' | 'open' | 'refused' | 'completed';

function stateOf(status: string): TeacherState {
  return status === 'completed' ? 'completed' : status === 'started' ? 'open' : status === 'refused' ? 'refused' : 'consent';
}

/** The teacher's classes, each with its questionnaire's state. */
export async function teacherClasses(db: Kysely<DB>, personId: number) {
  const rows = await db
    .selectFrom('teacher_classes as tc')
    .innerJoin('person_classes as c', 'c.id', 'tc.class_id')
    .leftJoin('teacher_responses as tr', (join) => join.onRef('tr.person_id', '=', 'tc.person_id').onRef('tr.class_id', '=', 'tc.class_id'))
    .select(['c.id', 'c.label', 'c.grade', 'tr.completed_at', 'tr.revision'])
    .where('tc.person_id', '=', personId)
    .orderBy('c.label')
    .execute();
  return rows.map((r) => ({
    classId: r.id,
    label: r.label,
    grade: r.grade,
    state: r.completed_at !== null ? ('completed' as const) : r.revision !== null ? ('started' as const) : ('new' as const),
  }));
}

export async function teacherView(db: Kysely<DB>, ctx: TeacherContext) {
  return {
    schoolName: ctx.schoolName,
    studyName: ctx.studyName,
    roundName: ctx.roundName,
    closesAt: ctx.closesAt ? ctx.closesAt.toISOString() : null,
    state: stateOf(ctx.status),
    hasQuestionnaire: ctx.versionId !== null,
    classes: await teacherClasses(db, ctx.personId),
  };
}

/**
 * The teacher's yes or no. Yes: started. No: refused, with any answers deleted, and no more mail.
 * A teacher who said no can still say yes later (the link keeps working while the round is open).
 */
export async function teacherConsent(db: Kysely<DB>, ctx: TeacherContext, consent: boolean, now: Date): Promise<TeacherState> {
  if (ctx.status === 'completed') throw new DomainError(409, 'completed', 'U heeft de vragenlijst al ingevuld. Dank u wel!');
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('persons').select('id').where('id', '=', ctx.personId).forUpdate().executeTakeFirstOrThrow();
    await trx.insertInto('teacher_consents').values({ person_id: ctx.personId, consent, at: now }).execute();
    if (consent) {
      await trx.updateTable('persons').set({ status: 'started', started_at: now }).where('id', '=', ctx.personId).where('status', 'in', ['issued', 'refused']).execute();
      return 'open' as const;
    }
    await trx.deleteFrom('teacher_responses').where('person_id', '=', ctx.personId).execute();
    await trx.updateTable('persons').set({ status: 'refused', started_at: null }).where('id', '=', ctx.personId).execute();
    await stopTeacherMail(trx, [ctx.personId], 'Niet verstuurd: de leerkracht doet niet mee');
    return 'refused' as const;
  });
}

async function teacherVersion(db: Kysely<DB>, ctx: TeacherContext): Promise<VersionInfo> {
  if (ctx.versionId === null) throw notFound('De vragenlijst voor leerkrachten is er (nog) niet.');
  const row = await db.selectFrom('questionnaire_versions').select(['id', 'sha256', 'content']).where('id', '=', ctx.versionId).executeTakeFirstOrThrow();
  return versionInfo(row.id, row.sha256, row.content);
}

async function assertOwnClass(db: Kysely<DB>, ctx: TeacherContext, classId: number): Promise<string> {
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

function assertOpen(ctx: TeacherContext) {
  if (ctx.status === 'issued' || ctx.status === 'refused') throw new DomainError(409, 'no_consent', 'Geef eerst aan of u meedoet.');
}

/** The questionnaire and what is stored for one class. */
export async function teacherClassSurvey(db: Kysely<DB>, ctx: TeacherContext, classId: number) {
  assertOpen(ctx);
  const label = await assertOwnClass(db, ctx, classId);
  const version = await teacherVersion(db, ctx);
  const row = await db.selectFrom('teacher_responses').select(['data', 'revision', 'completed_at']).where('person_id', '=', ctx.personId).where('class_id', '=', classId).executeTakeFirst();
  return {
    classLabel: label,
    state: row?.completed_at ? ('completed' as const) : ('open' as const),
    questionnaire: version.content as unknown,
    // A questionnaire with actor groups (issue 20) runs in the teachers' version.
    variables: { ...personVariables(version.content as QuestionnaireContent, 'teacher', ctx.schoolName) },
    consentQuestion: version.meta.consent.question,
    consentYes: version.meta.consent.yes,
    data: (row?.data ?? {}) as Record<string, unknown>,
    revision: row?.revision ?? 0,
  };
}

/**
 * Autosave (complete = false) or completion of one class's answers. Autosave checks the shape of
 * every answer; completion runs the questionnaire's full check (400: answers that could never come
 * from the page, 422: missing or wrong answers, both with the problems in Dutch). 409 when
 * another device saved in between.
 */
export async function saveTeacherAnswers(db: Kysely<DB>, ctx: TeacherContext, classId: number, raw: Record<string, unknown>, revision: number, complete: boolean, now: Date) {
  assertOpen(ctx);
  await assertOwnClass(db, ctx, classId);
  const version = await teacherVersion(db, ctx);
  const variables = personVariables(version.content as QuestionnaireContent, 'teacher', ctx.schoolName);
  const checked = checkAnswers(version, variables, raw, complete ? 'complete' : 'autosave');
  if (!checked.ok && checked.malformed) throw badRequest('invalid_answers', 'Deze antwoorden kunnen niet worden opgeslagen.', checked.errors);
  if (!checked.ok) throw new DomainError(422, 'invalid_answers', 'Nog niet alle vragen zijn (goed) beantwoord.', checked.errors);
  const data = JSON.stringify(checked.data);
  return db.transaction().execute(async (trx) => {
    let saved: { revision: number } | undefined;
    if (revision === 0) {
      saved = await trx
        .insertInto('teacher_responses')
        .values({ person_id: ctx.personId, class_id: classId, data, revision: 1, created_at: now, updated_at: now, completed_at: complete ? now : null })
        .onConflict((oc) => oc.columns(['person_id', 'class_id']).doNothing())
        .returning('revision')
        .executeTakeFirst();
    } else {
      saved = await trx
        .updateTable('teacher_responses')
        .set({ data, revision: sql`revision + 1`, updated_at: now, ...(complete ? { completed_at: now } : {}) })
        .where('person_id', '=', ctx.personId)
        .where('class_id', '=', classId)
        .where('revision', '=', revision)
        .where('completed_at', 'is', null)
        .returning('revision')
        .executeTakeFirst();
    }
    if (!saved) {
      const current = await trx.selectFrom('teacher_responses').select('completed_at').where('person_id', '=', ctx.personId).where('class_id', '=', classId).executeTakeFirst();
      if (current?.completed_at) throw new DomainError(409, 'completed', 'U heeft de vragenlijst over deze klas al ingevuld.');
      throw new DomainError(409, 'stale', 'Uw antwoorden zijn intussen op een ander apparaat veranderd. Laad de pagina opnieuw.');
    }
    let allDone = false;
    if (complete) {
      const open = await trx
        .selectFrom('teacher_classes as tc')
        .leftJoin('teacher_responses as tr', (join) => join.onRef('tr.person_id', '=', 'tc.person_id').onRef('tr.class_id', '=', 'tc.class_id'))
        .select('tc.class_id')
        .where('tc.person_id', '=', ctx.personId)
        .where('tr.completed_at', 'is', null)
        .execute();
      if (open.length === 0) {
        allDone = true;
        await trx.updateTable('persons').set({ status: 'completed', completed_at: now }).where('id', '=', ctx.personId).execute();
        await stopTeacherMail(trx, [ctx.personId], 'Niet verstuurd: de leerkracht is klaar');
      }
    }
    return { revision: saved.revision, allDone };
  });
}

/** The teacher's own opt-out link (`/api/persons/a/<id>-<mac>`): no more mail of this round. */
export async function findTeacherOptOut(db: Kysely<DB>, secret: string, token: string) {
  const id = tokenId(token, 'teacher-optout');
  if (id === null) return null;
  const row = await db
    .selectFrom('persons as p')
    .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .select(['p.id', 'p.code_nonce', 'pc.opted_out_at', 'r.name as round_name', 'st.name as study_name'])
    .where('p.id', '=', id)
    // Professionals (professional-mail.ts) opt out through the same link.
    .where('p.role', 'in', ['teacher', 'professional'])
    .executeTakeFirst();
  if (!row || row.code_nonce === null || !tokenMatches(secret, 'teacher-optout', token, row.id, row.code_nonce)) return null;
  return { personId: row.id, optedOut: row.opted_out_at !== null, studyName: row.study_name, roundName: row.round_name };
}

export async function teacherOptOut(db: Kysely<DB>, personId: number, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('person_contacts').set({ opted_out_at: now }).where('person_id', '=', personId).where('opted_out_at', 'is', null).execute();
    await stopTeacherMail(trx, [personId], 'Niet verstuurd: afgemeld');
  });
}
