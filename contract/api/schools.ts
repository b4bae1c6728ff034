import { Type, type Static } from 'typebox';
import { defineApi } from '../http';
import { Id, Literals } from '../schemas';

/** The files Meetronde imports. Codes are English; the server's `IMPORT_TYPE_LABELS` says them in Dutch. */
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

export const MAX_CORRECTIONS = 20_000;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const RejectedLine = Type.Object({
  line: Type.Number(),
  /** Dutch. */
  reason: Type.String(),
  /** The location, BRIN or SWV code of the line, when it could be read. */
  key: Type.Optional(Type.String()),
});
export type RejectedLine = Static<typeof RejectedLine>;

export const ImportWarning = Type.Object({ line: Nullable(Type.Number()), message: Type.String() });
export type ImportWarning = Static<typeof ImportWarning>;

export const ChangeLine = Type.Object({
  key: Type.String(),
  name: Type.Optional(Type.String()),
  action: Literals(['added', 'changed', 'deactivated', 'removed']),
  /** For `changed`: the Dutch names of the fields that change. */
  fields: Type.Optional(Type.Array(Type.String())),
});
export type ChangeLine = Static<typeof ChangeLine>;

export const ImportCounts = Type.Object({
  /** Data lines read (rejected ones included). */
  lines: Type.Number(),
  added: Type.Number(),
  changed: Type.Number(),
  unchanged: Type.Number(),
  /** Locations or SWVs marked inactive; links removed (school → SWV). */
  deactivated: Type.Number(),
  /** Addresses a DUO import leaves alone because an admin set them. */
  kept: Type.Number(),
  /** Lines that do not concern Meetronde (other organisations, historical records). */
  skipped: Type.Number(),
  rejected: Type.Number(),
  /** School → SWV lists: SWVs the file names that were unknown and are created from it. */
  swvsCreated: Type.Optional(Type.Number()),
  /** Address lists: schools for which the file has no address at all (not the same as unchanged). */
  emptyInFile: Type.Optional(Type.Number()),
});
export type ImportCounts = Static<typeof ImportCounts>;

/** An address in a recognisably broken form, with the address it most likely means. */
export const EmailCorrection = Type.Object({
  line: Type.Number(),
  /** The location the address would be for. */
  locationCode: Type.String(),
  name: Type.String(),
  /** As written in the file. */
  raw: Type.String(),
  suggestion: Type.String(),
});
export type EmailCorrection = Static<typeof EmailCorrection>;

/** A location the file has but without any address (its own nor its institution's). */
export const EmptyAddress = Type.Object({
  locationCode: Type.String(),
  name: Type.String(),
  /** Whether the school keeps an address it already has (from an earlier list or an admin). */
  keepsAddress: Type.Boolean(),
});
export type EmptyAddress = Static<typeof EmptyAddress>;

export const ReuseDecision = Literals(['same', 'new']);
export type ReuseDecision = Static<typeof ReuseDecision>;

const ReuseSide = {
  name: Type.String(),
  postcode: Nullable(Type.String()),
  city: Nullable(Type.String()),
  boardNumber: Nullable(Type.String()),
  kind: Type.String(),
};

/**
 * A location code that seems to belong to another school now (DUO gives a closed location's
 * code to a new one): the file's name, address or board differ too much from what Meetronde has.
 */
export const ReuseCase = Type.Object({
  line: Type.Number(),
  locationCode: Type.String(),
  before: Type.Object({ ...ReuseSide, active: Type.Boolean() }),
  after: Type.Object(ReuseSide),
  /** 0–1: how alike the two names are. */
  nameSimilarity: Type.Number(),
  /** Dutch: what differs. */
  reasons: Type.Array(Type.String()),
  /** The admin's decision, when given with this import. */
  decision: Nullable(ReuseDecision),
});
export type ReuseCase = Static<typeof ReuseCase>;

