import { checkNominations, NOMINATION_TYPE } from '../../contract/nominations';
import {
  AnswerRequiredError,
  CheckboxItem,
  ConditionRunner,
  getLocaleString,
  ItemValue,
  QuestionBooleanModel,
  QuestionMatrixModel,
  QuestionSelectBase,
  type Model,
  type Question,
} from 'survey-core';
import { buildSurvey, readMeta, type QuestionnaireContent, type QuestionnaireMeta } from './content';
import { VARIABLE_NAMES, type QuestionnaireVariables } from './variables';
import {
  acceptedAnswers,
  cleanText,
  commentMaxLength,
  INVALID_SHAPE,
  isExclusiveItem,
  firstErrorPerQuestion,
  isRecord,
  matchItem,
  maxLengthOf,
  NON_VALUE_TYPES,
  own,
  refusedAnswers,
  type ResponseData,
  type ValidationError,
  type ValidationMode,
  type ValidationResult,
} from './validate';

/**
 * validateResponse() without survey-core at run time (issue 21). validateResponse builds (or
 * resets) a survey-core model and settles answers against it: 15–20 ms of CPU per completion.
 * Here the questionnaire is compiled once per version into plain data and condition functions:
 * which conditions (page, panels, question) show each question, its choices and rows with their
 * own conditions, its required/each-row-required/"Anders, namelijk" checks and their Dutch texts,
 * length limits. survey-core is used only while compiling (the model gives the item values, texts
 * and limits exactly as the reference sees them; ConditionRunner parses each condition).
 *
 * Why one pass gives the same answer as validateResponse's settling: settling stops at a set of
 * answers D that is its own result (cleaning the raw answers for the questions D shows gives D
 * again). When every condition reads only invitation variables and questions that come earlier in
 * the questionnaire, that set is unique and is built question by question in questionnaire order:
 * a question's visibility depends only on earlier questions' kept answers. compileValidator refuses
 * (returns null, so callers keep survey-core) any questionnaire outside what this models: other
 * question types or properties, conditions that read later questions, unknown names, texts with
 * placeholders in error messages. tests/unit/compiled-validator.test.ts checks random and hostile
 * answer sets for every questionnaire in questionnaires/ against validateResponse.
 */

