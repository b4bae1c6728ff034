import { describe, expect, it } from 'vitest';
import { ItemValue, QuestionMatrixModel, QuestionSelectBase, type Model, type Question } from 'survey-core';
import {
  buildSurvey,
  listQuestionnaires,
  readMeta,
  validateResponse,
  visibleQuestionNames,
  type QuestionnaireContent,
} from '../../server/questionnaires';
import { compileValidator } from '../../server/questionnaires/compiled-validator';
import { seededRandom } from '../../server/demo/data/random';
import { settingsFor, shownQuestions, variablesOf, type Setting } from '../fixtures/routing-walk';

/**
 * The compiled validator (issue 21: completion without survey-core) against the reference,
 * validateResponse on survey-core, for every questionnaire in questionnaires/: random and hostile
 * answer sets in every setting, each checked in the three ways the server checks (partial,
 * complete, complete with malformed answers first) and for the visible questions. Results must be
 * identical: accepted or refused alike, the same kept answers, branch and consent, the same errors
 * in the same order. Two kinds of sets: routed ones (a respondent walking the survey-core page,
 * answering every shown question, so completions are accepted) with a few answers spoiled, and
 * free ones (every question answered, shown or not, with values valid or hostile).
 *
 * Bounded: COMPILED_VALIDATOR_SETS per questionnaire (default 24; 40 took about 10 CPU seconds for four questionnaires on a quiet machine, most of it survey-core); COMPILED_VALIDATOR_SEED replays.
 */
const seed = Number(process.env.COMPILED_VALIDATOR_SEED ?? Math.floor(Math.random() * 2 ** 31));
const count = Number(process.env.COMPILED_VALIDATOR_SETS ?? 24);

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

function choiceItems(question: QuestionSelectBase): ItemValue[] {
  const items: ItemValue[] = [...question.choices];
  if (question.showNoneItem) items.push(question.noneItem);
  if (question.showOtherItem) items.push(question.otherItem);
  return items;
}

const HOSTILE: unknown[] = [
  null,
  '',
  '   ',
  'onbekend',
  42,
  -1,
  1.5,
  true,
  false,
  [],
  {},
  ['onbekend'],
  { a: 1 },
  'a\u0000b',
  'tekst\u0007',
  'x'.repeat(5001),
  [[1]],
  [{}],
  { x: { y: 1 } },
];

/** A value for a question: mostly one its page would send (from all its options, shown or not), sometimes hostile. */
function valueFor(random: () => number, question: Question): { value: unknown; comment?: unknown } {
  if (random() < 0.12) return { value: pick(random, HOSTILE) };
  if (question instanceof QuestionMatrixModel) {
    const columns = question.columns.map((c: ItemValue) => c.value);
    const value: Record<string, unknown> = {};
    for (const row of question.rows as ItemValue[]) {
      const r = random();
      if (r < 0.75) value[String(row.value)] = pick(random, columns);
      else if (r < 0.8) value[String(row.value)] = String(pick(random, columns));
      else if (r < 0.83) value[String(row.value)] = 'onbekend';
      else if (r < 0.85) value[String(row.value)] = null;
    }
    if (random() < 0.05) value.geen_rij = pick(random, columns);
    return { value };
  }
  if (question instanceof QuestionSelectBase) {
    const items = choiceItems(question).map((item) => item.value);
    const comment = () => {
      const r = random();
      return r < 0.6 ? 'Iets anders' : r < 0.75 ? '  ' : r < 0.85 ? undefined : r < 0.9 ? 'x'.repeat(600) : r < 0.95 ? 42 : 'a\u0001';
    };
    if (question.getType() === 'checkbox') {
      const r = random();
      const chosen: unknown[] = r < 0.5 ? [pick(random, items)] : r < 0.8 ? items.filter(() => random() < 0.3) : [pick(random, items), pick(random, items)];
      if (random() < 0.05) chosen.push('onbekend');
      if (random() < 0.05) chosen.push(String(pick(random, items)));
      return { value: chosen, comment: chosen.includes('other') || random() < 0.1 ? comment() : undefined };
    }
    const value = random() < 0.05 ? String(pick(random, items)) : pick(random, items);
    return { value, comment: value === 'other' || random() < 0.1 ? comment() : undefined };
  }
  if (question.getType() === 'boolean') return { value: random() < 0.5 };
  const r = random();
  return { value: r < 0.7 ? 'Een antwoord' : r < 0.8 ? ' ' : r < 0.9 ? 'y'.repeat(2001) : 'regel\nnieuw\ttab' };
}

