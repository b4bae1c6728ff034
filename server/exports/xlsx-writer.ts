import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { crc32, createDeflateRaw, type DeflateRaw } from 'node:zlib';

/**
 * A small streaming XLSX writer for the response export (issue 21): exceljs's WorkbookWriter spent
 * most of an export on its XML building, a style object per cell and zlib on the main thread.
 * This one writes only what the export needs (inline strings, numbers, date-times with one
 * number format, a frozen header row, column widths) straight into a zip whose deflate runs in
 * libuv's thread pool, so a second core packs one chunk while JavaScript builds the next.
 *
 * Rows are pulled from their source only as fast as the reader takes the file: every write waits
 * for the deflate stream, which waits for the output, whose reader is the HTTP reply.
 *
 * What a cell holds:
 * - a string: an inline string, XML-escaped; characters XML 1.0 forbids (C0 controls other than
 *   tab, LF and CR, DEL as exceljs did, U+FFFE/U+FFFF) are dropped and lone surrogates become
 *   U+FFFD, so the file always opens. A reader sees CR and CRLF as LF (XML's line-end rule), as
 *   with exceljs. Text longer than Excel's cell limit of 32,767 characters is cut there (Excel
 *   refuses or "repairs" a longer cell; exceljs wrote it whole). Text is never a formula.
 * - a finite number: `<v>`; NaN and infinities are left out like null.
 * - a Date: the Excel serial number of the time the sheet's `wallClock` gives for it (by default
 *   its UTC time), styled `dd-mm-yyyy hh:mm:ss`; an invalid Date is left out.
 * - null or undefined: no cell at all.
 */

export type XlsxValue = string | number | Date | null | undefined;

export interface XlsxColumn {
  header: string;
  /** Width in characters, as Excel's column width. */
  width: number;
  /** A date-time column: its header cell and the column default carry the date style. */
  date?: boolean;
}

export interface XlsxSheet {
  name: string;
  columns: XlsxColumn[];
  /** Keep the header row in view while scrolling. */
  freezeHeader?: boolean;
  /**
   * The rows, one at a time or (`batches`) in arrays of rows: a source that reads in batches, as
   * the export's cursor does, saves an asynchronous step per row (issue 21). One of the two.
   */
  rows?: AsyncIterable<XlsxValue[]> | Iterable<XlsxValue[]>;
  batches?: AsyncIterable<readonly XlsxValue[][]>;
  /**
   * The time a Date shows, as milliseconds whose UTC fields are that time (spreadsheets have no
   * time zones); by default the Date's UTC time. The export passes the Dutch wall-clock time.
   */
  wallClock?: (date: Date) => number;
}

export interface XlsxOptions {
  /** docProps/core.xml's creator. */
  creator?: string;
  /** zlib deflate level, 1 (fastest) to 9; see DEFAULT_LEVEL. */
  level?: number;
  /**
   * Sizes and offsets at or above this are written as ZIP64. Only tests lower it (to check the
   * ZIP64 records on a small file); the zip format's own limit is 0xFFFFFFFF.
   */
  zip64From?: number;
}

/** Excel's limits: rows per sheet (the header included) and characters per cell. */
export const XLSX_MAX_ROWS = 1_048_576;
export const XLSX_MAX_CELL_TEXT = 32_767;
export const XLSX_MAX_COLUMNS = 16_384;

/**
 * Level 1: the row XML repeats itself so much that level 1 already packs 100,000 responses to
 * about a tenth of the XML, and the higher levels cost the thread pool's core more time than the
 * few per cent of bytes they save (bench/RESULTS.md, issue 21 XLSX writer).
 */
export const DEFAULT_LEVEL = 1;

export class XlsxLimitError extends Error {}

const DATE_STYLE = 1;
const DATE_FORMAT = 'dd-mm-yyyy hh:mm:ss';
/** Days from Excel's day 0 (1899-12-30, with its 1900 leap-year bug) to 1970-01-01. */
const EPOCH_DAYS = 25569;
const DAY_MS = 86_400_000;
/** XML text is handed to zlib in chunks of about this many characters. */
const CHUNK_CHARS = 64 * 1024;

/** The column letters of 1-based column n: 1 → A, 27 → AA, 703 → AAA. */
export function columnLetters(n: number): string {
  let letters = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) letters = String.fromCharCode(65 + ((k - 1) % 26)) + letters;
  return letters;
}

// What needs work in a text: markup, characters XML 1.0 forbids, and surrogates (checked in pairs).
const NEEDS_WORK = /[<>&\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uD800-\uDFFF\uFFFE\uFFFF]/;
const WORK = /[<>&\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF]|[\uD800-\uDFFF]/g;

