/**
 * A readable comparison of two versions of a SurveyJS questionnaire (2022 → 2023, Eemland
 * measurement 1 → 2): questions added, removed, reworded, options added or removed, routing
 * changed, and which variables stay comparable across the two rounds. Works on the JSON alone.
 */

type Json = Record<string, unknown>;

import type { Comparability, QuestionChange, QuestionnaireDiff, QuestionShape } from '../../contract/api/questionnaires';
import { choiceItems, localText } from './json-text';

const CONDITION_KEYS = ['visibleIf', 'enableIf', 'requiredIf'] as const;
/** Years and school years in a text ("2023", "2023-2024"): the reference period. */
const YEARS = /\b(?:19|20)\d\d(?:-(?:19|20)\d\d)?\b/g;
const NON_QUESTIONS = new Set(['html', 'image', 'expression', 'panel', 'paneldynamic']);

/** Every question of a questionnaire, in order, with the page it is on. */
export function questionShapes(survey: unknown): QuestionShape[] {
  const out: QuestionShape[] = [];
  const visit = (elements: unknown, page: string, inherited: Record<string, string>) => {
    if (!Array.isArray(elements)) return;
    for (const element of elements) {
      if (!element || typeof element !== 'object') continue;
      const e = element as Json;
      const type = String(e.type ?? '');
      const own: Record<string, string> = { ...inherited };
      for (const key of CONDITION_KEYS) if (typeof e[key] === 'string') own[key] = inherited[key] ? `(${inherited[key]}) and (${e[key]})` : String(e[key]);
      if (type === 'panel' || type === 'paneldynamic') {
        visit(e.elements ?? e.templateElements, page, own);
        continue;
      }
      if (NON_QUESTIONS.has(type) || typeof e.name !== 'string') continue;
      out.push({
        name: e.name,
        type,
        title: localText(e.title) || e.name,
        page,
        choices: choiceItems(e.choices),
        rows: choiceItems(e.rows),
        columns: choiceItems(e.columns),
        conditions: own,
        ...(e.isRequired === true ? { required: true } : {}),
      });
    }
  };
  const pages = (survey as Json | null)?.pages;
  if (Array.isArray(pages)) {
    for (const p of pages) {
      const page = p as Json;
      const pageConditions: Record<string, string> = {};
      if (typeof page.visibleIf === 'string') pageConditions.visibleIf = page.visibleIf;
      visit(page.elements, String(page.name ?? ''), pageConditions);
    }
  }
  return out;
}

function compareItems(kind: string, before: QuestionShape['choices'], after: QuestionShape['choices'], changes: string[]): boolean {
  const a = new Map(before.map((i) => [i.value, i.text]));
  const b = new Map(after.map((i) => [i.value, i.text]));
  let setChanged = false;
  for (const [value, label] of b) {
    if (!a.has(value)) {
      changes.push(`${kind} toegevoegd: "${label}"`);
      setChanged = true;
    } else if (a.get(value) !== label) {
      changes.push(`${kind} anders geformuleerd: "${a.get(value)}" → "${label}"`);
    }
  }
  for (const [value, label] of a) {
    if (!b.has(value)) {
      changes.push(`${kind} verwijderd: "${label}"`);
      setChanged = true;
    }
  }
  return setChanged;
}

/**
 * An earlier version that is itself a reconstruction says so in `meetronde.reconstruction`:
 * `evidenced` lists the questions the sources show it had; the form of any other question is
 * not known, so it cannot be called comparable. Null when the version is no reconstruction.
 */
export function evidencedQuestions(content: unknown): Set<string> | null {
  const meta = (content as Json | null)?.meetronde as Json | undefined;
  const reconstruction = meta?.reconstruction as Json | undefined;
  if (!reconstruction || !Array.isArray(reconstruction.evidenced)) return null;
  return new Set(reconstruction.evidenced.filter((x): x is string => typeof x === 'string'));
}

