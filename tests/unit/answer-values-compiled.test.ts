import { describe, expect, it } from 'vitest';
import { answerColumns, answerValues, compileAnswerValues, VisibilityEvaluator, type AnswerColumn } from '../../server/questionnaires/columns';
import { listQuestionnaires, variablesFor, type QuestionnaireContent } from '../../server/questionnaires';
import { seededRandom } from '../../server/demo/data/random';

// The exports write answer values through compileAnswerValues (issue 21); answerValues is the
// reference, still used by the other tables. Both must give the same value for every answer a
// stored response can hold: valid codes, codes of the wrong type, values no option has, empty
// and missing answers, answers of the wrong shape.

/** A value a question's stored answer might be: what the survey stores and what it should not. */
function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function oddValue(rng: () => number): unknown {
  return pick(rng, [undefined, null, '', 0, -0, 1, 2.5, -9, 256, 1e21, '3', ' 3', '03', 'x', true, false, [], ['a'], {}, { a: 1 }, NaN, 'other', 'none']);
}

function codeValue(rng: () => number, column: AnswerColumn): unknown {
  const keys = [...(column.codes?.keys() ?? [])];
  if (!keys.length || rng() < 0.25) return oddValue(rng);
  const key = pick(rng, keys);
  // Stored as the questionnaire's value (a JSON number for numeric codes) or, now and then, as its text.
  return /^-?\d+$/.test(key) && rng() < 0.8 ? Number(key) : key;
}

function answerFor(rng: () => number, question: string, columns: AnswerColumn[]): Record<string, unknown> {
  const first = columns[0]!;
  const out: Record<string, unknown> = {};
  const shape = rng();
  switch (first.kind) {
    case 'single':
      out[question] = codeValue(rng, first);
      break;
    case 'multi': {
      if (shape < 0.15) out[question] = oddValue(rng);
      else {
        const choices = columns.filter((c) => c.kind === 'multi').map((c) => c.choice!);
        const list: unknown[] = [];
        for (const choice of choices) if (rng() < 0.4) list.push(/^\d+$/.test(choice) && rng() < 0.5 ? Number(choice) : choice);
        if (rng() < 0.1) list.push(oddValue(rng));
        out[question] = list;
      }
      break;
    }
    case 'matrix': {
      if (shape < 0.15) out[question] = oddValue(rng);
      else {
        const cells: Record<string, unknown> = {};
        for (const column of columns) if (rng() < 0.85) cells[column.row!] = codeValue(rng, column);
        out[question] = cells;
      }
      break;
    }
    case 'boolean':
      out[question] = shape < 0.7 ? rng() < 0.5 : oddValue(rng);
      break;
    default:
      out[question] = shape < 0.7 ? `tekst ${Math.floor(rng() * 100)}` : oddValue(rng);
  }
  if (columns.some((c) => c.kind === 'other-text')) out[`${question}-Comment`] = rng() < 0.6 ? 'anders' : oddValue(rng);
  return out;
}

function questionnaireColumns(): Array<{ id: string; content: QuestionnaireContent; columns: AnswerColumn[] }> {
  return listQuestionnaires()
    .filter((q) => q.content)
    .map((q) => ({ id: q.id, content: q.content as QuestionnaireContent, columns: answerColumns(q.content as QuestionnaireContent) }));
}

/** Columns of every kind, with the shapes answerColumns makes (other/none items, string codes). */
const SYNTHETIC: AnswerColumn[] = [
  { name: 'k', label: '', kind: 'single', question: 'k', questionTitle: '', questionType: 'radiogroup', measure: 'nominal', condition: null, codes: new Map([['ja', 1], ['nee', 2], ['other', 3], ['none', 4]]) },
  { name: 'k-Comment', label: '', kind: 'other-text', question: 'k', questionTitle: '', questionType: 'radiogroup', measure: 'nominal', condition: null },
  { name: 'n', label: '', kind: 'single', question: 'n', questionTitle: '', questionType: 'dropdown', measure: 'ordinal', condition: null, codes: new Map([['1', 1], ['2', 2], ['9', 9], ['0', 0], ['-9', -9], ['255', 255]]) },
  ...['a', 'b', '3', 'other', 'none'].map(
    (choice): AnswerColumn => ({ name: `m_${choice}`, label: '', kind: 'multi', question: 'm', questionTitle: '', questionType: 'checkbox', measure: 'nominal', condition: null, choice }),
  ),
  { name: 'm-Comment', label: '', kind: 'other-text', question: 'm', questionTitle: '', questionType: 'checkbox', measure: 'nominal', condition: null },
  ...['r1', 'r2', '__proto__', 'length'].map(
    (row): AnswerColumn => ({ name: `x_${row}`, label: '', kind: 'matrix', question: 'x', questionTitle: '', questionType: 'matrix', measure: 'ordinal', condition: null, row, codes: new Map([['1', 1], ['2', 2], ['5', 5], ['9', 9], ['x', 10]]) }),
  ),
  { name: 'b', label: '', kind: 'boolean', question: 'b', questionTitle: '', questionType: 'boolean', measure: 'nominal', condition: null },
  { name: 't', label: '', kind: 'text', question: 't', questionTitle: '', questionType: 'comment', measure: 'nominal', condition: null },
];

