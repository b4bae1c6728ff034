import { sql, type Kysely } from 'kysely';
import {
  buildSurvey,
  compileValidator,
  readMeta,
  variablesFor,
  textLimits,
  type CompiledValidator,
  type QuestionnaireContent,
  type QuestionnaireMeta,
  type QuestionnaireVariables,
} from '../questionnaires';
import type { DB, InvitationStatus, RoundStatus, SchoolKind, Situation, SwvSector } from '../db/types';
import { tokenLookupHash } from '../invitations/tokens';
import { notifyLaterColumn } from '../tracking/notify-later';

/**
 * What a personal link (/s/<token>) leads to, and the changes a respondent can make: consent,
 * refusal, autosave and completion. The contract is docs/respondent-api.md.
 *
 * Consent is the response row: giving it creates the row (holding only the consent answer),
 * refusing deletes it with every answer. Saves are optimistic: a save names the revision it
 * builds on and only lands if that is still the newest one.
 */

export type SurveyState = 'closed' | 'not_open' | 'consent' | 'refused' | 'open' | 'completed';

export interface StoredResponse {
  data: Record<string, unknown>;
  currentPage: number;
  revision: number;
  branch: string | null;
  completedAt: Date | null;
}

/** Everything one request needs to know about the invitation behind a token. */
export interface RespondentContext {
  invitationId: number;
  roundId: number;
  status: InvitationStatus;
  openedAt: Date | null;
  studyName: string;
  roundName: string;
  roundStatus: RoundStatus;
  opensAt: Date | null;
  closesAt: Date | null;
  schoolName: string;
  variables: QuestionnaireVariables;
  questionnaire: VersionInfo | null;
  response: StoredResponse | null;
  /** Erased, excluded or purged: the link must not work any more. */
  gone: boolean;
}

/** A pinned questionnaire version with what the routes derive from it (computed once per process). */
export interface VersionInfo {
  id: number;
  content: QuestionnaireContent;
  meta: QuestionnaireMeta;
  /** Number of pages, visible or not; currentPage must be below it. */
  pageCount: number;
  /** Every value question by name, with the JSON shape its answer has. */
  shapes: ReadonlyMap<string, AnswerShape>;
  /** survey-core's suffix for "Anders, namelijk" and comment areas ('-Comment'). */
  commentSuffix: string;
  /** Length limits of text answers, per question and for comments. */
  textLimits: ReturnType<typeof textLimits>;
  /**
   * validateResponse compiled for this version (no survey-core model per check), or null when the
   * questionnaire uses something the compiler does not model; then survey-core checks it.
   */
  validator: CompiledValidator | null;
}

export type AnswerShape = 'choice' | 'checkbox' | 'matrix' | 'boolean' | 'text' | 'comment' | 'nominations';

const SHAPES: Record<string, AnswerShape> = {
  radiogroup: 'choice',
  dropdown: 'choice',
  checkbox: 'checkbox',
  matrix: 'matrix',
  boolean: 'boolean',
  text: 'text',
  comment: 'comment',
  nominations: 'nominations',
};

// Versions are immutable snapshots, so what we derive from one can be kept for the process's life.
// Kept by the content's sha256, not the row id: ids repeat between databases (the tests open
// several in one process), contents do not. The bound only matters for very many versions.
const versionCache = new Map<string, VersionInfo>();
const VERSION_CACHE_SIZE = 100;

export function versionInfo(id: number, sha256: string, content: unknown): VersionInfo {
  const cached = versionCache.get(sha256);
  if (cached) return cached;
  const questionnaire = content as QuestionnaireContent;
  const meta = readMeta(questionnaire);
  const survey = buildSurvey(questionnaire);
  const shapes = new Map<string, AnswerShape>();
  for (const question of survey.getAllQuestions(false)) {
    const shape = SHAPES[question.getType()];
    if (shape) shapes.set(question.name, shape);
  }
  const info: VersionInfo = {
    id,
    content: questionnaire,
    meta,
    pageCount: survey.pages.length,
    shapes,
    commentSuffix: survey.commentSuffix,
    textLimits: textLimits(survey),
    validator: compileValidator(questionnaire, survey),
  };
  if (versionCache.size >= VERSION_CACHE_SIZE) versionCache.delete(versionCache.keys().next().value!);
  versionCache.set(sha256, info);
  return info;
}

/**
 * Derives what the respondent routes need from the versions of open rounds before the first
 * request (issue 21): building it takes a few hundred ms of CPU per version (a survey-core model
 * and the compiled validator), which otherwise blocked the event loop under the first class of
 * pupils to open their links (bench/class-at-once.ts). Rounds opened later are derived on their
 * first request, as before.
 */