function replaceOne(match: string): string {
  switch (match) {
    case '<':
      return '&lt;';
    case '>':
      return '&gt;';
    case '&':
      return '&amp;';
  }
  if (match.length === 2) return match; // a well-formed surrogate pair: one character beyond U+FFFF
  const code = match.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdfff ? '\uFFFD' : '';
}

/** Text as the content of an XML element: escaped, forbidden characters dropped, at most Excel's cell limit. */
export function xmlText(text: string): string {
  let cut = text;
  if (cut.length > XLSX_MAX_CELL_TEXT) {
    // Cut first (in UTF-16 code units, as Excel counts), never through a surrogate pair.
    const end = XLSX_MAX_CELL_TEXT - (isHighSurrogate(cut.charCodeAt(XLSX_MAX_CELL_TEXT - 1)) ? 1 : 0);
    cut = cut.slice(0, end);
  }
  return NEEDS_WORK.test(cut) ? cut.replace(WORK, replaceOne) : cut;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Text for an attribute value (sheet names, headers of the workbook files). */
function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;');
}

// --- Workbook parts ----------------------------------------------------------------------------

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const NS_PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';

function contentTypes(sheetCount: number): string {
  let sheets = '';
  for (let i = 1; i <= sheetCount; i++) {
    sheets += `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`;
  }
  return (
    XML_HEAD +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    sheets +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
    '</Types>'
  );
}

const ROOT_RELS =
  XML_HEAD +
  `<Relationships xmlns="${NS_PKG_REL}">` +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>' +
  '</Relationships>';

function coreProperties(creator: string): string {
  return (
    XML_HEAD +
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
    `<dc:creator>${xmlText(creator)}</dc:creator>` +
    '</cp:coreProperties>'
  );
}

function workbookXml(sheets: XlsxSheet[]): string {
  const entries = sheets.map((s, i) => `<sheet name="${xmlAttribute(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('');
  return XML_HEAD + `<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}"><bookViews><workbookView/></bookViews><sheets>${entries}</sheets></workbook>`;
}

function workbookRels(sheetCount: number): string {
  let rels = '';
  for (let i = 1; i <= sheetCount; i++) {
    rels += `<Relationship Id="rId${i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i}.xml"/>`;
  }
  rels += `<Relationship Id="rId${sheetCount + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`;
  return XML_HEAD + `<Relationships xmlns="${NS_PKG_REL}">${rels}</Relationships>`;
}

/** Style 0 is the default; style 1 (DATE_STYLE) the date-time format. */
const STYLES =
  XML_HEAD +
  `<styleSheet xmlns="${NS_MAIN}">` +
  `<numFmts count="1"><numFmt numFmtId="164" formatCode="${DATE_FORMAT}"/></numFmts>` +
  '<fonts count="1"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';

function sheetHead(sheet: XlsxSheet): string {
  const view = sheet.freezeHeader
    ? '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
    : '<sheetViews><sheetView workbookViewId="0"/></sheetViews>';
  const cols = sheet.columns
    .map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width}" customWidth="1"${c.date ? ` style="${DATE_STYLE}"` : ''}/>`)
    .join('');
  return XML_HEAD + `<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">${view}<sheetFormatPr defaultRowHeight="15"/>${cols ? `<cols>${cols}</cols>` : ''}<sheetData>`;
}

const SHEET_TAIL = '</sheetData></worksheet>';

/**
 * A sheet's XML in chunks of about CHUNK_CHARS: the head, the header row, the rows, the tail.
 * Fails (XlsxLimitError) once a row would go past Excel's last row: a file that silently lost
 * rows would be worse than a failed download (callers check the count first).
 */
/** A sheet's rows in batches, whichever way it gives them. */
async function* sheetBatches(sheet: XlsxSheet): AsyncGenerator<readonly XlsxValue[][]> {
  if (sheet.batches) {
    yield* sheet.batches;
    return;
  }
  for await (const row of sheet.rows ?? []) yield [row];
}