function compare(columns: AnswerColumn[], rng: () => number, responses: number, evaluator?: { evaluator: VisibilityEvaluator; variables: ReturnType<typeof variablesFor> }) {
  const compiled = compileAnswerValues(columns);
  const byQuestion = new Map<string, AnswerColumn[]>();
  for (const column of columns) byQuestion.set(column.question, [...(byQuestion.get(column.question) ?? []), column]);
  const mismatches: string[] = [];
  for (let n = 0; n < responses; n++) {
    let data: Record<string, unknown> = {};
    for (const [question, own] of byQuestion) if (rng() < 0.85) data = { ...data, ...answerFor(rng, question, own) };
    const asked = evaluator && rng() < 0.5 ? evaluator.evaluator.askedColumns(data, evaluator.variables) : columns.map(() => rng() < 0.8);
    const expected = answerValues(columns, data, asked);
    // Written behind a few values already there, as the export does.
    const out: unknown[] = ['a', 'b', 'c'];
    compiled(data, asked, out, 3);
    const got = out.slice(3);
    if (out.length !== 3 + columns.length || !got.every((v, i) => Object.is(v, expected[i]))) {
      mismatches.push(JSON.stringify({ data, asked, expected, got }));
      if (mismatches.length >= 3) break;
    }
  }
  return mismatches;
}

describe('compiled answer values', () => {
  it('equal answerValues for generated answers to every built-in questionnaire', () => {
    const rng = seededRandom(21);
    for (const { id, content, columns } of questionnaireColumns()) {
      const meta = (content.meetronde ?? {}) as { variables?: string[] };
      const variables = variablesFor({ situation: meta.variables?.includes('situatie') ? 'po-vo' : null, sector: 'po', schoolName: 'De Regenboog' });
      expect(compare(columns, rng, 800, { evaluator: new VisibilityEvaluator(columns), variables }), id).toEqual([]);
    }
  });

  it('equal answerValues for columns of every kind and answers of every shape', () => {
    expect(compare(SYNTHETIC, seededRandom(2021), 20_000)).toEqual([]);
  });

  it('ask the same columns through forVariables as through askedColumns', () => {
    const rng = seededRandom(7);
    for (const { id, content, columns } of questionnaireColumns()) {
      const meta = (content.meetronde ?? {}) as { variables?: string[] };
      const byQuestion = new Map<string, AnswerColumn[]>();
      for (const column of columns) byQuestion.set(column.question, [...(byQuestion.get(column.question) ?? []), column]);
      // Two evaluators, so that neither answers from what the other worked out.
      const reference = new VisibilityEvaluator(columns);
      const shared = new VisibilityEvaluator(columns);
      for (const situation of meta.variables?.includes('situatie') ? (['po-vo', 'po-ko', 'vso-vo'] as const) : ([null] as const)) {
        const variables = variablesFor({ situation, sector: 'vo', schoolName: 'De Regenboog', schoolKind: 'vso' });
        const askedFor = shared.forVariables(variables);
        for (let n = 0; n < 300; n++) {
          let data: Record<string, unknown> = {};
          for (const [question, own] of byQuestion) if (rng() < 0.85) data = { ...data, ...answerFor(rng, question, own) };
          expect(askedFor(data), id).toEqual(reference.askedColumns(data, variables));
        }
      }
    }
  });

  it('leave the values before the offset alone and fill every answer column', () => {
    const out: unknown[] = [1, 2];
    compileAnswerValues(SYNTHETIC)({}, SYNTHETIC.map(() => false), out, 2);
    expect(out.slice(0, 2)).toEqual([1, 2]);
    expect(out).toHaveLength(2 + SYNTHETIC.length);
    expect(out.slice(2)).toEqual(answerValues(SYNTHETIC, {}, SYNTHETIC.map(() => false)));
  });
});