export async function warmVersions(db: Kysely<DB>): Promise<number> {
  const rows = await db
    .selectFrom('rounds as r')
    .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
    .select(['v.id', 'v.sha256', 'v.content'])
    .where('r.status', '=', 'open')
    .distinct()
    .execute();
  for (const row of rows) versionInfo(row.id, row.sha256, row.content);
  return rows.length;
}

/**
 * The questionnaire version behind each link seen lately, for autosaves in one round trip
 * (fastAutosave). Only a hint: respondent_autosave re-checks that the round still has this
 * version, so a stale entry costs one round trip more, never a wrong save. Bounded; the oldest
 * entry goes first.
 */
const linkVersions = new Map<string, { versionId: number; info: VersionInfo }>();
const LINK_VERSIONS_SIZE = 50_000;

function rememberVersion(hash: string, versionId: number, info: VersionInfo) {
  const known = linkVersions.get(hash);
  if (known && known.versionId === versionId && known.info === info) return;
  linkVersions.delete(hash);
  if (linkVersions.size >= LINK_VERSIONS_SIZE) linkVersions.delete(linkVersions.keys().next().value!);
  linkVersions.set(hash, { versionId, info });
}

/** The version a link led to when last seen (see linkVersions), or null. */
export function knownVersion(token: string): { hash: string; versionId: number; info: VersionInfo } | null {
  const hash = tokenLookupHash(token);
  if (!hash) return null;
  const known = linkVersions.get(hash);
  return known ? { hash, ...known } : null;
}

/**
 * An autosave in one round trip (respondent_autosave, migration 0020) for answers already
 * checked against `versionId`: the new revision when everything the full path checks holds and
 * the save landed, else null, and nothing changed; the caller then takes the full path, which
 * finds out why (closed, not open, no consent, completed, stale) and answers as it always did.
 */
export async function fastAutosave(db: Kysely<DB>, hash: string, versionId: number, input: SaveInput, now: Date): Promise<number | null> {
  const result = await sql<{ revision: number | null }>`
    select respondent_autosave(${hash}, ${versionId}, ${JSON.stringify(input.data)}::jsonb, ${input.currentPage}, ${input.revision}, ${now}) as revision
  `.execute(db);
  return result.rows[0]?.revision ?? null;
}

/**
 * The invitation behind a token, or null for anything that does not lead to one. With
 * `answers: false` the stored answers are not read (response.data is then empty): an autosave
 * replaces them without looking, and reading a large jsonb on every save was most of its cost
 * in PostgreSQL.
 */
export async function loadContext(db: Kysely<DB>, token: string, options: { answers?: boolean } = {}): Promise<RespondentContext | null> {
  const withAnswers = options.answers ?? true;
  const hash = tokenLookupHash(token);
  if (!hash) return null;
  const row = (await contextQuery(hash, withAnswers).execute(db)).rows[0];
  if (!row) return null;
  const context = await contextFromRow(db, row);
  if (context.questionnaire && row.versionId !== null) rememberVersion(hash, row.versionId, context.questionnaire);
  return context;
}

/** A row of respondent_context() (migration 0020). */
interface ContextRow {
  invitationId: number;
  roundId: number;
  status: InvitationStatus;
  openedAt: Date | null;
  erasedAt: Date | null;
  excludedAt: Date | null;
  studyName: string;
  roundName: string;
  roundStatus: RoundStatus;
  opensAt: Date | null;
  closesAt: Date | null;
  purgedAt: Date | null;
  versionId: number | null;
  versionSha: string | null;
  schoolName: string;
  schoolKind: string;
  sector: string;
  situation: string | null;
  responseId: number | null;
  data: Record<string, unknown> | null;
  currentPage: number | null;
  revision: number | null;
  branch: string | null;
  responseCompletedAt: Date | null;
}

/**
 * The lookup behind loadContext: the invitation with its round, study, SWV, school, situation,
 * response and questionnaire version. A PL/pgSQL function (migration 0020), so PostgreSQL plans
 * the eight-table join once per connection instead of on every request (planning was 1.5 ms of
 * the 1.6 ms it cost). Exported for bench/respondent.ts, which EXPLAINs it.
 */
export function contextQuery(hash: string, withAnswers: boolean) {
  return sql<ContextRow>`select * from respondent_context(${hash}, ${withAnswers})`;
}