export function diffQuestionnaires(before: unknown, after: unknown): QuestionnaireDiff {
  const evidenced = evidencedQuestions(before);
  const a = new Map(questionShapes(before).map((q) => [q.name, q]));
  const b = questionShapes(after);
  const bNames = new Set(b.map((q) => q.name));
  const result: QuestionnaireDiff = { added: [], removed: [], changed: [], unchanged: [], comparable: [] };
  for (const q of b) {
    const old = a.get(q.name);
    if (!old) {
      result.added.push(q);
      continue;
    }
    const changes: string[] = [];
    let comparability: Comparability = 'same';
    const lower = (to: Comparability) => {
      const order: Comparability[] = ['same', 'comparable', 'partly', 'not'];
      if (order.indexOf(to) > order.indexOf(comparability)) comparability = to;
    };
    if (old.type !== q.type) {
      changes.push(`vraagtype gewijzigd: ${old.type} → ${q.type}`);
      lower('not');
    }
    if (old.title !== q.title) {
      const years = (t: string) => t.match(YEARS) ?? [];
      if (old.title.replace(YEARS, '') === q.title.replace(YEARS, '')) {
        // Same question about another period (a new measurement asks about the next school year).
        changes.push(`referentieperiode gewijzigd: ${years(old.title).join(', ')} → ${years(q.title).join(', ')}`);
      } else changes.push(`vraagtekst gewijzigd: "${old.title}" → "${q.title}"`);
      lower('comparable');
    }
    if (Boolean(old.required) !== Boolean(q.required)) {
      changes.push(q.required ? 'nu verplicht' : 'niet meer verplicht');
      lower('comparable');
    }
    if (compareItems('antwoordoptie', old.choices, q.choices, changes)) lower('partly');
    if (compareItems('stelling', old.rows, q.rows, changes)) lower('partly');
    if (compareItems('antwoordschaal', old.columns, q.columns, changes)) lower('not');
    if (changes.length && comparability === 'same') lower('comparable');
    for (const key of CONDITION_KEYS) {
      if ((old.conditions[key] ?? '') !== (q.conditions[key] ?? '')) {
        changes.push(`routering (${key}) gewijzigd: "${old.conditions[key] ?? 'altijd'}" → "${q.conditions[key] ?? 'altijd'}"`);
        lower('comparable');
      }
    }
    if (evidenced && !evidenced.has(q.name)) {
      changes.push('vorige versie is een reconstructie: de vorm van deze vraag in die meting is niet bekend');
      lower('not');
    }
    if (changes.length === 0) result.unchanged.push(q.name);
    else result.changed.push({ name: q.name, title: q.title, changes, comparability });
    if (comparability === 'same' || comparability === 'comparable') result.comparable.push(q.name);
  }
  for (const [name, q] of a) if (!bNames.has(name)) result.removed.push(q);
  return result;
}

export type VariableComparability = 'ja' | 'nee' | 'nieuw' | 'nvt' | 'onbekend';

/**
 * Per export variable: can it be set beside the previous measurement? A question or option that
 * is new is 'nvt' in the earlier round (not 0); a changed type or answer scale is 'nee'.
 */
export function variableComparability(before: unknown, after: unknown) {
  const diff = diffQuestionnaires(before, after);
  const old = new Map(questionShapes(before).map((q) => [q.name, q]));
  const changed = new Map(diff.changed.map((c) => [c.name, c]));
  const evidenced = evidencedQuestions(before);
  return (question: string, item?: { choice?: string; row?: string }): VariableComparability => {
    const previous = old.get(question);
    if (!previous) return 'nieuw';
    if (evidenced && !evidenced.has(question)) return 'onbekend';
    const change = changed.get(question);
    if (change?.comparability === 'not') return 'nee';
    if (item?.choice !== undefined && !['other', 'none'].includes(item.choice) && !previous.choices.some((c) => c.value === item.choice)) return 'nvt';
    if (item?.row !== undefined && !previous.rows.some((r) => r.value === item.row)) return 'nvt';
    return 'ja';
  };
}
