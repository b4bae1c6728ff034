import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { systemClock } from './clock';
import { ConfigError, loadConfig } from './config';
import { DatabaseLockedError, openDatabase } from './db/database';
import { migrateToLatest } from './db/migrator';
import { DomainError } from './errors';
import { restrictFileCreation } from './files';
import { runImport } from './imports';
import { IMPORT_TYPE_LABELS, IMPORT_TYPES, type ImportReport, type ImportType } from './schools/import';
import type { ReuseDecision } from './schools/import-types';
import { MAX_FILE_BYTES, readTable } from './schools/table';

/**
 * `npm run cli -- <command>`: admin tasks from the command line, against the configured database
 * (the same environment variables as `npm start`). Output is Dutch, like the admin app.
 */

const USAGE = `Gebruik: npm run cli -- <opdracht>

Opdrachten:
  import <bestand> [--soort <soort>] [--proef] [--alle-regels] [--zelfde-school CODES] [--nieuwe-school CODES]
      Leest een DUO-bestand of een eigen adressenlijst (CSV of XLSX) in.
      --soort     ${['auto', ...IMPORT_TYPES].join(' | ')} (standaard: auto, herkend aan de kopregel)
      --proef     alleen controleren: laat zien wat er zou veranderen, verandert niets
      --alle-regels  toon alle afgewezen regels (standaard de eerste 50)
      --zelfde-school 12AB00,34CD01   hergebruikte vestigingscodes die toch dezelfde school zijn
      --nieuwe-school 12AB00,34CD01   hergebruikte vestigingscodes die nu bij een nieuwe school horen

Soorten:
${IMPORT_TYPES.map((t) => `  ${t.padEnd(18)} ${IMPORT_TYPE_LABELS[t]}`).join('\n')}
`;

interface ImportArgs {
  file: string;
  type: ImportType | 'auto';
  dryRun: boolean;
  allLines: boolean;
  reuseDecisions?: Record<string, ReuseDecision>;
}

export function parseImportArgs(args: string[]): ImportArgs | string {
  let file: string | undefined;
  let type: ImportType | 'auto' = 'auto';
  let dryRun = false;
  let allLines = false;
  const decisions: Record<string, ReuseDecision> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--zelfde-school' || arg === '--nieuwe-school') {
      const value = args[++i] ?? '';
      const codes = value.split(',').map((c) => c.trim().toUpperCase()).filter((c) => c !== '');
      if (codes.length === 0 || codes.some((c) => !/^[0-9A-Z]{4}[0-9]{2}$/.test(c))) return `Geef bij ${arg} vestigingscodes op, gescheiden door komma's (bijvoorbeeld 12AB00,34CD01)`;
      for (const code of codes) {
        const decision: ReuseDecision = arg === '--zelfde-school' ? 'same' : 'new';
        if (decisions[code] && decisions[code] !== decision) return `Vestigingscode ${code} staat zowel bij --zelfde-school als bij --nieuwe-school`;
        decisions[code] = decision;
      }
    } else if (arg === '--proef' || arg === '--dry-run') dryRun = true;
    else if (arg === '--alle-regels') allLines = true;
    else if (arg === '--soort' || arg === '--type') {
      const value = args[++i];
      if (value !== 'auto' && !(IMPORT_TYPES as readonly string[]).includes(value ?? '')) return `Onbekende soort: ${value ?? '(leeg)'}`;
      type = value as ImportType | 'auto';
    } else if (arg.startsWith('--')) return `Onbekende optie: ${arg}`;
    else if (file === undefined) file = arg;
    else return `Eén bestand tegelijk, niet ook ${arg}`;
  }
  if (!file) return 'Geef het bestand op dat u wilt inlezen.';
  return { file, type, dryRun, allLines, ...(Object.keys(decisions).length ? { reuseDecisions: decisions } : {}) };
}

const ENCODING_LABELS: Record<string, string> = {
  'utf-8': 'UTF-8',
  'utf-8-bom': 'UTF-8 met BOM',
  'utf-16le': 'UTF-16',
  'utf-16be': 'UTF-16',
  'windows-1252': 'Windows-1252 (ANSI)',
};

