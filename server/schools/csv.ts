/**
 * A small RFC-4180 tokenizer for DUO's files and admins' own CSV exports.
 *
 * Not csv-parse: that parser reports where a record ends rather than where it starts (and counts
 * a quoted CRLF twice), and after an oversized or malformed record it stops emitting records
 * altogether. An import report must name the line of every rejected record and go on with the
 * next one, so this tokenizer keeps the physical line on which each record starts and recovers
 * from every error at a line boundary.
 */

export type CsvRecordProblem = 'too_long' | 'unclosed_quote' | 'bad_quote';

export type CsvItem =
  | { line: number; fields: string[] }
  | { line: number; problem: CsvRecordProblem };

export interface CsvOptions {
  separator: string;
  /** A record longer than this (in characters) is rejected as a whole. */
  maxRecordChars: number;
}

const CR = 13;
const LF = 10;
const QUOTE = 34;

/** Yields every record (or the problem with it) with the 1-based line it starts on; skips blank lines. */
export function* tokenizeCsv(text: string, { separator, maxRecordChars }: CsvOptions): Generator<CsvItem> {
  const sep = separator.charCodeAt(0);
  const length = text.length;
  let pos = 0;
  let line = 1;

  /** Index just after the line break that ends the physical line containing `from`. */
  // Where the next quote at or after `quoteFrom` is (-1: none). Cached so that text full of
  // unclosed quotes costs one scan, not one per line.
  let quoteFrom = 0;
  let quoteAt = text.indexOf('"');
  const nextQuote = (from: number): number => {
    if (from >= quoteFrom && (quoteAt === -1 || from <= quoteAt)) return quoteAt;
    quoteFrom = from;
    quoteAt = text.indexOf('"', from);
    return quoteAt;
  };

  const endOfLine = (from: number): number => {
    let i = from;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (c === LF) return i + 1;
      if (c === CR) return text.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
      i++;
    }
    return length;
  };

  while (pos < length) {
    const recordStart = pos;
    const recordLine = line;
    const fields: string[] = [];
    let problem: CsvRecordProblem | null = null;
    let resumeAt = -1;
    let resumeLine = line;
    let i = pos;
    let linesInRecord = 0;

    // One record: fields until an unquoted line break or the end of the text.
    for (;;) {
      if (i - recordStart > maxRecordChars) {
        problem = 'too_long';
        break;
      }
      if (text.charCodeAt(i) === QUOTE) {
        // Quoted field: "" is a quote; it may span lines.
        let value = '';
        let j = i + 1;
        let closed = false;
        for (;;) {
          const q = nextQuote(j);
          if (q === -1 || q - recordStart > maxRecordChars) break;
          const chunk = text.slice(j, q);
          value += chunk;
          linesInRecord += countLineBreaks(chunk);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            j = q + 2;
            continue;
          }
          j = q + 1;
          closed = true;
          break;
        }
        if (!closed) {
          problem = nextQuote(j) === -1 ? 'unclosed_quote' : 'too_long';
          break;
        }
        const after = j < length ? text.charCodeAt(j) : -1;
        if (after !== -1 && after !== sep && after !== CR && after !== LF) {
          // Text after a closing quote: resume after the physical line where it happened.
          problem = 'bad_quote';
          resumeAt = endOfLine(j);
          resumeLine = recordLine + linesInRecord + 1;
          break;
        }
        fields.push(value);
        i = j;
      } else {
        let j = i;
        while (j < length) {
          const c = text.charCodeAt(j);
          if (c === sep || c === CR || c === LF) break;
          j++;
          if (j - recordStart > maxRecordChars) break;
        }
        if (j - recordStart > maxRecordChars) {
          problem = 'too_long';
          break;
        }
        fields.push(text.slice(i, j));
        i = j;
      }
      // After a field: separator, line break or end.
      if (i >= length) {
        pos = length;
        break;
      }
      const c = text.charCodeAt(i);
      if (c === sep) {
        i++;
        if (i >= length) {
          fields.push('');
          pos = length;
          break;
        }
        continue;
      }
      pos = c === CR && text.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
      linesInRecord += 1;
      break;
    }

    if (problem) {
      if (resumeAt === -1) {
        // Unclosed quote or oversized record: give up on this record's first line only.
        resumeAt = endOfLine(recordStart);
        resumeLine = recordLine + 1;
      }
      pos = resumeAt;
      line = resumeLine;
      yield { line: recordLine, problem };
      continue;
    }

    line = recordLine + linesInRecord;
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    yield { line: recordLine, fields };
  }
}

function countLineBreaks(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === LF) n++;
    else if (c === CR && s.charCodeAt(k + 1) !== LF) n++;
  }
  return n;
}

/** The separator the header line uses: the most frequent of ; , tab | outside quotes (default ;). */
export function detectSeparator(text: string): string {
  const counts = new Map<string, number>([[';', 0], [',', 0], ['\t', 0], ['|', 0]]);
  let inQuotes = false;
  for (let i = 0; i < text.length && i < 64 * 1024; i++) {
    const ch = text[i]!;
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (ch === '\n' || ch === '\r')) {
      if ([...counts.values()].some((n) => n > 0)) break;
    } else if (!inQuotes && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ';';
  let bestCount = 0;
  for (const [candidate, count] of counts) {
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}
