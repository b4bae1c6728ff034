import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types';
import type { FollowAddresses } from '../address-followers';
import { BRIN, LOCATION_CODE, normaliseLocationCode, normaliseSwvCode } from '../codes';
import type { FieldSpec } from '../columns';
import { checkEmail, suggestEmailCorrection, type EmailSource } from '../email';
import type { ChangeLine, EmailCorrection, EmptyAddress, Importer, ImportPlan, ImportWarning, RejectedLine } from '../import-types';
import { chunks, readLocationLine } from './util';

/**
 * The two sources of school e-mail addresses: DUO's ORGANISATIES export (column E_MAIL, for
 * institutions, locations and SWVs alike) and an admin's own contact list (location code +
 * address, CSV or XLSX), for the addresses DUO does not publish.
 */

export interface SchoolAddress {
  id: number;
  location_code: string;
  brin: string;
  name: string;
  email: string | null;
  email_source: string | null;
}

export interface AddressUpdate {
  id: number;
  /** The address before, for the fingerprint. */
  previous: string | null;
  key: string;
  name: string;
  email: string | null;
  source: EmailSource;
}

/** Compares wanted addresses with the current ones; `respectOthers` keeps admins' addresses. */
export function diffAddresses(
  schools: SchoolAddress[],
  want: Map<number, string | null>,
  source: EmailSource,
  respectOthers: boolean,
): { updates: AddressUpdate[]; changes: ChangeLine[]; added: number; changed: number; unchanged: number; kept: number; empty: EmptyAddress[] } {
  const updates: AddressUpdate[] = [];
  const changes: ChangeLine[] = [];
  const empty: EmptyAddress[] = [];
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  let kept = 0;
  for (const school of schools) {
    if (!want.has(school.id)) continue;
    const email = want.get(school.id) ?? null;
    const ownedByOthers = respectOthers && school.email !== null && school.email_source !== null && school.email_source !== source;
    if (email === null && (ownedByOthers || school.email === null)) {
      // Not "unchanged": the file has no address for this school at all.
      empty.push({ locationCode: school.location_code, name: school.name, keepsAddress: school.email !== null });
    } else if (email === school.email) {
      unchanged++;
    } else if (ownedByOthers) {
      kept++;
    } else {
      if (school.email === null) added++;
      else changed++;
      updates.push({ id: school.id, previous: school.email, key: school.location_code, name: school.name, email, source });
      changes.push({ key: school.location_code, name: school.name, action: school.email === null ? 'added' : 'changed', fields: ['e-mailadres'] });
    }
  }
  return { updates, changes, added, changed, unchanged, kept, empty };
}

/** Writes the addresses; the copies elsewhere follow (`followAddresses`). */
export async function applyAddressUpdates(trx: Kysely<DB>, updates: AddressUpdate[], now: Date, followAddresses: FollowAddresses): Promise<void> {
  for (const batch of chunks(updates, 1000)) {
    const values = batch.map((u) => sql`(${u.id}::int, ${u.email}::text, ${u.source}::text)`);
    await sql`
      update schools as s
      set email = v.email, email_source = case when v.email is null then null else v.source end, updated_at = ${now}
      from (values ${sql.join(values)}) as v(id, email, source)
      where s.id = v.id
    `.execute(trx);
  }
  await followAddresses(
    trx,
    updates.map((u) => u.id),
  );
}

export async function loadSchools(db: Kysely<DB>): Promise<SchoolAddress[]> {
  return db.selectFrom('schools').select(['id', 'location_code', 'brin', 'name', 'email', 'email_source']).where('retired_at', 'is', null).execute();
}

// ---------------------------------------------------------------------------------------------

type OrgField = 'number' | 'email' | 'recordState' | 'closed';

const ORG_FIELDS: Array<FieldSpec<OrgField>> = [
  { key: 'number', aliases: ['NRADMINISTRATIE'], required: true, label: 'NR_ADMINISTRATIE' },
  { key: 'email', aliases: ['EMAIL', 'EMAILADRES'], required: true, label: 'E_MAIL' },
  { key: 'recordState', aliases: ['CODESTANDRECORD'], label: 'CODE_STAND_RECORD' },
  { key: 'closed', aliases: ['INDOPGEHEVEN'], label: 'IND_OPGEHEVEN' },
];

/**
 * ORGANISATIES_*.csv: every organisation in DUO's register. Only current records (stand `A`,
 * not `IND_OPGEHEVEN = J`) of known locations, institutions (BRIN) and SWVs count; the rest
 * (boards, MBO, HO, history) is skipped. A location's own address wins; a location without one
 * gets its institution's address. Addresses an admin set are kept.
 */
