import { sql, type Kysely } from 'kysely';
import type { DB, SchoolKind } from '../../db/types';
import { normaliseBrin, normaliseLocationCode, normalisePostcode, specialKind, USUAL_BRIN } from '../codes';
import type { FieldSpec } from '../columns';
import type { ChangeLine, ImportContext, Importer, ImportPlan, ImportType, ImportWarning, PreparedRow, RejectedLine, ReuseCase } from '../import-types';
import { detectReuse } from '../reuse';
import { chunks, readLocationLine } from './util';

/**
 * DUO's location lists ("Adressen alle vestigingen"): po, vo and sbo/so/vso, old and new header
 * generations. A location missing from a newer list of its sector is marked inactive, never
 * deleted: rounds, invitations and responses keep pointing at it.
 */

type Field =
  | 'locationCode'
  | 'brin'
  | 'name'
  | 'boardNumber'
  | 'street'
  | 'houseNumber'
  | 'postcode'
  | 'city'
  | 'municipality'
  | 'province'
  | 'denomination'
  | 'phone'
  | 'website'
  | 'specialKind';

const FIELDS: Array<FieldSpec<Field>> = [
  { key: 'locationCode', aliases: ['VESTIGINGSCODE', 'VESTIGINGSNUMMER', 'VESTIGINSNUMMER', 'BRINVESTIGINGSNUMMER', 'BRIN6', 'VESTIGING'], required: true, label: 'VESTIGINGSCODE' },
  { key: 'brin', aliases: ['INSTELLINGSCODE', 'BRINNUMMER', 'BRIN', 'BRINCODE'], label: 'INSTELLINGSCODE' },
  { key: 'name', aliases: ['VESTIGINGSNAAM', 'NAAMVESTIGING', 'NAAM'], required: true, label: 'VESTIGINGSNAAM' },
  { key: 'boardNumber', aliases: ['BEVOEGDGEZAGNUMMER', 'BEVOEGDGEZAG'], label: 'BEVOEGD GEZAG NUMMER' },
  { key: 'street', aliases: ['STRAATNAAM', 'STRAAT'], label: 'STRAATNAAM' },
  { key: 'houseNumber', aliases: ['HUISNUMMERTOEVOEGING', 'HUISNUMMER'], label: 'HUISNUMMER-TOEVOEGING' },
  { key: 'postcode', aliases: ['POSTCODE'], required: true, label: 'POSTCODE' },
  { key: 'city', aliases: ['PLAATSNAAM', 'PLAATS'], label: 'PLAATSNAAM' },
  { key: 'municipality', aliases: ['GEMEENTENAAM', 'GEMEENTE'], label: 'GEMEENTENAAM' },
  { key: 'province', aliases: ['PROVINCIE'], label: 'PROVINCIE' },
  { key: 'denomination', aliases: ['DENOMINATIE'], label: 'DENOMINATIE' },
  { key: 'phone', aliases: ['TELEFOONNUMMER', 'TELEFOON'], label: 'TELEFOONNUMMER' },
  { key: 'website', aliases: ['INTERNETADRES', 'WEBSITE'], label: 'INTERNETADRES' },
  { key: 'specialKind', aliases: ['SOORTPRIMAIRONDERWIJS', 'SOORTONDERWIJS'], label: 'SOORT PRIMAIR ONDERWIJS' },
];

/** Columns written by these imports (email is the address imports' business). */
type Column = 'brin' | 'name' | 'board_number' | 'street' | 'house_number' | 'postcode' | 'city' | 'municipality' | 'province' | 'denomination' | 'phone' | 'website';

const COLUMNS: Array<{ field: Exclude<Field, 'locationCode' | 'specialKind'>; column: Column; label: string }> = [
  { field: 'brin', column: 'brin', label: 'BRIN' },
  { field: 'name', column: 'name', label: 'naam' },
  { field: 'boardNumber', column: 'board_number', label: 'bestuur' },
  { field: 'street', column: 'street', label: 'straat' },
  { field: 'houseNumber', column: 'house_number', label: 'huisnummer' },
  { field: 'postcode', column: 'postcode', label: 'postcode' },
  { field: 'city', column: 'city', label: 'plaats' },
  { field: 'municipality', column: 'municipality', label: 'gemeente' },
  { field: 'province', column: 'province', label: 'provincie' },
  { field: 'denomination', column: 'denomination', label: 'denominatie' },
  { field: 'phone', column: 'phone', label: 'telefoon' },
  { field: 'website', column: 'website', label: 'website' },
];