async function* sheetXml(sheet: XlsxSheet): AsyncGenerator<string> {
  const columns = sheet.columns;
  const wallClock = sheet.wallClock ?? ((date: Date) => date.getTime());
  if (columns.length > XLSX_MAX_COLUMNS) throw new XlsxLimitError(`${columns.length} columns do not fit a sheet`);
  const refs = columns.map((_, i) => `<c r="${columnLetters(i + 1)}`);
  // Cells beyond the declared columns (a row longer than the header) still get a reference.
  const ref = (i: number) => refs[i] ?? (refs[i] = `<c r="${columnLetters(i + 1)}`);
  let xml = sheetHead(sheet) + '<row r="1">';
  for (let i = 0; i < columns.length; i++) {
    xml += `${refs[i]}1"${columns[i]!.date ? ` s="${DATE_STYLE}"` : ''} t="inlineStr"><is><t xml:space="preserve">${xmlText(columns[i]!.header)}</t></is></c>`;
  }
  xml += '</row>';
  let r = 1;
  for await (const batch of sheetBatches(sheet)) for (const row of batch) {
    if (++r > XLSX_MAX_ROWS) throw new XlsxLimitError(`more than ${XLSX_MAX_ROWS - 1} rows do not fit a sheet`);
    const n = String(r);
    xml += `<row r="${n}">`;
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (v === null || v === undefined) continue;
      if (typeof v === 'number') {
        if (Number.isFinite(v)) xml += `${ref(i)}${n}"><v>${v}</v></c>`;
      } else if (typeof v === 'string') {
        xml += `${ref(i)}${n}" t="inlineStr"><is><t xml:space="preserve">${xmlText(v)}</t></is></c>`;
      } else if (v instanceof Date) {
        const ms = wallClock(v);
        if (Number.isFinite(ms)) xml += `${ref(i)}${n}" s="${DATE_STYLE}"><v>${EPOCH_DAYS + ms / DAY_MS}</v></c>`;
      }
    }
    xml += '</row>';
    if (xml.length >= CHUNK_CHARS) {
      yield xml;
      xml = '';
    }
  }
  yield xml + SHEET_TAIL;
}

// --- Zip -----------------------------------------------------------------------------------------

/** 1980-01-01 00:00, the first moment a zip can name: the file is the same whenever it is written. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const METHOD_DEFLATE = 8;

interface ZipRecord {
  name: Buffer;
  crc: number;
  packed: number;
  unpacked: number;
  offset: number;
}

function localHeader(name: Buffer): Buffer {
  const b = Buffer.alloc(30 + name.length);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(20, 4); // version needed: 2.0 (deflate); sizes come in the data descriptor
  b.writeUInt16LE(FLAG_DATA_DESCRIPTOR, 6);
  b.writeUInt16LE(METHOD_DEFLATE, 8);
  b.writeUInt16LE(DOS_TIME, 10);
  b.writeUInt16LE(DOS_DATE, 12);
  // crc, sizes: 0 here, in the data descriptor after the data
  b.writeUInt16LE(name.length, 26);
  b.writeUInt16LE(0, 28);
  name.copy(b, 30);
  return b;
}

/** The data descriptor after an entry's data: 64-bit sizes when either needs them (as archiver, exceljs's zip, does). */
function dataDescriptor(record: ZipRecord, zip64From: number): Buffer {
  const wide = record.packed >= zip64From || record.unpacked >= zip64From;
  const b = Buffer.alloc(wide ? 24 : 16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(record.crc, 4);
  if (wide) {
    b.writeBigUInt64LE(BigInt(record.packed), 8);
    b.writeBigUInt64LE(BigInt(record.unpacked), 16);
  } else {
    b.writeUInt32LE(record.packed, 8);
    b.writeUInt32LE(record.unpacked, 12);
  }
  return b;
}

function centralHeader(record: ZipRecord, zip64From: number): Buffer {
  // ZIP64 extra field: the values that do not fit 32 bits, in this order.
  const wide = [record.unpacked, record.packed, record.offset].map((v) => v >= zip64From);
  const extraValues = [record.unpacked, record.packed, record.offset].filter((_, i) => wide[i]);
  const extraLength = extraValues.length ? 4 + 8 * extraValues.length : 0;
  const b = Buffer.alloc(46 + record.name.length + extraLength);
  const version = extraValues.length ? 45 : 20;
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(version, 4); // made by: MS-DOS attributes, this version
  b.writeUInt16LE(version, 6);
  b.writeUInt16LE(FLAG_DATA_DESCRIPTOR, 8);
  b.writeUInt16LE(METHOD_DEFLATE, 10);
  b.writeUInt16LE(DOS_TIME, 12);
  b.writeUInt16LE(DOS_DATE, 14);
  b.writeUInt32LE(record.crc, 16);
  b.writeUInt32LE(wide[1] ? 0xffffffff : record.packed, 20);
  b.writeUInt32LE(wide[0] ? 0xffffffff : record.unpacked, 24);
  b.writeUInt16LE(record.name.length, 28);
  b.writeUInt16LE(extraLength, 30);
  // comment length, disk, internal and external attributes: 0
  b.writeUInt32LE(wide[2] ? 0xffffffff : record.offset, 42);
  record.name.copy(b, 46);
  if (extraLength) {
    let at = 46 + record.name.length;
    b.writeUInt16LE(0x0001, at);
    b.writeUInt16LE(8 * extraValues.length, at + 2);
    at += 4;
    for (const v of extraValues) {
      b.writeBigUInt64LE(BigInt(v), at);
      at += 8;
    }
  }
  return b;
}

function endRecords(count: number, directoryOffset: number, directorySize: number, zip64From: number): Buffer {
  const wide = count >= 0xffff || directoryOffset >= zip64From || directorySize >= zip64From;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(wide ? 0xffff : count, 8);
  end.writeUInt16LE(wide ? 0xffff : count, 10);
  end.writeUInt32LE(wide ? 0xffffffff : directorySize, 12);
  end.writeUInt32LE(wide ? 0xffffffff : directoryOffset, 16);
  if (!wide) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4); // size of the rest of this record
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  // this disk, the directory's disk: 0
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(directorySize), 40);
  record.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
}

