import type { Kysely } from 'kysely';
import type { DB } from '../db/types';
import type { FollowAddresses } from './address-followers';
import type { FieldSpec } from './columns';
import { problemText, type Table } from './table';

/** The files Meetronde imports. Codes are English; `IMPORT_TYPE_LABELS` says them in Dutch. */
export const IMPORT_TYPES = [
  'po-locations',
  'vo-locations',
  'special-locations',
  'organisations',
  'swvs',
  'swv-schools',
  'contacts',
  'pupil-counts',
] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

export const IMPORT_TYPE_LABELS: Record<ImportType, string> = {
  'po-locations': 'Vestigingen basisonderwijs (po)',
  'vo-locations': 'Vestigingen voortgezet onderwijs (vo)',
  'special-locations': 'Vestigingen sbo, so en vso',
  organisations: 'DUO-organisaties met e-mailadressen (ORGANISATIES)',
  swvs: 'Samenwerkingsverbanden',
  'swv-schools': 'Scholen per samenwerkingsverband',
  contacts: 'Eigen lijst met e-mailadressen',
  'pupil-counts': 'Leerlingaantallen per vestiging (DUO)',
};

export interface RejectedLine {
  line: number;
  /** Dutch. */
  reason: string;
  /** The location, BRIN or SWV code of the line, when it could be read. */
  key?: string;
}

export interface ImportWarning {
  line: number | null;
  message: string;
}

export interface ChangeLine {
  key: string;
  name?: string;
  action: 'added' | 'changed' | 'deactivated' | 'removed';
  /** For `changed`: the Dutch names of the fields that change. */
  fields?: string[];
}

export interface ImportCounts {
  /** Data lines read (rejected ones included). */
  lines: number;
  added: number;
  changed: number;
  unchanged: number;
  /** Locations or SWVs marked inactive; links removed (school → SWV). */
  deactivated: number;
  /** Addresses a DUO import leaves alone because an admin set them. */
  kept: number;
  /** Lines that do not concern Meetronde (other organisations, historical records). */
  skipped: number;
  rejected: number;
  /** School → SWV lists: SWVs the file names that were unknown and are created from it. */
  swvsCreated?: number;
  /** Address lists: schools for which the file has no address at all (not the same as unchanged). */
  emptyInFile?: number;
}

/** An address in a recognisably broken form, with the address it most likely means. */
export interface EmailCorrection {
  line: number;
  /** The location the address would be for. */
  locationCode: string;
  name: string;
  /** As written in the file. */
  raw: string;
  suggestion: string;
}

/** A location the file has but without any address (its own nor its institution's). */
export interface EmptyAddress {
  locationCode: string;
  name: string;
  /** Whether the school keeps an address it already has (from an earlier list or an admin). */
  keepsAddress: boolean;
}

/**
 * A location code that seems to belong to another school now (DUO gives a closed location's
 * code to a new one): the file's name, address or board differ too much from what Meetronde has.
 */
export interface ReuseCase {
  line: number;
  locationCode: string;
  before: { name: string; postcode: string | null; city: string | null; boardNumber: string | null; kind: string; active: boolean };
  after: { name: string; postcode: string | null; city: string | null; boardNumber: string | null; kind: string };
  /** 0–1: how alike the two names are. */
  nameSimilarity: number;
  /** Dutch: what differs. */
  reasons: string[];
  /** The admin's decision, when given with this import. */
  decision: ReuseDecision | null;
}

export type ReuseDecision = 'same' | 'new';

/** What a dry run shows and an import returns. Holds no token; e-mail addresses only in rejections. */
export interface ImportReport {
  type: ImportType;
  typeLabel: string;
  fileName: string | null;
  format: Table['format'];
  encoding: Table['encoding'];
  separator: Table['separator'];
  columns: Array<{ field: string; column: string }>;
  ignoredColumns: string[];
  counts: ImportCounts;
  rejected: RejectedLine[];
  rejectedNotListed: number;
  warnings: ImportWarning[];
  changes: ChangeLine[];
  changesNotListed: number;
  /** Address lists: broken addresses with a suggested correction (accept them with POST /api/imports/email-corrections). */
  corrections: EmailCorrection[];
  /** Address lists: locations the file gives no address. */
  emptyAddresses: EmptyAddress[];
  /** Location lists: codes that seem to belong to another school now; a real import needs a decision for each. */
  reuse: ReuseCase[];
  /** Identifies the planned changes; an import given the dry run's fingerprint refuses to do anything else. */
  fingerprint: string;
  dryRun: boolean;
  applied: boolean;
}

