import type { Kysely } from 'kysely';
import type { DB } from '../db/types';
import { invitedPerson, invitedView, openInvited, type InvitedContext, type InvitedRole } from './invited';

/**
 * The teacher's page `/t/<person id>-<mac>` (mac = HMAC(secret, 'teacher-link', id:code_nonce),
 * `person-links.ts`): a person invited by e-mail (`invited.ts`) whom the coordinator registered
 * with the classes they teach (`teacher_classes`). The round's teacher questionnaire is answered
 * once per class, one `teacher_responses` row per class, so each pupil row can carry the answers
 * about its own class (`linked-columns.ts`). The teacher is `completed` once every class is.
 */

/** A teacher with their school location (s) and the school's invitation (i), whose exclusion or erasure ends the link. */
const findTeacher: InvitedRole['find'] = (db, personId) =>
  invitedPerson(db, personId, 'teacher')
    .innerJoin('person_sites as s', 's.id', 'p.site_id')
    .innerJoin('invitations as i', 'i.id', 's.invitation_id')
    .innerJoin('person_rounds as pr', 'pr.round_id', 'r.id')
    .select(['i.school_name', 'i.excluded_at', 'i.erased_at', 'pr.teacher_questionnaire_version_id as version_id'])
    .executeTakeFirst();

export const TEACHER: InvitedRole = { role: 'teacher', link: 'teacher-link', who: 'de leerkracht', noQuestionnaire: 'De vragenlijst voor leerkrachten is er (nog) niet.', find: findTeacher };

export const openTeacher = (db: Kysely<DB>, secret: string, token: string) => openInvited(db, secret, TEACHER, token);

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

export async function teacherView(db: Kysely<DB>, ctx: InvitedContext) {
  return { schoolName: ctx.schoolName, ...invitedView(ctx), classes: await teacherClasses(db, ctx.personId) };
}
