import { ConditionRunner, type Question } from 'survey-core';
import {
  buildSurvey,
  OTHER_TEXT_SUFFIX,
  type QuestionnaireContent,
  type QuestionnaireVariables,
} from './index';

/**
 * The export's variables, derived from a questionnaire version: one column per answer value as
 * named in the questionnaire. A single choice is one numeric column with value labels; a
 * multiple choice one 0/1 column per option; a matrix one column per row; an "Anders,
 * namelijk" text its own column. Codes: numeric choice values are kept (ordinal scales 1…n,
 * 9 = weet niet); text values are numbered 1…n in questionnaire order.
 */

export const NOT_ASKED = -9;
export const NOT_ANSWERED = -8;
export const MISSING_LABELS: Array<[number, string]> = [
  [NOT_ASKED, 'Niet gevraagd'],
  [NOT_ANSWERED, 'Geen antwoord'],
];

export type ColumnKind = 'single' | 'multi' | 'matrix' | 'text' | 'boolean' | 'other-text';

export interface AnswerColumn {
  name: string;
  label: string;
  kind: ColumnKind;
  /** The question this column comes from. */
  question: string;
  questionTitle: string;
  questionType: string;
  measure: 'nominal' | 'ordinal' | 'scale';
  /** single/matrix: answer value → code. */
  codes?: Map<string, number>;
  /** Code → label (without the missing codes). */
  valueLabels?: Array<[number, string]>;
  /** multi: the option this column stands for. */
  choice?: string;
  /** matrix: the row this column stands for. */
  row?: string;
  /** multi: the option's text; matrix: the row's text. */
  itemLabel?: string;
  /** The condition under which the question is asked, as written in the questionnaire. */
  condition: string | null;
  /** multi/matrix: the option's or row's own visibleIf (e.g. rows shown only in one situation). */
  itemCondition?: string | null;
}

interface ElementInfo {
  condition: string | null;
}

type Json = Record<string, unknown>;

function and(a: string | null, b: unknown): string | null {
  if (typeof b !== 'string' || !b.trim()) return a;
  return a ? `(${a}) and (${b})` : b;
}

/** Effective visibleIf of every question: page, panels and question conditions together. */
function conditionsByQuestion(content: QuestionnaireContent): Map<string, ElementInfo> {
  const out = new Map<string, ElementInfo>();
  const walk = (elements: unknown, inherited: string | null) => {
    if (!Array.isArray(elements)) return;
    for (const element of elements) {
      if (!element || typeof element !== 'object') continue;
      const e = element as Json;
      const condition = and(inherited, e.visibleIf);
      if (e.type === 'panel') walk(e.elements, condition);
      else if (typeof e.name === 'string') out.set(e.name, { condition });
    }
  };
  const pages = content.pages;
  if (Array.isArray(pages)) for (const page of pages) walk((page as Json).elements, and(null, (page as Json).visibleIf));
  return out;
}

function codeMap(values: unknown[]): { codes: Map<string, number>; numeric: boolean } {
  const numeric = values.every((v) => typeof v === 'number' && Number.isInteger(v));
  const codes = new Map<string, number>();
  values.forEach((value, index) => codes.set(String(value), numeric ? (value as number) : index + 1));
  return { codes, numeric };
}

const plain = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * Builds the answer columns. `variables` decide the wording of labels: pass a situation's
 * variables for an export of that situation, or none for the generic wording.
 */