async function contextFromRow(db: Kysely<DB>, row: ContextRow): Promise<RespondentContext> {
  let questionnaire: VersionInfo | null = null;
  if (row.versionId !== null && row.versionSha !== null) {
    questionnaire = versionCache.get(row.versionSha) ?? null;
    if (!questionnaire) {
      const version = await db.selectFrom('questionnaire_versions').select('content').where('id', '=', row.versionId).executeTakeFirst();
      if (version) questionnaire = versionInfo(row.versionId, row.versionSha, version.content);
    }
  }
  return {
    invitationId: row.invitationId,
    roundId: row.roundId,
    status: row.status,
    openedAt: row.openedAt,
    studyName: row.studyName,
    roundName: row.roundName,
    roundStatus: row.roundStatus,
    opensAt: row.opensAt,
    closesAt: row.closesAt,
    schoolName: row.schoolName,
    variables: variablesFor({
      situation: (row.situation ?? null) as Situation | null,
      sector: row.sector as SwvSector,
      schoolName: row.schoolName,
      schoolKind: row.schoolKind as SchoolKind,
    }),
    questionnaire,
    response:
      row.responseId === null
        ? null
        : {
            data: (row.data ?? {}) as Record<string, unknown>,
            currentPage: row.currentPage ?? 0,
            revision: row.revision ?? 0,
            branch: row.branch,
            completedAt: row.responseCompletedAt,
          },
    gone: row.erasedAt !== null || row.excludedAt !== null || row.purgedAt !== null,
  };
}

export function stateOf(context: RespondentContext | null, now: Date): SurveyState {
  if (!context || context.gone) return 'closed';
  if (context.roundStatus === 'closed' || (context.closesAt && context.closesAt.getTime() <= now.getTime())) return 'closed';
  if (context.roundStatus === 'draft' || (context.opensAt && context.opensAt.getTime() > now.getTime()) || !context.questionnaire) {
    return 'not_open';
  }
  if (context.status === 'completed' || context.response?.completedAt) return 'completed';
  if (context.status === 'refused') return 'refused';
  return context.response ? 'open' : 'consent';
}

/** The first visit: `opened_at`, and status `opened` for a school that had only been invited. */
export async function markOpened(db: Kysely<DB>, context: RespondentContext, now: Date): Promise<void> {
  if (context.openedAt && context.status !== 'pending' && context.status !== 'invited') return;
  await db
    .updateTable('invitations')
    .set({
      opened_at: sql<Date>`coalesce(opened_at, ${now})`,
      status: sql<InvitationStatus>`case when status in ('pending', 'invited') then 'opened' else status end`,
    })
    .where('id', '=', context.invitationId)
    .execute();
}

export type ConsentOutcome = { ok: true; response: StoredResponse | null } | { ok: false; reason: 'completed' | 'missing' };

/**
 * Consent given (`give`) or refused, in one statement (respondent_consent, migration 0026): the
 * invitation row is locked, so changes of one link run one after the other.
 *
 * Given: a response row holding only the consent answer (revision 1), status `started`. Given
 * again while answering, nothing changes. A school that refused before may consent now; its
 * refusal is forgotten (refused_at cleared), so it gets reminders like any other starter.
 * Refused: every answer is deleted, status `refused`; refused again, nothing changes.
 * After completion nothing changes and the outcome says so. On success the response as it is
 * afterwards comes back (null after a refusal), so the caller needs no second lookup.
 */
export async function changeConsent(db: Kysely<DB>, invitationId: number, give: boolean, meta: QuestionnaireMeta, now: Date): Promise<ConsentOutcome> {
  const data = give ? JSON.stringify({ [meta.consent.question]: meta.consent.yes }) : null;
  const result = await sql<{
    outcome: 'ok' | 'completed' | 'missing';
    data: Record<string, unknown> | null;
    currentPage: number | null;
    revision: number | null;
    branch: string | null;
    completedAt: Date | null;
  }>`select * from respondent_consent(${invitationId}, ${give}, ${data}::jsonb, ${now})`.execute(db);
  const row = result.rows[0];
  if (!row || row.outcome === 'missing') return { ok: false, reason: 'missing' };
  if (row.outcome === 'completed') return { ok: false, reason: 'completed' };
  const response =
    row.data === null
      ? null
      : { data: row.data, currentPage: row.currentPage ?? 0, revision: row.revision ?? 0, branch: row.branch, completedAt: row.completedAt };
  return { ok: true, response };
}

export interface SaveInput {
  /** Already checked and cleaned (validateResponse). */
  data: Record<string, unknown>;
  currentPage: number;
  /** The revision the client built on. */
  revision: number;
}

