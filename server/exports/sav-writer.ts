/**
 * A small writer for SPSS system files (.sav), after the format description in the GNU PSPP
 * developers' guide ("System File Format"). It writes what our exports need and nothing more:
 * numeric, date-time and string variables (also "very long" strings over 255 bytes), variable
 * labels, value labels on numeric variables, up to three discrete user-missing values,
 * measurement levels, long variable names, UTF-8 text, and bytecode-compressed cases. Cases are
 * streamed: the writer yields Buffers and never holds more than one block of cases.
 */

import { amsterdamWallMs } from '../time';

export type SavMeasure = 'nominal' | 'ordinal' | 'scale';

export interface SavNumericVariable {
  type: 'numeric';
  name: string;
  label?: string;
  /** Display/print format F<width>.<decimals>; defaults F8.0. */
  width?: number;
  decimals?: number;
  measure: SavMeasure;
  valueLabels?: ReadonlyArray<readonly [number, string]>;
  /** Up to three discrete user-missing values (e.g. -9 "niet gevraagd", -8 "geen antwoord"). */
  missing?: readonly number[];
}

export interface SavStringVariable {
  type: 'string';
  name: string;
  label?: string;
  /** Width in bytes (UTF-8), 1..32767. Longer values are cut at a character boundary. */
  width: number;
  measure: SavMeasure;
}

export interface SavDateTimeVariable {
  type: 'datetime';
  name: string;
  label?: string;
  measure?: 'scale';
}

export type SavVariable = SavNumericVariable | SavStringVariable | SavDateTimeVariable;
/** A case value: number (numeric), string (string), Date (datetime); null is system-missing/empty. */
export type SavValue = number | string | Date | null | undefined;

export interface SavDictionary {
  variables: readonly SavVariable[];
  fileLabel?: string;
  /** Known number of cases, or undefined to write -1 (allowed by the format). */
  caseCount?: number;
  /** Creation time written in the header (tests pass a fixed one). */
  createdAt?: Date;
}

export class SavError extends Error {}

const SYSMIS = -Number.MAX_VALUE;
const HIGHEST = Number.MAX_VALUE;
const LOWEST = -1.7976931348623155e308; // the largest double below -DBL_MAX's neighbour
const BIAS = 100;
/** Seconds from the SPSS epoch (1582-10-14) to the Unix epoch. */
const SPSS_EPOCH_OFFSET = 12219379200;
const FORMAT = { A: 1, F: 5, DATETIME: 22 } as const;
const MEASURE = { nominal: 1, ordinal: 2, scale: 3 } as const;

const encoder = new TextEncoder();

/** SPSS-safe long name: letter first, then letters, digits, _ . @ # $; at most 64 bytes. */
export function isValidSavName(name: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_.@#$]*$/.test(name) && !name.endsWith('.') && encoder.encode(name).length <= 64 && !RESERVED.has(name.toUpperCase());
}
const RESERVED = new Set(['ALL', 'AND', 'BY', 'EQ', 'GE', 'GT', 'LE', 'LT', 'NE', 'NOT', 'OR', 'TO', 'WITH']);

