import type ExcelJS from 'exceljs';
import { createInflateRaw } from 'node:zlib';
import { badRequest } from '../errors';
import { UPLOAD_FILE_LIMIT } from '../limits';
import { detectSeparator, tokenizeCsv, type CsvRecordProblem } from './csv';
import { decodeWindows1252 } from './windows-1252';

/**
 * Turns an uploaded file (CSV in any of the encodings DUO and Excel write, or XLSX) into a header
 * and numbered rows of strings. Everything format-specific ends here; the importers only see
 * rows. Files that are not a table at all are refused as a whole with a Dutch message.
 */

/** The same limit as every upload (server/limits.ts); a national DUO list is a few MB. */
export const MAX_FILE_BYTES = UPLOAD_FILE_LIMIT;
/** Longest accepted record; DUO's widest lines are about 400 characters. */
export const MAX_RECORD_CHARS = 20_000;
export const MAX_ROWS = 300_000;
export const MAX_COLUMNS = 300;
/** What an XLSX may unpack to (counted while inflating, not taken from the file); protects against zip bombs. */
export const MAX_XLSX_UNPACKED = 200 * 1024 * 1024;

export type TableEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';
export type TableFormat = 'csv' | 'xlsx';

export type TableRow =
  | { line: number; cells: string[] }
  | { line: number; problem: CsvRecordProblem };

export interface Table {
  format: TableFormat;
  encoding: TableEncoding | null;
  separator: string | null;
  headerLine: number;
  header: string[];
  rows: TableRow[];
}

const PROBLEM_TEXT: Record<CsvRecordProblem, string> = {
  too_long: `regel is te lang (meer dan ${MAX_RECORD_CHARS.toLocaleString('nl-NL')} tekens)`,
  unclosed_quote: 'aanhalingsteken wordt niet afgesloten',
  bad_quote: 'tekst na een afsluitend aanhalingsteken',
};

export function problemText(problem: CsvRecordProblem): string {
  return PROBLEM_TEXT[problem];
}

function startsWith(bytes: Uint8Array, signature: number[]): boolean {
  return signature.every((b, i) => bytes[i] === b);
}

export async function readTable(bytes: Uint8Array): Promise<Table> {
  if (bytes.length === 0) throw badRequest('empty_file', 'Het bestand is leeg.');
  if (bytes.length > MAX_FILE_BYTES) {
    throw badRequest('file_too_large', `Het bestand is groter dan ${MAX_FILE_BYTES / 1024 / 1024} MB.`);
  }
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return readXlsx(bytes);
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0])) {
    throw badRequest('old_excel', 'Oude Excel-bestanden (.xls) worden niet gelezen. Sla het bestand op als .xlsx of als CSV.');
  }
  if (startsWith(bytes, [0x25, 0x50, 0x44, 0x46]) || startsWith(bytes, [0x89, 0x50, 0x4e, 0x47]) || startsWith(bytes, [0x1f, 0x8b])) {
    throw badRequest('not_a_table', 'Dit is geen CSV- of Excel-bestand.');
  }
  const { text, encoding } = decode(bytes);
  assertText(text);
  const separator = detectSeparator(text);
  let header: string[] | null = null;
  let headerLine = 0;
  const rows: TableRow[] = [];
  for (const item of tokenizeCsv(text, { separator, maxRecordChars: MAX_RECORD_CHARS })) {
    if ('problem' in item) {
      if (!header) throw badRequest('bad_header', `De kopregel kan niet worden gelezen: ${PROBLEM_TEXT[item.problem]}.`);
      rows.push(item);
    } else if (!header) {
      header = item.fields;
      headerLine = item.line;
    } else {
      if (item.fields.every((f) => f.trim() === '')) continue;
      rows.push({ line: item.line, cells: item.fields });
    }
    if (rows.length > MAX_ROWS) throw badRequest('too_many_rows', `Het bestand heeft meer dan ${MAX_ROWS.toLocaleString('nl-NL')} regels.`);
  }
  if (!header) throw badRequest('empty_file', 'Het bestand is leeg.');
  if (header.length > MAX_COLUMNS) throw badRequest('too_many_columns', `De kopregel heeft meer dan ${MAX_COLUMNS} kolommen.`);
  return { format: 'csv', encoding, separator, header, headerLine, rows };
}

