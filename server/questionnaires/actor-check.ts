import type { Model, Question } from 'survey-core';
import { PERSON_ROLE_SELF_NAMES, type PersonRole } from '../../contract/vocabulary';
import type { ActorGroup } from './content';

/**
 * Checks of one actor group's version of a questionnaire (issue 20), on a survey-core model with
 * that group's variables set and some answers given: what the page shows now. Used by the lint
 * (every actor × situation, right after consent) and by the routing walker (after every step of
 * every random path), so both see exactly what the respondent sees.
 *
 * - a shown matrix without rows, or a shown choice question without options, for this group;
 * - a shown title, row or option whose text is empty (an actor text that is '' for this group);
 * - a shown row or option that names the respondent's own group as a whole ("Ouders" for a
 *   parent, where the parents' version must say "Andere ouders"; "Leraren" for a teacher, where
 *   it must say "Collega-leraren"). Names: the vocabulary's plus the group's `self` in the file.
 */
export function actorProblems(survey: Model, group: ActorGroup): string[] {
  const own = selfNames(group);
  const problems: string[] = [];
  for (const question of survey.getAllQuestions(true) as Question[]) {
    const type = question.getType();
    if (type === 'html') continue;
    const name = question.name;
    if (normalise(question.processedTitle) === '') problems.push(`${name}: the title is empty for ${group.role}`);
    const items = itemsOf(question);
    if (!items) continue;
    if (items.list.length === 0) {
      problems.push(`${name}: no ${items.kind} is shown to ${group.role}`);
      continue;
    }
    for (const item of items.list) {
      const text = normalise(item.text);
      if (text === '') problems.push(`${name}: the ${items.kind} "${item.value}" has an empty text for ${group.role}`);
      else if (own.has(text)) problems.push(`${name}: the ${items.kind} "${item.value}" ("${item.text}") names the respondent's own group (${group.role}); say "collega-…" or "andere …", or hide it for this group`);
    }
  }
  return problems;
}

function selfNames(group: ActorGroup): Set<string> {
  return new Set([...PERSON_ROLE_SELF_NAMES[group.role as PersonRole], ...group.self].map(normalise));
}

function normalise(text: unknown): string {
  return String(text ?? '')
    .replace(/<[^>]*>/g, '')
    .trim()
    .replace(/[\s.:;,!?]+$/u, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

interface Item {
  value: string;
  text: string;
}

function itemsOf(question: Question): { kind: 'row' | 'option'; list: Item[] } | null {
  const q = question as unknown as {
    visibleRows?: Array<{ name: unknown; text: unknown }>;
    visibleChoices?: Array<{ value: unknown; text: unknown }>;
    noneItem?: { value: unknown };
  };
  const type = question.getType();
  if (type === 'matrix') return { kind: 'row', list: (q.visibleRows ?? []).map((r) => ({ value: String(r.name), text: String(r.text ?? '') })) };
  if (type === 'radiogroup' || type === 'checkbox' || type === 'dropdown') {
    const none = q.noneItem?.value;
    return { kind: 'option', list: (q.visibleChoices ?? []).filter((c) => c.value !== none).map((c) => ({ value: String(c.value), text: String(c.text ?? '') })) };
  }
  return null;
}
