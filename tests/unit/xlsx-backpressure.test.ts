import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sheetInput, xlsxStream } from '../../server/exports/formats';
import type { ExportPlan } from '../../server/exports/export';

/**
 * The XLSX export waits for exceljs's sheet input to drain (issue 21: without it, 100,000 rows
 * peaked at 479 MB on a quiet machine, where PostgreSQL delivers rows faster than zlib packs them).
 * That input is an exceljs internal; if an upgrade moves it, this fails instead of the export
 * silently losing its bound on memory.
 */
describe('XLSX export backpressure', () => {
  it("finds exceljs's sheet input, the stream whose backlog the export waits for", async () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: new PassThrough().resume(), useStyles: true, useSharedStrings: false });
    const sheet = workbook.addWorksheet('Data');
    sheet.addRow(['a', 1]).commit();
    const input = sheetInput(sheet);
    expect(input).toBeDefined();
    expect(typeof input?._writableState.needDrain).toBe('boolean');
    sheet.commit();
    await workbook.commit();
  });

  it('pulls rows no faster than the reader takes the file, and still writes every row', async () => {
    const total = 20_000;
    let pulled = 0;
    const plan = {
      roundName: 'r',
      previousRound: null,
      questionnaire: 'q',
      consent: { question: 'Toestemming?', yes: 'Ja' },
      caseCount: total,
      variables: Array.from({ length: 10 }, (_, i) => ({ name: `v${i}`, label: `v${i}`, type: 'string' as const, measure: 'nominal' as const, width: 40 })),
      async *rows() {
        // Text zlib cannot shrink much, so the packed file is megabytes, far beyond every buffer.
        let seed = 7;
        const text = () => Array.from({ length: 6 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) >>> 0).toString(36)).join('');
        for (; pulled < total; ) {
          // Rows come from PostgreSQL in batches, between which zlib and the streams get their turn.
          if (pulled % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
          pulled++;
          yield Array.from({ length: 10 }, text);
        }
      },
    } satisfies ExportPlan;
    // The reader takes nothing at first: the rows pulled stay bounded by what the buffers hold.
    const stream = xlsxStream(plan);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(pulled).toBeLessThan(total / 2);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(pulled).toBe(total);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.concat(chunks) as unknown as ArrayBuffer);
    expect(book.getWorksheet('Data')?.rowCount).toBe(total + 1);
  });
});
