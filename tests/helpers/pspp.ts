import { parse } from 'csv-parse/sync';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What GNU PSPP (Debian's `pspp`, installed by .ci/run) reads back from a .sav file. */
export interface PsppReading {
  variables: Array<{ name: string; label: string; measure: string; printFormat: string; missing: string }>;
  /** Value labels per variable name: value (as PSPP prints it) → label. */
  valueLabels: Map<string, Map<string, string>>;
  /** Cases as pspp-convert writes them: raw values, user-missing kept. */
  rows: Array<Record<string, string>>;
  /** The same cases with value labels instead of values. */
  labelledRows: Array<Record<string, string>>;
  /** PSPP's warnings and errors while reading (must be empty for a good file). */
  messages: string[];
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; stdout?: string };
    if (e.code === 'ENOENT') throw new Error(`${command} not found: install Debian's pspp (apt-get install -y pspp)`);
    throw new Error(`${command} failed: ${e.stderr ?? ''}${e.stdout ?? ''}`);
  }
}

export function readSavWithPspp(file: Buffer): PsppReading {
  const dir = mkdtempSync(path.join(tmpdir(), 'meetronde-pspp-'));
  try {
    const sav = path.join(dir, 'in.sav');
    writeFileSync(sav, file);
    const syntax = path.join(dir, 'dict.sps');
    writeFileSync(syntax, `GET FILE='${sav}'.\nDISPLAY DICTIONARY.\n`);
    const dictCsv = path.join(dir, 'dict.csv');
    const log = run('pspp', ['-o', dictCsv, syntax]);
    const text = readFileSync(dictCsv, 'utf8');
    const messages = [...log.split('\n'), ...text.split('\n')].filter((l) => /warning|error/i.test(l));

    const tables = new Map<string, string[][]>();
    for (const block of text.split(/\n(?=Table: )/)) {
      const match = block.match(/^Table: (.+)\n([\s\S]*)$/);
      if (!match) continue;
      const body = match[2]!.split('\n').filter((l) => l && !l.startsWith('Footnote:')).join('\n');
      tables.set(match[1]!.trim(), parse(body, { relax_column_count: true }) as string[][]);
    }
    const variableTable = tables.get('Variables') ?? [];
    const header = variableTable[0] ?? [];
    const col = (name: string) => header.indexOf(name);
    const variables = variableTable.slice(1).map((r) => ({
      name: r[col('Name')] ?? '',
      label: r[col('Label')] ?? '',
      measure: r[col('Measurement Level')] ?? '',
      printFormat: r[col('Print Format')] ?? '',
      missing: r[col('Missing Values')] ?? '',
    }));
    const byLabel = new Map(variables.map((v) => [v.label || v.name, v.name]));
    const valueLabels = new Map<string, Map<string, string>>();
    let current = '';
    for (const r of (tables.get('Value Labels') ?? []).slice(1)) {
      if (r[0]) current = byLabel.get(r[0]) ?? r[0];
      if (!valueLabels.has(current)) valueLabels.set(current, new Map());
      valueLabels.get(current)!.set((r[1] ?? '').replace(/\[a\]$/, ''), r[2] ?? '');
    }

    const dataCsv = path.join(dir, 'data.csv');
    run('pspp-convert', [sav, dataCsv]);
    const labelledCsv = path.join(dir, 'labelled.csv');
    run('pspp-convert', ['--labels', sav, labelledCsv]);
    const rows = parse(readFileSync(dataCsv, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    const labelledRows = parse(readFileSync(labelledCsv, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    return { variables, valueLabels, rows, labelledRows, messages };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
