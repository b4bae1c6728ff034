import ExcelJS from 'exceljs';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { savBatchChunks, type SavVariable } from './sav-writer';
import { rowBatches, type ExportPlan, type ExportValue, type ExportVariable } from './export';
import { codebookRows } from './codebook';
import { neutraliseFormula } from '../spreadsheet';
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

/** A Date whose UTC fields hold the Dutch wall-clock time (spreadsheets have no time zones). */
function wallClockDate(date: Date): Date {
  return new Date(amsterdamWallMs(date));
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
    if (guard && length > 0) {
      const first = text.charCodeAt(0);
      // neutraliseFormula's starts: = + - @ tab CR.
      if (first === 0x3d || first === 0x2b || first === 0x2d || first === 0x40 || first === 0x09 || first === 0x0d) return false;
    }
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

/**
 * Where exceljs writes a sheet's XML on its way to the zip: the sheet stream (exceljs's StreamBuf)
 * hands each full buffer to this stream without waiting for it, so while zlib packs more slowly
 * than rows arrive, the rows pile up here (issue 21: 100,000 rows peaked at 479 MB on a quiet
 * machine, where PostgreSQL delivers them fastest). An exceljs 4.4 internal (archiver's
 * readable-stream PassThrough); tests/unit/xlsx-backpressure.test.ts fails if an upgrade moves it.
 */
export function sheetInput(sheet: ExcelJS.Worksheet): SheetInput | undefined {
  const first = (sheet as unknown as { _stream?: { pipes?: unknown[] } })._stream?.pipes?.[0] as Partial<SheetInput> | undefined;
  // archiver's PassThrough comes from readable-stream, not node:stream: its own writable state.
  return typeof first?.once === 'function' && typeof first._writableState?.needDrain === 'boolean' ? (first as SheetInput) : undefined;
}

/** The part of exceljs's sheet input the export reads: whether its last write was over its limit, and the 'drain' that follows. */
export interface SheetInput {
  _writableState: { needDrain: boolean; length: number };
  once(event: 'drain', listener: () => void): unknown;
}

/** XLSX with a data sheet and a codebook sheet, written as a stream; rows are read only as fast as they are packed and taken. */
export function xlsxStream(plan: ExportPlan): Readable {
  const output = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Meetronde';
  const write = async () => {
    const data = workbook.addWorksheet('Data', { views: [{ state: 'frozen', ySplit: 1 }] });
    data.columns = plan.variables.map((v) => ({
      header: v.name,
      key: v.name,
      width: v.type === 'string' ? Math.min(40, Math.max(10, v.width ?? 10)) : v.type === 'datetime' ? 19 : Math.max(8, v.name.length + 2),
      style: v.type === 'datetime' ? { numFmt: 'dd-mm-yyyy hh:mm:ss' } : {},
    }));
    // One style object per column, shared by all its cells: exceljs gives every cell a style
    // object of its own, and turning each into a style id (a lookup keyed by the object) was the
    // largest cost of an XLSX export (bench/export.ts).
    const styles = plan.variables.map((v) => (v.type === 'datetime' ? { numFmt: 'dd-mm-yyyy hh:mm:ss' } : {}));
    let count = 0;
    for await (const row of plan.rows()) {
      const added = data.addRow(row.map((v) => (v instanceof Date ? wallClockDate(v) : v)));
      added.eachCell({ includeEmpty: true }, (cell, column) => {
        cell.style = styles[column - 1] ?? {};
      });
      added.commit();
      if (++count % 1000 === 0) {
        if (output.writableNeedDrain) await once(output, 'drain');
        const input = sheetInput(data);
        if (input?._writableState.needDrain) await new Promise<void>((resolve) => input.once('drain', resolve));
      }
    }
    data.commit();
    const book = workbook.addWorksheet('Codeboek');
    const rows = codebookRows(plan.variables, plan.consent);
    book.columns = [
      { header: 'Variabele', key: 'name', width: 28 },
      { header: 'Vraag / label', key: 'label', width: 70 },
      { header: 'Type', key: 'type', width: 18 },
      { header: 'Waarden', key: 'values', width: 60 },
      { header: 'Ontbrekend', key: 'missing', width: 30 },
      { header: 'Gesteld aan', key: 'condition', width: 50 },
    ];
    for (const r of rows) book.addRow(r).commit();
    book.commit();
    await workbook.commit();
  };
  write().catch((error: unknown) => output.destroy(error as Error));
  return output;
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