export function answerColumns(
  content: QuestionnaireContent,
  variables: Partial<QuestionnaireVariables> = {},
  options: { consentQuestion?: string } = {},
): AnswerColumn[] {
  const survey = buildSurvey(content, variables);
  const conditions = conditionsByQuestion(content);
  const columns: AnswerColumn[] = [];
  for (const question of survey.getAllQuestions(false) as Question[]) {
    const type = question.getType();
    const name = question.name;
    if (name === options.consentQuestion) continue;
    const base = {
      question: name,
      questionTitle: plain(question.processedTitle),
      questionType: type,
      condition: conditions.get(name)?.condition ?? null,
    };
    const q = question as unknown as {
      choices?: Array<{ value: unknown; text: string; visibleIf?: string }>;
      rows?: Array<{ value: unknown; text: string; visibleIf?: string }>;
      columns?: Array<{ value: unknown; text: string }>;
      showOtherItem?: boolean;
      showNoneItem?: boolean;
      noneText?: string;
      otherText?: string;
      labelTrue?: string;
      labelFalse?: string;
    };
    switch (type) {
      case 'radiogroup':
      case 'dropdown': {
        const items = [...(q.choices ?? [])];
        const values: unknown[] = items.map((c) => c.value);
        const labels = items.map((c) => plain(c.text));
        if (q.showOtherItem) {
          values.push('other');
          labels.push(plain(q.otherText ?? 'Anders'));
        }
        if (q.showNoneItem) {
          values.push('none');
          labels.push(plain(q.noneText ?? 'Geen'));
        }
        const { codes, numeric } = codeMap(values);
        columns.push({
          ...base,
          name,
          label: base.questionTitle,
          kind: 'single',
          measure: numeric ? 'ordinal' : 'nominal',
          codes,
          valueLabels: values.map((v, i) => [codes.get(String(v))!, labels[i]!]),
        });
        if (q.showOtherItem) columns.push(otherText(base, name));
        break;
      }
      case 'checkbox': {
        const items: Array<{ value: string; text: string; visibleIf?: string }> = (q.choices ?? []).map((c) => ({
          value: String(c.value),
          text: plain(c.text),
          visibleIf: c.visibleIf || undefined,
        }));
        if (q.showOtherItem) items.push({ value: 'other', text: plain(q.otherText ?? 'Anders') });
        if (q.showNoneItem) items.push({ value: 'none', text: plain(q.noneText ?? 'Geen') });
        for (const item of items) {
          columns.push({
            ...base,
            name: `${name}_${item.value}`,
            label: `${base.questionTitle}: ${item.text}`,
            kind: 'multi',
            measure: 'nominal',
            choice: item.value,
            itemLabel: item.text,
            itemCondition: item.visibleIf ?? null,
            valueLabels: [
              [0, 'Niet gekozen'],
              [1, 'Gekozen'],
            ],
          });
        }
        if (q.showOtherItem) columns.push(otherText(base, name));
        break;
      }
      case 'matrix': {
        const { codes, numeric } = codeMap((q.columns ?? []).map((c) => c.value));
        const valueLabels: Array<[number, string]> = (q.columns ?? []).map((c) => [codes.get(String(c.value))!, plain(c.text)]);
        for (const row of q.rows ?? []) {
          columns.push({
            ...base,
            name: `${name}_${String(row.value)}`,
            label: `${base.questionTitle}: ${plain(row.text)}`,
            kind: 'matrix',
            measure: numeric ? 'ordinal' : 'nominal',
            codes,
            valueLabels,
            row: String(row.value),
            itemLabel: plain(row.text),
            itemCondition: row.visibleIf || null,
          });
        }
        break;
      }
      case 'boolean':
        columns.push({
          ...base,
          name,
          label: base.questionTitle,
          kind: 'boolean',
          measure: 'nominal',
          valueLabels: [
            [0, plain(q.labelFalse ?? 'Nee')],
            [1, plain(q.labelTrue ?? 'Ja')],
          ],
        });
        break;
      case 'text':
      case 'comment':
        columns.push({ ...base, name, label: base.questionTitle, kind: 'text', measure: 'nominal' });
        break;
      default:
        // html, expression, image: no answer to export.
        break;
    }
  }
  return columns;
}

function otherText(base: Omit<AnswerColumn, 'name' | 'label' | 'kind' | 'measure'>, name: string): AnswerColumn {
  return { ...base, name: `${name}${OTHER_TEXT_SUFFIX}`, label: `${base.questionTitle}: anders, namelijk`, kind: 'other-text', measure: 'nominal' };
}

