import {
  CheckboxItem,
  ItemValue,
  QuestionBooleanModel,
  QuestionMatrixModel,
  QuestionSelectBase,
  QuestionTextModel,
  type Model,
  type Question,
} from 'survey-core';
import { actorTextsOf, buildSurvey, readMeta, type QuestionnaireContent, type QuestionnaireMeta } from './content';
import { checkNominations, NOMINATION_TYPE } from '../../contract/nominations';
import { VARIABLE_NAMES, type QuestionnaireVariables } from './variables';

/**
 * Server-side checking of what a browser sends. The browser is never trusted: the same JSON is
 * loaded into survey-core with the invitation's variables, and only answers to questions that
 * the routing shows, in the shape and value set of that question, are kept.
 */

/** The question types the validator (and so the linter) accepts. */
export const VALUE_TYPES = ['radiogroup', 'dropdown', 'checkbox', 'matrix', 'comment', 'text', 'boolean', 'nominations'] as const;
export const NON_VALUE_TYPES = ['html'] as const;

/** Limit for open answers when neither the question nor the survey sets one. */
export const DEFAULT_MAX_TEXT_LENGTH = 5000;

export type ValidationMode = 'partial' | 'complete';

export interface ValidationError {
  /** The question's name, or null when the submission as a whole is wrong. */
  question: string | null;
  /** Dutch, for the respondent. */
  message: string;
}

export type ResponseData = Record<string, unknown>;

export type ValidationResult =
  | {
      ok: true;
      /** Only answers to visible questions, in their question's value set; `<name>-Comment` for "Anders, namelijk". */
      data: ResponseData;
      /** The answer to the questionnaire's branch question (meetronde.branch), or null. */
      branch: string | null;
      /** 'given' or 'refused' once the consent question is answered, else null. */
      consent: 'given' | 'refused' | null;
    }
  | {
      ok: false;
      errors: ValidationError[];
      /** With `malformedFirst`: the errors are malformed answers only (survey-core's required checks did not run). */
      malformed?: boolean;
    };

export const INVALID_SHAPE = 'De antwoorden hebben een ongeldige vorm.';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function own(data: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : undefined;
}

/** The choice whose value equals `raw`; numbers may arrive as their decimal string and vice versa. */
export function matchItem<T extends { value: unknown }>(items: readonly T[], raw: unknown): T | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const exact = items.find((item) => item.value === raw);
  if (exact) return exact;
  return items.find((item) => (typeof item.value === 'number' || typeof item.value === 'string') && String(item.value) === String(raw));
}

export function isExclusiveItem(question: QuestionSelectBase, item: ItemValue): boolean {
  if (question.showNoneItem && item.value === question.noneItem.value) return true;
  return item instanceof CheckboxItem && item.isExclusive;
}

export function maxLengthOf(question: Question, survey: Model): number {
  if (question instanceof QuestionTextModel || question.getType() === 'comment') {
    const own = Number(question.getPropertyValue('maxLength'));
    if (own > 0) return own;
    if (survey.maxTextLength > 0) return survey.maxTextLength;
  }
  return DEFAULT_MAX_TEXT_LENGTH;
}

export function commentMaxLength(survey: Model): number {
  return survey.maxCommentLength > 0 ? survey.maxCommentLength : DEFAULT_MAX_TEXT_LENGTH;
}

// U+0000 cannot be stored in jsonb; other control characters (except tab and newlines) have no business in an answer.
const FORBIDDEN_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * The length limit of every question's text answer and of "Anders, namelijk" texts, as the full
 * check applies them; the respondent API checks autosaves against these without survey-core.
 */
export function textLimits(survey: Model): { byQuestion: Map<string, number>; comment: number } {
  const byQuestion = new Map<string, number>();
  for (const question of survey.getAllQuestions(false)) byQuestion.set(question.name, maxLengthOf(question, survey));
  return { byQuestion, comment: commentMaxLength(survey) };
}

/** Why a text may not be stored as an answer (too long, forbidden characters), or null. */
export function textProblem(text: string, max: number = DEFAULT_MAX_TEXT_LENGTH): string | null {
  if (text.length > max) return `Het antwoord is te lang: maximaal ${max} tekens.`;
  if (FORBIDDEN_CHARS.test(text)) return 'Het antwoord bevat tekens die niet zijn toegestaan.';
  return null;
}

/** An open answer: a non-blank string within the length limit, or nothing. */
export function cleanText(raw: unknown, max: number, question: string, errors: ValidationError[]): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const problem = textProblem(raw, max);
  if (problem) {
    errors.push({ question, message: problem });
    return undefined;
  }
  return raw;
}

interface Cleaned {
  data: ResponseData;
  errors: ValidationError[];
}

