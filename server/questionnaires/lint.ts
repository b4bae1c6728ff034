import { ArrayOperand, BinaryOperand, ConditionsParser, Const, ExpressionErrorType, FunctionOperand, UnaryOperand, Variable, type Operand } from 'survey-core';
import { SITUATIONS } from '../../contract/vocabulary';
import { actorProblems } from './actor-check';
import { actorTextNames, buildSurvey, QuestionnaireFormatError, readMeta, type QuestionnaireContent, type QuestionnaireMeta } from './content';
import { NON_VALUE_TYPES, VALUE_TYPES, visibleQuestionNames } from './validate';
import { HTML_SAFE_VARIABLES, VARIABLE_VALUES, variablesFor, type VariableName } from './variables';

/**
 * The questionnaire linter. survey-core 3.0.0 predates SurveyJS's own Linter (3.0.3), so this
 * is `new Model(json).jsonErrors` and `validateExpressions()` plus our own rules. Messages are
 * for the developer editing the file, so English.
 */
export interface LintIssue {
  rule: string;
  /** Where in the file: `pages[3].elements[1] (A_doelen).visibleIf`. */
  where: string;
  message: string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SPSS_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const SPSS_RESERVED = new Set(['ALL', 'AND', 'BY', 'EQ', 'GE', 'GT', 'LE', 'LT', 'NE', 'NOT', 'OR', 'TO', 'WITH']);
/** Suffix of the export variable holding an "Anders, namelijk" text (see questionnaires/README.md). */
export const OTHER_TEXT_SUFFIX = '_anders';
const OTHER_VALUE = 'other';
const NONE_VALUE = 'none';
const COMPARISONS = new Set(['equal', 'notequal', 'contains', 'notcontains', 'anyof', 'allof', 'noneof']);
const EXPRESSION_ERRORS: Record<number, string> = {
  [ExpressionErrorType.SyntaxError]: 'syntax error',
  [ExpressionErrorType.UnknownFunction]: 'unknown function',
  [ExpressionErrorType.UnknownVariable]: 'unknown variable',
  [ExpressionErrorType.SemanticError]: 'the condition always has the same outcome',
};
/** Properties we do not support because the validator or the exports would get them wrong. */
const UNSUPPORTED = ['valueName', 'choicesByUrl', 'choicesFromQuestion', 'storeOthersAsComment', 'commentSuffix', 'calculatedValues', 'defaultValue', 'defaultValueExpression', 'setValueExpression', 'setValueIf'];

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Why `name` cannot be an SPSS variable name, or null when it can. */
export function spssNameProblem(name: string): string | null {
  if (!SPSS_NAME.test(name)) return 'must start with a letter and contain only letters, digits and _';
  if (byteLength(name) > 64) return 'is longer than 64 bytes';
  if (name.endsWith('_')) return 'must not end with _';
  if (SPSS_RESERVED.has(name.toUpperCase())) return 'is an SPSS reserved word';
  return null;
}

interface ChoiceInfo {
  value: string | number;
  where: string;
  visibleIf?: string;
}

interface QuestionInfo {
  name: string;
  type: string;
  json: JsonObject;
  where: string;
  page: number;
  order: number;
  /** Values an answer can take: choices (+ other/none), matrix columns, or null for open answers. */
  values: Set<string> | null;
  /** Matrix rows. */
  rows: Set<string> | null;
}

function choiceList(list: Json | undefined, where: string): ChoiceInfo[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((item, i): ChoiceInfo[] => {
    const at = `${where}[${i}]`;
    if (typeof item === 'string' || typeof item === 'number') return [{ value: item, where: at }];
    if (isObject(item) && (typeof item.value === 'string' || typeof item.value === 'number')) {
      return [{ value: item.value, where: at, ...(typeof item.visibleIf === 'string' ? { visibleIf: item.visibleIf } : {}) }];
    }
    return [{ value: JSON.stringify(item), where: at }];
  });
}

function variableBase(variable: string): { base: string; path: string | null } {
  const match = /^([^.[]+)(?:[.[](.*))?$/.exec(variable);
  return { base: match?.[1] ?? variable, path: match?.[2]?.replace(/\]$/, '') ?? null };
}

export function lintQuestionnaire(content: unknown): LintIssue[] {
  const issues: LintIssue[] = [];
  const add = (rule: string, where: string, message: string) => issues.push({ rule, where, message });

  let meta: QuestionnaireMeta;
  try {
    meta = readMeta(content);
  } catch (error) {
    if (error instanceof QuestionnaireFormatError) {
      add('meta', 'meetronde', error.message);
      return issues;
    }
    throw error;
  }
  const json = content as QuestionnaireContent as JsonObject;

  // survey-core's own checks: unknown properties and types, expression syntax and functions.
  const survey = buildSurvey(json);
  for (const error of survey.jsonErrors ?? []) add('surveyjs', error.element?.getType?.() ?? 'survey', error.message);
  for (const result of survey.validateExpressions({ variables: false, functions: true, semantics: true })) {
    const owner = result.obj.getType();
    const name = result.obj.getPropertyValue('name');
    for (const error of result.errors) {
      const detail = error.variableName ?? error.functionName;
      add('expression', `${owner}${typeof name === 'string' ? ` ${name}` : ''}.${result.propertyName}`, `${EXPRESSION_ERRORS[error.errorType] ?? 'error'}${detail ? `: ${detail}` : ''}`);
    }
  }

  if (json.locale !== 'nl') add('locale', 'locale', 'the questionnaire must set "locale": "nl"');
  if (!(Number(json.maxTextLength) > 0)) add('limits', 'maxTextLength', 'set a maxTextLength so browser and server cap open answers alike');
  if (!(Number(json.maxCommentLength) > 0)) add('limits', 'maxCommentLength', 'set a maxCommentLength so browser and server cap "Anders, namelijk" texts alike');

  // Collect pages and questions in questionnaire order.
  const pages = Array.isArray(json.pages) ? json.pages : [];
  if (pages.length === 0) add('pages', 'pages', 'the questionnaire has no pages');
  const questions = new Map<string, QuestionInfo>();
  const lowerNames = new Map<string, string>();
  const pageNames = new Set<string>();
  const pageQuestions: string[][] = [];
  let order = 0;

  const visitElements = (elements: Json | undefined, where: string, page: number) => {
    if (!Array.isArray(elements)) return;
    elements.forEach((element, i) => {
      const at = `${where}[${i}]`;
      if (!isObject(element)) {
        add('structure', at, 'an element must be an object');
        return;
      }
      const type = typeof element.type === 'string' ? element.type : '';
      const name = typeof element.name === 'string' ? element.name : '';
      const label = `${at} (${name || type})`;
      if (!name) add('names', at, 'every element needs an explicit name (it becomes the export variable)');
      for (const property of UNSUPPORTED) {
        if (property in element) add('unsupported', label, `"${property}" is not supported by the server-side validator`);
      }
      if (type === 'panel') {
        visitElements(element.elements, `${at}.elements`, page);
        return;
      }
      if (!(VALUE_TYPES as readonly string[]).includes(type) && !(NON_VALUE_TYPES as readonly string[]).includes(type)) {
        add('types', label, `question type "${type}" is not supported (use ${[...VALUE_TYPES, ...NON_VALUE_TYPES, 'panel'].join(', ')})`);
      }
      if (type === 'text' && element.inputType !== undefined && element.inputType !== 'text') {
        add('types', label, 'only text questions with inputType "text" are supported');
      }
      if (element.visible === false) add('reachable', label, 'an element with "visible": false can never be answered; remove it');
      if (!name) return;
      const clash = lowerNames.get(name.toLowerCase());
      if (clash !== undefined) add('names', label, `the name "${name}" is already used by ${clash} (names are compared case-insensitively, as SPSS and SurveyJS do)`);
      else lowerNames.set(name.toLowerCase(), label);
      const isValue = (VALUE_TYPES as readonly string[]).includes(type);
      const problem = spssNameProblem(name);
      if (problem) add('spss', label, `the name ${problem}`);
      if (isValue && !hasText(element.title)) add('texts', label, 'a question needs a title (otherwise SurveyJS shows its name)');

      let values: Set<string> | null = null;
      let rows: Set<string> | null = null;
      if (type === 'radiogroup' || type === 'dropdown' || type === 'checkbox') {
        const choices = choiceList(element.choices, `${at}.choices`);
        if (choices.length === 0) add('choices', label, 'a choice question needs choices');
        values = uniqueValues(choices, label, 'choice', add);
        for (const reserved of [OTHER_VALUE, NONE_VALUE]) {
          if (values.has(reserved)) add('choices', label, `"${reserved}" is the value of SurveyJS's own ${reserved} item; use showOtherItem/showNoneItem instead`);
        }
        if (element.showOtherItem === true) values.add(OTHER_VALUE);
        if (element.showNoneItem === true) values.add(NONE_VALUE);
        if (type === 'checkbox') {
          for (const value of values) checkDerivedName(name, String(value), label, add);
        }
        if (element.showOtherItem === true) checkDerivedName(name, OTHER_TEXT_SUFFIX.slice(1), label, add);
      } else if (type === 'matrix') {
        const columns = choiceList(element.columns, `${at}.columns`);
        const rowList = choiceList(element.rows, `${at}.rows`);
        if (columns.length === 0 || rowList.length === 0) add('choices', label, 'a matrix needs rows and columns');
        values = uniqueValues(columns, label, 'column', add);
        rows = uniqueValues(rowList, label, 'row', add);
        for (const row of rows) checkDerivedName(name, row, label, add);
      } else if (type === 'boolean') {
        values = new Set(['true', 'false']);
      }
      questions.set(name, { name, type, json: element, where: label, page, order: order++, values, rows });
      if (isValue) pageQuestions[page]?.push(name);
    });
  };

  pages.forEach((page, p) => {
    const at = `pages[${p}]`;
    pageQuestions[p] = [];
    if (!isObject(page)) {
      add('structure', at, 'a page must be an object');
      return;
    }
    const name = typeof page.name === 'string' ? page.name : '';
    if (!name) add('names', at, 'every page needs an explicit name');
    else if (pageNames.has(name)) add('names', at, `the page name "${name}" is used twice`);
    else pageNames.add(name);
    if (page.visible === false) add('reachable', `${at} (${name})`, 'a page with "visible": false can never be reached; remove it');
    visitElements(page.elements, `${at}.elements`, p);
    if (pageQuestions[p]?.length === 0 && !hasHtml(page.elements)) add('reachable', `${at} (${name})`, 'the page has nothing to show');
  });

  // Every reference, in expressions and in texts.
  // Actor texts (meetronde.actors[].texts) are variables too; the file writes them, so HTML may use them.
  const actorTexts = actorTextNames(meta);
  const declared = new Set<string>([...meta.variables, ...actorTexts]);
  const htmlSafe = new Set<string>([...HTML_SAFE_VARIABLES, ...actorTexts]);
  const usedVariables = new Set<string>();
  const checkRef = (variable: string, where: string, context: { html: boolean; before?: { page: number; order: number; strictPage: boolean } }) => {
    const { base, path } = variableBase(variable);
    const question = questions.get(base);
    if (question) {
      if (context.html) add('refs', where, `{${variable}} pipes a respondent's answer into HTML; only ${[...HTML_SAFE_VARIABLES].join(', ')} may be used there`);
      if (path !== null && question.rows && !question.rows.has(path)) add('refs', where, `{${variable}}: ${base} has no row "${path}"`);
      if (path !== null && !question.rows) add('refs', where, `{${variable}}: ${base} is not a matrix`);
      const before = context.before;
      if (before) {
        const later = before.strictPage ? question.page >= before.page : question.order >= before.order;
        if (later) add('reachable', where, `{${variable}} refers to a question that comes ${before.strictPage ? 'on this or a later page' : 'later'}, so the condition is decided before it can be answered`);
      }
      return;
    }
    if (declared.has(base)) {
      usedVariables.add(base);
      if (context.html && !htmlSafe.has(base)) add('refs', where, `{${variable}} is free text and may not be piped into HTML`);
      if (path !== null) add('refs', where, `{${variable}}: the variable ${base} has no parts`);
      return;
    }
    add('refs', where, `{${variable}} names no question and no declared variable (meetronde.variables: ${[...declared].join(', ') || 'none'})`);
  };

  const checkValues = (operand: Operand, where: string) => {
    if (operand instanceof BinaryOperand) {
      const left: Operand | undefined = operand.leftOperand;
      const right: Operand | undefined = operand.rightOperand;
      if (COMPARISONS.has(operand.operator) && left && right) {
        const [variable, constant] = left instanceof Variable ? [left, right] : right instanceof Variable ? [right, left] : [undefined, undefined];
        if (variable && constant && !(constant instanceof Variable)) {
          const allowed = allowedValues(variable.variable, questions, meta);
          if (allowed) {
            for (const value of constantValues(constant)) {
              if (!allowed.has(String(value))) add('values', where, `{${variable.variable}} is compared with ${JSON.stringify(value)}, which is not one of its values (${[...allowed].map((v) => JSON.stringify(v)).join(', ')})`);
            }
          }
        }
      }
      if (left) checkValues(left, where);
      if (right) checkValues(right, where);
    } else if (operand instanceof UnaryOperand) {
      checkValues(operand.expression, where);
    } else if (operand instanceof FunctionOperand) {
      for (const param of operand.paramValues) checkValues(param, where);
    } else if (operand instanceof ArrayOperand) {
      for (const value of operand.values) checkValues(value, where);
    }
  };

  const checkExpression = (expression: string, where: string, before?: { page: number; order: number; strictPage: boolean }) => {
    const parsed = new ConditionsParser().parseExpression(expression);
    if (!parsed) {
      add('expression', where, `cannot parse ${JSON.stringify(expression)}`);
      return;
    }
    const variables: string[] = [];
    parsed.setVariables(variables);
    for (const variable of variables) checkRef(variable, where, { html: false, before });
    checkValues(parsed, where);
  };

  const walk = (value: Json, where: string, key: string, html: boolean, before?: { page: number; order: number; strictPage: boolean }) => {
    if (typeof value === 'string') {
      if (key.endsWith('If') || key === 'expression') {
        checkExpression(value, where, before);
      } else {
        for (const match of value.matchAll(/\{([^{}]+)\}/g)) checkRef((match[1] ?? '').trim(), where, { html });
      }
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${where}[${i}]`, key, html, before));
      return;
    }
    if (!isObject(value)) return;
    for (const [childKey, child] of Object.entries(value)) {
      if (childKey === 'meetronde') continue;
      // Localised strings ({ "nl": "…" }) keep the HTML-ness of their property.
      const childHtml = /html$/i.test(childKey) || (html && /^(default|[a-z]{2}(-[a-z]{2})?)$/i.test(childKey));
      walk(child, `${where}.${childKey}`, childKey, childHtml, before);
    }
  };

  pages.forEach((page, p) => {
    if (!isObject(page)) return;
    for (const [key, value] of Object.entries(page)) {
      if (key === 'elements') continue;
      walk(value, `pages[${p}].${key}`, key, /html$/i.test(key), { page: p, order: -1, strictPage: true });
    }
    walkElements(page.elements, `pages[${p}].elements`);
  });
  function walkElements(elements: Json | undefined, where: string) {
    if (!Array.isArray(elements)) return;
    elements.forEach((element, i) => {
      if (!isObject(element)) return;
      const name = typeof element.name === 'string' ? element.name : '';
      const at = `${where}[${i}] (${name})`;
      const info = questions.get(name);
      for (const [key, value] of Object.entries(element)) {
        if (key === 'elements') continue;
        const before = info ? { page: info.page, order: info.order, strictPage: false } : undefined;
        walk(value, `${at}.${key}`, key, /html$/i.test(key) || (element.type === 'html' && key === 'html'), before);
      }
      if (element.type === 'panel') walkElements(element.elements, `${at}.elements`);
    });
  }
  for (const [key, value] of Object.entries(json)) {
    if (key === 'pages' || key === 'meetronde') continue;
    walk(value as Json, key, key, /html$/i.test(key));
  }

  // The consent question comes first, and a refusal or no answer shows nothing else.
  const consent = questions.get(meta.consent.question);
  if (!consent) add('meta', 'meetronde.consent', `no question named ${meta.consent.question}`);
  else {
    if (consent.type !== 'radiogroup') add('meta', consent.where, 'the consent question must be a radiogroup');
    if (consent.json.isRequired !== true) add('meta', consent.where, 'the consent question must be required');
    const first = [...questions.values()].find((q) => (VALUE_TYPES as readonly string[]).includes(q.type));
    if (first !== consent) add('meta', consent.where, 'the consent question must be the first question');
    if (consent.json.visibleIf !== undefined) add('meta', consent.where, 'the consent question must always be visible');
    const values = [...(consent.values ?? [])];
    if (values.length !== 2 || !values.includes(meta.consent.yes) || !values.includes(meta.consent.no)) {
      add('meta', consent.where, `the consent question's values must be exactly ${meta.consent.yes} and ${meta.consent.no}`);
    }
    for (const answer of [{}, { [meta.consent.question]: meta.consent.no }]) {
      const shown = visibleQuestionNames(json, {}, answer);
      if (shown.length !== 1 || shown[0] !== meta.consent.question) {
        add('meta', consent.where, `with ${JSON.stringify(answer)} the routing shows ${shown.join(', ')}: nothing but the consent question may be visible before consent is given`);
      }
    }
  }
  if (meta.branch) {
    const branch = questions.get(meta.branch.question);
    if (!branch) add('meta', 'meetronde.branch', `no question named ${meta.branch.question}`);
    else {
      if (branch.type !== 'radiogroup') add('meta', branch.where, 'the branch question must be a radiogroup');
      if (branch.json.isRequired !== true) add('meta', branch.where, 'the branch question must be required');
      const values = [...(branch.values ?? [])].sort();
      const expected = [...meta.branch.values].sort();
      if (values.join('\u0000') !== expected.join('\u0000')) {
        add('meta', branch.where, `the branch question's values (${values.join(', ')}) must be meetronde.branch.values (${expected.join(', ')})`);
      }
    }
  }
  for (const variable of meta.variables) {
    if (!usedVariables.has(variable)) add('refs', 'meetronde.variables', `the variable ${variable} is declared but never used`);
  }
  for (const variable of actorTexts) {
    if (!usedVariables.has(variable)) add('refs', 'meetronde.actors', `the actor text ${variable} is declared but never used`);
  }
  if (consent && meta.actors && issues.length === 0) issues.push(...actorIssues(json, meta));
  issues.push(...guardIssues(pages));
  return issues;
}

/**
 * Every actor group's version, in every situation the file uses, right after consent: no shown
 * matrix or choice question without rows or options, no empty text, no row or option naming
 * the respondent's own group (see actor-check.ts). The routing walker checks the same after
 * every step of every random path, so questions behind filters are covered there.
 */
function actorIssues(content: QuestionnaireContent, meta: QuestionnaireMeta): LintIssue[] {
  const issues: LintIssue[] = [];
  const seen = new Set<string>();
  const usesSituation = meta.variables.some((v) => v === 'situatie' || v === 'partner' || v === 'thema');
  for (const group of meta.actors ?? []) {
    for (const situation of usesSituation ? SITUATIONS : [null]) {
      for (const sector of usesSituation ? (['po', 'vo'] as const) : [null]) {
        const survey = buildSurvey(content, variablesFor({ situation, sector, schoolName: 'De Proefschool', actor: group.role }));
        survey.data = { [meta.consent.question]: meta.consent.yes };
        for (const message of actorProblems(survey, group)) {
          if (seen.has(message)) continue;
          seen.add(message);
          issues.push({ rule: 'actors', where: `meetronde.actors (${group.role}${situation ? `, ${situation}` : ''})`, message });
        }
      }
    }
  }
  return issues;
}

function hasText(value: Json | undefined): boolean {
  if (typeof value === 'string') return value.trim() !== '';
  if (isObject(value)) return Object.values(value).some((v) => typeof v === 'string' && v.trim() !== '');
  return false;
}

function hasHtml(elements: Json | undefined): boolean {
  return Array.isArray(elements) && elements.some((e) => isObject(e) && (e.type === 'html' || (e.type === 'panel' && hasHtml(e.elements))));
}

function uniqueValues(
  items: ChoiceInfo[],
  label: string,
  what: string,
  add: (rule: string, where: string, message: string) => void,
): Set<string> {
  const seen = new Set<string>();
  for (const item of items) {
    const key = String(item.value);
    if (seen.has(key)) add('choices', label, `the ${what} value ${JSON.stringify(item.value)} is used twice`);
    seen.add(key);
  }
  return seen;
}

/** Exports write a checkbox as one 0/1 variable per choice and a matrix as one per row: `<name>_<value>`. */
function checkDerivedName(name: string, part: string, label: string, add: (rule: string, where: string, message: string) => void) {
  const derived = `${name}_${part}`;
  const problem = spssNameProblem(derived);
  if (problem) add('spss', label, `the export variable ${derived} ${problem}`);
}

function allowedValues(variable: string, questions: Map<string, QuestionInfo>, meta: QuestionnaireMeta): Set<string> | null {
  const declared: VariableName[] = meta.variables;
  const { base, path } = variableBase(variable);
  const question = questions.get(base);
  if (question) {
    if (question.rows) return path !== null ? question.values : null;
    return question.values;
  }
  const known = declared.find((v) => v === base);
  // The actor is one of the groups the file declares (or '' outside a person round).
  if (known === 'actor' && meta.actors) return new Set(['', ...meta.actors.map((g) => g.role)]);
  const values = known ? VARIABLE_VALUES[known] : undefined;
  return values ? new Set(values) : null;
}

function constantValues(operand: Operand): Array<string | number | boolean> {
  if (operand instanceof ArrayOperand) return operand.values.flatMap(constantValues);
  if (operand instanceof Const && !(operand instanceof Variable)) {
    const value: unknown = operand.correctValue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [value];
  }
  return [];
}

/**
 * Routing guards. An answer the routing hides is not an answer (the server drops it, exports
 * call the question "niet gevraagd"), but the page keeps it while the school is answering, and
 * survey-core evaluates a condition on whatever value is there. So a condition that reads a
 * question must also carry every condition under which that question is shown: otherwise a
 * school that goes back and hides the question still sees (and must answer) what its old answer
 * opened, and exports that evaluate conditions once disagree with the server. The check is
 * syntactic: each top-level `and` part of the question's page, panel and own visibleIf must be a
 * top-level `and` part of the reading element's conditions (its page, panels and itself).
 */
function conjuncts(expression: string): string[] {
  const parsed = new ConditionsParser().parseExpression(expression);
  return parsed ? splitAnd(parsed) : [];
}

function splitAnd(operand: Operand): string[] {
  const out: string[] = [];
  const split = (operand: Operand) => {
    if (operand instanceof BinaryOperand && operand.operator === 'and' && operand.leftOperand && operand.rightOperand) {
      split(operand.leftOperand);
      split(operand.rightOperand);
    } else out.push(operand.toString());
  };
  split(operand);
  return out;
}

export function guardIssues(pages: Json[]): LintIssue[] {
  const issues: LintIssue[] = [];
  const guards = new Map<string, string[]>();
  const own = (element: JsonObject) => (typeof element.visibleIf === 'string' ? conjuncts(element.visibleIf) : []);
  const collect = (elements: Json | undefined, inherited: string[]) => {
    if (!Array.isArray(elements)) return;
    for (const element of elements) {
      if (!isObject(element)) continue;
      const chain = [...inherited, ...own(element)];
      if (element.type === 'panel') collect(element.elements, chain);
      else if (typeof element.name === 'string') guards.set(element.name, chain);
    }
  };
  pages.forEach((page) => {
    if (isObject(page)) collect(page.elements, own(page));
  });

  const checkConditions = (owner: JsonObject, where: string, chain: string[], self: string | null) => {
    const available = new Set(chain);
    const visit = (value: Json, at: string, key: string) => {
      if (typeof value === 'string') {
        if (!key.endsWith('If')) return;
        const parsed = new ConditionsParser().parseExpression(value);
        if (!parsed) return;
        const reported = new Set<string>();
        // The parts that hold wherever a variable is read: the element's chain, plus the
        // siblings of every `and` on the way down (an `or` adds nothing).
        const check = (operand: Operand, scope: ReadonlySet<string>) => {
          if (operand instanceof BinaryOperand) {
            const left: Operand | undefined = operand.leftOperand;
            const right: Operand | undefined = operand.rightOperand;
            if (operand.operator === 'and' && left && right) {
              check(left, new Set([...scope, ...splitAnd(right)]));
              check(right, new Set([...scope, ...splitAnd(left)]));
              return;
            }
            if (left) check(left, scope);
            if (right) check(right, scope);
          } else if (operand instanceof UnaryOperand) check(operand.expression, scope);
          else if (operand instanceof FunctionOperand) for (const param of operand.paramValues) check(param, scope);
          else if (operand instanceof ArrayOperand) for (const item of operand.values) check(item, scope);
          else if (operand instanceof Variable) {
            const variable = variableBase(operand.variable).base;
            if (variable === self || reported.has(variable)) return;
            const missing = (guards.get(variable) ?? []).filter((part) => !scope.has(part));
            if (missing.length === 0) return;
            reported.add(variable);
            issues.push({
              rule: 'guard',
              where: at,
              message: `reads {${variable}}, which is only shown when ${missing.join(' and ')}; add the same condition (joined with "and" to where {${variable}} is read), or a school that hides ${variable} again keeps what its old answer opened`,
            });
          }
        };
        check(parsed, available);
        return;
      }
      if (Array.isArray(value)) value.forEach((item, i) => visit(item, `${at}[${i}]`, key));
      else if (isObject(value)) for (const [k, v] of Object.entries(value)) if (k !== 'elements') visit(v, `${at}.${k}`, k);
    };
    for (const [key, value] of Object.entries(owner)) if (key !== 'elements') visit(value, `${where}.${key}`, key);
  };
  const walkElements = (elements: Json | undefined, where: string, inherited: string[]) => {
    if (!Array.isArray(elements)) return;
    elements.forEach((element, i) => {
      if (!isObject(element)) return;
      const name = typeof element.name === 'string' ? element.name : null;
      const at = `${where}[${i}] (${name ?? ''})`;
      const chain = [...inherited, ...own(element)];
      checkConditions(element, at, chain, name);
      if (element.type === 'panel') walkElements(element.elements, `${at}.elements`, chain);
    });
  };
  pages.forEach((page, p) => {
    if (!isObject(page)) return;
    const chain = own(page);
    checkConditions(page, `pages[${p}] (${typeof page.name === 'string' ? page.name : ''})`, chain, null);
    walkElements(page.elements, `pages[${p}].elements`, chain);
  });
  return issues;
}

/**
 * A question name is an export variable: across the versions of one questionnaire (same
 * `meetronde.key`) it must keep meaning the same question. Refused under one name: another type,
 * another question text, an answer scale (matrix columns) that differs, or a choice or row value
 * that stands for another text. Allowed: options or rows added or removed (they show as "nvt"
 * beside the other measurement), other routing, and a text that differs only in its reference
 * period (the years: "schooljaar 2022-2023" → "schooljaar 2023-2024" asks the same thing a year on).
 */
export interface VersionedContent {
  id: string;
  content: unknown;
}

const localText = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const picked = v.nl ?? v.default;
    return typeof picked === 'string' ? picked : '';
  }
  return '';
};
const normalText = (text: string) => text.replace(/\b(19|20)\d\d\b/g, '<jaar>').replace(/\s+/g, ' ').trim();