/**
 * A compiled condition that remembers its results: the outcome depends only on the values of
 * the few questions and variables it names, and across thousands of responses those take a
 * handful of combinations. survey-core's evaluation costs ~15 µs; a lookup costs well under 1.
 */
class CachedCondition {
  private readonly runner: ConditionRunner;
  private readonly names: string[];
  private readonly results = new Map<string, boolean>();

  constructor(expression: string) {
    this.runner = new ConditionRunner(expression);
    this.names = this.runner.getVariables().map((n) => n.split(/[.[]/)[0]!);
  }

  reads(): readonly string[] {
    return this.names;
  }

  run(values: Record<string, unknown>): boolean {
    const key = JSON.stringify(this.names.map((n) => values[n] ?? null));
    let result = this.results.get(key);
    if (result === undefined) {
      result = this.runner.runValues(values);
      if (this.results.size < 10_000) this.results.set(key, result);
    }
    return result;
  }
}

/**
 * Decides per response which columns were asked: the question's compiled visibleIf (page,
 * panels and question together) and, for options and matrix rows, the item's own visibleIf.
 *
 * An export asks this for every row (100,000 of them): the whole answer depends only on the
 * values the conditions read, and rows share a handful of those, so the result is kept per
 * combination (the names and values of the answers and variables any condition reads, matched
 * case-insensitively as survey-core matches them). Callers must not change the array returned.
 */
export class VisibilityEvaluator {
  private readonly questions = new Map<string, CachedCondition | null>();
  private readonly items: Array<CachedCondition | null>;
  /** Lower-case root names any condition reads. */
  private readonly reads = new Set<string>();
  private readonly byState = new Map<string, boolean[]>();

  constructor(private readonly columns: AnswerColumn[]) {
    for (const column of columns) {
      if (!this.questions.has(column.question)) {
        this.questions.set(column.question, column.condition ? new CachedCondition(column.condition) : null);
      }
    }
    this.items = columns.map((c) => (c.itemCondition ? new CachedCondition(c.itemCondition) : null));
    for (const condition of [...this.questions.values(), ...this.items]) for (const name of condition?.reads() ?? []) this.reads.add(name.toLowerCase());
  }

  /**
   * Whether any condition reads this answer or variable (matched case-insensitively, as
   * survey-core does). When none reads a variable, its value cannot change what was asked: an
   * export may then pass the same variables for rows that differ only there (the school name).
   */
  conditionsRead(name: string): boolean {
    return this.reads.has(name.toLowerCase());
  }

  /** The questions asked of a respondent with these answers and invitation variables. */
  asked(data: Record<string, unknown>, variables: Partial<QuestionnaireVariables>): Set<string> {
    const values: Record<string, unknown> = { ...variables, ...data };
    const asked = new Set<string>();
    for (const [question, condition] of this.questions) {
      if (!condition || condition.run(values)) asked.add(question);
    }
    return asked;
  }

  /**
   * Per name seen in a row: its part of the routing state's key (`"name":`) when a condition
   * reads it, else null (saves a toLowerCase and a JSON.stringify per name per row).
   */
  private readonly keyOfName = new Map<string, string | null>();

  private nameKey(name: string): string | null {
    let key = this.keyOfName.get(name);
    if (key === undefined) {
      key = this.reads.has(name.toLowerCase()) ? `${JSON.stringify(name)}:` : null;
      if (this.keyOfName.size < 100_000) this.keyOfName.set(name, key);
    }
    return key;
  }

  /** One record's part of the routing state: every name a condition may read, with its value. */
  private partKey(source: 'v' | 'd', record: Record<string, unknown>): string {
    let key = '';
    for (const name in record) {
      if (!Object.prototype.hasOwnProperty.call(record, name)) continue;
      const nameKey = this.nameKey(name);
      if (nameKey === null) continue;
      key += `${source}${nameKey}${JSON.stringify(record[name]) ?? 'u'};`;
    }
    return key;
  }

  /** Per column: was this option or row put to the respondent? */
  askedColumns(data: Record<string, unknown>, variables: Partial<QuestionnaireVariables>): boolean[] {
    return this.askedByKey(this.partKey('v', variables) + this.partKey('d', data), data, variables);
  }