export type SaveOutcome =
  | { ok: true; revision: number; savedAt: Date }
  | { ok: false; reason: 'stale'; current: StoredResponse }
  | { ok: false; reason: 'completed'; current: StoredResponse }
  | { ok: false; reason: 'no_consent' };

async function whyNotSaved(db: Kysely<DB>, invitationId: number): Promise<SaveOutcome> {
  const current = await storedResponse(db, invitationId);
  if (!current) return { ok: false, reason: 'no_consent' };
  return { ok: false, reason: current.completedAt ? 'completed' : 'stale', current };
}

/**
 * Autosave, or completion when `completion` is given. Lands only on top of `input.revision`: the
 * UPDATE's `where revision = $seen` makes two saves on the same revision race for the row lock,
 * and the loser finds the revision moved on (PostgreSQL re-checks the condition after the wait).
 * Both are one statement (the response and the invitation change together) and need no
 * transaction.
 */
export async function saveResponse(
  db: Kysely<DB>,
  invitationId: number,
  input: SaveInput,
  now: Date,
  completion?: { branch: string | null },
): Promise<SaveOutcome> {
  if (!completion) {
    // An autosave is one statement (one round trip instead of four): the response and the
    // invitation's last activity change together or not at all.
    const result = await autosaveStatement(invitationId, input, now).execute(db);
    const revision = result.rows[0]?.revision;
    if (revision !== undefined) return { ok: true, revision, savedAt: now };
    return whyNotSaved(db, invitationId);
  }
  return completeResponse(db, invitationId, input, now, completion);
}

/** The autosave as one statement (exported for bench/respondent.ts, which EXPLAINs it). */
export function autosaveStatement(invitationId: number, input: SaveInput, now: Date) {
  return sql<{ revision: number }>`
      with saved as (
        update responses
        set data = ${JSON.stringify(input.data)}::jsonb, current_page = ${input.currentPage}, revision = revision + 1, updated_at = ${now}
        where invitation_id = ${invitationId} and revision = ${input.revision} and completed_at is null
        returning revision
      ), touched as (
        update invitations set last_activity_at = ${now}
        where id = ${invitationId} and exists (select 1 from saved)
      )
      select revision from saved
    `;
}

/**
 * Completion as one statement (issue 21): the response (answers, branch, completed_at; only on
 * top of `input.revision` and while not completed) and the invitation (status `completed`) change
 * together or not at all, so it needs no transaction of its own. When it did not land, why not
 * (stale, completed by someone else, no consent) is looked up as for an autosave.
 * Its tracking triggers leave the dashboard's NOTIFY to the caller (`notifyLaterColumn`): a
 * NOTIFY in each completion's transaction made concurrent completions commit one at a time. Run
 * it on its own (autocommit), and call NotifyLater.changed(round) when it landed.
 */
export function completionStatement(invitationId: number, input: SaveInput, now: Date, branch: string | null) {
  return sql<{ revision: number }>`
      with saved as (
        update responses
        set data = ${JSON.stringify(input.data)}::jsonb, current_page = ${input.currentPage}, revision = revision + 1, updated_at = ${now},
          branch = ${branch}, completed_at = ${now}
        where invitation_id = ${invitationId} and revision = ${input.revision} and completed_at is null
        returning revision
      ), touched as (
        update invitations set status = 'completed', completed_at = ${now}, last_activity_at = ${now}
        where id = ${invitationId} and exists (select 1 from saved)
      )
      select revision, ${notifyLaterColumn()} as notify_later from saved
    `;
}

async function completeResponse(db: Kysely<DB>, invitationId: number, input: SaveInput, now: Date, completion: { branch: string | null }): Promise<SaveOutcome> {
  const result = await completionStatement(invitationId, input, now, completion.branch).execute(db);
  const revision = result.rows[0]?.revision;
  if (revision !== undefined) return { ok: true, revision, savedAt: now };
  return whyNotSaved(db, invitationId);
}

/** The stored response of an invitation, answers included, or null before consent. */
export async function storedResponse(db: Kysely<DB>, invitationId: number): Promise<StoredResponse | null> {
  const row = await db
    .selectFrom('responses')
    .select(['data', 'current_page', 'revision', 'branch', 'completed_at'])
    .where('invitation_id', '=', invitationId)
    .executeTakeFirst();
  return row ? { data: row.data, currentPage: row.current_page, revision: row.revision, branch: row.branch, completedAt: row.completed_at } : null;
}