interface NamedQuestion {
  type: string;
  title: string;
  where: string;
  items: Map<string, string>;
  columns: Map<string, string>;
}

function namedQuestions(content: unknown): Map<string, NamedQuestion> {
  const out = new Map<string, NamedQuestion>();
  const list = (value: unknown, prefix: string) => {
    const map = new Map<string, string>();
    if (!Array.isArray(value)) return map;
    for (const item of value) {
      if (item && typeof item === 'object') {
        const o = item as Record<string, unknown>;
        map.set(`${prefix}${String(o.value)}`, normalText(localText(o.text) || String(o.value)));
      } else map.set(`${prefix}${String(item)}`, normalText(String(item)));
    }
    return map;
  };
  const visit = (elements: unknown, where: string) => {
    if (!Array.isArray(elements)) return;
    elements.forEach((element, i) => {
      if (!element || typeof element !== 'object') return;
      const e = element as Record<string, unknown>;
      const at = `${where}[${i}] (${String(e.name ?? '')})`;
      if (e.type === 'panel') return visit(e.elements, `${at}.elements`);
      if (typeof e.name !== 'string' || !(VALUE_TYPES as readonly string[]).includes(String(e.type))) return;
      const items = new Map([...list(e.choices, 'optie '), ...list(e.rows, 'stelling ')]);
      if (e.showOtherItem === true) items.set('optie other', normalText(localText(e.otherText) || 'other'));
      out.set(e.name, { type: String(e.type), title: normalText(localText(e.title)), where: at, items, columns: list(e.columns, '') });
    });
  };
  const pages = (content as Record<string, unknown> | null)?.pages;
  if (Array.isArray(pages)) pages.forEach((page, p) => visit((page as Record<string, unknown>)?.elements, `pages[${p}].elements`));
  return out;
}

