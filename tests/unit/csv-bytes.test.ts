import { describe, expect, it } from 'vitest';
import { csvChunks, dutchDateTime } from '../../server/exports/formats';
import type { ExportPlan, ExportValue } from '../../server/exports/export';
import { neutraliseFormula } from '../../server/spreadsheet';
import { seededRandom } from '../../server/demo/data/random';

// csvChunks writes UTF-8 bytes straight into a buffer (issue 21). The reference is how the CSV
// was written before: each value's text joined by the delimiter, the rows as one string, encoded
// as UTF-8. Both must give the same bytes for values of every kind.

function referenceCsv(names: string[], rows: ExportValue[][], variant: 'csv' | 'csv-nl'): Buffer {
  const nl = variant === 'csv-nl';
  const delimiter = nl ? ';' : ',';
  const field = (value: ExportValue) => {
    if (value === null || value === undefined) return '';
    if (typeof value === 'number') return nl ? String(value).replace('.', ',') : String(value);
    const text = value instanceof Date ? dutchDateTime(value) : neutraliseFormula(value);
    return /["\n\r]/.test(text) || text.includes(delimiter) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const line = (values: ExportValue[]) => values.map(field).join(delimiter) + '\r\n';
  return Buffer.from((nl ? '\uFEFF' : '') + line(names) + rows.map(line).join(''), 'utf8');
}

const TEXTS = [
  '', 'a', 'Basisschool De Regenboog', "'t Kompas", 'Café ’t Hoekje', 'ü', '😀 emoji', 'x'.repeat(31) + 'é', 'y'.repeat(40), 'é'.repeat(40),
  '\ud800', 'a\udc00b', 'met "aanhalingstekens"', 'komma, erin', 'punt;komma', 'regel\nbreuk', 'cr\rx', '=1+1', '+31 6', '-2', '@SUM(A1)', '\t=1',
];
const NUMBERS = [0, -0, 1, 9, 10, 99, 100, 255, 256, -1, -8, -9, -10, 2.5, -2.5, 3.666667, 1e21, 1e-7, NaN, Infinity, -Infinity, 2 ** 53, 0.1 + 0.2];

function randomValue(rng: () => number): ExportValue {
  const kind = rng();
  if (kind < 0.45) return Math.floor(rng() * 20) - 9;
  if (kind < 0.6) return NUMBERS[Math.floor(rng() * NUMBERS.length)]!;
  if (kind < 0.8) return TEXTS[Math.floor(rng() * TEXTS.length)]!;
  if (kind < 0.9) return new Date(Math.floor(rng() * Date.UTC(2040, 0, 1)));
  return kind < 0.95 ? null : (undefined as unknown as ExportValue);
}

async function written(plan: ExportPlan, variant: 'csv' | 'csv-nl'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of csvChunks(plan, variant)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('CSV bytes', () => {
  it('are the UTF-8 of the rows written as text, for values of every kind, in both variants', async () => {
    const rng = seededRandom(1221);
    const names = ['respondent', 'school_code', '=naam', 'a;b', 'c,d'];
    // 1,234 rows: two full chunks of 500 and a last one; some rows far longer than others.
    const rows = Array.from({ length: 1234 }, (_, i) => Array.from({ length: i % 97 === 0 ? 3000 : 5 + Math.floor(rng() * 60) }, () => randomValue(rng)));
    const plan = {
      variables: names.map((name) => ({ name })),
      async *rows() {
        yield* rows;
      },
    } as unknown as ExportPlan;
    for (const variant of ['csv', 'csv-nl'] as const) {
      const got = await written(plan, variant);
      const expected = referenceCsv(names, rows, variant);
      expect(got.length, variant).toBe(expected.length);
      expect(got.equals(expected), variant).toBe(true);
    }
  });

  it('end each chunk at the end of a row', async () => {
    const plan = {
      variables: [{ name: 'x' }],
      async *rows() {
        for (let i = 0; i < 1200; i++) yield ['é'.repeat(i % 7), i];
      },
    } as unknown as ExportPlan;
    const chunks: Buffer[] = [];
    for await (const chunk of csvChunks(plan, 'csv')) chunks.push(chunk);
    expect(chunks.length).toBe(4);
    for (const chunk of chunks) expect(chunk.subarray(-2).toString()).toBe('\r\n');
  });
});
