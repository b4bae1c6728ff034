import ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ExportPlan, ExportValue, ExportVariable } from '../../server/exports/export';
import { checkExportFits, XLSX_MAX_DATA_ROWS, xlsxStream } from '../../server/exports/formats';
import { columnLetters, xlsxWorkbook, xmlText, XLSX_MAX_CELL_TEXT, type XlsxValue } from '../../server/exports/xlsx-writer';
import { DomainError } from '../../server/errors';
import { readXlsxWithOpenpyxl, type OpenpyxlValue } from '../helpers/openpyxl';

/**
 * Our own streaming XLSX writer (issue 21), read back by two independent readers: exceljs (what
 * the integration tests use) and openpyxl (Python, its own zip and XML code).
 */

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function loadExcelJs(file: Buffer): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(file as unknown as ArrayBuffer);
  return book;
}

/** A small deterministic generator of text zlib cannot shrink much. */
function noise(seed: number): () => string {
  let s = seed;
  return () => Array.from({ length: 8 }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) >>> 0).toString(36)).join('');
}

const LONG = 'Lang antwoord. '.repeat(3000); // 45,000 characters: past Excel's cell limit

/** The texts, as written and as every reader must see them. */
const TEXTS: Array<[string, string]> = [
  ['Zoë, café, € 5, 中文, 😀 and 𝄞', 'Zoë, café, € 5, 中文, 😀 and 𝄞'],
  [`<b>"quoted" & 'single'</b> ]]> &amp;`, `<b>"quoted" & 'single'</b> ]]> &amp;`],
  ['a\u0000b\u0001c\u0008d\u000Be\u000Cf\u001Fg\u007Fh\uFFFEi\uFFFFj', 'abcdefghij'], // forbidden in XML 1.0: dropped
  ['tab\there\nnext line', 'tab\there\nnext line'],
  ['windows\r\nline', 'windows\nline'], // XML's line-end rule: every reader sees LF
  ['lone \uD83D high, lone \uDE00 low', 'lone \uFFFD high, lone \uFFFD low'],
  ['  spaces kept  ', '  spaces kept  '],
  ['=HYPERLINK("http://x")', '=HYPERLINK("http://x")'], // text, never a formula; no apostrophe in XLSX
  ['+31 6 1234', '+31 6 1234'],
  [LONG, LONG.slice(0, XLSX_MAX_CELL_TEXT)],
  ['x'.repeat(XLSX_MAX_CELL_TEXT - 1) + '😀', 'x'.repeat(XLSX_MAX_CELL_TEXT - 1)], // not cut through the pair
];

const NUMBERS = [0, 1, -1, -1.5, 3.141592653589793, 1e-7, 123456789012, -98765.4321];

/** Instants around both DST changes of 2026 and the Dutch wall-clock time each must show. */
const INSTANTS: Array<[string, string]> = [
  ['2026-03-29T00:59:59Z', '2026-03-29T01:59:59'], // last second of winter time (CET)
  ['2026-03-29T01:00:00Z', '2026-03-29T03:00:00'], // first of summer time (CEST)
  ['2026-10-25T00:30:00Z', '2026-10-25T02:30:00'], // the first 02:30 (CEST)
  ['2026-10-25T01:30:00Z', '2026-10-25T02:30:00'], // the second 02:30 (CET)
  ['2026-07-01T12:00:00.600Z', '2026-07-01T14:00:00'], // milliseconds dropped, as amsterdamWallMs does
  ['1999-12-31T23:00:00Z', '2000-01-01T00:00:00'],
];

const VARIABLES: ExportVariable[] = [
  { name: 'respondent', label: 'Respondent', type: 'numeric', measure: 'nominal' },
  { name: 'tekst', label: 'Open antwoord', type: 'string', measure: 'nominal', width: 200 },
  { name: 'moment', label: 'Voltooid op', type: 'datetime', measure: 'scale' },
  { name: 'getal', label: 'Een getal', type: 'numeric', measure: 'scale', valueLabels: [[1, 'Een']], missing: [-9] },
  { name: 'kort', label: 'Kort', type: 'string', measure: 'nominal', width: 3 },
];

/** The data rows: every text, number and instant, empty strings and nulls, then bulk rows (> 64 KiB packed). */
function dataRows(bulk: number): ExportValue[][] {
  const rows: ExportValue[][] = [];
  TEXTS.forEach(([text], i) => rows.push([i + 1, text, null, null, null]));
  NUMBERS.forEach((n, i) => rows.push([100 + i, null, null, n, '']));
  INSTANTS.forEach(([iso], i) => rows.push([200 + i, '', new Date(iso), null, null]));
  rows.push([300, null, null, null, null]);
  const text = noise(11);
  for (let i = 0; i < bulk; i++) rows.push([1000 + i, text(), new Date(Date.UTC(2026, 0, 1) + i * 60_000), i * 0.5 - 7, 'k']);
  return rows;
}