/** Name reuse across the versions of each questionnaire key; the issues per file id. */
export function lintVersions(files: readonly VersionedContent[]): Map<string, LintIssue[]> {
  const out = new Map<string, LintIssue[]>();
  const byKey = new Map<string, Array<{ id: string; version: string; questions: Map<string, NamedQuestion> }>>();
  for (const file of files) {
    let meta: QuestionnaireMeta;
    try {
      meta = readMeta(file.content);
    } catch {
      continue;
    }
    const list = byKey.get(meta.key) ?? [];
    list.push({ id: file.id, version: meta.version, questions: namedQuestions(file.content) });
    byKey.set(meta.key, list);
  }
  for (const versions of byKey.values()) {
    versions.sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true }));
    for (let i = 1; i < versions.length; i++) {
      const current = versions[i]!;
      for (const [name, question] of current.questions) {
        // The nearest earlier version that has the name decides.
        const earlier = versions.slice(0, i).reverse().find((v) => v.questions.has(name));
        if (!earlier) continue;
        const before = earlier.questions.get(name)!;
        const reasons: string[] = [];
        if (before.type !== question.type) reasons.push(`its type was ${before.type}, now ${question.type}`);
        if (before.title !== question.title) reasons.push(`its text was "${before.title}", now "${question.title}"`);
        if ([...before.columns].join('|') !== [...question.columns].join('|')) reasons.push('its answer scale (columns) changed');
        for (const [value, text] of question.items) {
          const old = before.items.get(value);
          if (old !== undefined && old !== text) reasons.push(`${value} was "${old}", now "${text}"`);
        }
        if (reasons.length === 0) continue;
        const issues = out.get(current.id) ?? [];
        issues.push({
          rule: 'versions',
          where: question.where,
          message: `the name ${name} is used for another question in ${earlier.id} (${reasons.join('; ')}); a different question needs a new name, so the exports of the two measurements do not mix them`,
        });
        out.set(current.id, issues);
      }
    }
  }
  return out;
}
