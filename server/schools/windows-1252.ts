/**
 * Windows-1252 ("ANSI"), the encoding of DUO's classic files. Not Node's TextDecoder: Node 20
 * decodes the label `windows-1252` as ISO-8859-1, so 0x92 (’ in "’t Kompas") comes out as the
 * control character U+0092. The two differ only in 0x80–0x9F; this table fills that range.
 */
const HIGH: Array<number | null> = [
  0x20ac, null, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, null, 0x017d, null,
  null, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, null, 0x017e, 0x0178,
];

const DECODE = HIGH.map((cp, i) => String.fromCharCode(cp ?? 0x80 + i));
const ENCODE = new Map<number, number>(HIGH.flatMap((cp, i) => (cp === null ? [] : [[cp, 0x80 + i] as [number, number]])));

/** Bytes to text; undefined bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) become the C1 control of the same number. */
export function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\u0080-\u009f]/g, (ch) => DECODE[ch.charCodeAt(0) - 0x80]!);
}

/** Text to bytes; characters Windows-1252 cannot hold become `?`. */
export function encodeWindows1252(text: string): Buffer {
  const out = Buffer.alloc(text.length);
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out[n++] = cp < 0x80 || (cp >= 0xa0 && cp <= 0xff) ? cp : (ENCODE.get(cp) ?? 0x3f);
  }
  return out.subarray(0, n);
}
