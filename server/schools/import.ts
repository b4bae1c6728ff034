import { lockDatabaseWide } from '../db/locks';
import type { FollowAddresses } from './address-followers';
import type { Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import { sha256 } from '../crypto';
import type { DB } from '../db/types';
import { badRequest, conflict } from '../errors';
import { hasColumn, mapColumns, type FieldSpec } from './columns';
import { contactsImporter, organisationsImporter } from './importers/addresses';
import { locationsImporter } from './importers/locations';
import { swvSchoolsImporter } from './importers/swv-schools';
import { swvsImporter } from './importers/swvs';
import { isPupilCountHeader, pupilCountsImporter } from './importers/pupils';
import {
  IMPORT_TYPE_LABELS,
  MissingColumnsError,
  prepareRows,
  type ImportCounts,
  type Importer,
  type ImportReport,
  type ImportType,
  type ReuseDecision,
} from './import-types';
import { readTable, type Table } from './table';

export { IMPORT_TYPES, IMPORT_TYPE_LABELS, type ImportReport, type ImportType } from './import-types';

const IMPORTERS: Record<ImportType, Importer> = {
  'po-locations': locationsImporter('po-locations'),
  'vo-locations': locationsImporter('vo-locations'),
  'special-locations': locationsImporter('special-locations'),
  organisations: organisationsImporter,
  swvs: swvsImporter,
  'swv-schools': swvSchoolsImporter,
  contacts: contactsImporter,
  'pupil-counts': pupilCountsImporter,
};

/** How many rejected lines and changes a report lists (the counts are always complete). */
export const REPORT_LIST_LIMIT = 5000;

/**
 * Recognises a file by its header. Location lists of the vo and of sbo/so/vso have a column of
 * their own (ONDERWIJSSTRUCTUUR, SOORT PRIMAIR ONDERWIJS); a location list with neither is po.
 */
export function detectImportType(header: string[]): ImportType | null {
  const has = (...names: string[]) => hasColumn(header, ...names);
  const email = has('EMAIL', 'EMAILADRES', 'MAIL', 'MAILADRES', 'CONTACTEMAIL');
  if (has('NRADMINISTRATIE') && email) return 'organisations';
  const location = has('VESTIGINGSCODE', 'VESTIGINGSNUMMER', 'VESTIGINSNUMMER', 'BRIN6');
  // DUO's pupil counts: a count per age (po) or per year (vo) of each location.
  if (location && isPupilCountHeader(header)) return 'pupil-counts';
  const swvCode = has('ADMINISTRATIENUMMER', 'SAMENWERKINGSVERBAND', 'SWVCODE', 'CODESAMENWERKINGSVERBAND');
  if (swvCode && (location || has('INSTELLINGSCODE', 'BRINNUMMER', 'BRIN'))) return 'swv-schools';
  // DUO's location lists never carry an address: a list of locations with one is a contact list.
  if (email && location) return 'contacts';
  if (has('SOORTPRIMAIRONDERWIJS')) return 'special-locations';
  if (location && has('VESTIGINGSNAAM') && has('POSTCODE')) return has('ONDERWIJSSTRUCTUUR') ? 'vo-locations' : 'po-locations';
  if (swvCode) return 'swvs';
  if (email) return 'contacts';
  return null;
}

export interface ImportInput {
  bytes: Uint8Array;
  fileName?: string | null;
  /** What the admin says the file is; 'auto' (default) recognises it by its header. */
  type?: ImportType | 'auto';
}

export interface ImportOptions {
  dryRun: boolean;
  now: Date;
  actor: Actor;
  /** The dry run's fingerprint: the import refuses to run if it would now do something else. */
  expectFingerprint?: string;
  /**
   * Location lists: the admin's decision per location code the dry run named as possibly reused
   * ('same': the same school, updated in place; 'new': another school, which gets a row of its
   * own while the old school is retired). A real import refuses while a case is undecided.
   */
  reuseDecisions?: Map<string, ReuseDecision> | Record<string, ReuseDecision>;
  /** Changed addresses reach their copies (open rounds' invitations): see address-followers.ts. */
  followAddresses: FollowAddresses;
}

/**
 * Reads, checks and (unless a dry run) imports one file. The real import plans again inside the
 * caller's transaction (a dry run needs none) and writes everything or nothing; importing the same file twice changes nothing
 * the second time. Refuses the whole file (DomainError, Dutch) when it is not a table, has no
 * header with the required columns, or is of another type than the admin chose.
 */
export async function runImport(db: Kysely<DB>, input: ImportInput, options: ImportOptions): Promise<ImportReport> {
  const table = await readTable(input.bytes);
  const detected = detectImportType(table.header);
  const requested = input.type && input.type !== 'auto' ? input.type : null;
  const type = requested ?? detected;
  if (!type) {
    throw badRequest('unknown_file', 'Het soort bestand is niet herkend aan de kopregel. Kies zelf welk bestand het is.');
  }
  if (requested && detected && requested !== detected && conflicting(requested, detected)) {
    throw badRequest(
      'wrong_file_type',
      `Dit bestand lijkt een bestand met "${IMPORT_TYPE_LABELS[detected]}", niet "${IMPORT_TYPE_LABELS[requested]}". Kies het juiste soort bestand.`,
    );
  }
  const importer = IMPORTERS[type];
  const fields = importer.fieldsFor ? importer.fieldsFor(table.header) : importer.fields;
  const mapping = mapColumns(table.header, fields);
  if (mapping.missing.length) throw missingColumns(mapping.missing.map((f) => f.label), type);
  const labels = Object.fromEntries(fields.map((f: FieldSpec) => [f.key, f.label]));
  const rows = prepareRows(table, mapping.index, labels);
  const present = new Set(Object.keys(mapping.index));
  const reuseDecisions =
    options.reuseDecisions instanceof Map ? options.reuseDecisions : new Map(Object.entries(options.reuseDecisions ?? {}));

  const makePlan = async (handle: Kysely<DB>) => {
    try {
      return await importer.plan(handle, rows, { present, header: table.header, reuseDecisions });
    } catch (error) {
      if (error instanceof MissingColumnsError) throw missingColumns(error.labels, type);
      throw error;
    }
  };

  const report = (plan: Awaited<ReturnType<typeof makePlan>>, applied: boolean): ImportReport => {
    const counts: ImportCounts = { lines: rows.length, rejected: plan.rejected.length, ...plan.counts };
    const rejected = [...plan.rejected].sort((a, b) => a.line - b.line);
    return {
      type,
      typeLabel: IMPORT_TYPE_LABELS[type],
      fileName: input.fileName ?? null,
      format: table.format,
      encoding: table.encoding,
      separator: table.separator,
      columns: mapping.used,
      ignoredColumns: mapping.ignored,
      counts,
      rejected: rejected.slice(0, REPORT_LIST_LIMIT),
      rejectedNotListed: Math.max(0, rejected.length - REPORT_LIST_LIMIT),
      warnings: [
        ...mapping.duplicates.map((name) => ({ line: table.headerLine, message: `kolom ${name} komt twee keer voor; de eerste wordt gebruikt` })),
        ...plan.warnings,
      ].slice(0, REPORT_LIST_LIMIT),
      changes: plan.changes.slice(0, REPORT_LIST_LIMIT),
      changesNotListed: Math.max(0, plan.changes.length - REPORT_LIST_LIMIT),
      corrections: (plan.corrections ?? []).slice(0, REPORT_LIST_LIMIT),
      emptyAddresses: (plan.emptyAddresses ?? []).slice(0, REPORT_LIST_LIMIT),
      reuse: plan.reuse ?? [],
      fingerprint: fingerprint(type, plan.fingerprintParts),
      dryRun: options.dryRun,
      applied,
    };
  };

  if (options.dryRun) return report(await makePlan(db), false);

  // A real import: the caller opened the transaction (server/imports.ts); it writes everything or nothing.
  if (!db.isTransaction) throw new Error("runImport: a real import runs in the caller's transaction");
  const trx = db;
  await lockDatabaseWide(trx, 'schoolImport');
  const plan = await makePlan(trx);
  const result = report(plan, true);
  if (options.expectFingerprint && options.expectFingerprint !== result.fingerprint) {
    throw conflict(
      'import_changed',
      'Sinds de controle is er iets veranderd in de gegevens, waardoor deze import nu iets anders zou doen. Controleer het bestand opnieuw.',
    );
  }
  const undecided = result.reuse.filter((c) => c.decision === null);
  if (undecided.length) {
    const example = undecided[0]!;
    throw conflict(
      'reuse_undecided',
      `${undecided.length === 1 ? 'Eén vestigingscode hoort' : `${undecided.length} vestigingscodes horen`} in dit bestand bij een andere school dan in Meetronde ` +
        `(bijvoorbeeld ${example.locationCode}: "${example.before.name}" wordt "${example.after.name}"). ` +
        'Geef per code aan of het dezelfde school is of een nieuwe school, en lees het bestand dan opnieuw in.',
      { codes: undecided.map((c) => c.locationCode) },
    );
  }
  await plan.apply(trx, options.now, { followAddresses: options.followAddresses });
  await audit(trx, options.actor, options.now, `import.${type}`, input.fileName ?? null, {
    lines: result.counts.lines,
    added: result.counts.added,
    changed: result.counts.changed,
    unchanged: result.counts.unchanged,
    deactivated: result.counts.deactivated,
    kept: result.counts.kept,
    skipped: result.counts.skipped,
    rejected: result.counts.rejected,
    ...(result.counts.swvsCreated ? { swvsCreated: result.counts.swvsCreated } : {}),
    ...(result.reuse.length ? { reuse: result.reuse.map((c) => `${c.locationCode}:${c.decision}`) } : {}),
  });
  return result;
}

/** Location lists of different sectors must never be confused: that would deactivate a sector. */
function conflicting(requested: ImportType, detected: ImportType): boolean {
  const locationTypes: ImportType[] = ['po-locations', 'vo-locations', 'special-locations'];
  if (locationTypes.includes(requested) && locationTypes.includes(detected)) {
    // A new-generation po list looks like a vo list without ONDERWIJSSTRUCTUUR: only a detected
    // vo or special list is a sure sign.
    return detected !== 'po-locations';
  }
  // Contact lists are a loose shape; anything with a location and an address column fits one.
  if (requested === 'contacts') return false;
  return true;
}

function missingColumns(labels: string[], type: ImportType) {
  return badRequest(
    'missing_columns',
    `Deze kolommen ontbreken in de kopregel voor "${IMPORT_TYPE_LABELS[type]}": ${labels.join(', ')}.`,
    { missing: labels },
  );
}

function fingerprint(type: ImportType, parts: unknown): string {
  return sha256(`${type}\n${JSON.stringify(parts)}`).slice(0, 32);
}

export type { Table };
