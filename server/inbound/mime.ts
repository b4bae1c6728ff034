/**
 * A small MIME walker for the parts of a report that mailparser folds away: mailparser turns a
 * message/delivery-status part into body text and drops text/rfc822-headers, so DSNs (RFC 3464)
 * and feedback reports (RFC 5965) are read here, part by part, as they were sent. Only the
 * structure is read (headers, multipart boundaries, base64 and quoted-printable); human text is
 * left to mailparser.
 */

export interface MimePart {
  headers: Map<string, string[]>;
  /** Lower-case type/subtype, e.g. 'message/delivery-status'. */
  contentType: string;
  params: Record<string, string>;
  /** Decoded body (transfer encoding undone), as latin1 text: structure fields are ASCII. */
  body: string;
  parts: MimePart[];
}

const MAX_DEPTH = 8;
const MAX_PARTS = 200;

/** Splits a header block into (lower-case name → values), unfolding continuation lines. */
export function parseHeaderBlock(block: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const lines = block.split(/\r?\n/);
  let current: string | null = null;
  const flush = () => {
    if (current === null) return;
    const colon = current.indexOf(':');
    if (colon > 0) {
      const name = current.slice(0, colon).trim().toLowerCase();
      const value = current.slice(colon + 1).trim();
      headers.set(name, [...(headers.get(name) ?? []), value]);
    }
  };
  for (const line of lines) {
    if (/^[ \t]/.test(line) && current !== null) current += ' ' + line.trim();
    else {
      flush();
      current = line;
    }
  }
  flush();
  return headers;
}

function splitHeadersAndBody(text: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return { head: text, body: '' };
  return { head: text.slice(0, match.index), body: text.slice(match.index + match[0].length) };
}

/** `type/subtype; a=b; c="d"` → type and parameters. */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  if (!value) return { type: 'text/plain', params: {} };
  const [type, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_*-]+)\s*=\s*("([^"]*)"|[^;\s]+)/g;
  const paramText = rest.join(';');
  for (let m = re.exec(paramText); m; m = re.exec(paramText)) params[m[1]!.toLowerCase()] = m[3] ?? m[2]!;
  return { type: (type ?? 'text/plain').trim().toLowerCase() || 'text/plain', params };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  if (enc === 'quoted-printable') {
    return body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return body;
}

export function parseMime(raw: string, depth = 0, counter = { n: 0 }): MimePart {
  const { head, body } = splitHeadersAndBody(raw);
  const headers = parseHeaderBlock(head);
  const { type, params } = parseContentType(headers.get('content-type')?.[0]);
  const part: MimePart = { headers, contentType: type, params, body: '', parts: [] };
  counter.n++;
  if (type.startsWith('multipart/') && params.boundary && depth < MAX_DEPTH) {
    const delimiter = `--${params.boundary}`;
    const chunks: string[][] = [];
    let current: string[] | null = null;
    for (const line of body.split(/\r?\n/)) {
      const trimmed = line.trimEnd();
      if (trimmed === delimiter || trimmed === `${delimiter}--`) {
        if (current) chunks.push(current);
        current = trimmed === delimiter ? [] : null;
        if (current === null) break;
      } else if (current) current.push(line);
    }
    if (current) chunks.push(current);
    for (const chunk of chunks) {
      if (counter.n >= MAX_PARTS) break;
      part.parts.push(parseMime(chunk.join('\r\n'), depth + 1, counter));
    }
    return part;
  }
  part.body = decodeBody(body, headers.get('content-transfer-encoding')?.[0]);
  if (type === 'message/rfc822' && depth < MAX_DEPTH && counter.n < MAX_PARTS) part.parts.push(parseMime(part.body, depth + 1, counter));
  return part;
}

/** Every part, depth first. */
export function* walk(part: MimePart): Generator<MimePart> {
  yield part;
  for (const child of part.parts) yield* walk(child);
}

/** The field groups of a delivery-status or feedback-report body (blank-line separated). */
export function fieldGroups(body: string): Array<Map<string, string[]>> {
  return body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((block) => block.trim())
    .filter((block) => block.length > 0)
    .map(parseHeaderBlock);
}