/**
 * The workbook as a readable stream of a zip. An error of a row source (or of a limit) destroys
 * the stream with that error; a reader that goes away stops the writing and ends the row sources.
 */
export function xlsxWorkbook(sheets: XlsxSheet[], options: XlsxOptions = {}): Readable {
  const output = new PassThrough();
  const level = options.level ?? DEFAULT_LEVEL;
  const zip64From = options.zip64From ?? 0xffffffff;
  // Every wait below ends when the reader goes away (or the output fails), so no row source is left open.
  const gone = new AbortController();
  output.once('close', () => gone.abort(new Error('the XLSX output was closed before the workbook was written')));
  const { signal } = gone;
  let offset = 0;
  const records: ZipRecord[] = [];

  const put = async (bytes: Buffer) => {
    offset += bytes.length;
    if (!output.write(bytes)) await once(output, 'drain', { signal });
  };

  const entry = async (path: string, parts: AsyncIterable<string> | Iterable<string>) => {
    const name = Buffer.from(path, 'utf8');
    const record: ZipRecord = { name, crc: 0, packed: 0, unpacked: 0, offset };
    records.push(record);
    await put(localHeader(name));
    // Deflate runs in the thread pool; its input holds up to a few chunks, so the next chunk is
    // built while the last one is packed. Its output goes to ours with the reader's backpressure.
    // (zlib streams pass stream options on to their Transform; @types/node's ZlibOptions omits them.)
    const deflate: DeflateRaw = createDeflateRaw({ level, chunkSize: 64 * 1024, ...{ writableHighWaterMark: 4 * CHUNK_CHARS } });
    deflate.on('data', (chunk: Buffer) => {
      record.packed += chunk.length;
    });
    deflate.pipe(output, { end: false });
    const ended = once(deflate, 'end', { signal });
    ended.catch(() => {}); // awaited below; an early failure is reported where it happens
    try {
      for await (const part of parts) {
        const bytes = Buffer.from(part, 'utf8');
        record.crc = crc32(bytes, record.crc);
        record.unpacked += bytes.length;
        if (!deflate.write(bytes)) await once(deflate, 'drain', { signal });
      }
      deflate.end();
      await ended;
    } catch (error) {
      deflate.unpipe(output);
      deflate.destroy();
      throw error;
    }
    deflate.unpipe(output);
    offset += record.packed;
    await put(dataDescriptor(record, zip64From));
  };

  const write = async () => {
    await entry('[Content_Types].xml', [contentTypes(sheets.length)]);
    await entry('_rels/.rels', [ROOT_RELS]);
    await entry('docProps/core.xml', [coreProperties(options.creator ?? '')]);
    await entry('xl/workbook.xml', [workbookXml(sheets)]);
    await entry('xl/_rels/workbook.xml.rels', [workbookRels(sheets.length)]);
    await entry('xl/styles.xml', [STYLES]);
    for (let i = 0; i < sheets.length; i++) await entry(`xl/worksheets/sheet${i + 1}.xml`, sheetXml(sheets[i]!));
    const directoryOffset = offset;
    const directory = Buffer.concat(records.map((r) => centralHeader(r, zip64From)));
    await put(directory);
    await put(endRecords(records.length, directoryOffset, directory.length, zip64From));
    output.end();
  };
  write().catch((error: unknown) => output.destroy(error as Error));
  return output;
}