/**
 * UTF-8 (with or without BOM) when the bytes are valid UTF-8, UTF-16 when a BOM says so, and
 * otherwise Windows-1252, which DUO's classic files use ("ANSI").
 */
export function decode(bytes: Uint8Array): { text: string; encoding: TableEncoding } {
  if (startsWith(bytes, [0xff, 0xfe])) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (startsWith(bytes, [0xfe, 0xff])) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  const bom = startsWith(bytes, [0xef, 0xbb, 0xbf]);
  const body = bom ? bytes.subarray(3) : bytes;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), encoding: bom ? 'utf-8-bom' : 'utf-8' };
  } catch {
    return { text: decodeWindows1252(body), encoding: 'windows-1252' };
  }
}

/** Refuses binary content: NUL bytes, or many control characters in the first 64 kB. */
function assertText(text: string): void {
  const sample = text.slice(0, 64 * 1024);
  let control = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) control += 1000;
    else if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || (c >= 0x7f && c < 0xa0) || c === 0xfffd) control++;
  }
  if (control > Math.max(8, sample.length / 200)) {
    throw badRequest('not_a_table', 'Dit bestand is geen tekstbestand (CSV) of Excel-bestand.');
  }
}

/** Where a zip's central directory starts and how many entries it lists; null for a damaged or zip64 file. */
function centralDirectory(bytes: Uint8Array): { view: DataView; entries: number; offset: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: signature 0x06054b50 within the last 64 kB + 22 bytes.
  const lowest = Math.max(0, bytes.length - 65_557);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= lowest; i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const entries = view.getUint16(eocd + 10, true);
  const offset = view.getUint32(eocd + 16, true);
  if (entries === 0xffff || offset === 0xffffffff) return null; // zip64: not what Excel writes
  return { view, entries, offset };
}

/** What the central directory says of one entry of a zip. */
interface ZipEntry {
  /** 0 stored, 8 deflated. */
  method: number;
  packedSize: number;
  unpackedSize: number;
  /** Where the entry's local header starts. */
  localHeader: number;
}

/**
 * The entries of a zip's central directory, in order, read as they are needed; a null means the
 * directory cannot be read (damaged, or zip64) and ends the list.
 */
function* zipEntries(bytes: Uint8Array): Generator<ZipEntry | null> {
  const directory = centralDirectory(bytes);
  if (!directory) {
    yield null;
    return;
  }
  const { view, entries } = directory;
  let offset = directory.offset;
  for (let n = 0; n < entries; n++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== 0x02014b50) {
      yield null;
      return;
    }
    yield {
      method: view.getUint16(offset + 10, true),
      packedSize: view.getUint32(offset + 20, true),
      unpackedSize: view.getUint32(offset + 24, true),
      localHeader: view.getUint32(offset + 42, true),
    };
    offset += 46 + view.getUint16(offset + 28, true) + view.getUint16(offset + 30, true) + view.getUint16(offset + 32, true);
  }
}

/** Sum of the uncompressed sizes in a zip's central directory; null when it cannot be read. */
export function zipUnpackedSize(bytes: Uint8Array): number | null {
  let total = 0;
  for (const entry of zipEntries(bytes)) {
    if (entry === null || entry.unpackedSize === 0xffffffff) return null;
    total += entry.unpackedSize;
  }
  return total;
}

/** Inflates one deflated entry, counting (not keeping) what comes out; stops once past `budget`. */
function inflatedLength(data: Uint8Array, budget: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflater = createInflateRaw();
    let total = 0;
    let stopped = false;
    inflater.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > budget && !stopped) {
        stopped = true;
        inflater.destroy();
        resolve(total);
      }
    });
    inflater.on('end', () => resolve(total));
    inflater.on('error', (error) => {
      if (!stopped) reject(error);
    });
    inflater.end(data);
  });
}