function put(data: Record<string, unknown>, question: Question, answer: { value: unknown; comment?: unknown }) {
  if (answer.value !== undefined) data[question.name] = answer.value;
  if (answer.comment !== undefined) data[question.name + '-Comment'] = answer.comment;
}

/** Every value question answered (most of them), shown or not. */
function freeSet(random: () => number, survey: Model, consent: { question: string; yes: string; no: string }): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const question of survey.getAllQuestions(false) as Question[]) {
    if (question.getType() === 'html') continue;
    if (question.name === consent.question) {
      const r = random();
      data[question.name] = r < 0.8 ? consent.yes : r < 0.9 ? consent.no : pick(random, [undefined, 'misschien', 1, null]);
      if (data[question.name] === undefined) delete data[question.name];
      continue;
    }
    if (random() < 0.75) put(data, question, valueFor(random, question));
  }
  return data;
}

/** A respondent on the survey-core page: answers the shown questions in order with valid values, then a few spoiled. */
function routedSet(random: () => number, survey: Model, consent: { question: string; yes: string; no: string }): Record<string, unknown> {
  survey.data = {};
  const data: Record<string, unknown> = {};
  const done = new Set<string>();
  for (let guard = 0; guard < 500; guard++) {
    const next = shownQuestions(survey).find((q) => !done.has(q.name));
    if (!next) break;
    done.add(next.name);
    let answer: { value: unknown; comment?: unknown };
    if (next.name === consent.question) answer = { value: random() < 0.95 ? consent.yes : consent.no };
    else if (next instanceof QuestionMatrixModel) {
      const column = pick(random, next.visibleColumns as ItemValue[]).value;
      answer = { value: Object.fromEntries((next.rows as ItemValue[]).filter((r) => r.isVisible).map((r) => [String(r.value), random() < 0.97 ? column : pick(random, next.visibleColumns as ItemValue[]).value])) };
    } else if (next instanceof QuestionSelectBase) {
      const items = next.visibleChoices;
      const item = pick(random, items);
      answer = { value: next.getType() === 'checkbox' ? [item.value] : item.value, comment: item.value === 'other' ? 'Iets anders' : undefined };
    } else if (next.getType() === 'boolean') answer = { value: true };
    else answer = { value: random() < 0.9 ? 'Een antwoord' : undefined };
    if (random() < 0.03) answer = valueFor(random, next);
    put(data, next, answer);
    if (answer.value !== undefined) next.value = answer.value;
    if (answer.comment !== undefined) next.comment = String(answer.comment);
  }
  // Spoil a few: a hidden question's answer, a cleared one, a hostile value.
  const all = (survey.getAllQuestions(false) as Question[]).filter((q) => q.getType() !== 'html' && q.name !== consent.question);
  const spoil = random() < 0.5 ? 0 : 1 + Math.floor(random() * 3);
  for (let i = 0; i < spoil; i++) {
    const question = pick(random, all);
    const r = random();
    if (r < 0.4) delete data[question.name];
    else put(data, question, valueFor(random, question));
  }
  return data;
}