export const organisationsImporter: Importer<OrgField> = {
  type: 'organisations',
  fields: ORG_FIELDS,
  async plan(db, rows): Promise<ImportPlan> {
    const schools = await loadSchools(db);
    const byCode = new Map(schools.map((s) => [s.location_code, s]));
    const brins = new Set(schools.map((s) => s.brin));
    const swvs = await db.selectFrom('swvs').select(['id', 'code', 'name', 'email']).execute();
    const swvByCode = new Map(swvs.map((s) => [s.code, s]));

    const rejected: RejectedLine[] = [];
    const warnings: ImportWarning[] = [];
    const seen = new Map<string, number>();
    /** Broken addresses with a likely meaning, per location code or BRIN of the line. */
    const fixable = new Map<string, { line: number; raw: string; suggestion: string }>();
    /** Codes and BRINs of rejected lines: a school never loses its address because of one. */
    const rejectedKeys = new Set<string>();
    const locationEmail = new Map<string, string | null>();
    const institutionEmail = new Map<string, string | null>();
    const swvEmail = new Map<number, string | null>();
    let skipped = 0;

    for (const row of rows) {
      const v = row.values;
      const key = v.number ? v.number.replace(/\s+/g, '').toUpperCase() : null;
      const reject = (reason: string) => {
        rejected.push({ line: row.line, reason, ...(key ? { key } : {}) });
        if (key && row.aligned) rejectedKeys.add(key);
      };
      if (row.problem) {
        reject(row.problem);
        continue;
      }
      if (!key) {
        reject('NR_ADMINISTRATIE ontbreekt');
        continue;
      }
      if ((v.recordState && v.recordState.toUpperCase() !== 'A') || v.closed?.toUpperCase() === 'J') {
        skipped++;
        continue;
      }
      const swvCode = normaliseSwvCode(key);
      const target: 'location' | 'institution' | 'swv' | null =
        LOCATION_CODE.test(key) && byCode.has(key)
          ? 'location'
          : BRIN.test(key) && brins.has(key)
            ? 'institution'
            : swvCode && swvByCode.has(swvCode)
              ? 'swv'
              : null;
      if (!target) {
        skipped++;
        continue;
      }
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        reject(`${key} komt al voor op regel ${earlier}`);
        continue;
      }
      let email: string | null = null;
      if (v.email) {
        const checked = checkEmail(v.email);
        if (!checked.ok) {
          const suggestion = suggestEmailCorrection(v.email);
          if (suggestion && target !== 'swv') fixable.set(key, { line: row.line, raw: v.email, suggestion });
          reject(`${checked.reason}: '${v.email}'${suggestion ? ` (bedoeld is waarschijnlijk ${suggestion}; neem de correctie over in het overzicht)` : ''}`);
          continue;
        }
        if (/^\s*mailto:/i.test(v.email)) warnings.push({ line: row.line, message: `${key}: 'mailto:' voor het e-mailadres weggelaten` });
        email = checked.email;
      }
      seen.set(key, row.line);
      if (target === 'location') locationEmail.set(key, email);
      else if (target === 'institution') institutionEmail.set(key, email);
      else swvEmail.set(swvByCode.get(swvCode!)!.id, email);
    }

    const want = new Map<number, string | null>();
    for (const school of schools) {
      const own = locationEmail.get(school.location_code);
      const institution = institutionEmail.get(school.brin);
      if (!locationEmail.has(school.location_code) && !institutionEmail.has(school.brin)) continue;
      const value = own ?? institution ?? null;
      // No address found, but the institution's line was rejected: leave the school as it is.
      if (value === null && rejectedKeys.has(school.brin)) continue;
      want.set(school.id, value);
    }
    const diff = diffAddresses(schools, want, 'duo', true);
    // A broken address is for its location, or for the locations of its institution that have no
    // address of their own in the file.
    const corrections: EmailCorrection[] = [];
    for (const school of schools) {
      const own = fixable.get(school.location_code);
      const fix = own ?? (locationEmail.get(school.location_code) ? undefined : fixable.get(school.brin));
      if (!fix || fix.suggestion === school.email) continue;
      corrections.push({ line: fix.line, locationCode: school.location_code, name: school.name, raw: fix.raw, suggestion: fix.suggestion });
    }
    corrections.sort((a, b) => a.line - b.line || a.locationCode.localeCompare(b.locationCode));
    // A school with a broken address is listed there, not also as "empty".
    const corrected = new Set(corrections.map((c) => c.locationCode));
    const empty = diff.empty.filter((e) => !corrected.has(e.locationCode));

    const swvUpdates: Array<{ id: number; code: string; name: string; previous: string | null; email: string }> = [];
    let swvUnchanged = 0;
    for (const swv of swvs) {
      if (!swvEmail.has(swv.id)) continue;
      const email = swvEmail.get(swv.id) ?? null;
      if (email === null || email === swv.email) swvUnchanged++;
      else swvUpdates.push({ id: swv.id, code: swv.code, name: swv.name, previous: swv.email, email });
    }
    const changes = [
      ...diff.changes,
      ...swvUpdates.map((u): ChangeLine => ({ key: u.code, name: u.name, action: 'changed', fields: ['e-mailadres'] })),
    ];
    return {
      counts: {
        added: diff.added,
        changed: diff.changed + swvUpdates.length,
        unchanged: diff.unchanged + swvUnchanged,
        deactivated: 0,
        kept: diff.kept,
        skipped,
        emptyInFile: empty.length,
      },
      rejected,
      warnings,
      changes,
      corrections,
      emptyAddresses: empty,
      fingerprintParts: { schools: diff.updates.map((u) => [u.key, u.previous, u.email]), swvs: swvUpdates.map((u) => [u.code, u.previous, u.email]) },
      async apply(trx, now, effects) {
        await applyAddressUpdates(trx, diff.updates, now, effects.followAddresses);
        for (const u of swvUpdates) {
          await trx.updateTable('swvs').set({ email: u.email, updated_at: now }).where('id', '=', u.id).execute();
        }
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------

type ContactField = 'locationCode' | 'email';

const CONTACT_FIELDS: Array<FieldSpec<ContactField>> = [
  {
    key: 'locationCode',
    aliases: ['VESTIGINGSCODE', 'VESTIGINGSNUMMER', 'VESTIGINSNUMMER', 'BRIN6', 'BRINVESTIGING', 'BRINVESTIGINGSNUMMER', 'LOCATIECODE', 'VESTIGING', 'BRINNUMMER', 'BRIN', 'CODE'],
    required: true,
    label: 'VESTIGINGSCODE',
  },
  {
    key: 'email',
    aliases: ['EMAIL', 'EMAILADRES', 'EMAILSCHOOL', 'EMAILADRESSCHOOL', 'CONTACTEMAIL', 'MAIL', 'MAILADRES'],
    required: true,
    label: 'E-MAILADRES',
  },
];

/** An admin's list of addresses (e.g. from an SWV): location code + e-mail, CSV or XLSX. */
export const contactsImporter: Importer<ContactField> = {
  type: 'contacts',
  fields: CONTACT_FIELDS,
  async plan(db, rows): Promise<ImportPlan> {
    const schools = await loadSchools(db);
    const byCode = new Map(schools.map((s) => [s.location_code, s]));
    const rejected: RejectedLine[] = [];
    const seen = new Map<string, number>();
    const want = new Map<number, string | null>();
    for (const row of rows) {
      const v = row.values;
      const code = v.locationCode ? normaliseLocationCode(v.locationCode, null) : null;
      const reject = (reason: string) =>
        rejected.push({ line: row.line, reason, ...(code ? { key: code } : v.locationCode ? { key: v.locationCode } : {}) });
      const invalidCode = (given: string) => `ongeldige vestigingscode '${given}' (verwacht BRIN + twee cijfers, bijvoorbeeld 12AB00)`;
      if (!readLocationLine(row, null, code, reject, invalidCode)) continue;
      const school = byCode.get(code);
      if (!school) {
        reject(`onbekende vestiging ${code} (importeer eerst de vestigingen)`);
        continue;
      }
      const earlier = seen.get(code);
      if (earlier !== undefined) {
        reject(`vestiging ${code} komt al voor op regel ${earlier}`);
        continue;
      }
      if (!v.email) {
        reject('e-mailadres ontbreekt');
        continue;
      }
      const checked = checkEmail(v.email);
      if (!checked.ok) {
        const suggestion = suggestEmailCorrection(v.email);
        reject(`${checked.reason}: '${v.email}'${suggestion ? ` (bedoeld is waarschijnlijk ${suggestion}; verbeter het in de lijst)` : ''}`);
        continue;
      }
      seen.set(code, row.line);
      want.set(school.id, checked.email);
    }
    const diff = diffAddresses(schools, want, 'contact-list', false);
    return {
      counts: { added: diff.added, changed: diff.changed, unchanged: diff.unchanged, deactivated: 0, kept: 0, skipped: 0, emptyInFile: diff.empty.length },
      rejected,
      warnings: [],
      changes: diff.changes,
      fingerprintParts: diff.updates.map((u) => [u.key, u.previous, u.email]),
      async apply(trx, now, effects) {
        await applyAddressUpdates(trx, diff.updates, now, effects.followAddresses);
      },
    };
  },
};
