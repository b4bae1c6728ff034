import { ConditionRunner } from 'survey-core';
import { readableCondition } from './condition-text';
import { choiceItems, localText } from './json-text';
import { readMeta, titleOf, type QuestionnaireContent } from './content';
import { questionnaireHtmlToText, sanitizeQuestionnaireHtml } from './sanitize';
import { VARIABLE_NAMES, variablesFor, type QuestionnaireVariables } from './variables';
import type { Situation } from '../db/types';

/**
 * The printable questionnaire (issue 27): every page and question with its options and who sees
 * it, the routing condition in words. For one situation, conditions on the invitation's variables
 * alone are decided (a question that situation never sees is left out) and the variables are
 * filled in; for all situations at once they are shown in words. Texts that may hold HTML are
 * sanitised here (sanitize-html) and again in the browser (DOMPurify) before they are shown.
 */

type Json = Record<string, unknown>;

export interface PrintItem {
  value: string;
  text: string;
}

export interface PrintElement {
  kind: 'question' | 'html';
  name: string;
  number: number | null;
  type: string;
  typeLabel: string;
  /** Sanitised HTML. */
  title: string;
  description: string;
  required: boolean;
  choices: PrintItem[];
  rows: PrintItem[];
  columns: PrintItem[];
  other: string | null;
  none: string | null;
  /** Who sees it, in words ("iedereen (na toestemming)", "alleen als Q_mate = wel (…)"). */
  shownTo: string;
}

export interface PrintPage {
  name: string;
  title: string;
  description: string;
  shownTo: string;
  elements: PrintElement[];
}

export interface PrintModel {
  title: string;
  key: string;
  version: string;
  situation: string | null;
  variables: Record<string, string>;
  pages: PrintPage[];
}

const TYPE_LABELS: Record<string, string> = {
  radiogroup: 'Eén antwoord',
  dropdown: 'Eén antwoord (keuzelijst)',
  checkbox: 'Meer antwoorden mogelijk',
  tagbox: 'Meer antwoorden mogelijk',
  matrix: 'Matrix: één antwoord per rij',
  comment: 'Open antwoord',
  text: 'Open antwoord (kort)',
  boolean: 'Ja/nee',
  rating: 'Beoordeling',
  ranking: 'Rangorde',
  html: 'Tekst',
  expression: 'Berekening',
};

const VARIABLE_SET = new Set<string>(VARIABLE_NAMES);

function readsOnlyVariables(expression: string): boolean {
  const names = [...expression.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]!.trim());
  return names.length > 0 && names.every((n) => VARIABLE_SET.has(n));
}

function and(a: string | undefined, b: unknown): string | undefined {
  if (typeof b !== 'string' || b.trim() === '') return a;
  return a ? `(${a}) and (${b})` : b;
}

export function printModel(content: QuestionnaireContent, options: { situation?: Situation | null } = {}): PrintModel {
  const meta = readMeta(content);
  const situation = options.situation ?? null;
  const variables: QuestionnaireVariables | null = situation
    ? variablesFor({ situation, sector: situation.startsWith('vo') ? 'vo' : 'po', schoolName: '[naam van de school]' })
    : null;
  const fill = (s: string) =>
    s.replace(/\{([a-z_]+)\}/g, (match, name: string) => (VARIABLE_SET.has(name) ? (variables ? (variables as Record<string, string>)[name] || `[${name}]` : `[${name}]`) : match));
  const html = (s: string) => sanitizeQuestionnaireHtml(fill(s));

  // Labels per question value, for conditions in words.
  const labels = new Map<string, Map<string, string>>();
  const collect = (elements: unknown) => {
    if (!Array.isArray(elements)) return;
    for (const e of elements as Json[]) {
      if (!e || typeof e !== 'object') continue;
      if (typeof e.name === 'string') {
        const choices = choiceItems(e.choices);
        if (choices.length) labels.set(e.name, new Map(choices.map((c) => [c.value, questionnaireHtmlToText(fill(c.text))])));
      }
      collect(e.elements ?? e.templateElements);
    }
  };
  const pages = Array.isArray(content.pages) ? (content.pages as Json[]) : [];
  for (const p of pages) collect(p.elements);

  /** undefined: nobody in this situation sees it; otherwise who sees it in words. */
  const shownTo = (condition: string | undefined): string | undefined => {
    if (!condition) return readableCondition(null, labels, meta.consent);
    if (variables && readsOnlyVariables(condition)) {
      try {
        return new ConditionRunner(condition).runValues({ ...variables }) ? readableCondition(null, labels, meta.consent) : undefined;
      } catch {
        // fall through: shown in words
      }
    }
    return readableCondition(condition, labels, meta.consent).replace(/^alleen als /, 'alleen als ');
  };

  let number = 0;
  const out: PrintPage[] = [];
  const visit = (elements: unknown, inherited: string | undefined, into: PrintElement[]) => {
    if (!Array.isArray(elements)) return;
    for (const e of elements as Json[]) {
      if (!e || typeof e !== 'object') continue;
      const type = String(e.type ?? '');
      const condition = and(inherited, e.visibleIf);
      if (shownTo(condition) === undefined) continue;
      if (type === 'panel' || type === 'paneldynamic') {
        visit(e.elements ?? e.templateElements, condition, into);
        continue;
      }
      const isHtml = type === 'html';
      if (!isHtml && typeof e.name !== 'string') continue;
      const choices = choiceItems(e.choices).filter((c) => {
        const itemIf = Array.isArray(e.choices) ? (e.choices as Json[]).find((x) => x && typeof x === 'object' && String(x.value) === c.value)?.visibleIf : undefined;
        return typeof itemIf !== 'string' || shownTo(itemIf) !== undefined;
      });
      into.push({
        kind: isHtml ? 'html' : 'question',
        name: String(e.name ?? ''),
        number: isHtml ? null : ++number,
        type,
        typeLabel: TYPE_LABELS[type] ?? type,
        title: isHtml ? html(localText(e.html)) : html(localText(e.title) || String(e.name)),
        description: html(localText(e.description)),
        required: e.isRequired === true,
        choices: choices.map((c) => ({ value: c.value, text: html(c.text) })),
        rows: choiceItems(e.rows).map((c) => ({ value: c.value, text: html(c.text) })),
        columns: choiceItems(e.columns).map((c) => ({ value: c.value, text: html(c.text) })),
        other: e.showOtherItem === true || e.hasOther === true ? html(localText(e.otherText) || 'Anders, namelijk') : null,
        none: e.showNoneItem === true || e.hasNone === true ? html(localText(e.noneText) || 'Geen van deze') : null,
        shownTo: shownTo(condition)!,
      });
    }
  };
  for (const p of pages) {
    const condition = typeof p.visibleIf === 'string' ? p.visibleIf : undefined;
    const who = shownTo(condition);
    if (who === undefined) continue;
    const elements: PrintElement[] = [];
    visit(p.elements, condition, elements);
    if (elements.length === 0) continue;
    out.push({ name: String(p.name ?? ''), title: html(localText(p.title)), description: html(localText(p.description)), shownTo: who, elements });
  }
  return {
    title: questionnaireHtmlToText(fill(titleOf(content))),
    key: meta.key,
    version: meta.version,
    situation,
    variables: variables ? { ...variables } : {},
    pages: out,
  };
}