/**
 * What the entries of a zip really unpack to, whatever sizes the file declares: every entry is
 * inflated as a stream and counted, and the count stops as soon as the total passes `limit`.
 * Returns the total (a number above `limit` means "too large"), or null for a zip that cannot
 * be read (damaged, zip64, or a compression Excel does not use).
 */
export async function zipInflatedSize(bytes: Uint8Array, limit: number): Promise<number | null> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let total = 0;
  for (const entry of zipEntries(bytes)) {
    if (entry === null) return null;
    const { method, packedSize: compressed, localHeader: local } = entry;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) return null;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    // The declared compressed size says how much an unpacker reads; it cannot read past the file.
    const data = bytes.subarray(start, Math.min(bytes.length, start + compressed));
    if (method === 0) total += data.length;
    else if (method === 8) {
      try {
        total += await inflatedLength(data, limit - total);
      } catch {
        return null;
      }
    } else return null;
    if (total > limit) return total;
  }
  return total;
}

async function readXlsx(bytes: Uint8Array): Promise<Table> {
  // First what the file claims (cheap), then what it really unpacks to (a zip can lie).
  const declared = zipUnpackedSize(bytes);
  if (declared === null) throw badRequest('not_a_table', 'Dit Excel-bestand kan niet worden gelezen.');
  if (declared > MAX_XLSX_UNPACKED) throw badRequest('file_too_large', 'Dit Excel-bestand is uitgepakt te groot.');
  const unpacked = await zipInflatedSize(bytes, MAX_XLSX_UNPACKED);
  if (unpacked === null) throw badRequest('not_a_table', 'Dit Excel-bestand kan niet worden gelezen.');
  if (unpacked > MAX_XLSX_UNPACKED) throw badRequest('file_too_large', 'Dit Excel-bestand is uitgepakt te groot.');
  // Loaded on first use: exceljs is large and only XLSX uploads need it.
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  try {
    // exceljs declares its own Buffer type (an ArrayBuffer); a Node Buffer is what it reads.
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  } catch {
    throw badRequest('not_a_table', 'Dit Excel-bestand kan niet worden gelezen.');
  }
  const sheet = workbook.worksheets.find((ws) => ws.actualRowCount > 0);
  if (!sheet) throw badRequest('empty_file', 'Het Excel-bestand bevat geen gegevens.');
  let header: string[] | null = null;
  let headerLine = 0;
  const rows: TableRow[] = [];
  let tooWide = false;
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (row.cellCount > MAX_COLUMNS) {
      tooWide = true;
      return;
    }
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellText(row.getCell(c)));
    if (cells.every((v) => v.trim() === '')) return;
    if (!header) {
      header = cells;
      headerLine = rowNumber;
    } else {
      rows.push({ line: rowNumber, cells });
    }
  });
  if (tooWide) throw badRequest('too_many_columns', `Het Excel-bestand heeft meer dan ${MAX_COLUMNS} kolommen.`);
  if (!header) throw badRequest('empty_file', 'Het Excel-bestand bevat geen gegevens.');
  if (rows.length > MAX_ROWS) throw badRequest('too_many_rows', `Het bestand heeft meer dan ${MAX_ROWS.toLocaleString('nl-NL')} regels.`);
  // Excel keeps no trailing empty cells (or keeps formatted empty ones): fit rows to the header
  // so that only real extra values count as a wrong number of columns.
  const width = (header as string[]).length;
  for (const row of rows) {
    if (!('cells' in row)) continue;
    while (row.cells.length < width) row.cells.push('');
    while (row.cells.length > width && row.cells.at(-1)!.trim() === '') row.cells.pop();
  }
  return { format: 'xlsx', encoding: null, separator: null, header, headerLine, rows };
}

/**
 * The text of a cell as the admin sees it. A formula counts as its own text (`=…`), not as its
 * cached result, so that a formula in a list is noticed instead of silently evaluated.
 */
function cellText(cell: ExcelJS.Cell): string {
  const value = cell.value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && 'formula' in value && typeof value.formula === 'string') return `=${value.formula}`;
  if (typeof value === 'object' && 'sharedFormula' in value) return '=';
  if (typeof value === 'number') return String(value);
  try {
    return cell.text ?? '';
  } catch {
    return '';
  }
}
