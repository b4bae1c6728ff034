import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/types';
import type { PersonRole } from '../../contract/vocabulary';
import { badRequest, DomainError, notFound } from '../errors';
import { linkToken, newNonce, tokenId, tokenMatches } from '../invitations/person-links';
import { readMeta, validateResponse, variablesFor, type QuestionnaireContent, type QuestionnaireVariables } from '../questionnaires';
import { openClass, updateAnswersAtRevision, type ClassContext } from './pupils';
import { personsAtSites } from './joins';

/**
 * Parents as respondents (issue 20). Recruited through the school only: the coordinator passes
 * on a class's parent questionnaire link (`/ov/<class id>-<mac>`, derived like the class link);
 * we never hold parents' addresses. A parent who starts on the link becomes a person with role
 * 'parent' in that class (no name, no address, a random panel_id), and gets a session token
 * (`<person id>-<mac>`, kept in the page's memory like the pupils'). The questionnaire then runs
 * with the variable `actor` = persons.role, on the page and in the server's validation.
 *
 * Abuse bounds (per link, not per address: a school's parents may share nothing, but a class
 * behind one NAT address must not limit another): the link works only while the round asks
 * parents, its school is not excluded or erased and the round is open; a class link creates at
 * most PARENTS_PER_PUPIL × pupils parent persons; the routes' per-link rate limit caps the speed.
 */
export const PARENTS_PER_PUPIL = 2;

const NO_LINK = () => notFound('Deze link werkt niet. Controleer of u de hele link heeft overgenomen.');

/** The class behind a parent questionnaire link, when the round asks parents. */
export async function openParentSurvey(db: Kysely<DB>, secret: string, token: string): Promise<ClassContext> {
  const ctx = await openClass(db, secret, 'parent-survey-link', token).catch((error: unknown) => {
    if (error instanceof DomainError && error.statusCode === 404) throw NO_LINK();
    throw error;
  });
  const round = await db.selectFrom('person_rounds').select('roles').where('round_id', '=', ctx.roundId).executeTakeFirstOrThrow();
  if (!asksParents(round.roles)) throw NO_LINK();
  return ctx;
}

export function asksParents(roles: unknown): boolean {
  return Array.isArray(roles) && roles.includes('parent');
}

/** A parent starts: a new person with role parent in this class, and its session token. In the
 * caller's transaction, which holds the class's lock to the commit. */