/** Keeps the answers of `questions` that fit their question; everything else in `raw` is dropped. */
function cleanAnswers(survey: Model, questions: readonly Question[], raw: Record<string, unknown>): Cleaned {
  const data: ResponseData = {};
  const errors: ValidationError[] = [];
  const suffix = survey.commentSuffix;
  for (const question of questions) {
    const name = question.name;
    const value = own(raw, name);
    let otherSelected = false;
    if (question instanceof QuestionMatrixModel) {
      if (!isRecord(value)) continue;
      const columns = question.visibleColumns.filter((c): c is ItemValue => c instanceof ItemValue);
      const row: Record<string, unknown> = {};
      for (const item of question.rows) {
        if (!(item instanceof ItemValue) || !item.isVisible) continue;
        const column = matchItem(columns, own(value, String(item.value)));
        if (column) row[String(item.value)] = column.value;
      }
      if (Object.keys(row).length > 0) data[name] = row;
    } else if (question instanceof QuestionSelectBase) {
      const items = question.visibleChoices;
      if (question.getType() === 'checkbox') {
        if (!Array.isArray(value)) continue;
        const picked: ItemValue[] = [];
        for (const entry of value) {
          const item = matchItem(items, entry);
          if (item && !picked.includes(item)) picked.push(item);
        }
        if (picked.length === 0) continue;
        const exclusive = picked.find((item) => isExclusiveItem(question, item));
        if (exclusive && picked.length > 1) {
          errors.push({ question: name, message: `'${exclusive.text}' kan niet samen met andere antwoorden worden gekozen.` });
          continue;
        }
        data[name] = picked.map((item) => item.value);
        otherSelected = question.showOtherItem && picked.some((item) => item.value === question.otherItem.value);
      } else {
        const item = matchItem(items, value);
        if (!item) continue;
        data[name] = item.value;
        otherSelected = question.showOtherItem && item.value === question.otherItem.value;
      }
    } else if (question instanceof QuestionBooleanModel) {
      const accepted = [question.getPropertyValue('valueTrue') ?? true, question.getPropertyValue('valueFalse') ?? false];
      const match = accepted.find((v) => v === value);
      if (match !== undefined) data[name] = match;
    } else if (question.getType() === NOMINATION_TYPE) {
      // Partners a school names (contract/nominations.ts): the same rules as the page's validators.
      const checked = checkNominations(value);
      if (!checked.ok) errors.push({ question: name, message: checked.message });
      else if (checked.rows.length > 0) data[name] = checked.rows;
    } else {
      const text = cleanText(value, maxLengthOf(question, survey), name, errors);
      if (text !== undefined) data[name] = text;
    }
    if (otherSelected || question.getPropertyValue('showCommentArea') === true) {
      const comment = cleanText(own(raw, name + suffix), commentMaxLength(survey), name, errors);
      if (comment !== undefined) data[name + suffix] = comment;
    }
  }
  return { data, errors };
}

const isValueQuestion = (question: Question) => !(NON_VALUE_TYPES as readonly string[]).includes(question.getType());

function visibleValueQuestions(survey: Model): Question[] {
  return survey.getAllQuestions(true).filter(isValueQuestion);
}

interface Settled extends Cleaned {
  survey: Model;
  visible: Question[];
}

/**
 * Building a survey-core model from a questionnaire's JSON is most of the CPU an autosave costs.
 * Checking answers is synchronous from start to end, so one model per questionnaire object can
 * serve every call in turn: before each use it gets the caller's variables, no answers and no
 * errors, which is the state a new model starts in. Questionnaire objects of stored versions are
 * kept by the callers (one per version), so the models live as long as those do.
 */
const models = new WeakMap<QuestionnaireContent, Model>();

function surveyFor(content: QuestionnaireContent, variables: Partial<QuestionnaireVariables>): Model {
  const cached = models.get(content);
  if (!cached) {
    const survey = buildSurvey(content, variables);
    models.set(content, survey);
    return survey;
  }
  // setVariable re-runs every condition's dependants even for an unchanged value; most calls
  // come with the variables of the call before (one situation and sector per round and SWV).
  for (const name of VARIABLE_NAMES) {
    const value = variables[name] ?? '';
    if (cached.getVariable(name) !== value) cached.setVariable(name, value);
  }
  for (const [name, value] of Object.entries(actorTextsOf(content, variables.actor))) {
    if (cached.getVariable(name) !== value) cached.setVariable(name, value);
  }
  cached.data = {};
  for (const question of cached.getAllQuestions(false)) question.errors = [];
  return cached;
}

/**
 * Answers depend on visibility and visibility on answers, so clean until nothing changes:
 * an answer that hid or showed another question is itself dropped when its question is hidden.
 */
function settle(content: QuestionnaireContent, variables: Partial<QuestionnaireVariables>, raw: Record<string, unknown>): Settled {
  const survey = surveyFor(content, variables);
  let current = cleanAnswers(survey, survey.getAllQuestions(false).filter(isValueQuestion), raw);
  // Each round can only remove or restore answers the routing depends on; questionnaires are
  // shallow, so a handful of rounds settles any real one. The cap guards against cycles.
  for (let round = 0; round < 25; round++) {
    survey.data = current.data;
    const visible = visibleValueQuestions(survey);
    const next = cleanAnswers(survey, visible, raw);
    if (JSON.stringify(next.data) === JSON.stringify(current.data)) return { ...next, survey, visible };
    current = next;
  }
  survey.data = current.data;
  return { ...current, survey, visible: visibleValueQuestions(survey) };
}

