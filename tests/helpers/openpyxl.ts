import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A cell as openpyxl reads it: a string, a number, a date-time (`{ date: 'YYYY-MM-DDTHH:MM:SS' }`, to the second) or null. */
export type OpenpyxlValue = string | number | { date: string } | null;

/** What openpyxl (Debian's python3-openpyxl, installed by .ci/run) reads from an XLSX file. */
export interface OpenpyxlReading {
  sheets: Array<{
    title: string;
    /** The top-left cell of the scrolling part ("A2" for a frozen header row), or null. */
    freezePanes: string | null;
    /** Column letter → width. */
    widths: Record<string, number>;
    /** The number format of the first date-time cell of each column that has one, by column letter. */
    formats: Record<string, string>;
    rows: OpenpyxlValue[][];
  }>;
  /** The zip's entries as Python's zipfile reads the central directory. */
  entries: Array<{ name: string; flags: number; method: number; size: number; packed: number }>;
  /** zipfile's CRC check of every entry: null when all are good, else the first bad entry's name. */
  badEntry: string | null;
  creator: string | null;
}

const SCRIPT = `
import json, sys, zipfile, datetime, openpyxl
path = sys.argv[1]
z = zipfile.ZipFile(path)
entries = [{'name': i.filename, 'flags': i.flag_bits, 'method': i.compress_type, 'size': i.file_size, 'packed': i.compress_size} for i in z.infolist()]
bad = z.testzip()
wb = openpyxl.load_workbook(path)
def cell(v):
    if isinstance(v, datetime.datetime):
        return {'date': (v + datetime.timedelta(microseconds=500000)).replace(microsecond=0).isoformat()}
    return v
sheets = []
for ws in wb.worksheets:
    rows = [[cell(c.value) for c in r] for r in ws.iter_rows()]
    formats = {}
    for r in ws.iter_rows():
        for c in r:
            if isinstance(c.value, datetime.datetime) and c.column_letter not in formats:
                formats[c.column_letter] = c.number_format
    sheets.append({
        'title': ws.title,
        'freezePanes': ws.freeze_panes,
        'widths': {k: d.width for k, d in ws.column_dimensions.items()},
        'formats': formats,
        'rows': rows,
    })
json.dump({'sheets': sheets, 'entries': entries, 'badEntry': bad, 'creator': wb.properties.creator}, sys.stdout)
`;

/** The first Python on this machine that has openpyxl (pyenv's python3 may come before Debian's). */
function python(): string {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(candidate, ['-c', 'import openpyxl'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // next
    }
  }
  throw new Error("no python3 with openpyxl: install Debian's python3-openpyxl (apt-get install -y python3-openpyxl)");
}

export function readXlsxWithOpenpyxl(file: Buffer): OpenpyxlReading {
  const dir = mkdtempSync(path.join(tmpdir(), 'meetronde-openpyxl-'));
  try {
    const xlsx = path.join(dir, 'in.xlsx');
    writeFileSync(xlsx, file);
    const out = execFileSync(python(), ['-c', SCRIPT, xlsx], { encoding: 'utf8', maxBuffer: 1e8, stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out) as OpenpyxlReading;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