/** Cuts a UTF-8 string to at most `maxBytes` bytes without splitting a character. */
export function utf8Truncate(value: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so a multi-byte character stays whole.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** A string variable of width w is stored in segments: one per 252 bytes, each ≤ 255 wide. */
function segmentWidths(width: number): number[] {
  if (width <= 255) return [width];
  const n = Math.ceil(width / 252);
  return [...Array<number>(n - 1).fill(255), width - (n - 1) * 252];
}

const slots = (width: number) => Math.ceil(width / 8);

interface Layout {
  variable: SavVariable;
  shortNames: string[];
  /** Widths of the segments (strings) or [0] (numeric). */
  segments: number[];
  /** 1-based dictionary index of the first slot. */
  index: number;
}

class Buf {
  private parts: Buffer[] = [];
  int32(...values: number[]) {
    const b = Buffer.alloc(4 * values.length);
    values.forEach((v, i) => b.writeInt32LE(v, i * 4));
    this.parts.push(b);
    return this;
  }
  float64(...values: number[]) {
    const b = Buffer.alloc(8 * values.length);
    values.forEach((v, i) => b.writeDoubleLE(v, i * 8));
    this.parts.push(b);
    return this;
  }
  bytes(b: Buffer | Uint8Array) {
    this.parts.push(Buffer.from(b));
    return this;
  }
  /** `value` as bytes, space-padded (or cut) to exactly `length`. */
  padded(value: string | Buffer, length: number, pad = 0x20) {
    const src = typeof value === 'string' ? utf8Truncate(value, length) : value.subarray(0, length);
    const b = Buffer.alloc(length, pad);
    src.copy(b);
    this.parts.push(b);
    return this;
  }
  done() {
    return Buffer.concat(this.parts);
  }
}

function shortNameFrom(name: string, taken: Set<string>): string {
  let base = name.toUpperCase().replace(/[^A-Z0-9_@#$]/g, '');
  if (!/^[A-Z@]/.test(base)) base = 'V' + base;
  base = base.slice(0, 8);
  if (!taken.has(base) && !RESERVED.has(base)) {
    taken.add(base);
    return base;
  }
  for (let i = 1; ; i++) {
    const suffix = String(i);
    const candidate = base.slice(0, 8 - suffix.length) + suffix;
    if (!taken.has(candidate)) {
      taken.add(candidate);
      return candidate;
    }
  }
}

function layout(variables: readonly SavVariable[]): Layout[] {
  const taken = new Set<string>();
  const longNames = new Set<string>();
  let index = 1;
  return variables.map((variable) => {
    if (!isValidSavName(variable.name)) throw new SavError(`Ongeldige SPSS-variabelenaam: "${variable.name}"`);
    const upper = variable.name.toUpperCase();
    if (longNames.has(upper)) throw new SavError(`Dubbele SPSS-variabelenaam: "${variable.name}"`);
    longNames.add(upper);
    let segments: number[];
    if (variable.type === 'string') {
      if (!Number.isInteger(variable.width) || variable.width < 1 || variable.width > 32767) {
        throw new SavError(`Ongeldige breedte ${variable.width} voor "${variable.name}"`);
      }
      segments = segmentWidths(variable.width);
    } else {
      segments = [0];
    }
    const shortNames = segments.map(() => shortNameFrom(variable.name, taken));
    const entry: Layout = { variable, shortNames, segments, index };
    index += segments.reduce((sum, w) => sum + (w === 0 ? 1 : slots(w)), 0);
    return entry;
  });
}

function format(variable: SavVariable, segmentWidth: number): number {
  if (variable.type === 'string') return (FORMAT.A << 16) | (Math.min(segmentWidth, 255) << 8);
  if (variable.type === 'datetime') return (FORMAT.DATETIME << 16) | (20 << 8);
  const width = variable.width ?? 8;
  const decimals = variable.decimals ?? 0;
  return (FORMAT.F << 16) | (width << 8) | decimals;
}

function headerRecord(dict: SavDictionary, caseSize: number): Buffer {
  const created = dict.createdAt ?? new Date();
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${two(created.getUTCDate())} ${months[created.getUTCMonth()]} ${two(created.getUTCFullYear() % 100)}`;
  const time = `${two(created.getUTCHours())}:${two(created.getUTCMinutes())}:${two(created.getUTCSeconds())}`;
  return new Buf()
    .padded('$FL2', 4)
    .padded('@(#) SPSS DATA FILE Meetronde', 60)
    .int32(2, caseSize, 1, 0, dict.caseCount ?? -1)
    .float64(BIAS)
    .padded(date, 9)
    .padded(time, 8)
    .padded(dict.fileLabel ?? '', 64)
    .padded('', 3, 0)
    .done();
}

function variableRecords(entry: Layout): Buffer {
  const out = new Buf();
  const v = entry.variable;
  entry.segments.forEach((width, s) => {
    const isFirst = s === 0;
    const label = isFirst && v.label ? utf8Truncate(v.label, 255) : null;
    const missing = isFirst && v.type === 'numeric' && v.missing ? v.missing : [];
    if (missing.length > 3) throw new SavError(`Meer dan drie ontbrekende waarden voor "${v.name}"`);
    const fmt = format(v, width);
    out.int32(2, v.type === 'string' ? width : 0, label ? 1 : 0, missing.length, fmt, fmt);
    out.padded(entry.shortNames[s]!, 8);
    if (label) {
      out.int32(label.length);
      out.padded(label, Math.ceil(label.length / 4) * 4, 0);
    }
    if (missing.length) out.float64(...missing);
    // Continuation records for the rest of this segment's 8-byte slots.
    if (v.type === 'string') {
      for (let c = 1; c < slots(width); c++) out.int32(2, -1, 0, 0, 0, 0).padded('', 8);
    }
  });
  return out.done();
}

function valueLabelRecords(entry: Layout): Buffer {
  const v = entry.variable;
  if (v.type !== 'numeric' || !v.valueLabels?.length) return Buffer.alloc(0);
  const out = new Buf().int32(3, v.valueLabels.length);
  for (const [value, text] of v.valueLabels) {
    const label = utf8Truncate(text, 120);
    out.float64(value);
    const total = Math.ceil((label.length + 1) / 8) * 8;
    const b = Buffer.alloc(total, 0x20);
    b[0] = label.length;
    label.copy(b, 1);
    out.bytes(b);
  }
  out.int32(4, 1, entry.index);
  return out.done();
}

function extension(subtype: number, size: number, data: Buffer): Buffer {
  return new Buf().int32(7, subtype, size, data.length / size).bytes(data).done();
}

function dictionary(dict: SavDictionary, entries: Layout[], caseSize: number): Buffer {
  const parts: Buffer[] = [headerRecord(dict, caseSize)];
  for (const entry of entries) parts.push(variableRecords(entry));
  for (const entry of entries) parts.push(valueLabelRecords(entry));
  // Machine integer info: version 1.0.0, machine -1, IEEE 754, compression 1, little-endian, UTF-8.
  parts.push(extension(3, 4, new Buf().int32(1, 0, 0, -1, 1, 1, 2, 65001).done()));
  parts.push(extension(4, 8, new Buf().float64(SYSMIS, HIGHEST, LOWEST).done()));
  // Display parameters: one set per dictionary variable (every segment counts as a variable).
  const display = new Buf();
  for (const entry of entries) {
    const v = entry.variable;
    const measure = MEASURE[v.measure ?? 'scale'];
    const alignment = v.type === 'string' ? 0 : 1;
    for (const width of entry.segments) {
      const columns = v.type === 'string' ? Math.min(Math.max(width, 8), 40) : v.type === 'datetime' ? 20 : 8;
      display.int32(measure, columns, alignment);
    }
  }
  parts.push(extension(11, 4, display.done()));
  // Long variable names: SHORT=Long, tab-separated.
  const longNames = entries.map((e) => `${e.shortNames[0]}=${e.variable.name}`).join('\t');
  parts.push(extension(13, 1, Buffer.from(longNames, 'utf8')));
  // Very long strings: SHORT=00600 NUL TAB.
  const veryLong = entries.filter((e) => e.variable.type === 'string' && e.segments.length > 1);
  if (veryLong.length) {
    const text = veryLong
      .map((e) => `${e.shortNames[0]}=${String((e.variable as SavStringVariable).width).padStart(5, '0')}\0\t`)
      .join('');
    parts.push(extension(14, 1, Buffer.from(text, 'utf8')));
  }
  parts.push(extension(20, 1, Buffer.from('UTF-8', 'ascii')));
  parts.push(new Buf().int32(999, 0).done());
  return Buffer.concat(parts);
}

/** Seconds since 1582-10-14 of the Dutch wall-clock time of `date` (server/time.ts: Intl once per UTC hour). */
export function spssDateTime(date: Date): number {
  return amsterdamWallMs(date) / 1000 + SPSS_EPOCH_OFFSET;
}

/**
 * Compresses cases into command blocks: 8 command bytes, then the 8-byte literals they announce.
 * Written straight into one growing buffer (issue 21: a Buffer per command and per literal, and
 * their concatenation, were most of the .sav export's own time): `block` is where the open block's
 * command bytes go, `end` where the next literal (or block) goes.
 */
class Compressor {
  private buffer = Buffer.alloc(1 << 16);
  private block = 0;
  private commands = 8; // commands in the open block; 8 means none is open
  private end = 0;

  private reserve(bytes: number) {
    if (this.end + bytes <= this.buffer.length) return;
    const bigger = Buffer.alloc(Math.max(this.buffer.length * 2, this.end + bytes));
    this.buffer.copy(bigger, 0, 0, this.end);
    this.buffer = bigger;
  }

  /** One command byte (a compressed value, a blank slot or system-missing). */
  code(code: number) {
    this.command(code);
  }

  private command(code: number) {
    if (this.commands === 8) {
      this.reserve(8 + 64);
      this.block = this.end;
      this.buffer.fill(0, this.block, this.block + 8);
      this.end += 8;
      this.commands = 0;
    }
    this.buffer[this.block + this.commands++] = code;
  }

  number(value: number | null) {
    if (value === null || !Number.isFinite(value)) return this.command(255);
    if (Number.isInteger(value) && value >= 1 - BIAS && value <= 251 - BIAS) return this.command(value + BIAS);
    this.command(253);
    this.buffer.writeDoubleLE(value, this.end);
    this.end += 8;
  }

  stringSlots(bytes: Buffer, slotCount: number) {
    for (let i = 0; i < slotCount; i++) {
      const from = i * 8;
      const to = Math.min(bytes.length, from + 8);
      let blank = true;
      for (let k = from; k < to; k++) {
        if (bytes[k] !== 0x20) {
          blank = false;
          break;
        }
      }
      if (blank) {
        this.command(254);
        continue;
      }
      this.command(253);
      this.buffer.fill(0x20, this.end, this.end + 8);
      bytes.copy(this.buffer, this.end, from, to);
      this.end += 8;
    }
  }

  blankSlots(slotCount: number) {
    for (let i = 0; i < slotCount; i++) this.command(254);
  }

  /** The finished blocks (with `final`, the open one too, its unused commands 0), as a new Buffer. */
  take(final = false): Buffer {
    const upTo = final || this.commands === 8 ? this.end : this.block;
    const result = Buffer.from(this.buffer.subarray(0, upTo));
    this.buffer.copy(this.buffer, 0, upTo, this.end);
    this.end -= upTo;
    this.block -= upTo;
    if (final) this.commands = 8;
    return result;
  }
}

const NUMERIC = 0;
const DATETIME = 1;
const STRING = 2;

/**
 * Writes cases of one dictionary (issue 21: most of a case is small numeric codes, each one
 * command byte): the variables' types and string slots are read once, not per value.
 */
class CaseEncoder {
  private readonly kinds: Uint8Array;
  private readonly blankSlots: Uint32Array;

  constructor(private readonly entries: Layout[]) {
    this.kinds = Uint8Array.from(entries, (e) => (e.variable.type === 'numeric' ? NUMERIC : e.variable.type === 'datetime' ? DATETIME : STRING));
    this.blankSlots = Uint32Array.from(entries, (e) => (e.variable.type === 'string' ? e.segments.reduce((sum, w) => sum + slots(w), 0) : 0));
  }

  encode(values: readonly SavValue[], compressor: Compressor) {
    const entries = this.entries;
    if (values.length !== entries.length) {
      throw new SavError(`Case has ${values.length} values for ${entries.length} variables`);
    }
    const kinds = this.kinds;
    for (let i = 0; i < entries.length; i++) {
      const value = values[i];
      const kind = kinds[i]!;
      if (kind === NUMERIC) {
        // A small integer is one command byte (what Compressor.number does with it, without the call).
        if (typeof value === 'number' && Number.isInteger(value) && value >= 1 - BIAS && value <= 251 - BIAS) compressor.code(value + BIAS);
        else compressor.number(typeof value === 'number' ? value : value === null || value === undefined ? null : Number(value));
      } else if (kind === DATETIME) {
        compressor.number(value instanceof Date && !Number.isNaN(value.getTime()) ? spssDateTime(value) : null);
      } else {
        const text = value === null || value === undefined ? '' : String(value);
        if (text === '') {
          // Empty (most open answers): every slot of every segment is blank.
          compressor.blankSlots(this.blankSlots[i]!);
          continue;
        }
        const entry = entries[i]!;
        const bytes = utf8Truncate(text, (entry.variable as SavStringVariable).width);
        // Data is packed 255 bytes per segment; each segment occupies its own slots.
        let offset = 0;
        for (const width of entry.segments) {
          const take = width === 255 && entry.segments.length > 1 ? 255 : width;
          compressor.stringSlots(bytes.subarray(offset, offset + take), slots(width));
          offset += take;
        }
      }
    }
  }
}

/** Streams a complete .sav file: the dictionary, then the cases as they come. */
export async function* savChunks(dict: SavDictionary, cases: AsyncIterable<readonly SavValue[]> | Iterable<readonly SavValue[]>): AsyncGenerator<Buffer> {
  async function* oneEach() {
    for await (const values of cases) yield [values];
  }
  yield* savBatchChunks(dict, oneEach());
}

/** savChunks for cases that come in batches (an export's rows as the database hands them): one asynchronous step per batch. */
export async function* savBatchChunks(dict: SavDictionary, batches: AsyncIterable<ReadonlyArray<readonly SavValue[]>>): AsyncGenerator<Buffer> {
  const entries = layout(dict.variables);
  const caseSize = entries.reduce((sum, e) => sum + e.segments.reduce((s, w) => s + (w === 0 ? 1 : slots(w)), 0), 0);
  yield dictionary(dict, entries, caseSize);
  const compressor = new Compressor();
  const encoder = new CaseEncoder(entries);
  let pending = 0;
  for await (const batch of batches) {
    for (const values of batch) {
      encoder.encode(values, compressor);
      pending++;
    }
    if (pending >= 200) {
      pending = 0;
      const chunk = compressor.take();
      if (chunk.length) yield chunk;
    }
  }
  const last = compressor.take(true);
  if (last.length) yield last;
}

export async function writeSavToBuffer(dict: SavDictionary, cases: Iterable<readonly SavValue[]> | AsyncIterable<readonly SavValue[]>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of savChunks(dict, cases)) parts.push(chunk);
  return Buffer.concat(parts);
}
