import type { Kysely } from 'kysely';
import type { DB } from '../db/types';
import type { FollowAddresses } from './address-followers';
import type { FieldSpec } from './columns';
import { problemText, type Table } from './table';
import type {
  ChangeLine,
  EmailCorrection,
  EmptyAddress,
  ImportCounts,
  ImportType,
  ImportWarning,
  RejectedLine,
  ReuseCase,
  ReuseDecision,
} from '../../contract/api/schools';

// The shapes the admin pages see are defined once, in the contract.
export {
  IMPORT_TYPES,
  type ChangeLine,
  type EmailCorrection,
  type EmptyAddress,
  type ImportCounts,
  type ImportReport,
  type ImportType,
  type ImportWarning,
  type RejectedLine,
  type ReuseCase,
  type ReuseDecision,
} from '../../contract/api/schools';

/** `IMPORT_TYPES` in Dutch. */
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
export function hostileValue(value: string): string | null {
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
