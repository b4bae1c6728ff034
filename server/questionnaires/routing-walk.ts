import { NOMINATION_TYPE } from '../../contract/nominations';
import { ConditionRunner, ConditionsParser, ItemValue, QuestionMatrixModel, QuestionSelectBase, type Model, type Operand, type Question } from 'survey-core';
import {
  buildSurvey,
  readMeta,
  SITUATIONS,
  validateAndRoute,
  validateResponse,
  VARIABLE_NAMES,
  variablesFor,
  type QuestionnaireContent,
  type QuestionnaireVariables,
} from './index';
import { answerColumns, VisibilityEvaluator } from './columns';
import { actorProblems } from './actor-check';
import type { ActorGroup } from './content';
import type { SchoolKind, Situation, SwvSector } from '../db/types';
import type { PersonRole } from '../../contract/vocabulary';

/**
 * Property-based routing check (issue 18), used by the test suite (tests/fixtures/routing-walk.ts)
 * and by the server's check of an uploaded questionnaire version (issue 27). A respondent is simulated on the real survey-core
 * model: each step answers, changes or clears one question that the page shows at that moment
 * (so "going back and changing an earlier answer" is just a step on an earlier question). After
 * every step the state is checked against the server's view of the same answers:
 *
 * - the page shows exactly the questions the server's routing shows (so no required question is
 *   left on a page that the routing hides, and none the routing shows is missing);
 * - what the server keeps (validateResponse, partial) holds answers of shown questions only;
 * - exports and report tables (VisibilityEvaluator, read on the raw stored answers, which may
 *   still hold answers of hidden pages while the school is answering) count exactly the shown
 *   questions, so a hidden answer is never exported or counted;
 * - completion stays reachable: answering the remaining shown required questions validly lets
 *   both the page and the server's completion check pass.
 *
 * No dependency: the caller's seeded PRNG, a generator and a shrinker (drop steps, simplify values, repeat).
 */

export type Answer = string | number | boolean | string[] | Record<string, string | number> | null;

export interface Step {
  question: string;
  /** null clears the answer. */
  value: Answer;
  /** The "Anders, namelijk" text, when the value picks "other". */
  comment?: string;
  /** An open (text) answer, which the shrinker may shorten. */
  open?: true;
}

export interface Setting {
  situation: Situation | null;
  sector: SwvSector;
  schoolKind: SchoolKind;
  /** The respondent's actor group, for questionnaires that declare `meetronde.actors` (issue 20). */
  actor?: PersonRole;
}

export interface Sequence {
  setting: Setting;
  steps: Step[];
}

