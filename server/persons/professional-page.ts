import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types';
import { badRequest, DomainError, notFound } from '../errors';
import { tokenId, tokenMatches } from '../invitations/person-links';
import type { QuestionnaireContent } from '../questionnaires';
import { checkAnswers } from '../responses/answers';
import { versionInfo, type VersionInfo } from '../responses/survey-state';
import { personVariables } from './parents';
import { stopTeacherMail } from './teacher-mail';

/**
 * The professional's page `/pr/<person id>-<mac>` (mac = HMAC(secret, 'professional-link',
 * id:code_nonce), `person-links.ts`), reached from the invitation mail (professional-mail.ts).
 * The teacher's page without classes: first the professional's own yes or no (recorded in
 * `teacher_consents`, the append-only yes/no of persons invited by e-mail; nothing else is stored
 * before the yes; a no deletes any answers and stops the mail; a later yes is allowed), then the
 * round's questionnaire once (`person_responses`), with the variables of the actor group
 * 'professional' when the questionnaire declares one. Autosave has an optimistic revision;
 * completion runs the questionnaire's full check (`checkAnswers`, as for teachers and schools).
 */

export interface ProfessionalContext {
  personId: number;
  roundId: number;
  status: string;
  swvName: string;
  studyName: string;
  roundName: string;
  closesAt: Date | null;
  versionId: number | null;
}

const GONE = () => notFound('Deze link werkt niet (meer). Controleer of u de hele link uit de e-mail heeft gebruikt.');

export async function openProfessional(db: Kysely<DB>, secret: string, token: string): Promise<ProfessionalContext> {
  const id = tokenId(token, 'professional-link');
  if (id === null) throw GONE();
  const row = await db
    .selectFrom('persons as p')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .leftJoin('swvs as w', 'w.id', 'p.swv_id')
    .select(['p.id', 'p.round_id', 'p.status', 'p.code_nonce', 'w.name as swv_name', 'r.name as round_name', 'r.status as round_status', 'r.closes_at', 'r.questionnaire_version_id', 'st.name as study_name'])
    .where('p.id', '=', id)
    .where('p.role', '=', 'professional')
    .executeTakeFirst();
  if (!row || row.code_nonce === null || !tokenMatches(secret, 'professional-link', token, row.id, row.code_nonce)) throw GONE();
  if (row.round_status !== 'open') throw new DomainError(410, 'round_closed', 'Deze meting is gesloten.');
  return {
    personId: row.id,
    roundId: row.round_id,
    status: row.status,
    swvName: row.swv_name ?? '',
    studyName: row.study_name,
    roundName: row.round_name,
    closesAt: row.closes_at,
    versionId: row.questionnaire_version_id,
  };
}

export type ProfessionalState = 'consent' | 'open' | 'refused' | 'completed';

function stateOf(status: string): ProfessionalState {
  return status === 'completed' ? 'completed' : status === 'started' ? 'open' : status === 'refused' ? 'refused' : 'consent';
}

export function professionalView(ctx: ProfessionalContext) {
  return {
    studyName: ctx.studyName,
    roundName: ctx.roundName,
    swvName: ctx.swvName,
    closesAt: ctx.closesAt ? ctx.closesAt.toISOString() : null,
    state: stateOf(ctx.status),
    hasQuestionnaire: ctx.versionId !== null,
  };
}

/** The professional's yes or no. Yes: started. No: refused, any answers deleted, no more mail. */
export async function professionalConsent(db: Kysely<DB>, ctx: ProfessionalContext, consent: boolean, now: Date): Promise<ProfessionalState> {
  if (ctx.status === 'completed') throw new DomainError(409, 'completed', 'U heeft de vragenlijst al ingevuld. Dank u wel!');
  return db.transaction().execute(async (trx) => {
    await trx.selectFrom('persons').select('id').where('id', '=', ctx.personId).forUpdate().executeTakeFirstOrThrow();
    await trx.insertInto('teacher_consents').values({ person_id: ctx.personId, consent, at: now }).execute();
    if (consent) {
      await trx.updateTable('persons').set({ status: 'started', started_at: now }).where('id', '=', ctx.personId).where('status', 'in', ['issued', 'refused']).execute();
      return 'open' as const;
    }
    await trx.deleteFrom('person_responses').where('person_id', '=', ctx.personId).execute();
    await trx.updateTable('persons').set({ status: 'refused', started_at: null }).where('id', '=', ctx.personId).execute();
    await stopTeacherMail(trx, [ctx.personId], 'Niet verstuurd: de professional doet niet mee');
    return 'refused' as const;
  });
}

