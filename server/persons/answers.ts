import type { Kysely } from 'kysely';
import type { DB, SchoolKind, Situation, SwvSector } from '../db/types';
import { DomainError, notFound } from '../errors';
import { variablesFor } from '../questionnaires';
import { checkAnswers } from '../responses/answers';
import { versionInfo } from '../responses/survey-state';
import { personsAtSchools } from './joins';

/**
 * A pupil's completion is checked like a school's (server/responses/answers.ts): the pinned
 * questionnaire version with the school's variables routes the answers through survey-core.
 *
 * - Malformed (a name that is no question, an answer of the wrong JSON type, a text too long or
 *   with forbidden characters): 400.
 * - Off the routed path (an answer to a question the routing skips for these answers, or a value
 *   outside the question's choices): 400 as well. Unlike the school page, which stores the
 *   cleaned answers, a pupil's completion is refused: our page clears skipped answers before it
 *   sends (survey-core's clearInvisibleValues 'onComplete'), so such a submission never comes
 *   from it, and nothing a pupil sent is silently lost.
 * - A required question on the path without an answer: 422.
 *
 * Autosaves keep their limits (an object, ANSWERS_BODY_LIMIT): the stored draft is checked here
 * at completion. The questionnaire's consent question (meetronde.consent) is the pupil's assent
 * on the first screen; it is added as given.
 */
const MALFORMED = 'Een of meer antwoorden kunnen niet worden opgeslagen.';
const INCOMPLETE = 'Nog niet alle vragen zijn (goed) beantwoord.';
const OFF_PATH = 'Dit antwoord hoort niet bij de vragen die je kreeg, of past niet bij de vraag.';

const isEmpty = (value: unknown) => value === null || value === undefined || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);

/** Whether the stored answer is the sent one (numbers may have come as their decimal string). */
function sameAnswer(sent: unknown, kept: unknown): boolean {
  if (kept === undefined) return false;
  if (Array.isArray(sent)) return Array.isArray(kept) && kept.length === sent.length;
  if (typeof sent === 'object' && sent !== null) {
    const entries = Object.values(sent).filter((v) => !isEmpty(v)).length;
    return typeof kept === 'object' && kept !== null && Object.keys(kept).length === entries;
  }
  return String(sent) === String(kept);
}

export async function checkPupilCompletion(db: Kysely<DB>, personId: number, versionId: number | null, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (versionId === null) throw notFound('Deze vragenlijst is er (nog) niet.');
  const version = await db.selectFrom('questionnaire_versions').select(['id', 'sha256', 'content']).where('id', '=', versionId).executeTakeFirstOrThrow();
  const school = await personsAtSchools(db)
    .select(['i.school_name', 'sc.name', 'i.school_kind', 'sc.kind', 'w.sector', 'rs.situation'])
    .where('p.id', '=', personId)
    .executeTakeFirstOrThrow();
  const info = versionInfo(version.id, version.sha256, version.content);
  const variables = variablesFor({
    situation: (school.situation ?? null) as Situation | null,
    sector: school.sector as SwvSector,
    schoolName: school.school_name ?? school.name,
    schoolKind: (school.school_kind ?? school.kind) as SchoolKind,
  });
  // First what was sent against what the routing keeps (malformed and off-path: 400), then
  // what is missing (422), so a wrong value of a required question is named as wrong, not missing.
  const partial = checkAnswers(info, variables, raw, 'partial');
  if (!partial.ok) throw new DomainError(400, 'invalid_answers', MALFORMED, partial.errors);
  const consent = info.meta.consent.question;
  const offPath = Object.keys(raw)
    .filter((name) => name !== consent && !isEmpty(raw[name]) && !sameAnswer(raw[name], partial.data[name]))
    .map((name) => {
      const question = name.endsWith(info.commentSuffix) && !info.shapes.has(name) ? name.slice(0, -info.commentSuffix.length) : name;
      return { question, message: OFF_PATH };
    });
  if (offPath.length > 0) throw new DomainError(400, 'invalid_answers', MALFORMED, offPath.slice(0, 20));
  const checked = checkAnswers(info, variables, raw, 'complete');
  if (!checked.ok) throw new DomainError(checked.malformed ? 400 : 422, 'invalid_answers', checked.malformed ? MALFORMED : INCOMPLETE, checked.errors);
  return checked.data;
}