  /**
   * askedColumns for many rows with the same variables (an export's rows of one situation,
   * sector and school kind): the variables' part of the routing state is worked out once.
   */
  forVariables(variables: Partial<QuestionnaireVariables>): (data: Record<string, unknown>) => boolean[] {
    const variablesKey = this.partKey('v', variables);
    return (data) => this.askedByKey(variablesKey + this.partKey('d', data), data, variables);
  }

  private askedByKey(key: string, data: Record<string, unknown>, variables: Partial<QuestionnaireVariables>): boolean[] {
    const known = this.byState.get(key);
    if (known) return known;
    const values: Record<string, unknown> = { ...variables, ...data };
    const asked = this.asked(data, variables);
    const result = this.columns.map((column, i) => asked.has(column.question) && (this.items[i]?.run(values) ?? true));
    if (this.byState.size < 10_000) this.byState.set(key, result);
    return result;
  }
}

export type AnswerValue = number | string | null;

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * The values of one response for the answer columns. Numeric columns get NOT_ASKED /
 * NOT_ANSWERED; text columns stay empty in both cases (a string cannot hold the codes).
 */
export function answerValues(columns: AnswerColumn[], data: Record<string, unknown>, asked: readonly boolean[]): AnswerValue[] {
  // A multiple choice's answers as strings, once per question rather than once per option column.
  let chosenOf: Map<string, string[]> | null = null;
  const chosen = (question: string, raw: unknown[]) => {
    chosenOf ??= new Map();
    let list = chosenOf.get(question);
    if (!list) {
      list = raw.map(String);
      chosenOf.set(question, list);
    }
    return list;
  };
  return columns.map((column, index) => {
    const wasAsked = asked[index] ?? false;
    const raw = data[column.question];
    switch (column.kind) {
      case 'single': {
        if (!wasAsked) return NOT_ASKED;
        if (isEmpty(raw)) return NOT_ANSWERED;
        return column.codes!.get(String(raw)) ?? NOT_ANSWERED;
      }
      case 'multi': {
        if (!wasAsked) return NOT_ASKED;
        if (!Array.isArray(raw) || raw.length === 0) return NOT_ANSWERED;
        return chosen(column.question, raw).includes(column.choice!) ? 1 : 0;
      }
      case 'matrix': {
        if (!wasAsked) return NOT_ASKED;
        const cell = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>)[column.row!] : undefined;
        if (isEmpty(cell)) return NOT_ANSWERED;
        return column.codes!.get(String(cell)) ?? NOT_ANSWERED;
      }
      case 'boolean': {
        if (!wasAsked) return NOT_ASKED;
        if (typeof raw !== 'boolean') return NOT_ANSWERED;
        return raw ? 1 : 0;
      }
      case 'text':
        return wasAsked && typeof raw === 'string' ? raw : '';
      case 'other-text': {
        const text = data[`${column.question}-Comment`];
        return wasAsked && typeof text === 'string' ? text : '';
      }
    }
  });
}

/** What a compiled step writes: the values of its columns, from `out[offset + first]` on. */
type AnswerStep = (data: Record<string, unknown>, asked: readonly boolean[], out: unknown[], offset: number) => void;

/**
 * The answer value of a cell or choice through a code map, as answerValues gives it
 * (`codes.get(String(value)) ?? NOT_ANSWERED`), with small integers (the usual answer: a code
 * stored as a JSON number) looked up in an array instead of turned into a string first.
 */
function codeLookup(codes: Map<string, number>): (value: unknown) => number {
  const small: number[] = [];
  for (let n = 0; n <= 255; n++) small.push(codes.get(String(n)) ?? NOT_ANSWERED);
  return (value) => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255) return small[value]!;
    return codes.get(String(value)) ?? NOT_ANSWERED;
  };
}