/** A compiled condition; remembers results per combination of the values it reads (bounded). */
class Condition {
  private readonly runner: ConditionRunner;
  private readonly names: string[];
  private readonly results = new Map<string, boolean>();
  constructor(readonly expression: string) {
    this.runner = new ConditionRunner(expression);
    this.names = [...new Set(this.runner.getVariables().map((n) => n.split(/[.[]/)[0]!.trim()))];
  }
  /** Root names the condition reads (questions and variables). */
  reads(): readonly string[] {
    return this.names;
  }
  run(values: Record<string, unknown>): boolean {
    let key = '';
    for (const name of this.names) {
      const value = values[name];
      key += value === undefined ? '\u0001' : JSON.stringify(value);
      key += '\u0000';
    }
    let result = this.results.get(key);
    if (result === undefined) {
      result = this.runner.runValues(values);
      if (this.results.size < 5_000) this.results.set(key, result);
    }
    return result;
  }
}

interface Item {
  value: unknown;
  condition: Condition | null;
  exclusive: boolean;
  text: string;
}

interface CompiledQuestion {
  name: string;
  kind: 'matrix' | 'checkbox' | 'single' | 'boolean' | 'text' | 'nominations';
  /** All must hold for the question to be shown (page, panels, question). */
  conditions: Condition[];
  items: Item[];
  otherValue: unknown;
  showOther: boolean;
  columns: Array<{ value: unknown }>;
  rows: Array<{ key: string; condition: Condition | null }>;
  accepted: unknown[];
  maxLength: number;
  commentArea: boolean;
  required: boolean;
  eachRowRequired: boolean;
  hideIfRowsEmpty: boolean;
  messages: { required: string; other: string; allRows: string };
}

// What the compiler models; anything else in a questionnaire keeps survey-core (compileValidator → null).
const SURVEY_KEYS = new Set([
  'meetronde',
  'title',
  'description',
  'locale',
  'showQuestionNumbers',
  'showProgressBar',
  'clearInvisibleValues',
  'maxTextLength',
  'maxCommentLength',
  'completedHtml',
  'completedHtmlOnCondition',
  'pages',
]);
const PAGE_KEYS = new Set(['name', 'title', 'description', 'visibleIf', 'elements']);
const ELEMENT_KEYS = new Set([
  'type',
  'name',
  'title',
  'description',
  'visibleIf',
  'isRequired',
  'choices',
  'columns',
  'rows',
  'eachRowRequired',
  'hideIfRowsEmpty',
  'html',
  'maxLength',
  'noneText',
  'otherErrorText',
  'otherText',
  'showNoneItem',
  'showOtherItem',
  'elements',
]);
const ITEM_KEYS = new Set(['value', 'text', 'visibleIf', 'isExclusive']);
const TYPES = new Set(['radiogroup', 'dropdown', 'checkbox', 'matrix', 'comment', 'text', 'boolean', 'html', 'panel', NOMINATION_TYPE]);

class Unsupported extends Error {}

function checkKeys(record: Record<string, unknown>, allowed: ReadonlySet<string>, where: string) {
  for (const key of Object.keys(record)) if (!allowed.has(key)) throw new Unsupported(`${where}: ${key}`);
}

function checkItems(list: unknown, where: string) {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new Unsupported(where);
  for (const item of list) {
    if (typeof item === 'string' || typeof item === 'number') continue;
    if (!isRecord(item)) throw new Unsupported(where);
    checkKeys(item, ITEM_KEYS, where);
    if (item.isExclusive !== undefined && typeof item.isExclusive !== 'boolean') throw new Unsupported(where);
  }
}

function checkElements(elements: unknown, where: string) {
  if (elements === undefined) return;
  if (!Array.isArray(elements)) throw new Unsupported(where);
  for (const element of elements) {
    if (!isRecord(element)) throw new Unsupported(where);
    checkKeys(element, ELEMENT_KEYS, where);
    if (typeof element.type !== 'string' || !TYPES.has(element.type)) throw new Unsupported(`${where}: type ${String(element.type)}`);
    for (const key of ['isRequired', 'eachRowRequired', 'hideIfRowsEmpty', 'showNoneItem', 'showOtherItem']) {
      if (element[key] !== undefined && typeof element[key] !== 'boolean') throw new Unsupported(`${where}: ${key}`);
    }
    checkItems(element.choices, where);
    checkItems(element.rows, where);
    checkItems(element.columns, where);
    if (element.type === 'panel') checkElements(element.elements, where);
    else if (element.elements !== undefined) throw new Unsupported(where);
  }
}

function checkShape(content: QuestionnaireContent) {
  checkKeys(content as Record<string, unknown>, SURVEY_KEYS, 'survey');
  if (content.clearInvisibleValues !== undefined && content.clearInvisibleValues !== 'onHidden' && content.clearInvisibleValues !== 'onComplete') {
    throw new Unsupported('clearInvisibleValues');
  }
  if (!Array.isArray(content.pages)) throw new Unsupported('pages');
  for (const page of content.pages) {
    if (!isRecord(page)) throw new Unsupported('page');
    checkKeys(page, PAGE_KEYS, 'page');
    checkElements(page.elements, 'page');
  }
}

const isValueQuestion = (question: Question) => !(NON_VALUE_TYPES as readonly string[]).includes(question.getType());

export interface CompiledValidator {
  /** Same contract and results as validateResponse(content, variables, data, options). */
  validate(variables: Partial<QuestionnaireVariables>, data: unknown, options: { mode: ValidationMode; malformedFirst?: boolean }): ValidationResult;
  /** Same as visibleQuestionNames(content, variables, data). */
  visibleQuestionNames(variables: Partial<QuestionnaireVariables>, data: unknown): string[];
}

/**
 * The compiled validator of a questionnaire version, or null when the questionnaire uses
 * something it does not model (the caller then uses validateResponse). Compile once per version.
 */
export function compileValidator(content: QuestionnaireContent, model?: Model): CompiledValidator | null {
  try {
    return compile(content, model);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

/** `model`: a survey-core model of `content` built without variables and not used otherwise, when the caller has one. */
function compile(content: QuestionnaireContent, model?: Model): CompiledValidator {
  checkShape(content);
  const meta = readMeta(content);
  const survey = model ?? buildSurvey(content);
  const suffix = survey.commentSuffix;
  const commentMax = commentMaxLength(survey);
  const all = survey.getAllQuestions(false);
  const variableNames = new Set<string>(VARIABLE_NAMES);
  const lower = new Map<string, string>();
  for (const name of [...VARIABLE_NAMES, ...all.map((q) => q.name)]) {
    const key = name.toLowerCase();
    if (lower.has(key)) throw new Unsupported(`name ${name} twice (case-insensitively)`);
    lower.set(key, name);
  }
  const order = new Map(all.map((q, i) => [q.name, i]));
  const conditionCache = new Map<string, Condition>();
  // A condition may read variables and questions strictly before `position` (exact names only).
  const condition = (expression: unknown, position: number): Condition | null => {
    if (expression === undefined || expression === null || expression === '') return null;
    if (typeof expression !== 'string') throw new Unsupported('condition');
    let compiled = conditionCache.get(expression);
    if (!compiled) {
      compiled = new Condition(expression);
      conditionCache.set(expression, compiled);
    }
    for (const name of compiled.reads()) {
      const exact = lower.get(name.toLowerCase());
      if (exact !== name) throw new Unsupported(`condition reads ${name}`);
      if (variableNames.has(name)) continue;
      const at = order.get(name);
      if (at === undefined || at >= position) throw new Unsupported(`condition reads ${name}, not an earlier question`);
    }
    return compiled;
  };
  const questions: CompiledQuestion[] = [];
  for (const [position, question] of all.entries()) {
    if (!isValueQuestion(question)) continue;
    const conditions: Condition[] = [];
    const parents: Array<{ visibleIf?: string }> = [];
    for (let parent = question.parent as unknown as { visibleIf?: string; parent?: unknown } | null; parent; parent = (parent.parent ?? null) as typeof parent) {
      parents.unshift(parent);
    }
    for (const parent of [question.page as unknown as { visibleIf?: string }, ...parents.filter((p) => p !== (question.page as unknown))]) {
      const c = condition(parent.visibleIf, position);
      if (c) conditions.push(c);
    }
    const own = condition(question.visibleIf, position);
    if (own) conditions.push(own);
    const q: CompiledQuestion = {
      name: question.name,
      kind: 'text',
      conditions,
      items: [],
      otherValue: undefined,
      showOther: false,
      columns: [],
      rows: [],
      accepted: [],
      maxLength: maxLengthOf(question, survey),
      commentArea: question.getPropertyValue('showCommentArea') === true,
      required: question.isRequired,
      eachRowRequired: false,
      hideIfRowsEmpty: false,
      messages: {
        required: new AnswerRequiredError(question.requiredErrorText, question).getText(),
        other: '',
        allRows: '',
      },
    };
    if (question instanceof QuestionMatrixModel) {
      q.kind = 'matrix';
      q.columns = question.columns.filter((c): c is ItemValue => c instanceof ItemValue).map((c) => ({ value: c.value }));
      if (q.columns.length !== question.columns.length) throw new Unsupported('matrix columns');
      q.rows = question.rows.map((row) => {
        if (!(row instanceof ItemValue)) throw new Unsupported('matrix rows');
        return { key: String(row.value), condition: condition(row.visibleIf, position) };
      });
      q.eachRowRequired = question.eachRowRequired;
      q.hideIfRowsEmpty = question.hideIfRowsEmpty;
      q.messages.allRows = getLocaleString('requiredInAllRowsError', survey.locale);
    } else if (question instanceof QuestionSelectBase) {
      q.kind = question.getType() === 'checkbox' ? 'checkbox' : 'single';
      const items: ItemValue[] = [...question.choices];
      if (question.showNoneItem) items.push(question.noneItem);
      if (question.showOtherItem) items.push(question.otherItem);
      // visibleChoices' order, as the reference matches in it (values are unique, so only ties matter).
      q.items = items.map((item) => {
        const text = item.text;
        const exclusive = isExclusiveItem(question, item) || (item instanceof CheckboxItem && item.isExclusive);
        if (exclusive && text.includes('{')) throw new Unsupported('placeholder in an exclusive choice');
        return { value: item.value, condition: condition(item.visibleIf, position), exclusive, text };
      });
      q.showOther = question.showOtherItem;
      q.otherValue = question.otherItem.value;
      const otherText = question.otherErrorText || getLocaleString('otherRequiredError', survey.locale);
      if (otherText.includes('{')) throw new Unsupported('placeholder in otherErrorText');
      q.messages.other = otherText;
    } else if (question instanceof QuestionBooleanModel) {
      q.kind = 'boolean';
      q.accepted = [question.getPropertyValue('valueTrue') ?? true, question.getPropertyValue('valueFalse') ?? false];
    } else if (question.getType() === NOMINATION_TYPE) {
      // Partners a school names (contract/nominations.ts): checked by checkNominations, as the reference does.
      q.kind = 'nominations';
    } else if (question.getType() !== 'text' && question.getType() !== 'comment') {
      throw new Unsupported(`type ${question.getType()}`);
    }
    if (q.messages.required.includes('{')) throw new Unsupported('placeholder in requiredErrorText');
    questions.push(q);
  }
  checkOrder(survey, all);
  return new Compiled(meta, questions, suffix, commentMax);
}

/** visibleChoices of select questions must list choices, then none, then other (the order matchItem sees). */
function checkOrder(_survey: unknown, all: Question[]) {
  for (const question of all) {
    if (!(question instanceof QuestionSelectBase)) continue;
    const expected = [...question.choices.map((c) => c.value)];
    if (question.showNoneItem) expected.push(question.noneItem.value);
    if (question.showOtherItem) expected.push(question.otherItem.value);
    const visible = question.visibleChoices.map((c) => c.value);
    // Only items without conditions are certainly visible here; compare the order of those.
    const unconditional = new Set(question.visibleChoices.map((c) => c.value));
    const filtered = expected.filter((v) => unconditional.has(v));
    if (filtered.length !== visible.length || filtered.some((v, i) => v !== visible[i])) throw new Unsupported('choice order');
  }
}

const isEmptyValue = (value: unknown) =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0);

interface Settled {
  data: ResponseData;
  errors: ValidationError[];
  visible: CompiledQuestion[];
  visibleRows: Map<CompiledQuestion, string[]>;
}

class Compiled implements CompiledValidator {
  private readonly position: Map<string, number>;
  constructor(
    private readonly meta: QuestionnaireMeta,
    private readonly questions: CompiledQuestion[],
    private readonly suffix: string,
    private readonly commentMax: number,
  ) {
    this.position = new Map(questions.map((q, i) => [q.name, i]));
  }

  private settle(variables: Partial<QuestionnaireVariables>, raw: Record<string, unknown>): Settled {
    const values: Record<string, unknown> = {};
    for (const name of VARIABLE_NAMES) values[name] = variables[name] ?? '';
    const data: ResponseData = {};
    const errors: ValidationError[] = [];
    const visible: CompiledQuestion[] = [];
    const visibleRows = new Map<CompiledQuestion, string[]>();
    for (const q of this.questions) {
      let shown = true;
      for (const c of q.conditions) {
        if (!c.run(values)) {
          shown = false;
          break;
        }
      }
      if (!shown) continue;
      visible.push(q);
      const name = q.name;
      const value = own(raw, name);
      let otherSelected = false;
      // The reference (cleanAnswers) skips the comment of a matrix or choice question whose answer is not kept.
      let skip = false;
      switch (q.kind) {
        case 'matrix': {
          const rows: string[] = [];
          for (const row of q.rows) if (!row.condition || row.condition.run(values)) rows.push(row.key);
          visibleRows.set(q, rows);
          if (!isRecord(value)) {
            skip = true;
            break;
          }
          const kept: Record<string, unknown> = {};
          let any = false;
          for (const key of rows) {
            const column = matchItem(q.columns, own(value, key));
            if (column) {
              kept[key] = column.value;
              any = true;
            }
          }
          if (any) data[name] = kept;
          break;
        }
        case 'checkbox': {
          if (!Array.isArray(value)) {
            skip = true;
            break;
          }
          const items = q.items.filter((item) => !item.condition || item.condition.run(values));
          const picked: Item[] = [];
          for (const entry of value) {
            const item = matchItem(items, entry);
            if (item && !picked.includes(item)) picked.push(item);
          }
          if (picked.length === 0) {
            skip = true;
            break;
          }
          const exclusive = picked.find((item) => item.exclusive);
          if (exclusive && picked.length > 1) {
            errors.push({ question: name, message: `'${exclusive.text}' kan niet samen met andere antwoorden worden gekozen.` });
            skip = true;
            break;
          }
          data[name] = picked.map((item) => item.value);
          otherSelected = q.showOther && picked.some((item) => item.value === q.otherValue);
          break;
        }
        case 'single': {
          const items = q.items.filter((item) => !item.condition || item.condition.run(values));
          const item = matchItem(items, value);
          if (!item) {
            skip = true;
            break;
          }
          data[name] = item.value;
          otherSelected = q.showOther && item.value === q.otherValue;
          break;
        }
        case 'boolean': {
          const match = q.accepted.find((v) => v === value);
          if (match !== undefined) data[name] = match;
          break;
        }
        case 'nominations': {
          const checked = checkNominations(value);
          if (!checked.ok) errors.push({ question: name, message: checked.message });
          else if (checked.rows.length > 0) data[name] = checked.rows;
          break;
        }
        default: {
          const text = cleanText(value, q.maxLength, name, errors);
          if (text !== undefined) data[name] = text;
        }
      }
      if (!skip && (otherSelected || q.commentArea)) {
        const comment = cleanText(own(raw, name + this.suffix), this.commentMax, name, errors);
        if (comment !== undefined) data[name + this.suffix] = comment;
      }
      if (data[name] !== undefined) values[name] = data[name];
      if (data[name + this.suffix] !== undefined) values[name + this.suffix] = data[name + this.suffix];
    }
    return { data, errors, visible, visibleRows };
  }

  validate(variables: Partial<QuestionnaireVariables>, data: unknown, options: { mode: ValidationMode; malformedFirst?: boolean }): ValidationResult {
    if (!isRecord(data)) return { ok: false, errors: [{ question: null, message: INVALID_SHAPE }] };
    const meta = this.meta;
    const settled = this.settle(variables, data);
    const byQuestion = firstErrorPerQuestion(settled.errors);
    const malformed = options.mode === 'complete' && options.malformedFirst === true && byQuestion.size > 0;
    if (options.mode === 'complete' && !malformed) {
      for (const q of settled.visible) {
        if (byQuestion.has(q.name)) continue;
        const message = this.firstError(q, settled);
        if (message !== null) byQuestion.set(q.name, message);
      }
    }
    if (byQuestion.size > 0) return refusedAnswers(byQuestion, (question) => this.position.get(question)!, malformed);
    return acceptedAnswers(meta, settled.data);
  }

  /** survey-core's first error of a shown question at completion: required, "Anders" text, every row. */
  private firstError(q: CompiledQuestion, settled: Settled): string | null {
    const value = settled.data[q.name];
    if (q.kind === 'matrix' && q.hideIfRowsEmpty && (settled.visibleRows.get(q)?.length ?? 0) === 0) return null;
    if (q.required && isEmptyValue(value)) return q.messages.required;
    if ((q.kind === 'checkbox' || q.kind === 'single') && q.showOther) {
      const otherSelected = q.kind === 'checkbox' ? Array.isArray(value) && value.includes(q.otherValue) : value === q.otherValue;
      if (otherSelected && settled.data[q.name + this.suffix] === undefined) return q.messages.other;
    }
    if (q.kind === 'matrix' && q.eachRowRequired) {
      const row = isRecord(value) ? value : {};
      for (const key of settled.visibleRows.get(q) ?? []) if (isEmptyValue(row[key])) return q.messages.allRows;
    }
    return null;
  }

  visibleQuestionNames(variables: Partial<QuestionnaireVariables>, data: unknown): string[] {
    return this.settle(variables, isRecord(data) ? data : {}).visible.map((q) => q.name);
  }
}