export interface Failure {
  sequence: Sequence;
  /** Index of the step after which the check failed (-1: before any step). */
  at: number;
  message: string;
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

const isValueQuestion = (q: Question) => q.getType() !== 'html';

/** The questions the page shows now: visible, on a visible page, in visible panels. */
export function shownQuestions(survey: Model): Question[] {
  return survey.getAllQuestions(true).filter(isValueQuestion);
}

/** The settings a questionnaire can be answered in: situations and sectors only where it uses them. */
export function settingsFor(content: QuestionnaireContent): Setting[] {
  const meta = readMeta(content);
  const usesSituation = meta.variables.some((v) => v === 'situatie' || v === 'partner' || v === 'thema');
  const situations: Array<Situation | null> = usesSituation ? [...SITUATIONS] : [null];
  const out: Setting[] = [];
  for (const situation of situations) {
    for (const sector of ['po', 'vo'] as const) {
      for (const schoolKind of (situation === 'vso-vo' ? ['vo', 'vso'] : [sector]) as SchoolKind[]) out.push({ situation, sector, schoolKind });
    }
  }
  // Every actor group's version in every setting: the actor is one more dimension of the walk.
  if (meta.actors) return out.flatMap((setting) => meta.actors!.map((group) => ({ ...setting, actor: group.role })));
  return out;
}

export function variablesOf(setting: Setting): QuestionnaireVariables {
  return variablesFor({ situation: setting.situation, sector: setting.sector, schoolName: 'De Proefschool', schoolKind: setting.schoolKind, actor: setting.actor ?? null });
}

function items(question: QuestionSelectBase): ItemValue[] {
  return question.visibleChoices.filter((c) => c.value !== question.noneItem.value);
}

/** A random answer the page lets a respondent give to this question as it is shown now. */
function randomStep(random: () => number, question: Question, consent: { question: string; yes: string; no: string }): Step {
  const name = question.name;
  if (name === consent.question) return { question: name, value: random() < 0.85 ? consent.yes : consent.no };
  if (random() < 0.08) return { question: name, value: null };
  // Named partners (contract/nominations.ts) route nothing; the walk leaves them empty.
  if (question.getType() === NOMINATION_TYPE) return { question: name, value: null };
  if (question instanceof QuestionMatrixModel) {
    const columns = question.visibleColumns.filter((c): c is ItemValue => c instanceof ItemValue);
    const rows = question.rows.filter((r): r is ItemValue => r instanceof ItemValue && r.isVisible);
    const all = random() < 0.7;
    const value: Record<string, string | number> = {};
    for (const row of rows) if (all || random() < 0.5) value[String(row.value)] = pick(random, columns).value;
    return { question: name, value };
  }
  if (question instanceof QuestionSelectBase) {
    const choices = items(question);
    const other = question.showOtherItem ? question.otherItem.value : undefined;
    const withComment = (value: Answer, chosen: unknown[]): Step =>
      other !== undefined && chosen.includes(other) ? { question: name, value, comment: 'Iets anders' } : { question: name, value };
    if (question.getType() === 'checkbox') {
      if (question.showNoneItem && random() < 0.2) return { question: name, value: [question.noneItem.value] };
      // Mostly one or two options (what routing reads), sometimes any subset.
      const chosen = random() < 0.3 ? choices.filter(() => random() < 0.4) : [pick(random, choices), ...(random() < 0.4 ? [pick(random, choices)] : [])];
      if (chosen.length === 0 && choices.length > 0) chosen.push(pick(random, choices));
      let unique = [...new Set(chosen)];
      // An exclusive option ("Ik weet niet", "Geen") never stands beside another on the page: the
      // last click wins, so the walk keeps either the exclusive option alone or the others.
      const exclusive = unique.find((c) => (c as ItemValue & { isExclusive?: boolean }).isExclusive === true);
      if (exclusive && unique.length > 1) unique = random() < 0.5 ? [exclusive] : unique.filter((c) => (c as ItemValue & { isExclusive?: boolean }).isExclusive !== true);
      chosen.length = 0;
      chosen.push(...unique);
      const values = chosen.map((c) => c.value);
      return withComment(values, values);
    }
    const item = pick(random, choices);
    return withComment(item.value, [item.value]);
  }
  if (question.getType() === 'boolean') return { question: name, value: random() < 0.5 };
  return { question: name, value: random() < 0.8 ? 'Een antwoord' : '', open: true };
}

/** Applies a step the way the page would; false when the question is not shown now (the step is skipped). */
function applyNow(survey: Model, step: Step): void {
  const question = survey.getQuestionByName(step.question);
  if (step.value === null || step.value === '') question.clearValue();
  else question.value = step.value;
  if (step.comment !== undefined) question.comment = step.comment;
}

/**
 * A walk on one model. Answers to questions no condition reads cannot change what any condition
 * says, so such a step is held back (`pending`) and applied to the model, in order, just before
 * the next step that can change the routing or the next state that is checked afresh: the model
 * goes through exactly the same changes in the same order (so clearing answers of questions that
 * become hidden works as on the page), it just skips a condition run for answers nothing looks at.
 */
interface Walk {
  survey: Model;
  pending: Step[];
}

function flush(walk: Walk): void {
  for (const step of walk.pending) applyNow(walk.survey, step);
  walk.pending = [];
}

function apply(checker: Checker, walk: Walk, step: Step): boolean {
  const question = walk.survey.getQuestionByName(step.question);
  if (!question || !shownQuestions(walk.survey).includes(question)) return false;
  if (checker.defer && !checker.classes.names.includes(step.question)) {
    walk.pending.push(step);
    return true;
  }
  flush(walk);
  applyNow(walk.survey, step);
  return true;
}

/** Whether a shown question is still open, counting answers held back. */
function isOpen(walk: Walk, question: Question): boolean {
  for (let i = walk.pending.length - 1; i >= 0; i--) {
    const step = walk.pending[i]!;
    if (step.question === question.name) return isEmptyAnswer(step.value);
  }
  return question.isEmpty();
}

/** What the page would fill in to finish: a valid answer to each shown required question left open. */
function completionAnswer(question: Question): Answer | undefined {
  if (question instanceof QuestionMatrixModel) {
    const column = question.visibleColumns.find((c): c is ItemValue => c instanceof ItemValue);
    const rows = question.rows.filter((r): r is ItemValue => r instanceof ItemValue && r.isVisible);
    const current = (question.value ?? {}) as Record<string, string | number>;
    return { ...Object.fromEntries(rows.map((r) => [String(r.value), column!.value])), ...current };
  }
  if (question instanceof QuestionSelectBase) {
    const item = items(question).find((c) => c.value !== question.otherItem.value);
    if (!item) return undefined;
    return question.getType() === 'checkbox' ? [item.value] : item.value;
  }
  if (question.getType() === 'boolean') return true;
  // The nomination question routes nothing; questionnaires do not make it required.
  if (question.getType() === NOMINATION_TYPE) return [];
  return 'Een antwoord';
}

export interface Checker {
  content: QuestionnaireContent;
  consent: { question: string; yes: string; no: string };
  evaluator: VisibilityEvaluator;
  /** Questions some condition reads: the only answers that can change what is shown. */
  routing: Set<string>;
  /** How the answers of routing questions are told apart: see routingClasses. */
  classes: RoutingClasses;
  /** Per setting and routing question: the class of each value seen (atom outcomes). */
  classCache: Map<string, string>;
  /**
   * Results per routing state: the setting and the class of each routing question's answer.
   * Every check below depends on the answers only through the conditions (the other answers
   * the generator gives are always well-formed), and the conditions only through their atoms,
   * so states in one class agree on the outcome; most steps land in a state seen before.
   * That holds only while the model's state is a function of its answers: where survey-core
   * keeps state its answers do not show (a condition it failed to rerun), a memoised result
   * stands for a different model state. null checks every state afresh (the shrinker does, so a
   * failure shrinks to the steps that really fail, not to a state that shares its memo key).
   */
  memo: Map<string, string | null> | null;
  /** One model per setting for walking, one for the completion check; reset between uses. */
  walkers: Map<string, Model>;
  scratch: Map<string, Model>;
  /** Whether any question has a default value (a reset must then fill those in again). */
  hasDefaults: boolean;
  /**
   * Whether answers no condition reads may be held back (see Walk): not when the file reads
   * answers outside conditions (triggers, calculated values, expressions, carried-forward choices).
   */
  defer: boolean;
  /** The questionnaire's actor groups by role (empty without meetronde.actors). */
  actors: Map<string, ActorGroup>;
}

/** Names of the questions that any condition (visibleIf, enableIf, requiredIf, …) refers to. */
function routingQuestions(content: QuestionnaireContent): Set<string> {
  const names = new Set<string>();
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      if (key.endsWith('If') || key === 'expression') for (const match of value.matchAll(/\{([^{}.[]+)/g)) names.add(match[1]!.trim());
    } else if (Array.isArray(value)) value.forEach((item) => walk(item, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(content, '');
  return names;
}

/**
 * The routing state of a set of answers, told apart as finely as any condition can. Every
 * condition (visibleIf, enableIf, requiredIf, choicesVisibleIf, …) is a combination with and/or/not
 * of atoms such as `{q} contains 'x'` or `{q} notempty`. An atom that reads one question (besides
 * the invitation variables) takes the same value for two answers of that question whenever their
 * "class", the vector of all such atoms' outcomes, is the same; whole answers are only ever
 * dropped (by the server's settling) or kept, never cut, so two states whose routing questions
 * agree in class (and in being answered at all) agree on every condition the page, the server and
 * the exports evaluate, in every round. A question an atom reads together with another one
 * (`{a} = {b}`, `{item} anyof {q}`) is told apart by its raw value, as is any question when a
 * condition cannot be parsed.
 */
interface RoutingClasses {
  /** Routing question → the atoms that read it alone. */
  atoms: Map<string, ConditionRunner[]>;
  /** Routing questions told apart by their raw value. */
  raw: Set<string>;
  /** All routing questions, sorted. */
  names: string[];
}

function conditionTexts(content: QuestionnaireContent): string[] {
  const out: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string') {
      if (key.endsWith('If') || key === 'expression') out.push(value);
    } else if (Array.isArray(value)) value.forEach((item) => walk(item, key));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(content, '');
  return out;
}

function routingClasses(content: QuestionnaireContent): RoutingClasses {
  const fileQuestions = questionNames(content);
  const variables = new Set<string>(VARIABLE_NAMES);
  const atoms = new Map<string, Map<string, ConditionRunner>>();
  const raw = new Set<string>();
  const names = new Set<string>(routingQuestions(content));
  const addAtom = (operand: Operand) => {
    const read: string[] = [];
    operand.setVariables(read);
    const roots = [...new Set(read.map((n) => n.split(/[.[]/)[0]!.trim()))].filter((n) => !variables.has(n));
    const questions = roots.filter((n) => fileQuestions.has(n));
    questions.forEach((n) => names.add(n));
    if (roots.length === 1 && questions.length === 1) {
      const text = operand.toString();
      const list = atoms.get(questions[0]!) ?? new Map<string, ConditionRunner>();
      if (!list.has(text)) list.set(text, new ConditionRunner(text));
      atoms.set(questions[0]!, list);
    } else questions.forEach((n) => raw.add(n));
  };
  const split = (operand: Operand) => {
    const o = operand as Operand & { isConjunction?: boolean; leftOperand?: Operand; rightOperand?: Operand; operator?: string; expression?: Operand };
    if (o.getType() === 'binary' && o.isConjunction) {
      split(o.leftOperand!);
      split(o.rightOperand!);
    } else if (o.getType() === 'unary' && o.operator === 'negate') split(o.expression!);
    else addAtom(operand);
  };
  for (const text of conditionTexts(content)) {
    let parsed: Operand | null = null;
    try {
      parsed = new ConditionsParser().parseExpression(text) as Operand | null;
    } catch {
      parsed = null;
    }
    if (parsed) split(parsed);
    else for (const match of text.matchAll(/\{([^{}.[]+)/g)) raw.add(match[1]!.trim());
  }
  // A routing question no atom reads alone (only found by the plain scan) is told apart by value.
  for (const name of names) if (!atoms.has(name)) raw.add(name);
  return { atoms: new Map([...atoms].map(([n, m]) => [n, [...m.values()]])), raw, names: [...names].sort() };
}

function isEmptyAnswer(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
}

/** The memo key of a state: the setting and, per routing question, its answer's class. */
function stateKey(checker: Checker, setting: Setting, data: Record<string, unknown>): string {
  const settingKey = JSON.stringify(setting);
  const parts: string[] = [settingKey];
  for (const name of checker.classes.names) {
    const value = data[name];
    const valueKey = JSON.stringify(value ?? null);
    if (checker.classes.raw.has(name)) {
      parts.push(valueKey);
      continue;
    }
    const cacheKey = `${settingKey}\u0000${name}\u0000${valueKey}`;
    let cls = checker.classCache.get(cacheKey);
    if (cls === undefined) {
      const values = { ...variablesOf(setting), [name]: value };
      cls = (isEmptyAnswer(value) ? 'e' : 'a') + checker.classes.atoms.get(name)!.map((atom) => (atom.runValues(values) ? '1' : '0')).join('');
      checker.classCache.set(cacheKey, cls);
    }
    parts.push(cls);
  }
  return parts.join('|');
}

export function makeChecker(content: QuestionnaireContent): Checker {
  const meta = readMeta(content);
  const columns = answerColumns(content, {}, { consentQuestion: meta.consent.question });
  return {
    content,
    consent: meta.consent,
    evaluator: new VisibilityEvaluator(columns),
    routing: routingQuestions(content),
    classes: routingClasses(content),
    classCache: new Map(),
    memo: new Map(),
    walkers: new Map(),
    scratch: new Map(),
    hasDefaults: JSON.stringify(content).includes('"defaultValue'),
    actors: new Map((meta.actors ?? []).map((group) => [group.role, group])),
    defer: !/"(triggers|calculatedValues|choicesFromQuestion|choicesByUrl|[A-Za-z]+Expression)"/.test(JSON.stringify(content)),
  };
}

/**
 * The model for a setting, reused across sequences (building one costs far more than a sequence):
 * each setting keeps its own model, so its variables never change, and a reuse starts from no
 * answers and no errors, the state a new model starts in. `survey.data = {}` runs the conditions
 * once, like `clear()` does, without clear()'s page bookkeeping; clear() is used only when the
 * file has default values, which clear() fills in again.
 */
function modelFor(cache: Map<string, Model>, content: QuestionnaireContent, setting: Setting, hasDefaults: boolean): Model {
  const key = JSON.stringify(setting);
  let survey = cache.get(key);
  if (!survey) {
    survey = buildSurvey(content, variablesOf(setting));
    cache.set(key, survey);
    return survey;
  }
  if (hasDefaults) survey.clear(true, true);
  else if (Object.keys(survey.data as object).length > 0) survey.data = {};
  for (const question of survey.getAllQuestions(false)) if (question.errors.length > 0) question.errors = [];
  return survey;
}

const sortedNames = (names: Iterable<string>) => [...new Set(names)].sort();
const diff = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));

/** The problems of one state, or null. */
function checkState(checker: Checker, setting: Setting, walk: Walk): string | null {
  if (!checker.memo) {
    flush(walk);
    return checkStateUncached(checker, setting, walk.survey, walk.survey.data as Record<string, unknown>);
  }
  const key = stateKey(checker, setting, walk.survey.data as Record<string, unknown>);
  if (checker.memo.has(key)) return checker.memo.get(key)!;
  flush(walk);
  const survey = walk.survey;
  const result = checkStateUncached(checker, setting, survey, survey.data as Record<string, unknown>);
  checker.memo.set(key, result);
  return result;
}

function checkStateUncached(checker: Checker, setting: Setting, survey: Model, data: Record<string, unknown>): string | null {
  const { content, consent } = checker;
  const variables = variablesOf(setting);
  const shown = shownQuestions(survey);
  const shownNames = sortedNames(shown.map((q) => q.name));

  // The server's routing (visibleQuestionNames) and partial save (validateResponse) of these
  // answers, from one settling.
  const routed = validateAndRoute(content, variables, data, { mode: 'partial' });

  // 1. The page and the server's routing agree on what is asked.
  const server = sortedNames(routed.visible);
  const extra = diff(shownNames, server);
  const missing = diff(server, shownNames);
  if (extra.length > 0 || missing.length > 0) {
    const required = extra.filter((name) => survey.getQuestionByName(name)?.isRequired);
    return (
      `the page and the routing disagree: shown but hidden by the routing: [${extra.join(', ')}]` +
      (required.length ? ` (required: [${required.join(', ')}], so the school must answer questions that no longer apply)` : '') +
      `; hidden on the page but asked by the routing: [${missing.join(', ')}]`
    );
  }
  // The respondent's actor group sees no empty matrix or option list, no empty text, and no row
  // or option that names its own group (actor-check.ts), on every path.
  const group = setting.actor ? checker.actors.get(setting.actor) : undefined;
  if (group) {
    const problems = actorProblems(survey, group);
    if (problems.length > 0) return `actor version ${group.role}: ${problems.join('; ')}`;
  }
  // No required question on a hidden page or in a hidden panel.
  for (const question of shown) {
    if (!question.isRequired) continue;
    let parent = question.parent as unknown as { isVisible: boolean; parent?: unknown } | undefined;
    while (parent) {
      if (!parent.isVisible) return `${question.name} is required and shown, inside a hidden page or panel`;
      parent = parent.parent as typeof parent | undefined;
    }
  }

  // 2. What the server keeps while the school is answering.
  const partial = routed.result;
  if (!partial.ok) return `a partial save of these answers is refused: ${JSON.stringify(partial.errors)}`;
  const kept = Object.keys(partial.data).map((k) => k.replace(/-Comment$/, ''));
  const keptHidden = diff(sortedNames(kept), server);
  if (keptHidden.length > 0) return `the server keeps answers of hidden questions: [${keptHidden.join(', ')}]`;
  if (data[consent.question] === consent.no && Object.keys(partial.data).length !== 1) return 'after a refusal the server keeps more than the refusal';

  // 3. Exports and report tables read the raw stored answers through the routing.
  const asked = sortedNames([...checker.evaluator.asked(data, variables)].filter((n) => n !== consent.question));
  // Named partners are contact data of third parties: exports leave them out (server/snowball/ links them instead).
  const serverWithoutConsent = server.filter((n) => n !== consent.question && survey.getQuestionByName(n)?.getType() !== NOMINATION_TYPE);
  const exportedHidden = diff(asked, serverWithoutConsent);
  const notExported = diff(serverWithoutConsent, asked);
  if (exportedHidden.length > 0 || notExported.length > 0) {
    return `exports/report tables disagree with the routing: counted although hidden: [${exportedHidden.join(', ')}]; not counted although asked: [${notExported.join(', ')}]`;
  }

  // 4. Completion is reachable from here.
  return completionProblem(checker, setting, variables, data);
}

function completionProblem(checker: Checker, setting: Setting, variables: QuestionnaireVariables, data: Record<string, unknown>): string | null {
  let survey = checker.scratch.get(JSON.stringify(setting));
  if (!survey) {
    survey = buildSurvey(checker.content, variables);
    checker.scratch.set(JSON.stringify(setting), survey);
  }
  // The page filling in every shown required question left open, a round at a time (an answer
  // may show further questions). One assignment of all answers per round runs the conditions
  // once, where setting them one by one would run them once per question.
  const values: Record<string, unknown> = structuredClone(data);
  if (values[checker.consent.question] === undefined) values[checker.consent.question] = checker.consent.yes;
  survey.data = values;
  for (let round = 0; round < 50; round++) {
    const fill: Record<string, unknown> = {};
    for (const question of shownQuestions(survey)) {
      if (question.isRequired && question.isEmpty()) {
        const answer = completionAnswer(question);
        if (answer === undefined) return `${question.name} is required but has no choice to give`;
        fill[question.name] = answer;
      } else if (question instanceof QuestionMatrixModel && question.isRequired) {
        const rows = question.rows.filter((r): r is ItemValue => r instanceof ItemValue && r.isVisible);
        const value = (question.value ?? {}) as Record<string, unknown>;
        if (rows.some((r) => value[String(r.value)] === undefined)) fill[question.name] = completionAnswer(question);
      }
    }
    let changed = Object.keys(fill).length > 0;
    if (changed) survey.data = { ...(survey.data as Record<string, unknown>), ...fill };
    for (const question of shownQuestions(survey)) {
      if (question instanceof QuestionSelectBase && question.showOtherItem && !question.comment) {
        const value = question.value as unknown;
        const other = question.otherItem.value;
        if (value === other || (Array.isArray(value) && value.includes(other))) {
          question.comment = 'Iets anders';
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  const shown = shownQuestions(survey);
  for (const question of shown) question.errors = [];
  survey.validate(true, false);
  const pageErrors = shown.filter((q) => q.errors.length > 0).map((q) => `${q.name}: ${q.errors[0]!.getText()}`);
  if (pageErrors.length > 0) return `completion is not reachable on the page after answering every shown required question: ${pageErrors.join('; ')}`;
  const complete = validateResponse(checker.content, variables, survey.data, { mode: 'complete' });
  if (!complete.ok) return `the server refuses the completion: ${complete.errors.map((e) => `${e.question}: ${e.message}`).join('; ')}`;
  // What completion stores (and exports and report tables read) holds shown questions only.
  const storedHidden = diff(sortedNames(Object.keys(complete.data).map((k) => k.replace(/-Comment$/, ''))), sortedNames(shown.map((q) => q.name)));
  if (storedHidden.length > 0) return `completion stores answers of questions the page does not show: [${storedHidden.join(', ')}]`;
  return null;
}

/**
 * Replays a sequence on a fresh model, checking after every step; the first failure or null.
 * `prefixes` (the shrinker's) keeps the result of each prefix of steps already checked: a fresh
 * model replaying the same steps reaches the same state, so that result is exact, unlike the memo.
 */
export function run(checker: Checker, sequence: Sequence, prefixes?: Map<string, string | null>): Failure | null {
  const walk: Walk = { survey: modelFor(checker.walkers, checker.content, sequence.setting, checker.hasDefaults), pending: [] };
  let key = JSON.stringify(sequence.setting);
  const check = (): string | null => {
    if (!prefixes) return checkState(checker, sequence.setting, walk);
    if (prefixes.has(key)) return prefixes.get(key)!;
    const result = checkState(checker, sequence.setting, walk);
    prefixes.set(key, result);
    return result;
  };
  const initial = check();
  if (initial) return { sequence, at: -1, message: initial };
  for (let i = 0; i < sequence.steps.length; i++) {
    key += `\u0000${JSON.stringify(sequence.steps[i])}`;
    if (!apply(checker, walk, sequence.steps[i]!)) continue;
    const problem = check();
    if (problem) return { sequence, at: i, message: problem };
  }
  return null;
}

/**
 * A random walk, checked as it goes: each step picks a shown question, mostly the first one
 * still open (moving forward) and otherwise any shown one, earlier pages included (going back
 * and changing an answer, or clearing it).
 */
export function generateAndRun(
  checker: Checker,
  random: () => number,
  settings: readonly Setting[],
  maxSteps: number,
  coverage?: Coverage,
  focus?: string,
): Failure | null {
  const setting = pick(random, settings);
  coverage?.settings.add(JSON.stringify(setting));
  if (setting.actor) coverage?.actors.add(setting.actor);
  const walk: Walk = { survey: modelFor(checker.walkers, checker.content, setting, checker.hasDefaults), pending: [] };
  const survey = walk.survey;
  const steps: Step[] = [];
  const sequence = { setting, steps };
  const initial = checkState(checker, setting, walk);
  if (initial) return { sequence, at: -1, message: initial };
  const length = 1 + Math.floor(random() * maxSteps);
  for (let i = 0; i < length; i++) {
    const shown = shownQuestions(survey);
    if (shown.length === 0) break;
    const open = shown.filter((q) => isOpen(walk, q));
    let question = open.length > 0 && random() < 0.65 ? open[0]! : random() < 0.5 && open.length > 0 ? pick(random, open) : pick(random, shown);
    if (focus !== undefined) {
      // A walk aimed at one routing question: answer it once it is shown, until then the routing
      // questions (the answers that can show it), mostly the open ones.
      const target = shown.find((q) => q.name === focus);
      const routing = shown.filter((q) => checker.routing.has(q.name));
      const openRouting = routing.filter((q) => isOpen(walk, q));
      if (target && (isOpen(walk, target) || random() < 0.5)) question = target;
      else if (openRouting.length > 0 && random() < 0.8) question = pick(random, openRouting);
      else if (routing.length > 0) question = pick(random, routing);
    }
    const step = randomStep(random, question, checker.consent);
    apply(checker, walk, step);
    steps.push(step);
    if (coverage && !isEmptyAnswer(step.value) && checker.routing.has(step.question)) coverage.routingAnswered.add(step.question);
    const problem = checkState(checker, setting, walk);
    if (problem) return { sequence, at: i, message: problem };
  }
  return null;
}

function simplerValues(step: Step): Step[] {
  const out: Step[] = [];
  const value = step.value;
  if (Array.isArray(value) && value.length > 1) {
    for (const item of value) out.push({ question: step.question, value: [item], ...(item === 'other' && step.comment ? { comment: step.comment } : {}) });
  } else if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length > 1) for (const entry of entries) out.push({ question: step.question, value: Object.fromEntries([entry]) });
  } else if (typeof value === 'string' && value.length > 1 && step.open) {
    out.push({ question: step.question, value: 'x', open: true });
  }
  return out;
}

/**
 * Shrinks a failure to the fewest and simplest steps that still fail. Each candidate runs the
 * real survey-core model, so this can take long: it yields to the event loop every 50 ms (a test
 * runner's worker, or the server's requests, keep running).
 */
export async function shrink(memoised: Checker, failure: Failure): Promise<Failure> {
  // Every candidate is checked afresh (no memo: see Checker.memo), each prefix of steps once.
  const checker: Checker = { ...memoised, memo: null };
  const prefixes = new Map<string, string | null>();
  let best = failure;
  let yielded = Date.now();
  const breathe = async () => {
    if (Date.now() - yielded < 50) return;
    await new Promise((resolve) => setImmediate(resolve));
    yielded = Date.now();
  };
  // Steps after the failing one never matter.
  best = { ...best, sequence: { ...best.sequence, steps: best.sequence.steps.slice(0, best.at + 1) } };
  const tryCandidate = async (steps: Step[]): Promise<boolean> => {
    await breathe();
    const result = run(checker, { setting: best.sequence.setting, steps }, prefixes);
    if (!result) return false;
    best = { ...result, sequence: { ...result.sequence, steps: steps.slice(0, result.at + 1) } };
    return true;
  };
  let improved = true;
  while (improved) {
    improved = false;
    for (let size = Math.max(1, Math.floor(best.sequence.steps.length / 2)); size >= 1; size = Math.floor(size / 2)) {
      for (let start = 0; start + size <= best.sequence.steps.length; ) {
        const steps = [...best.sequence.steps.slice(0, start), ...best.sequence.steps.slice(start + size)];
        if (await tryCandidate(steps)) improved = true;
        else start += 1;
      }
      if (size === 1) break;
    }
    for (let i = 0; i < best.sequence.steps.length; i++) {
      for (const simpler of simplerValues(best.sequence.steps[i]!)) {
        const steps = [...best.sequence.steps];
        steps[i] = simpler;
        if (await tryCandidate(steps)) {
          improved = true;
          break;
        }
      }
    }
  }
  return best;
}

export function describeFailure(failure: Failure): string {
  const { setting, steps } = failure.sequence;
  const lines = [
    `setting: situatie=${setting.situation ?? '(geen)'}, sector=${setting.sector}, school=${setting.schoolKind}${setting.actor ? `, actor=${setting.actor}` : ''}`,
    ...steps.map((s, i) => `  ${i + 1}. ${s.value === null ? `clear ${s.question}` : `${s.question} = ${JSON.stringify(s.value)}`}${s.comment !== undefined ? ` (anders: ${JSON.stringify(s.comment)})` : ''}`),
    `fails after step ${failure.at + 1}: ${failure.message}`,
  ];
  return lines.join('\n');
}

/** Names of the questions in a questionnaire file (conditions also read invitation variables). */
export function questionNames(content: QuestionnaireContent): Set<string> {
  const names = new Set<string>();
  const collect = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.name === 'string' && typeof record.type === 'string') names.add(record.name);
      Object.values(record).forEach(collect);
    }
  };
  collect(content);
  return names;
}

/** What the random walks reached: settings walked, and routing questions answered (non-empty). */
export interface Coverage {
  settings: Set<string>;
  routingAnswered: Set<string>;
  /** Actor groups walked (questionnaires with meetronde.actors). */
  actors: Set<string>;
}

export interface PropertyResult {
  sequences: number;
  states: number;
  failure: Failure | null;
  shrunk: Failure | null;
  coverage: Coverage;
  /** Every setting the questionnaire can be answered in, and every question a condition reads. */
  possible: { settings: number; routing: string[]; actors: string[] };
  /** Walks aimed at a routing question the random ones left unanswered (see checkRouting). */
  aimed: number;
}

export interface RoutingRunOptions {
  /** The random source (tests: the fixtures' seeded generator). */
  random: () => number;
  count: number;
  maxSteps?: number;
  /** Stop after this much wall time (the sequences that ran are reported). */
  budgetMs?: number;
  /** Walks aimed at each routing question the random ones never answered (default 50). */
  aimedTries?: number;
  /** Called now and then with the sequences done so far. */
  onProgress?: (done: number) => void;
  /** Checked between sequences: true stops the run (a cancelled background check). */
  cancelled?: () => boolean;
}

/**
 * Runs `count` random sequences; stops at the first failure and shrinks it. Then a walk in each
 * setting the random ones missed and, for each routing question they never answered (one deep in
 * the file, behind a filter question), up to `aimedTries` walks aimed at it (checked like any
 * other), so every setting and routing question is exercised even in a short run. Yields to the
 * event loop now and then.
 */
export async function checkRoutingWith(content: QuestionnaireContent, options: RoutingRunOptions): Promise<PropertyResult> {
  const checker = makeChecker(content);
  const settings = settingsFor(content);
  const random = options.random;
  const coverage: Coverage = { settings: new Set(), routingAnswered: new Set(), actors: new Set() };
  const questions = questionNames(content);
  const routing = [...checker.routing].filter((name) => questions.has(name)).sort();
  let aimed = 0;
  const result = async (sequences: number, failure: Failure | null): Promise<PropertyResult> => ({
    sequences,
    states: checker.memo?.size ?? 0,
    failure,
    shrunk: failure ? await shrink(checker, failure) : null,
    coverage,
    possible: { settings: settings.length, routing, actors: [...checker.actors.keys()] },
    aimed,
  });
  const started = Date.now();
  let yielded = started;
  const pause = async (done: number) => {
    // Let the event loop (the server's requests, the test runner's worker) run now and then.
    if (Date.now() - yielded <= 50) return false;
    options.onProgress?.(done);
    await new Promise((resolve) => setImmediate(resolve));
    yielded = Date.now();
    return options.cancelled?.() === true;
  };
  for (let i = 0; i < options.count; i++) {
    if (await pause(i)) return result(i, null);
    const failure = generateAndRun(checker, random, settings, options.maxSteps ?? 10, coverage);
    if (failure) return result(i + 1, failure);
    if (options.budgetMs !== undefined && Date.now() - started > options.budgetMs) return result(i + 1, null);
  }
  for (const setting of settings) {
    if (coverage.settings.has(JSON.stringify(setting))) continue;
    if (await pause(options.count)) return result(options.count, null);
    aimed++;
    const failure = generateAndRun(checker, random, [setting], options.maxSteps ?? 10, coverage);
    if (failure) return result(options.count, failure);
  }
  for (const name of routing) {
    for (let tries = 0; tries < (options.aimedTries ?? 50) && !coverage.routingAnswered.has(name); tries++) {
      if (await pause(options.count)) return result(options.count, null);
      aimed++;
      const failure = generateAndRun(checker, random, settings, options.maxSteps ?? 10, coverage, name);
      if (failure) return result(options.count, failure);
    }
  }
  options.onProgress?.(options.count);
  return result(options.count, null);
}