/**
 * answerValues for a fixed list of columns, compiled once: one step per question (a multiple
 * choice's option columns, a matrix's row columns together) that reads the question's answer once
 * and writes its columns' values into `out` from `offset` on, without the per-column dispatch
 * and the arrays answerValues allocates for every row (issue 21: with 122 columns, the largest
 * cost of an export of 100,000 responses). It must give exactly what answerValues gives:
 * tests/unit/answer-values-compiled.test.ts compares both on generated answers.
 */
export function compileAnswerValues(columns: AnswerColumn[]): (data: Record<string, unknown>, asked: readonly boolean[], out: unknown[], offset: number) => void {
  const steps: AnswerStep[] = [];
  // A matrix's rows share one code map: one lookup for them all.
  const lookups = new Map<Map<string, number>, (value: unknown) => number>();
  const lookupFor = (codes: Map<string, number>) => {
    let lookup = lookups.get(codes);
    if (!lookup) lookups.set(codes, (lookup = codeLookup(codes)));
    return lookup;
  };
  let i = 0;
  while (i < columns.length) {
    const column = columns[i]!;
    const first = i;
    const question = column.question;
    switch (column.kind) {
      case 'single': {
        const code = lookupFor(column.codes!);
        steps.push((data, asked, out, offset) => {
          if (!(asked[first] ?? false)) {
            out[offset + first] = NOT_ASKED;
            return;
          }
          const raw = data[question];
          out[offset + first] = isEmpty(raw) ? NOT_ANSWERED : code(raw);
        });
        i++;
        break;
      }
      case 'multi': {
        // The option columns of one question follow each other (answerColumns); take them together.
        while (i < columns.length && columns[i]!.kind === 'multi' && columns[i]!.question === question) i++;
        const choices = columns.slice(first, i).map((c) => c.choice!);
        steps.push((data, asked, out, offset) => {
          const raw = data[question];
          const answered = Array.isArray(raw) && raw.length > 0;
          // answerValues compares the choices as strings; an array of strings needs no copy.
          let chosen: unknown[] | null = null;
          for (let k = 0; k < choices.length; k++) {
            const at = offset + first + k;
            if (!(asked[first + k] ?? false)) out[at] = NOT_ASKED;
            else if (!answered) out[at] = NOT_ANSWERED;
            else {
              chosen ??= (raw as unknown[]).every((v) => typeof v === 'string') ? (raw as unknown[]) : (raw as unknown[]).map(String);
              out[at] = chosen.includes(choices[k]!) ? 1 : 0;
            }
          }
        });
        break;
      }
      case 'matrix': {
        while (i < columns.length && columns[i]!.kind === 'matrix' && columns[i]!.question === question) i++;
        const rows = columns.slice(first, i).map((c) => c.row!);
        const codes = columns.slice(first, i).map((c) => lookupFor(c.codes!));
        steps.push((data, asked, out, offset) => {
          const raw = data[question];
          const cells = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
          for (let k = 0; k < rows.length; k++) {
            const at = offset + first + k;
            if (!(asked[first + k] ?? false)) {
              out[at] = NOT_ASKED;
              continue;
            }
            const cell = cells ? cells[rows[k]!] : undefined;
            out[at] = isEmpty(cell) ? NOT_ANSWERED : codes[k]!(cell);
          }
        });
        break;
      }
      case 'boolean':
        steps.push((data, asked, out, offset) => {
          const raw = data[question];
          out[offset + first] = !(asked[first] ?? false) ? NOT_ASKED : typeof raw !== 'boolean' ? NOT_ANSWERED : raw ? 1 : 0;
        });
        i++;
        break;
      case 'text':
        steps.push((data, asked, out, offset) => {
          const raw = data[question];
          out[offset + first] = (asked[first] ?? false) && typeof raw === 'string' ? raw : '';
        });
        i++;
        break;
      case 'other-text': {
        const key = `${question}-Comment`;
        steps.push((data, asked, out, offset) => {
          const text = data[key];
          out[offset + first] = (asked[first] ?? false) && typeof text === 'string' ? text : '';
        });
        i++;
        break;
      }
    }
  }
  return (data, asked, out, offset) => {
    for (let s = 0; s < steps.length; s++) steps[s]!(data, asked, out, offset);
  };
}
