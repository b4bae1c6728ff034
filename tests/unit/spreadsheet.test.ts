import { describe, expect, it } from 'vitest';
import { csvChunks } from '../../server/exports/formats';
import type { ExportPlan } from '../../server/exports/export';
import { neutraliseFormula } from '../../server/spreadsheet';

describe('CSV formula guard', () => {
  it('prefixes text a spreadsheet would run as a formula, and leaves other text alone', () => {
    for (const text of ['=HYPERLINK("http://x","klik")', '+31 6 1234', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
      expect(neutraliseFormula(text)).toBe(`'${text}`);
    }
    for (const text of ['Basisschool De Regenboog', '1+1', "'al veilig", '']) expect(neutraliseFormula(text)).toBe(text);
  });

  it('guards both CSV variants of the export, and keeps numbers as numbers', async () => {
    const plan = {
      variables: [
        { name: 'tekst', type: 'string' },
        { name: 'getal', type: 'numeric' },
      ],
      async *rows() {
        yield ['=HYPERLINK("http://evil.example","klik")', -8];
        yield ['@cmd', 1.5];
      },
    } as unknown as ExportPlan;
    for (const variant of ['csv', 'csv-nl'] as const) {
      let out = '';
      for await (const chunk of csvChunks(plan, variant)) out += chunk;
      expect(out).toContain(`'=HYPERLINK(`);
      expect(out).toContain(`'@cmd`);
      expect(out).not.toMatch(/(^|[,;])[=@]/m);
      expect(out).toMatch(variant === 'csv' ? /,-8\r\n/ : /;-8\r\n/);
    }
  });
});