describe('compiled validator: same verdicts as survey-core (validateResponse)', () => {
  for (const file of listQuestionnaires()) {
    it(`${file.id}: random and hostile answer sets are accepted and refused alike, with the same errors`, async () => {
      const content = file.content as QuestionnaireContent;
      const compiled = compileValidator(content);
      expect(compiled, `${file.id} must compile (else the server falls back to survey-core)`).not.toBeNull();
      const meta = readMeta(content);
      const settings: Setting[] = settingsFor(content);
      const random = seededRandom(seed + file.id.length);
      const models = new Map<string, Model>();
      let accepted = 0;
      let refused = 0;
      const sets: Array<{ setting: Setting; data: unknown }> = [];
      for (const setting of settings) sets.push({ setting, data: {} }, { setting, data: null }, { setting, data: [] }, { setting, data: 'x' });
      for (let i = 0; i < count; i++) {
        const setting = pick(random, settings);
        const key = JSON.stringify(setting);
        let survey = models.get(key);
        if (!survey) {
          survey = buildSurvey(content, variablesOf(setting));
          models.set(key, survey);
        }
        const data = i % 2 === 0 ? routedSet(random, survey, meta.consent) : freeSet(random, survey, meta.consent);
        if (random() < 0.05) (data as Record<string, unknown>)['geen_vraag'] = 'x';
        sets.push({ setting, data });
      }
      // The reference's routing of an answer set that is no object is that of no answers (`{}`,
      // checked in every setting too): settled once per setting, not once per such set.
      const visibleReference = new Map<string, string[]>();
      const referenceVisible = (setting: Setting, variables: ReturnType<typeof variablesOf>, data: unknown) => {
        if (data !== null && typeof data === 'object' && !Array.isArray(data) && Object.keys(data).length > 0) return visibleQuestionNames(content, variables, data);
        const key = JSON.stringify(setting);
        if (!visibleReference.has(key)) visibleReference.set(key, visibleQuestionNames(content, variables, {}));
        return visibleReference.get(key)!;
      };
      let yielded = Date.now();
      for (const [index, { setting, data }] of sets.entries()) {
        // survey-core takes 10–30 ms a set: let the test worker's RPC breathe (vitest times it out otherwise).
        if (Date.now() - yielded > 50) {
          await new Promise((resolve) => setImmediate(resolve));
          yielded = Date.now();
        }
        const variables = variablesOf(setting);
        const where = `${file.id}, set ${index} (COMPILED_VALIDATOR_SEED=${seed}), setting ${JSON.stringify(setting)}, data ${JSON.stringify(data)}`;
        for (const options of [{ mode: 'partial' as const }, { mode: 'complete' as const }, { mode: 'complete' as const, malformedFirst: true }]) {
          const expected = validateResponse(content, variables, data, options);
          const actual = compiled!.validate(variables, data, options);
          expect(actual, `${where}, ${JSON.stringify(options)}`).toEqual(expected);
          if (options.mode === 'complete' && !options.malformedFirst) {
            if (expected.ok) accepted++;
            else refused++;
          }
        }
        expect(compiled!.visibleQuestionNames(variables, data), where).toEqual(referenceVisible(setting, variables, data));
      }
      console.log(`[compiled-validator] ${file.id}: ${sets.length} sets × 3 checks equal; completions accepted ${accepted}, refused ${refused}; seed ${seed}`);
      // The sample must exercise both verdicts, or the equality says little.
      expect(accepted).toBeGreaterThan(count / 10);
      expect(refused).toBeGreaterThan(count / 10);
    }, 240_000);
  }

  it('refuses to compile what it does not model, so the server keeps survey-core for it', () => {
    const base = listQuestionnaires()[0]!.content as Record<string, unknown>;
    const withTrigger = { ...base, triggers: [{ type: 'complete', expression: '{x} = 1' }] };
    expect(compileValidator(withTrigger)).toBeNull();
    const pages = base.pages as Array<Record<string, unknown>>;
    const forward = structuredClone(pages);
    const elements = forward[0]!.elements as Array<Record<string, unknown>>;
    const later = (forward[forward.length - 1]!.elements as Array<Record<string, unknown>>).find((e) => e.type !== 'html')!;
    const first = elements.findIndex((e) => e.type !== 'html');
    elements[first] = { ...elements[first], visibleIf: `{${String(later.name)}} notempty` };
    expect(compileValidator({ ...base, pages: forward })).toBeNull();
    const validators = structuredClone(pages);
    (validators[1]!.elements as Array<Record<string, unknown>>)[0]!.validators = [{ type: 'expression', expression: '1 = 1' }];
    expect(compileValidator({ ...base, pages: validators })).toBeNull();
  });
});