/** What a dry run shows and an import returns. Holds no token; e-mail addresses only in rejections. */
export const ImportReport = Type.Object({
  type: Literals(IMPORT_TYPES),
  typeLabel: Type.String(),
  fileName: Nullable(Type.String()),
  format: Literals(['csv', 'xlsx']),
  encoding: Nullable(Literals(['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'windows-1252'])),
  separator: Nullable(Type.String()),
  columns: Type.Array(Type.Object({ field: Type.String(), column: Type.String() })),
  ignoredColumns: Type.Array(Type.String()),
  counts: ImportCounts,
  rejected: Type.Array(RejectedLine),
  rejectedNotListed: Type.Number(),
  warnings: Type.Array(ImportWarning),
  changes: Type.Array(ChangeLine),
  changesNotListed: Type.Number(),
  /** Address lists: broken addresses with a suggested correction (accept them with POST /api/imports/email-corrections). */
  corrections: Type.Array(EmailCorrection),
  /** Address lists: locations the file gives no address. */
  emptyAddresses: Type.Array(EmptyAddress),
  /** Location lists: codes that seem to belong to another school now; a real import needs a decision for each. */
  reuse: Type.Array(ReuseCase),
  /** Identifies the planned changes; an import given the dry run's fingerprint refuses to do anything else. */
  fingerprint: Type.String(),
  dryRun: Type.Boolean(),
  applied: Type.Boolean(),
});
export type ImportReport = Static<typeof ImportReport>;

export const AcceptedCorrections = Type.Object({
  /** Addresses written. */
  applied: Type.Number(),
  /** Already had this address. */
  unchanged: Type.Number(),
  /** Left alone: an admin typed the school's address, or it came from the school's own list. */
  kept: Type.Number(),
  /** Dutch, per refused item. */
  refused: Type.Array(Type.Object({ locationCode: Type.String(), reason: Type.String() })),
});
export type AcceptedCorrections = Static<typeof AcceptedCorrections>;

const SchoolKind = Literals(['po', 'sbo', 'so', 'vso', 'vo']);

export const SchoolRow = Type.Object({
  id: Type.Number(),
  locationCode: Type.String(),
  name: Type.String(),
  kind: SchoolKind,
  city: Nullable(Type.String()),
  email: Nullable(Type.String()),
  emailSource: Nullable(Type.String()),
  emailSourceLabel: Nullable(Type.String()),
  emailUsable: Type.Boolean(),
  active: Type.Boolean(),
  swvs: Type.Array(Type.String()),
});
export type SchoolRow = Static<typeof SchoolRow>;

export const SwvRow = Type.Object({
  id: Type.Number(),
  code: Type.String(),
  name: Type.String(),
  sector: Literals(['po', 'vo']),
  city: Nullable(Type.String()),
  province: Nullable(Type.String()),
  active: Type.Boolean(),
  schools: Type.Number(),
});
export type SwvRow = Static<typeof SwvRow>;

/** One school as stored (the table's columns), with its SWVs. */
export const SchoolRecord = Type.Object({
  id: Type.Number(),
  location_code: Type.String(),
  brin: Type.String(),
  name: Type.String(),
  kind: SchoolKind,
  board_number: Nullable(Type.String()),
  street: Nullable(Type.String()),
  house_number: Nullable(Type.String()),
  postcode: Nullable(Type.String()),
  city: Nullable(Type.String()),
  municipality: Nullable(Type.String()),
  province: Nullable(Type.String()),
  denomination: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  website: Nullable(Type.String()),
  email: Nullable(Type.String()),
  email_source: Nullable(Type.String()),
  active: Type.Boolean(),
  pupils_min: Nullable(Type.Number()),
  pupils_max: Nullable(Type.Number()),
  pupils_reference: Nullable(Type.String()),
  retired_at: Nullable(Type.String()),
  former_location_code: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  swvs: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
});
export type SchoolRecord = Static<typeof SchoolRecord>;

const CODE_LIST = '^[0-9A-Za-z, ]*$';

/**
 * Address lists: DUO imports (upload → dry run → confirm), the schools and SWVs as imported, and
 * the admin's address corrections.
 */
export const schoolsApi = defineApi({
  'GET /api/imports/types': {
    response: { 200: Type.Array(Type.Object({ type: Literals(IMPORT_TYPES), label: Type.String() })) },
  },
  'POST /api/imports': {
    querystring: Type.Object({
      type: Type.Optional(Literals([...IMPORT_TYPES, 'auto'])),
      dryRun: Type.Optional(Type.Boolean()),
      fingerprint: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
      /** Reused location codes (comma-separated) the admin says are the same school, or a new one. */
      sameSchool: Type.Optional(Type.String({ maxLength: 20_000, pattern: CODE_LIST })),
      newSchool: Type.Optional(Type.String({ maxLength: 20_000, pattern: CODE_LIST })),
    }),
    response: { 200: ImportReport },
  },
  'POST /api/imports/email-corrections': {
    body: Type.Object({
      corrections: Type.Array(
        Type.Object({ locationCode: Type.String({ minLength: 1, maxLength: 12 }), email: Type.String({ minLength: 1, maxLength: 254 }) }),
        { maxItems: MAX_CORRECTIONS },
      ),
    }),
    response: { 200: AcceptedCorrections },
  },
  'GET /api/schools': {
    querystring: Type.Object({
      q: Type.Optional(Type.String({ maxLength: 100 })),
      swv: Type.Optional(Type.String({ maxLength: 12 })),
      filter: Type.Optional(Literals(['all', 'inactive', 'no-email', 'admin-email'])),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
      offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    }),
    response: { 200: Type.Object({ total: Type.Number(), schools: Type.Array(SchoolRow) }) },
  },
  'PUT /api/schools/:id/email': {
    params: Type.Object({ id: Id }),
    body: Type.Object({ email: Nullable(Type.String({ maxLength: 254 })) }),
    response: { 200: Type.Object({ schoolId: Type.Number(), email: Nullable(Type.String()), invitationsUpdated: Type.Number() }) },
  },
  'GET /api/swvs': { response: { 200: Type.Array(SwvRow) } },
  'GET /api/schools/:id': { params: Type.Object({ id: Id }), response: { 200: SchoolRecord } },
});