async function professionalVersion(db: Kysely<DB>, ctx: ProfessionalContext): Promise<VersionInfo> {
  if (ctx.versionId === null) throw notFound('De vragenlijst is er (nog) niet.');
  const row = await db.selectFrom('questionnaire_versions').select(['id', 'sha256', 'content']).where('id', '=', ctx.versionId).executeTakeFirstOrThrow();
  return versionInfo(row.id, row.sha256, row.content);
}

function assertOpen(ctx: ProfessionalContext) {
  if (ctx.status === 'issued' || ctx.status === 'refused') throw new DomainError(409, 'no_consent', 'Geef eerst aan of u meedoet.');
}

/** The questionnaire and what is stored (after the yes). */
export async function professionalSurvey(db: Kysely<DB>, ctx: ProfessionalContext) {
  assertOpen(ctx);
  const version = await professionalVersion(db, ctx);
  const row = await db.selectFrom('person_responses').select(['data', 'revision', 'completed_at']).where('person_id', '=', ctx.personId).executeTakeFirst();
  return {
    state: row?.completed_at ? ('completed' as const) : ('open' as const),
    questionnaire: version.content as unknown,
    variables: { ...personVariables(version.content as QuestionnaireContent, 'professional', '') },
    consentQuestion: version.meta.consent.question,
    consentYes: version.meta.consent.yes,
    data: (row?.data ?? {}) as Record<string, unknown>,
    revision: row?.revision ?? 0,
  };
}

/**
 * Autosave (complete = false) or completion. Autosave checks the shape of every answer;
 * completion the questionnaire's full check (400 malformed, 422 missing or wrong, in Dutch). 409
 * when another device saved in between or the questionnaire was already handed in.
 */
export async function saveProfessionalAnswers(db: Kysely<DB>, ctx: ProfessionalContext, raw: Record<string, unknown>, revision: number, complete: boolean, now: Date) {
  assertOpen(ctx);
  if (ctx.status === 'completed') throw new DomainError(409, 'completed', 'U heeft de vragenlijst al ingevuld. Dank u wel!');
  const version = await professionalVersion(db, ctx);
  const variables = personVariables(version.content as QuestionnaireContent, 'professional', '');
  const checked = checkAnswers(version, variables, raw, complete ? 'complete' : 'autosave');
  if (!checked.ok && checked.malformed) throw badRequest('invalid_answers', 'Deze antwoorden kunnen niet worden opgeslagen.', checked.errors);
  if (!checked.ok) throw new DomainError(422, 'invalid_answers', 'Nog niet alle vragen zijn (goed) beantwoord.', checked.errors);
  const data = JSON.stringify(checked.data);
  return db.transaction().execute(async (trx) => {
    let saved: { revision: number } | undefined;
    if (revision === 0) {
      saved = await trx
        .insertInto('person_responses')
        .values({ person_id: ctx.personId, data, revision: 1, created_at: now, updated_at: now, completed_at: complete ? now : null })
        .onConflict((oc) => oc.column('person_id').doNothing())
        .returning('revision')
        .executeTakeFirst();
    } else {
      saved = await trx
        .updateTable('person_responses')
        .set({ data, revision: sql`revision + 1`, updated_at: now, ...(complete ? { completed_at: now } : {}) })
        .where('person_id', '=', ctx.personId)
        .where('revision', '=', revision)
        .where('completed_at', 'is', null)
        .returning('revision')
        .executeTakeFirst();
    }
    if (!saved) {
      const current = await trx.selectFrom('person_responses').select('completed_at').where('person_id', '=', ctx.personId).executeTakeFirst();
      if (current?.completed_at) throw new DomainError(409, 'completed', 'U heeft de vragenlijst al ingevuld. Dank u wel!');
      throw new DomainError(409, 'stale', 'Uw antwoorden zijn intussen op een ander apparaat veranderd. Laad de pagina opnieuw.');
    }
    if (complete) {
      await trx.updateTable('persons').set({ status: 'completed', completed_at: now }).where('id', '=', ctx.personId).execute();
      await stopTeacherMail(trx, [ctx.personId], 'Niet verstuurd: de professional is klaar');
    }
    return { revision: saved.revision };
  });
}