export interface ImportPlan {
  counts: Omit<ImportCounts, 'lines' | 'rejected'>;
  rejected: RejectedLine[];
  warnings: ImportWarning[];
  changes: ChangeLine[];
  corrections?: EmailCorrection[];
  emptyAddresses?: EmptyAddress[];
  reuse?: ReuseCase[];
  /** Everything the plan will write, in a stable order; hashed into the fingerprint. */
  fingerprintParts: unknown;
  apply(trx: Kysely<DB>, now: Date, effects: ImportEffects): Promise<void>;
}

/** What an import's writes set off outside the schools area (passed in by the caller). */
export interface ImportEffects {
  followAddresses: FollowAddresses;
}

export interface Importer<K extends string = string> {
  type: ImportType;
  fields: Array<FieldSpec<K>>;
  /** For files whose columns vary: the fields of this header (default: `fields`). */
  fieldsFor?(header: string[]): Array<FieldSpec<K>>;
  plan(db: Kysely<DB>, rows: PreparedRow<K>[], context: ImportContext): Promise<ImportPlan>;
}

export interface ImportContext {
  /** Which columns the file has (only those fields are compared and written). */
  present: Set<string>;
  /** The header as written, for importers whose columns vary (pupil counts: one per age or year). */
  header: string[];
  /** The admin's decisions on reused location codes (location code → same school or a new one). */
  reuseDecisions: Map<string, ReuseDecision>;
}

export const MAX_VALUE_CHARS = 500;

/** One data line with its mapped values (trimmed; DUO's single-space empty becomes null). */
export interface PreparedRow<K extends string> {
  line: number;
  values: Partial<Record<K, string | null>>;
  /** Why the line is rejected before any importer looks at it. */
  problem?: string;
  /** Whether `values` line up with the header (false for a wrong column count or a broken record). */
  aligned: boolean;
}

/**
 * A cell a spreadsheet would run as a formula (`=`, `@`, or `+`/`-` followed by more than a
 * number) or one holding control characters. Such values are refused, not stored, so that no
 * export or spreadsheet downstream ever evaluates them.
 */
function hostileValue(value: string): string | null {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) return 'bevat stuurtekens';
  if (/^[=@]/.test(value) || (/^[+-]/.test(value) && !/^[+-][\d\s().-]*$/.test(value))) {
    return `begint met '${value[0]}' (een formule wordt niet ingelezen)`;
  }
  return null;
}

export function prepareRows<K extends string>(table: Table, index: Partial<Record<K, number>>, labels: Record<K, string>): PreparedRow<K>[] {
  const width = table.header.length;
  const keys = Object.keys(index) as K[];
  return table.rows.map((row) => {
    if (!('cells' in row)) return { line: row.line, values: {}, problem: problemText(row.problem), aligned: false };
    const values: Partial<Record<K, string | null>> = {};
    for (const key of keys) {
      const raw = row.cells[index[key]!];
      const trimmed = raw === undefined ? '' : raw.trim();
      values[key] = trimmed === '' ? null : trimmed;
    }
    if (row.cells.length !== width) {
      return {
        line: row.line,
        values,
        problem: `verwacht ${width} kolommen, gevonden ${row.cells.length}`,
        aligned: false,
      };
    }
    for (const key of keys) {
      const value = values[key];
      if (!value) continue;
      if (value.length > MAX_VALUE_CHARS) return { line: row.line, values, problem: `kolom ${labels[key]}: waarde is te lang`, aligned: true };
      const hostile = hostileValue(value);
      if (hostile) return { line: row.line, values, problem: `kolom ${labels[key]}: waarde ${hostile}`, aligned: true };
    }
    return { line: row.line, values, aligned: true };
  });
}

/** A file that lacks columns the import cannot do without (Dutch labels). */
export class MissingColumnsError extends Error {
  constructor(readonly labels: string[]) {
    super(`missing columns: ${labels.join(', ')}`);
  }
}