/** What a reader must see for a written value: [openpyxl, exceljs]. */
function expected(v: ExportValue, variable: ExportVariable): [OpenpyxlValue, unknown] {
  if (v === null) return [null, null];
  if (typeof v === 'number') return [v, v];
  if (v instanceof Date) {
    const wall = INSTANTS.find(([iso]) => new Date(iso).getTime() === v.getTime())?.[1] ?? new Date(v.getTime() + 3_600_000).toISOString().slice(0, 19); // bulk: January, CET
    return [{ date: wall }, new Date(`${wall}Z`)];
  }
  if (variable.type === 'string' && v === '') return ['', null]; // exceljs reads an empty text cell as empty
  const text = TEXTS.find(([written]) => written === v)?.[1] ?? v;
  return [text, text];
}

function plan(rows: () => AsyncIterable<ExportValue[]>, variables = VARIABLES, caseCount = 0): ExportPlan {
  return { roundName: 'Meting', previousRound: null, questionnaire: 'q', consent: { question: 'Toestemming?', yes: 'Ja' }, variables, caseCount, rows };
}

async function* from(rows: ExportValue[][]): AsyncGenerator<ExportValue[]> {
  for (const row of rows) yield row.slice();
}

describe('XLSX writer', () => {
  it('writes the response export that exceljs and openpyxl read back alike: texts, numbers, Dutch date-times, empty vs null, both sheets', async () => {
    const rows = dataRows(4000);
    const file = await readAll(xlsxStream(plan(() => from(rows), VARIABLES, rows.length)));

    const py = readXlsxWithOpenpyxl(file);
    expect(py.badEntry).toBeNull();
    expect(py.creator).toBe('Meetronde');
    expect(py.sheets.map((s) => s.title)).toEqual(['Data', 'Codeboek']);
    // Streamed entries: deflated (8), sizes in a data descriptor (flag bit 3).
    for (const entry of py.entries) expect([entry.method, entry.flags & 8]).toEqual([8, 8]);
    const sheet1 = py.entries.find((e) => e.name === 'xl/worksheets/sheet1.xml')!;
    expect(sheet1.packed).toBeGreaterThan(3 * 64 * 1024); // several deflate output chunks and input writes

    const [data, codebook] = py.sheets as [(typeof py.sheets)[0], (typeof py.sheets)[0]];
    expect(data.freezePanes).toBe('A2');
    expect(codebook.freezePanes).toBeNull();
    expect(data.widths).toEqual({ A: 12, B: 40, C: 19, D: 8, E: 10 });
    expect(data.formats).toEqual({ C: 'dd-mm-yyyy hh:mm:ss' });
    expect(data.rows[0]).toEqual(VARIABLES.map((v) => v.name));
    expect(data.rows).toHaveLength(rows.length + 1);
    rows.forEach((row, r) => {
      expect(data.rows[r + 1], `row ${r + 2}`).toEqual(row.map((v, c) => expected(v, VARIABLES[c]!)[0]));
    });
    expect(codebook.rows[0]).toEqual(['Variabele', 'Vraag / label', 'Type', 'Waarden', 'Ontbrekend', 'Gesteld aan']);
    expect(codebook.rows.map((r) => r[0])).toEqual(['Variabele', ...VARIABLES.map((v) => v.name)]);
    expect(codebook.rows[4]!.slice(3, 5)).toEqual(['1 = Een', '-9 = ontbrekend']);
    expect(codebook.widths).toEqual({ A: 28, B: 70, C: 18, D: 60, E: 30, F: 50 });

    const book = await loadExcelJs(file);
    expect(book.worksheets.map((s) => s.name)).toEqual(['Data', 'Codeboek']);
    expect(book.creator).toBe('Meetronde');
    const sheet = book.getWorksheet('Data')!;
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1, topLeftCell: 'A2' });
    expect(sheet.rowCount).toBe(rows.length + 1);
    expect(sheet.getColumn(3).width).toBe(19);
    rows.forEach((row, r) => {
      const read = sheet.getRow(r + 2);
      expect(
        row.map((_, c) => read.getCell(c + 1).value ?? null),
        `row ${r + 2}`,
      ).toEqual(row.map((v, c) => expected(v, VARIABLES[c]!)[1]));
    });
    expect(sheet.getRow(TEXTS.length + NUMBERS.length + 2).getCell(3).numFmt).toBe('dd-mm-yyyy hh:mm:ss');
    expect(book.getWorksheet('Codeboek')!.rowCount).toBe(VARIABLES.length + 1);
  });

  it('names columns past Z and ZZ (AA, AAA), keeps widths, and writes ZIP64 records readers accept', async () => {
    const width = 730; // past ZZ (702): AAA, AAB
    const columns = Array.from({ length: width }, (_, i) => ({ header: `c${i + 1}`, width: 8 + (i % 5) }));
    const rows: XlsxValue[][] = [
      Array.from({ length: width }, (_, i) => i + 1),
      Array.from({ length: width }, (_, i) => (i % 3 === 0 ? null : `t${i + 1}`)),
    ];
    expect([1, 26, 27, 52, 702, 703, 704, 16384].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'AZ', 'ZZ', 'AAA', 'AAB', 'XFD']);
    for (const zip64From of [undefined, 0]) {
      // zip64From 0: every size and offset written as ZIP64, as a file past 4 GiB would be.
      const file = await readAll(xlsxWorkbook([{ name: 'Breed', columns, rows }], { creator: 'Meetronde', zip64From }));
      // The ZIP64 end of central directory record is there exactly when asked for.
      expect(file.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(zip64From === 0);
      const py = readXlsxWithOpenpyxl(file);
      expect(py.badEntry).toBeNull();
      const [sheet] = py.sheets;
      expect(sheet!.rows).toEqual([columns.map((c) => c.header), ...rows]);
      expect(sheet!.widths.AAB).toBe(columns[703]!.width);
      expect(sheet!.freezePanes).toBeNull();
      const book = await loadExcelJs(file);
      const read = book.getWorksheet('Breed')!;
      expect(read.getCell('AAB2').value).toBe(704);
      expect(read.getCell('AAB3').value).toBe('t704');
      expect(read.getCell('AAA3').value).toBeNull(); // column 703: null, no cell
      expect(read.getColumn(730).width).toBe(columns[729]!.width);
    }
  });

  it('escapes text for XML and drops what XML 1.0 forbids', () => {
    expect(xmlText('a<b>&c"d\'e')).toBe('a&lt;b&gt;&amp;c"d\'e');
    expect(xmlText('\u0000\u0009\u000A\u000D\u0019')).toBe('\t\n\r');
    expect(xmlText('😀\uD800x')).toBe('😀\uFFFDx');
    expect(xmlText('y'.repeat(40_000))).toHaveLength(XLSX_MAX_CELL_TEXT);
  });

  it('pulls rows no faster than the reader takes the file, and still writes every row', async () => {
    const total = 8_000;
    let pulled = 0;
    const variables = Array.from({ length: 10 }, (_, i): ExportVariable => ({ name: `v${i}`, label: `v${i}`, type: 'string', measure: 'nominal', width: 40 }));
    const text = noise(7);
    const stream = xlsxStream(
      plan(async function* () {
        for (; pulled < total; ) {
          // Rows come from PostgreSQL in batches, between which zlib and the streams get their turn.
          if (pulled % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
          pulled++;
          yield Array.from({ length: 10 }, text);
        }
      }, variables, total),
    );
    // The reader takes nothing at first: the rows pulled stay bounded by what the buffers hold
    // (the file is megabytes; the buffers hold a few hundred KiB, a few hundred rows).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(pulled).toBeLessThan(2000);
    const file = await readAll(stream);
    expect(file.length).toBeGreaterThan(1_500_000);
    expect(pulled).toBe(total);
    expect((await loadExcelJs(file)).getWorksheet('Data')?.rowCount).toBe(total + 1);
  });

  it('destroys the file with the error of the row source, and ends the row source when the reader goes away', async () => {
    const failing = xlsxStream(
      plan(async function* () {
        yield [1, 'a', null, null, null];
        throw new Error('cursor lost');
      }),
    );
    await expect(readAll(failing)).rejects.toThrow('cursor lost');

    let closed = false;
    let pulled = 0;
    const endless = xlsxStream(
      plan(async function* () {
        try {
          const text = noise(3);
          for (;;) {
            pulled++;
            if (pulled % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
            yield [pulled, text(), null, null, null];
          }
        } finally {
          closed = true; // the cursor's release
        }
      }),
    );
    for await (const _chunk of endless) if (pulled > 500) break; // the reader goes away in the middle of the rows
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(closed).toBe(true);
    const stopped = pulled;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pulled).toBe(stopped);
  });

  it('refuses, in Dutch and before writing, an export with more rows or columns than a sheet holds', () => {
    const many = { caseCount: XLSX_MAX_DATA_ROWS + 1, variables: VARIABLES };
    expect(() => checkExportFits(many, 'xlsx')).toThrow(DomainError);
    expect(() => checkExportFits(many, 'xlsx')).toThrow(/1\.048\.576 rijen; een Excel-werkblad heeft plaats voor 1\.048\.575\. Kies CSV of SPSS/);
    expect(() => checkExportFits(many, 'csv')).not.toThrow();
    expect(() => checkExportFits({ caseCount: XLSX_MAX_DATA_ROWS, variables: VARIABLES }, 'xlsx')).not.toThrow();
    const wide = { caseCount: 1, variables: Array.from({ length: 16_385 }, () => VARIABLES[0]!) };
    expect(() => checkExportFits(wide, 'xlsx')).toThrow(/16\.385 kolommen/);
    expect(() => xlsxStream(plan(() => from([]), VARIABLES, XLSX_MAX_DATA_ROWS + 1))).toThrow(DomainError);
  });
});