/**
 * Checks a submission against a questionnaire version as the invitation's variables route it.
 *
 * - `partial` (autosave): drops what does not belong and reports only malformed answers.
 * - `complete`: also reports every visible required question without an answer, with
 *   survey-core's Dutch messages ("Dit is een vereiste vraag").
 *
 * Dropped: keys that are no question, values outside a question's (visible) choices or rows,
 * answers to questions the routing hides, and everything but the consent answer when consent
 * is refused or not (yet) given.
 */
export function validateResponse(
  content: QuestionnaireContent,
  variables: Partial<QuestionnaireVariables>,
  data: unknown,
  options: { mode: ValidationMode; malformedFirst?: boolean },
): ValidationResult {
  if (!isRecord(data)) return { ok: false, errors: [{ question: null, message: INVALID_SHAPE }] };
  const meta = readMeta(content);
  return validateSettled(meta, settle(content, variables, data), options);
}

/**
 * validateResponse and visibleQuestionNames of the same answers from one settling (the routing
 * walk, server/questionnaires/routing-walk.ts, asks both after every step; settling is most of
 * the cost of either).
 */
export function validateAndRoute(
  content: QuestionnaireContent,
  variables: Partial<QuestionnaireVariables>,
  data: Record<string, unknown>,
  options: { mode: ValidationMode; malformedFirst?: boolean },
): { result: ValidationResult; visible: string[] } {
  const meta = readMeta(content);
  const settled = settle(content, variables, data);
  const visible = settled.visible.map((question) => question.name);
  return { result: validateSettled(meta, settled, options), visible };
}

function validateSettled(meta: QuestionnaireMeta, settled: Settled, options: { mode: ValidationMode; malformedFirst?: boolean }): ValidationResult {
  const byQuestion = firstErrorPerQuestion(settled.errors);
  // A completion's malformed answers are reported as a partial check would (the respondent API
  // answers them with a 400 before looking at what is missing): one settle serves both checks.
  const malformed = options.mode === 'complete' && options.malformedFirst === true && byQuestion.size > 0;
  if (options.mode === 'complete' && !malformed) {
    settled.survey.validate(true, false);
    for (const question of settled.visible) {
      const first = question.errors[0];
      if (first && !byQuestion.has(question.name)) byQuestion.set(question.name, first.getText());
    }
  }
  if (byQuestion.size > 0) {
    const order = settled.survey.getAllQuestions(false).map((q) => q.name);
    return refusedAnswers(byQuestion, (question) => order.indexOf(question), malformed);
  }
  return acceptedAnswers(meta, settled.data);
}

// The tail both validators share (this one and compiled-validator.ts).

/** One message per question: a malformed answer first, else the first survey-core error (an empty required matrix would otherwise get two). */
export function firstErrorPerQuestion(errors: ValidationError[]): Map<string, string> {
  const byQuestion = new Map<string, string>();
  for (const error of errors) if (error.question && !byQuestion.has(error.question)) byQuestion.set(error.question, error.message);
  return byQuestion;
}

/** The refusal of a submission: its errors in questionnaire order (`position` of a question name). */
export function refusedAnswers(byQuestion: Map<string, string>, position: (question: string) => number, malformed: boolean): ValidationResult {
  const errors = [...byQuestion].map(([question, message]) => ({ question, message }));
  errors.sort((a, b) => position(a.question) - position(b.question));
  return malformed ? { ok: false, errors, malformed } : { ok: false, errors };
}

/** The acceptance of settled answers: the consent and branch they give. */
export function acceptedAnswers(meta: QuestionnaireMeta, data: ResponseData): ValidationResult {
  const consentAnswer = data[meta.consent.question];
  const consent = consentAnswer === meta.consent.yes ? 'given' : consentAnswer === meta.consent.no ? 'refused' : null;
  // A refusal keeps nothing but itself, whatever the routing of a faulty file would show.
  const cleaned = consent === 'refused' ? { [meta.consent.question]: consentAnswer } : data;
  const branchAnswer = meta.branch ? cleaned[meta.branch.question] : undefined;
  const branch = typeof branchAnswer === 'string' && meta.branch?.values.includes(branchAnswer) ? branchAnswer : null;
  return { ok: true, data: cleaned, branch, consent };
}

/**
 * Names of the questions the routing shows for these answers, in questionnaire order (html
 * elements left out). A question not in this list was not asked; one in it without an answer
 * was asked and left open. Visibility is routing only: it does not say the respondent got as
 * far as that page.
 */
export function visibleQuestionNames(content: QuestionnaireContent, variables: Partial<QuestionnaireVariables>, data: unknown): string[] {
  const settled = settle(content, variables, isRecord(data) ? data : {});
  return settled.visible.map((question) => question.name);
}