type Desired = { location_code: string; kind: SchoolKind } & Partial<Record<Column, string | null>>;

const SCOPE: Record<'po-locations' | 'vo-locations' | 'special-locations', SchoolKind[]> = {
  'po-locations': ['po'],
  'vo-locations': ['vo'],
  'special-locations': ['sbo', 'so', 'vso'],
};

export function locationsImporter(type: 'po-locations' | 'vo-locations' | 'special-locations'): Importer<Field> {
  const fields = FIELDS.map((f) => (type === 'special-locations' && f.key === 'specialKind' ? { ...f, required: true } : f)).filter(
    (f) => type === 'special-locations' || f.key !== 'specialKind',
  );
  return {
    type,
    fields,
    async plan(db, rows, context) {
      return planLocations(db, type, rows, context);
    },
  };
}

async function planLocations(
  db: Kysely<DB>,
  type: ImportType & keyof typeof SCOPE,
  rows: PreparedRow<Field>[],
  { present, reuseDecisions }: ImportContext,
): Promise<ImportPlan> {
  const lineOf = new Map<string, number>();
  const rejected: RejectedLine[] = [];
  const warnings: ImportWarning[] = [];
  const seen = new Map<string, number>();
  /** Codes of rejected lines that could be read: never deactivated because of a bad line. */
  const protectedCodes = new Set<string>();
  const desired: Desired[] = [];
  const scope = SCOPE[type];
  const presentColumns = COLUMNS.filter((c) => c.field === 'brin' || present.has(c.field));

  for (const row of rows) {
    const v = row.values;
    const rawBrin = v.brin ? normaliseBrin(v.brin) : null;
    const code = v.locationCode ? normaliseLocationCode(v.locationCode, rawBrin) : null;
    const reject = (reason: string) => {
      rejected.push({ line: row.line, reason, ...(code ? { key: code } : v.locationCode ? { key: v.locationCode } : {}) });
      if (code && row.aligned) protectedCodes.add(code);
    };
    if (!readLocationLine(row, rawBrin, code, reject, (given) => `ongeldige vestigingscode '${given}'`)) continue;
    const earlier = seen.get(code);
    if (earlier !== undefined) {
      reject(`vestiging ${code} komt al voor op regel ${earlier}`);
      continue;
    }
    if (!v.name) {
      reject('naam van de vestiging ontbreekt');
      continue;
    }
    if (!v.postcode) {
      reject('postcode ontbreekt');
      continue;
    }
    const postcode = normalisePostcode(v.postcode);
    if (!postcode) {
      reject(`ongeldige postcode '${v.postcode}'`);
      continue;
    }
    let kind: SchoolKind = type === 'vo-locations' ? 'vo' : 'po';
    if (type === 'special-locations') {
      const special = v.specialKind ? specialKind(v.specialKind) : null;
      if (!special) {
        reject(v.specialKind ? `onbekende soort onderwijs '${v.specialKind}'` : 'soort onderwijs ontbreekt');
        continue;
      }
      kind = special;
    }
    seen.set(code, row.line);
    lineOf.set(code, row.line);
    const brin = code.slice(0, 4);
    if (!USUAL_BRIN.test(brin)) warnings.push({ line: row.line, message: `BRIN-nummer ${brin} heeft een ongebruikelijke vorm` });
    const row_: Desired = { location_code: code, kind };
    for (const { field, column } of presentColumns) {
      row_[column] = field === 'brin' ? brin : field === 'postcode' ? postcode : (v[field] ?? null);
    }
    desired.push(row_);
  }

  const existing = await db
    .selectFrom('schools')
    .select(['id', 'location_code', 'brin', 'name', 'kind', 'board_number', 'street', 'house_number', 'postcode', 'city', 'municipality', 'province', 'denomination', 'phone', 'website', 'active'])
    .where('retired_at', 'is', null)
    .execute();
  const byCode = new Map(existing.map((s) => [s.location_code, s]));

  const upserts: Desired[] = [];
  /** The values the changed rows have now: part of the fingerprint, so a stale dry run is noticed. */
  const before: unknown[] = [];
  const changes: ChangeLine[] = [];
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  const reuse: ReuseCase[] = [];
  /** Schools whose code now belongs to another school (the admin said so): retired, not updated. */
  const retire: Array<{ id: number; location_code: string; name: string }> = [];
  for (const want of desired) {
    const have = byCode.get(want.location_code);
    const suspect = have
      ? detectReuse(
          lineOf.get(want.location_code) ?? 0,
          want.location_code,
          { name: have.name, postcode: have.postcode, city: have.city, boardNumber: have.board_number, kind: have.kind, active: have.active },
          {
            name: want.name ?? have.name,
            postcode: present.has('postcode') ? (want.postcode ?? null) : have.postcode,
            city: present.has('city') ? (want.city ?? null) : have.city,
            boardNumber: present.has('boardNumber') ? (want.board_number ?? null) : have.board_number,
            kind: want.kind,
          },
        )
      : null;
    if (suspect) {
      suspect.decision = reuseDecisions.get(want.location_code) ?? null;
      reuse.push(suspect);
    }
    if (have && suspect?.decision === 'new') {
      added++;
      upserts.push(want);
      before.push(have);
      retire.push(have);
      changes.push({ key: want.location_code, name: want.name ?? undefined, action: 'added', fields: ['nieuwe school op een hergebruikte vestigingscode'] });
      changes.push({ key: want.location_code, name: have.name, action: 'deactivated', fields: ['vestigingscode overgegaan naar een andere school'] });
      continue;
    }
    if (!have) {
      added++;
      upserts.push(want);
      changes.push({ key: want.location_code, name: want.name ?? undefined, action: 'added' });
      continue;
    }
    const differs: string[] = [];
    for (const { column, label } of presentColumns) {
      if ((have[column] ?? null) !== (want[column] ?? null)) differs.push(label);
    }
    if (have.kind !== want.kind) differs.push('soort');
    if (!have.active) differs.push('weer actief');
    if (differs.length === 0) {
      unchanged++;
    } else {
      changed++;
      upserts.push(want);
      before.push(have);
      changes.push({ key: want.location_code, name: want.name ?? have.name, action: 'changed', fields: differs });
    }
  }

  const inFile = new Set(desired.map((d) => d.location_code));
  const deactivate = existing.filter(
    (s) => s.active && scope.includes(s.kind) && !inFile.has(s.location_code) && !protectedCodes.has(s.location_code),
  );
  for (const s of deactivate) changes.push({ key: s.location_code, name: s.name, action: 'deactivated' });

  const updateColumns = new Set<Column>(presentColumns.map((c) => c.column));
  return {
    counts: { added, changed, unchanged, deactivated: deactivate.length + retire.length, kept: 0, skipped: 0 },
    rejected,
    warnings,
    changes,
    reuse,
    // Decisions are not part of it: the dry run that named the cases is the one to confirm.
    fingerprintParts: { upserts, before, deactivate: deactivate.map((s) => s.location_code).sort(), reuse: reuse.map((c) => c.locationCode) },
    async apply(trx, now) {
      for (const batch of chunks(retire.map((s) => s.id), 1000)) {
        await trx
          .updateTable('schools')
          .set((eb) => ({
            former_location_code: eb.ref('location_code'),
            location_code: sql<string>`location_code || '#' || id`,
            retired_at: now,
            active: false,
            updated_at: now,
          }))
          .where('id', 'in', batch)
          .execute();
        await trx.deleteFrom('school_swvs').where('school_id', 'in', batch).execute();
      }
      for (const batch of chunks(upserts, 500)) {
        await trx
          .insertInto('schools')
          .values(batch.map((d) => ({ ...d, brin: d.brin ?? d.location_code.slice(0, 4), name: d.name ?? '', active: true, updated_at: now })))
          .onConflict((oc) =>
            oc.column('location_code').doUpdateSet((eb) => {
              // A column the file does not have keeps its value (set to itself).
              const pick = <C extends Column>(column: C) =>
                updateColumns.has(column) ? eb.ref(`excluded.${column}`) : eb.ref(`schools.${column}`);
              return {
                kind: eb.ref('excluded.kind'),
                active: true,
                updated_at: now,
                brin: pick('brin'),
                name: pick('name'),
                board_number: pick('board_number'),
                street: pick('street'),
                house_number: pick('house_number'),
                postcode: pick('postcode'),
                city: pick('city'),
                municipality: pick('municipality'),
                province: pick('province'),
                denomination: pick('denomination'),
                phone: pick('phone'),
                website: pick('website'),
              };
            }),
          )
          .execute();
      }
      for (const batch of chunks(deactivate.map((s) => s.id), 1000)) {
        await trx.updateTable('schools').set({ active: false, updated_at: now }).where('id', 'in', batch).execute();
      }
    },
  };
}