/** The report as an admin reads it in a terminal. Contains no token; e-mail addresses only in rejected lines. */
export function formatReport(report: ImportReport, allLines: boolean): string {
  const c = report.counts;
  const separator = report.separator === '\t' ? 'tab' : report.separator;
  const lines = [
    `${report.typeLabel}${report.fileName ? ` — ${report.fileName}` : ''}`,
    report.format === 'xlsx' ? 'Excel-bestand (XLSX)' : `CSV, ${ENCODING_LABELS[report.encoding ?? ''] ?? report.encoding}, scheidingsteken ${separator}`,
    `Regels gelezen: ${c.lines}`,
    `  toegevoegd:      ${c.added}`,
    `  gewijzigd:       ${c.changed}`,
    `  ongewijzigd:     ${c.unchanged}`,
  ];
  if (c.deactivated) lines.push(`  ${report.type === 'swv-schools' ? 'koppelingen verwijderd' : 'niet meer in de lijst, inactief gemaakt'}: ${c.deactivated}`);
  if (c.kept) lines.push(`  adres behouden (handmatig of eigen lijst): ${c.kept}`);
  if (c.skipped) lines.push(`  overgeslagen (niet van toepassing): ${c.skipped}`);
  if (c.emptyInFile) lines.push(`  geen e-mailadres in het bestand: ${c.emptyInFile}`);
  if (c.swvsCreated) lines.push(`  nieuwe samenwerkingsverbanden (uit dit bestand): ${c.swvsCreated}`);
  lines.push(`  afgewezen:       ${c.rejected}`);
  if (report.reuse.length) {
    lines.push('', `Mogelijk hergebruikte vestigingscodes: ${report.reuse.length}`);
    for (const r of report.reuse) {
      const decided = r.decision === 'same' ? ' — dezelfde school' : r.decision === 'new' ? ' — nieuwe school' : '';
      lines.push(`  ${r.locationCode} (regel ${r.line}): "${r.before.name}" → "${r.after.name}"; ${r.reasons.join(', ')}${decided}`);
    }
    if (report.reuse.some((r) => r.decision === null)) lines.push('  Kies per code met --zelfde-school of --nieuwe-school.');
  }
  if (report.corrections.length) {
    lines.push('', `E-mailadressen met een voorgestelde correctie: ${report.corrections.length}`);
    for (const r of allLines ? report.corrections : report.corrections.slice(0, 20)) lines.push(`  ${r.locationCode} (regel ${r.line}): '${r.raw}' → ${r.suggestion}`);
    lines.push('  Neem ze over in de beheeromgeving (Importeren) of pas ze aan in een eigen lijst.');
  }
  if (report.rejected.length) {
    lines.push('', 'Afgewezen regels:');
    const shown = allLines ? report.rejected : report.rejected.slice(0, 50);
    for (const r of shown) lines.push(`  regel ${r.line}${r.key ? ` (${r.key})` : ''}: ${r.reason}`);
    const hidden = report.rejected.length - shown.length + report.rejectedNotListed;
    if (hidden > 0) lines.push(`  … en nog ${hidden} (toon ze met --alle-regels)`);
  }
  if (report.warnings.length) {
    lines.push('', `Waarschuwingen: ${report.warnings.length}`);
    for (const w of report.warnings.slice(0, allLines ? undefined : 10)) lines.push(`  ${w.line ? `regel ${w.line}: ` : ''}${w.message}`);
  }
  lines.push('', report.applied ? 'Ingelezen.' : 'Proef: er is niets veranderd. Lees het bestand in zonder --proef.');
  return lines.join('\n');
}

async function importCommand(args: string[]): Promise<number> {
  const parsed = parseImportArgs(args);
  if (typeof parsed === 'string') {
    console.error(`${parsed}\n\n${USAGE}`);
    return 2;
  }
  let bytes: Buffer;
  try {
    if (statSync(parsed.file).size > MAX_FILE_BYTES) {
      console.error(`Het bestand is groter dan ${MAX_FILE_BYTES / 1024 / 1024} MB.`);
      return 1;
    }
    bytes = readFileSync(parsed.file);
  } catch {
    console.error(`Het bestand ${parsed.file} kan niet worden gelezen.`);
    return 1;
  }
  // A file that is not a table is refused before the database is opened (fast, and no lock taken).
  await readTable(bytes);
  restrictFileCreation();
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    await migrateToLatest(database.db);
    const report = await runImport(
      database.db,
      { bytes, fileName: path.basename(parsed.file), type: parsed.type },
      { dryRun: parsed.dryRun, now: systemClock.now(), actor: { system: 'cli' }, reuseDecisions: parsed.reuseDecisions },
    );
    console.log(formatReport(report, parsed.allLines));
    return 0;
  } finally {
    await database.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'import') return await importCommand(rest);
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    console.error(`Onbekende opdracht: ${command}\n\n${USAGE}`);
    return 2;
  } catch (error) {
    if (error instanceof DomainError) console.error(error.message);
    else if (error instanceof DatabaseLockedError) console.error(`De database is in gebruik door een draaiende Meetronde: stop die eerst, of importeer via de beheerapp. (${error.message})`);
    else if (error instanceof ConfigError) console.error(`Onjuiste instelling: ${error.message}`);
    else console.error('Er ging iets mis:', error);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
