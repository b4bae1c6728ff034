import { DEFAULT_MAX_TEXT_LENGTH, textProblem, validateResponse, type QuestionnaireVariables, type ValidationError } from '../questionnaires';
import type { VersionInfo } from './survey-state';
import { NOMINATION_LIMITS } from '../../contract/nominations';

/**
 * Checks what a browser sends as answers, before anything is stored.
 *
 * - `autosave`: the shape of every answer and every text in it (length, characters), nothing
 *   more. Running survey-core on each autosave cost most of the request (bench/respondent.ts);
 *   what the routing hides or what lies outside a question's choices may be stored in between
 *   and is cleaned at completion. The page never sends such answers.
 * - `partial` / `complete`: the full check for the routing: validateResponse, compiled once per
 *   questionnaire version (server/questionnaires/compiled-validator.ts).
 *
 * validateResponse() keeps
 * only what fits the routing and silently drops the rest; a submission that could never come
 * from our page (names that are no question, answers of the wrong JSON type, a withdrawn consent)
 * is refused as a whole instead, so a broken or hostile client learns it at once.
 */

const UNKNOWN_QUESTION = 'Deze vraag bestaat niet in de vragenlijst.';
const WRONG_SHAPE = 'Het antwoord heeft niet de juiste vorm.';
const CONSENT_ELSEWHERE = 'De toestemming kunt u alleen met de eerste vraag geven of intrekken.';
/** More errors than this help nobody; the rest of the submission is refused anyway. */
const MAX_ERRORS = 20;
const MAX_NAME_IN_ERROR = 100;

const isScalar = (value: unknown) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function shapeFits(shape: string, value: unknown): boolean {
  if (value === null) return true;
  switch (shape) {
    case 'choice':
      return isScalar(value);
    case 'checkbox':
      return Array.isArray(value) && value.every(isScalar);
    case 'matrix':
      return isRecord(value) && Object.values(value).every((v) => v === null || isScalar(v));
    case 'comment':
      return typeof value === 'string';
    case 'nominations':
      // A list of partner rows of text fields (contract/nominations.ts); their content is checked at completion.
      return Array.isArray(value) && value.length <= NOMINATION_LIMITS.rows * 2 && value.every((row) => isRecord(row) && Object.values(row).every((v) => v === null || typeof v === 'string'));
    case 'boolean':
      return typeof value === 'boolean' || isScalar(value);
    default:
      // A text question with inputType number may hold a number.
      return isScalar(value);
  }
}

/** The first text in an answer (values, matrix row keys) that may not be stored, or null. */
function firstTextProblem(value: unknown, max: number): string | null {
  if (typeof value === 'string') return textProblem(value, max);
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = firstTextProblem(item, max);
      if (problem) return problem;
    }
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) {
      const problem = textProblem(key, max) ?? firstTextProblem(item, max);
      if (problem) return problem;
    }
  }
  return null;
}

export type CheckedAnswers =
  | { ok: true; data: Record<string, unknown>; branch: string | null }
  /** `malformed`: answers that could never be stored (400), as opposed to missing or wrong ones at completion (422). */
  | { ok: false; errors: ValidationError[]; malformed: boolean };

/**
 * The answers as they may be stored, or the reasons they may not. The consent answer is the
 * server's (consent changes go through POST /consent): it is added when missing.
 */
export function checkAnswers(
  version: VersionInfo,
  variables: QuestionnaireVariables,
  raw: Record<string, unknown>,
  mode: 'autosave' | 'partial' | 'complete',
): CheckedAnswers {
  const { meta, shapes, commentSuffix } = version;
  const errors: ValidationError[] = [];
  for (const name of Object.keys(raw)) {
    if (errors.length >= MAX_ERRORS) break;
    const value = raw[name];
    if (name === meta.consent.question) {
      if (value !== meta.consent.yes) errors.push({ question: name, message: CONSENT_ELSEWHERE });
      continue;
    }
    const shape = shapes.get(name);
    if (shape) {
      if (!shapeFits(shape, value)) errors.push({ question: name, message: WRONG_SHAPE });
      continue;
    }
    if (name.endsWith(commentSuffix) && shapes.has(name.slice(0, -commentSuffix.length))) {
      if (value !== null && typeof value !== 'string') errors.push({ question: name.slice(0, -commentSuffix.length), message: WRONG_SHAPE });
      continue;
    }
    errors.push({ question: name.slice(0, MAX_NAME_IN_ERROR), message: UNKNOWN_QUESTION });
  }
  if (errors.length > 0) return { ok: false, errors, malformed: true };

  const data = { ...raw, [meta.consent.question]: meta.consent.yes };
  if (mode === 'autosave') {
    const limits = version.textLimits;
    for (const [name, value] of Object.entries(raw)) {
      const isComment = !shapes.has(name) && name.endsWith(commentSuffix);
      const question = isComment ? name.slice(0, -commentSuffix.length) : name;
      const max = isComment ? limits.comment : (limits.byQuestion.get(name) ?? DEFAULT_MAX_TEXT_LENGTH);
      const problem = firstTextProblem(value, max);
      if (problem) errors.push({ question, message: problem });
      if (errors.length >= MAX_ERRORS) break;
    }
    if (errors.length > 0) return { ok: false, errors, malformed: true };
    const branchValue = meta.branch ? data[meta.branch.question] : undefined;
    const branch = typeof branchValue === 'string' && meta.branch!.values.includes(branchValue) ? branchValue : null;
    return { ok: true, data, branch };
  }
  // At completion, malformed answers come first (as a partial check would report them), so one
  // run of survey-core serves both.
  // The compiled validator gives validateResponse's results without building a survey-core model
  // (tests/unit/compiled-validator.test.ts); survey-core remains for questionnaires it does not model.
  const options = { mode, malformedFirst: true };
  const result = version.validator ? version.validator.validate(variables, data, options) : validateResponse(version.content, variables, data, options);
  if (!result.ok) return { ok: false, errors: result.errors, malformed: mode === 'partial' || result.malformed === true };
  return { ok: true, data: result.data, branch: result.branch };
}
