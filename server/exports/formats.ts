import { Readable } from 'node:stream';
import { savBatchChunks, type SavVariable } from './sav-writer';
import { rowBatches, type ExportPlan, type ExportValue, type ExportVariable } from './export';
import { codebookRows, type CodebookRow } from './codebook';
import { xlsxWorkbook, XLSX_MAX_COLUMNS, XLSX_MAX_ROWS } from './xlsx-writer';
import { badRequest } from '../errors';
import { looksLikeFormula, neutraliseFormula } from '../spreadsheet';
import { amsterdamWallMs, formatAmsterdam } from '../time';

export type ExportFormat = 'csv' | 'csv-nl' | 'xlsx' | 'sav';

export const FORMAT_INFO: Record<ExportFormat, { contentType: string; extension: string; label: string }> = {
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv', label: 'CSV (UTF-8, komma)' },
  'csv-nl': { contentType: 'text/csv; charset=utf-8', extension: 'csv', label: 'CSV voor Nederlandse Excel (puntkomma)' },
  xlsx: { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx', label: 'Excel (XLSX)' },
  sav: { contentType: 'application/x-spss-sav', extension: 'sav', label: 'SPSS (.sav)' },
};

/** The wall-clock time in the Netherlands, as "2026-03-05 14:45:10" (Intl once per UTC hour, see server/time.ts). */
export function dutchDateTime(date: Date): string {
  return formatAmsterdam(date);
}

function csvField(value: ExportValue, delimiter: string, decimalComma: boolean): string {
  if (value === null || value === undefined) return '';
  // A number never needs quotes: its text has no quote, line break, comma (csv: decimal point) or
  // semicolon (csv-nl: decimal comma); most values of a row are small codes (issue 21).
  if (typeof value === 'number') return decimalComma ? String(value).replace('.', ',') : String(value);
  // Spreadsheet programs run cells that start with = + - @ as formulas (CSV injection); both
  // variants are opened in spreadsheets, so both guard.
  const text = value instanceof Date ? dutchDateTime(value) : neutraliseFormula(value);
  return /["\n\r]/.test(text) || text.includes(delimiter) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The smallest and largest integer whose text CsvWriter keeps as bytes (the missing codes up to a byte). */
const SMALL_MIN = -9;
const SMALL_MAX = 255;
/** Per small integer: its length, then up to three ASCII bytes of String(n). */
const SMALL_TEXT = new Uint8Array((SMALL_MAX - SMALL_MIN + 1) * 4);
for (let n = SMALL_MIN; n <= SMALL_MAX; n++) {
  const text = String(n);
  const at = (n - SMALL_MIN) * 4;
  SMALL_TEXT[at] = text.length;
  for (let k = 0; k < text.length; k++) SMALL_TEXT[at + 1 + k] = text.charCodeAt(k);
}
const CSV_CHUNK = 1 << 18;

/**
 * CSV rows written as UTF-8 straight into a buffer (issue 21): a row is mostly small codes, and
 * building each as a string, joining them and encoding every chunk again cost more than the
 * row's answers. The bytes are those of the text csvField gives, joined by the delimiter.
 */
class CsvWriter {
  private buffer = Buffer.allocUnsafe(CSV_CHUNK);
  private end = 0;
  private readonly delimiterByte: number;

  constructor(
    private readonly delimiter: string,
    private readonly decimalComma: boolean,
  ) {
    this.delimiterByte = delimiter.charCodeAt(0);
  }

  get length(): number {
    return this.end;
  }

  private reserve(bytes: number) {
    if (this.end + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.end + bytes));
    this.buffer.copy(bigger, 0, 0, this.end);
    this.buffer = bigger;
  }

  /** Text as UTF-8: short ASCII by hand (most fields), anything else by Buffer.write. */
  text(text: string) {
    const length = text.length;
    this.reserve(length * 3);
    const buffer = this.buffer;
    const start = this.end;
    if (length <= 32) {
      let k = 0;
      for (; k < length; k++) {
        const c = text.charCodeAt(k);
        if (c >= 0x80) break;
        buffer[start + k] = c;
      }
      if (k === length) {
        this.end = start + length;
        return;
      }
    }
    this.end = start + buffer.write(text, start, 'utf8');
  }

  /**
   * Short ASCII text that csvField would give back unchanged (no formula start when `guard`, no
   * quote, line break or delimiter), written as it is; false when it needs csvField.
   */
  private plain(text: string, guard: boolean): boolean {
    const length = text.length;
    if (length > 32) return false;
    if (guard && looksLikeFormula(text)) return false;
    const delimiter = this.delimiterByte;
    for (let k = 0; k < length; k++) {
      const c = text.charCodeAt(k);
      if (c >= 0x80 || c === 0x22 || c === 0x0a || c === 0x0d || c === delimiter) return false;
    }
    this.reserve(length);
    const buffer = this.buffer;
    const start = this.end;
    for (let k = 0; k < length; k++) buffer[start + k] = text.charCodeAt(k);
    this.end = start + length;
    return true;
  }

  row(values: readonly ExportValue[]) {
    const count = values.length;
    // Room for every value as a small code and its delimiter, and the line end; text makes its own.
    this.reserve(count * 4 + 2);
    let buffer = this.buffer;
    let end = this.end;
    const delimiter = this.delimiterByte;
    for (let i = 0; i < count; i++) {
      if (i > 0) buffer[end++] = delimiter;
      const value = values[i];
      if (typeof value === 'number' && Number.isInteger(value) && value >= SMALL_MIN && value <= SMALL_MAX) {
        // String(n) of a small integer (-0 too: its text is "0"), copied from the table.
        const at = (value - SMALL_MIN) * 4;
        const size = SMALL_TEXT[at]!;
        buffer[end++] = SMALL_TEXT[at + 1]!;
        if (size > 1) buffer[end++] = SMALL_TEXT[at + 2]!;
        if (size > 2) buffer[end++] = SMALL_TEXT[at + 3]!;
      } else if (value !== null && value !== undefined) {
        this.end = end;
        if (typeof value === 'number' || !(value instanceof Date ? this.plain(dutchDateTime(value), false) : this.plain(value, true))) {
          this.text(csvField(value, this.delimiter, this.decimalComma));
        }
        this.reserve((count - i) * 4 + 2);
        buffer = this.buffer;
        end = this.end;
      }
    }
    buffer[end++] = 0x0d;
    buffer[end++] = 0x0a;
    this.end = end;
  }

  /** The bytes written so far, in a buffer of their own; writing goes on in a new one. */
  take(): Buffer {
    const out = this.buffer.subarray(0, this.end);
    this.buffer = Buffer.allocUnsafe(CSV_CHUNK);
    this.end = 0;
    return out;
  }
}

/**
 * CSV: 'csv' is UTF-8 with commas and decimal points (R, Python, SPSS); 'csv-nl' is what Dutch
 * Excel opens directly: a byte-order mark, semicolons, decimal commas. In both, text that would be
 * taken for a formula is prefixed with an apostrophe. Chunks of UTF-8, each ending at a row's end.
 */
export async function* csvChunks(plan: ExportPlan, variant: 'csv' | 'csv-nl'): AsyncGenerator<Buffer> {
  const nl = variant === 'csv-nl';
  const writer = new CsvWriter(nl ? ';' : ',', nl);
  if (nl) writer.text('\uFEFF');
  writer.row(plan.variables.map((v) => v.name));
  yield writer.take();
  let count = 0;
  for await (const batch of rowBatches(plan)) {
    for (const row of batch) {
      writer.row(row);
      if (++count % 500 === 0) yield writer.take();
    }
  }
  if (writer.length) yield writer.take();
}

function toSavVariable(v: ExportVariable): SavVariable {
  if (v.type === 'datetime') return { type: 'datetime', name: v.name, label: v.label };
  if (v.type === 'string') return { type: 'string', name: v.name, label: v.label, width: Math.min(32767, Math.max(1, v.width ?? 1)), measure: v.measure };
  return { type: 'numeric', name: v.name, label: v.label, measure: v.measure, valueLabels: v.valueLabels, missing: v.missing, decimals: v.decimals };
}

export function savStream(plan: ExportPlan, fileLabel: string): Readable {
  return Readable.from(
    savBatchChunks({ variables: plan.variables.map(toSavVariable), fileLabel, caseCount: plan.caseCount }, rowBatches(plan)),
  );
}

/** The rows of a sheet: the header, then one per response (Excel's limit, XLSX_MAX_ROWS, includes the header). */
export const XLSX_MAX_DATA_ROWS = XLSX_MAX_ROWS - 1;

/**
 * Refuses, with a Dutch message and before anything is written, an export the format cannot hold:
 * XLSX has room for XLSX_MAX_DATA_ROWS rows and XLSX_MAX_COLUMNS columns per sheet (exceljs wrote
 * the rows past it, which Excel then drops with a warning). Routes call it before they audit the
 * export; xlsxStream checks again.
 */
export function checkExportFits(plan: Pick<ExportPlan, 'caseCount' | 'variables'>, format: ExportFormat): void {
  if (format !== 'xlsx') return;
  if (plan.caseCount > XLSX_MAX_DATA_ROWS) {
    throw badRequest(
      'too_many_rows_for_xlsx',
      `Deze export heeft ${plan.caseCount.toLocaleString('nl-NL')} rijen; een Excel-werkblad heeft plaats voor ${XLSX_MAX_DATA_ROWS.toLocaleString('nl-NL')}. Kies CSV of SPSS (.sav).`,
    );
  }
  if (plan.variables.length > XLSX_MAX_COLUMNS) {
    throw badRequest(
      'too_many_columns_for_xlsx',
      `Deze export heeft ${plan.variables.length.toLocaleString('nl-NL')} kolommen; een Excel-werkblad heeft plaats voor ${XLSX_MAX_COLUMNS.toLocaleString('nl-NL')}. Kies CSV of SPSS (.sav).`,
    );
  }
}

const CODEBOOK_COLUMNS: Array<{ key: keyof CodebookRow; header: string; width: number }> = [
  { key: 'name', header: 'Variabele', width: 28 },
  { key: 'label', header: 'Vraag / label', width: 70 },
  { key: 'type', header: 'Type', width: 18 },
  { key: 'values', header: 'Waarden', width: 60 },
  { key: 'missing', header: 'Ontbrekend', width: 30 },
  { key: 'condition', header: 'Gesteld aan', width: 50 },
];

/**
 * XLSX with a data sheet (frozen header row) and a codebook sheet, written as a stream by our own
 * writer (xlsx-writer.ts, issue 21); rows are read only as fast as they are packed and taken.
 * Text is written as text, never as a formula, so no neutraliseFormula here (as with exceljs).
 */
export function xlsxStream(plan: ExportPlan): Readable {
  checkExportFits(plan, 'xlsx');
  return xlsxWorkbook(
    [
      {
        name: 'Data',
        freezeHeader: true,
        columns: plan.variables.map((v) => ({
          header: v.name,
          width: v.type === 'string' ? Math.min(40, Math.max(10, v.width ?? 10)) : v.type === 'datetime' ? 19 : Math.max(8, v.name.length + 2),
          date: v.type === 'datetime',
        })),
        batches: rowBatches(plan),
        // Dates show the Dutch wall-clock time, as in the CSV export.
        wallClock: amsterdamWallMs,
      },
      {
        name: 'Codeboek',
        columns: CODEBOOK_COLUMNS.map(({ header, width }) => ({ header, width })),
        // Made when the writer gets here, after the data: scale statistics measured with the rows
        // (measureFor('xlsx')) are complete only then.
        rows: (function* () {
          for (const r of codebookRows(plan.variables, plan.consent)) yield CODEBOOK_COLUMNS.map(({ key }) => r[key]);
        })(),
      },
    ],
    { creator: 'Meetronde' },
  );
}

export function exportStream(plan: ExportPlan, format: ExportFormat, fileLabel: string): Readable {
  switch (format) {
    case 'csv':
    case 'csv-nl':
      return Readable.from(csvChunks(plan, format));
    case 'xlsx':
      return xlsxStream(plan);
    case 'sav':
      return savStream(plan, fileLabel);
  }
}