export async function startParent(trx: Transaction<DB>, secret: string, ctx: ClassContext, now: Date): Promise<{ session: string }> {
  if (ctx.questionnaireVersionId === null) throw notFound('Deze vragenlijst is er (nog) niet.');
  // One start at a time per class, so the bound below holds under concurrent starts.
  const cls = await trx.selectFrom('person_classes').select(['id', 'pupils']).where('id', '=', ctx.classId).forUpdate().executeTakeFirstOrThrow();
  const row = await trx
    .selectFrom('persons')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('class_id', '=', ctx.classId)
    .where('role', '=', 'parent')
    .executeTakeFirstOrThrow();
  if (Number(row.n) >= cls.pupils * PARENTS_PER_PUPIL)
    throw new DomainError(
      429,
      'too_many_parents',
      'Via deze link hebben al zoveel ouders de vragenlijst geopend als er bij deze klas horen. Neem contact op met de school als u toch wilt meedoen.',
    );
  const nonce = newNonce();
  const person = await trx
    .insertInto('persons')
    .values({ round_id: ctx.roundId, site_id: ctx.siteId, class_id: ctx.classId, role: 'parent', panel_id: randomUUID(), code_nonce: nonce, status: 'started', started_at: now, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx.insertInto('person_responses').values({ person_id: person.id, data: '{}', created_at: now, updated_at: now }).execute();
  return { session: linkToken(secret, 'parent-session', person.id, nonce) };
}

export interface ParentContext {
  personId: number;
  roundId: number;
  classId: number | null;
  status: string;
  content: QuestionnaireContent;
  variables: QuestionnaireVariables;
}

/** A parent's session: the person (role parent), the round's questionnaire and the variables it runs with. */
export async function openParent(db: Kysely<DB>, secret: string, session: string): Promise<ParentContext> {
  const gone = () => notFound('Deze sessie is verlopen. Open de link van de school opnieuw.');
  const id = tokenId(session, 'parent-session');
  if (id === null) throw gone();
  const row = await personsAtSites(db)
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .select(['p.id', 'p.round_id', 'p.class_id', 'p.role', 'p.status', 'p.code_nonce', 'r.status as round_status', 'r.questionnaire_version_id', 'i.school_name', 'i.erased_at', 'i.excluded_at'])
    .where('p.id', '=', id)
    .where('p.role', '=', 'parent')
    .executeTakeFirst();
  if (!row || row.code_nonce === null || row.erased_at !== null || row.excluded_at !== null || !tokenMatches(secret, 'parent-session', session, row.id, row.code_nonce)) throw gone();
  if (row.round_status !== 'open') throw new DomainError(410, 'round_closed', 'Dit onderzoek is gesloten.');
  if (row.questionnaire_version_id === null) throw notFound('Deze vragenlijst is er (nog) niet.');
  const version = await db.selectFrom('questionnaire_versions').select('content').where('id', '=', row.questionnaire_version_id).executeTakeFirstOrThrow();
  const content = version.content as QuestionnaireContent;
  return {
    personId: row.id,
    roundId: row.round_id,
    classId: row.class_id,
    status: row.status,
    content,
    // The actor group is the person's role: the same variable on the page and in validation.
    variables: personVariables(content, row.role as PersonRole, row.school_name ?? ''),
  };
}

/**
 * The variables a person's questionnaire runs with: `actor` is the person's role when the
 * questionnaire declares that actor group (else '', and the lint-checked texts stay empty).
 * Person rounds have no samenwerkingssituatie.
 */
export function personVariables(content: QuestionnaireContent, role: PersonRole, schoolName: string): QuestionnaireVariables {
  const meta = readMeta(content);
  const declared = meta.actors?.some((g) => g.role === role) ?? false;
  return variablesFor({ situation: null, sector: null, schoolName, actor: declared ? role : null });
}

/**
 * Saves (or completes) a parent's answers through the server's validation with the parent's
 * actor group: answers to rows and options the parents' version does not show are dropped,
 * nothing but the consent answer is kept before consent. Optimistic revision as for pupils. In
 * the caller's transaction.
 */
export async function saveParentAnswers(trx: Transaction<DB>, ctx: ParentContext, body: Record<string, unknown>, revision: number, complete: boolean, now: Date) {
  if (ctx.status === 'completed' || ctx.status === 'refused') throw new DomainError(409, 'completed', 'U heeft de vragenlijst al afgerond. Hartelijk dank!');
  const result = validateResponse(ctx.content, ctx.variables, body, { mode: complete ? 'complete' : 'partial' });
  if (!result.ok) throw badRequest('invalid_answers', 'Niet alle antwoorden kunnen zo worden opgeslagen.', { errors: result.errors });
  const refused = result.consent === 'refused';
  const updated = await updateAnswersAtRevision(trx, ctx.personId, result.data, revision, complete, now);
  if (!updated) throw new DomainError(409, 'stale', 'Uw antwoorden zijn op een ander apparaat veranderd. Laad de pagina opnieuw.');
  if (complete) await trx.updateTable('persons').set({ status: refused ? 'refused' : 'completed', completed_at: refused ? null : now }).where('id', '=', ctx.personId).execute();
  return { revision: updated.revision };
}

export async function parentAnswers(db: Kysely<DB>, personId: number) {
  return db.selectFrom('person_responses').select(['data', 'revision', 'completed_at']).where('person_id', '=', personId).executeTakeFirst();
}
