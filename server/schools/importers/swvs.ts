import type { SwvSector } from '../../db/types';
import { normaliseSwvCode, swvSector } from '../codes';
import type { FieldSpec } from '../columns';
import { checkEmail } from '../email';
import type { ChangeLine, Importer, RejectedLine } from '../import-types';
import { chunks, readSwvLine } from './util';

/**
 * DUO's list of samenwerkingsverbanden passend onderwijs (po and vo). In the older files the
 * code is `ADMINISTRATIENUMMER` and `SAMENWERKINGSVERBAND` is the name; in the newer ones
 * `SAMENWERKINGSVERBAND` is the code and `NAAM SAMENWERKINGSVERBAND` the name. The code spec
 * comes first, so `ADMINISTRATIENUMMER` wins where it exists. An SWV missing from a newer list
 * of its sector is marked inactive.
 */

type Field = 'code' | 'name' | 'city' | 'province' | 'email' | 'website';

const FIELDS: Array<FieldSpec<Field>> = [
  { key: 'code', aliases: ['ADMINISTRATIENUMMER', 'SWVCODE', 'CODESAMENWERKINGSVERBAND', 'SAMENWERKINGSVERBANDCODE', 'SAMENWERKINGSVERBAND', 'SWV', 'CODE'], required: true, label: 'SAMENWERKINGSVERBAND (code)' },
  { key: 'name', aliases: ['NAAMSAMENWERKINGSVERBAND', 'SAMENWERKINGSVERBANDNAAM', 'SAMENWERKINGSVERBAND', 'NAAM'], required: true, label: 'NAAM SAMENWERKINGSVERBAND' },
  { key: 'city', aliases: ['PLAATSNAAM', 'PLAATS'], label: 'PLAATSNAAM' },
  { key: 'province', aliases: ['PROVINCIE'], label: 'PROVINCIE' },
  { key: 'email', aliases: ['EMAIL', 'EMAILADRES'], label: 'E-MAIL' },
  { key: 'website', aliases: ['INTERNETADRES', 'WEBSITE'], label: 'INTERNETADRES' },
];

type Column = 'name' | 'city' | 'province' | 'email' | 'website';
const COLUMNS: Array<{ field: Column; label: string }> = [
  { field: 'name', label: 'naam' },
  { field: 'city', label: 'plaats' },
  { field: 'province', label: 'provincie' },
  { field: 'email', label: 'e-mailadres' },
  { field: 'website', label: 'website' },
];

interface Desired {
  code: string;
  sector: SwvSector;
  name: string;
  city?: string | null;
  province?: string | null;
  email?: string | null;
  website?: string | null;
}

export const swvsImporter: Importer<Field> = {
  type: 'swvs',
  fields: FIELDS,
  async plan(db, rows, { present }) {
    const rejected: RejectedLine[] = [];
    const seen = new Map<string, number>();
    const protectedCodes = new Set<string>();
    const desired: Desired[] = [];
    const columns = COLUMNS.filter((c) => present.has(c.field));

    for (const row of rows) {
      const v = row.values;
      const code = v.code ? normaliseSwvCode(v.code) : null;
      const reject = (reason: string) => {
        rejected.push({ line: row.line, reason, ...(code ? { key: code } : v.code ? { key: v.code } : {}) });
        if (code && row.aligned) protectedCodes.add(code);
      };
      if (!readSwvLine(row.problem, v.code, code, reject, 'PO of VO met vier cijfers')) continue;
      const earlier = seen.get(code);
      if (earlier !== undefined) {
        reject(`samenwerkingsverband ${code} komt al voor op regel ${earlier}`);
        continue;
      }
      if (!v.name) {
        reject('naam van het samenwerkingsverband ontbreekt');
        continue;
      }
      let email: string | null = null;
      if (v.email) {
        const checked = checkEmail(v.email);
        if (!checked.ok) {
          reject(`${checked.reason}: '${v.email}'`);
          continue;
        }
        email = checked.email;
      }
      seen.set(code, row.line);
      const want: Desired = { code, sector: swvSector(code), name: v.name };
      for (const { field } of columns) {
        if (field !== 'name') want[field] = field === 'email' ? email : (v[field] ?? null);
      }
      desired.push(want);
    }

    const existing = await db.selectFrom('swvs').select(['id', 'code', 'name', 'sector', 'city', 'province', 'email', 'website', 'active']).execute();
    const byCode = new Map(existing.map((s) => [s.code, s]));
    const inserts: Desired[] = [];
    const updates: Array<{ id: number; want: Desired; have: unknown }> = [];
    const changes: ChangeLine[] = [];
    let unchanged = 0;
    for (const want of desired) {
      const have = byCode.get(want.code);
      if (!have) {
        inserts.push(want);
        changes.push({ key: want.code, name: want.name, action: 'added' });
        continue;
      }
      const differs = columns.filter(({ field }) => (have[field] ?? null) !== (want[field] ?? null)).map((c) => c.label);
      if (!have.active) differs.push('weer actief');
      if (differs.length === 0) unchanged++;
      else {
        updates.push({ id: have.id, want, have });
        changes.push({ key: want.code, name: want.name, action: 'changed', fields: differs });
      }
    }
    const sectors = new Set(desired.map((d) => d.sector));
    const inFile = new Set(desired.map((d) => d.code));
    const deactivate = existing.filter((s) => s.active && sectors.has(s.sector) && !inFile.has(s.code) && !protectedCodes.has(s.code));
    for (const s of deactivate) changes.push({ key: s.code, name: s.name, action: 'deactivated' });

    return {
      counts: { added: inserts.length, changed: updates.length, unchanged, deactivated: deactivate.length, kept: 0, skipped: 0 },
      rejected,
      warnings: [],
      changes,
      fingerprintParts: { inserts, updates: updates.map((u) => [u.want, u.have]), deactivate: deactivate.map((s) => s.code).sort() },
      async apply(trx, now) {
        for (const batch of chunks(inserts, 500)) {
          await trx.insertInto('swvs').values(batch.map((w) => ({ ...w, active: true, updated_at: now }))).execute();
        }
        // Few rows (about 150 SWVs in the country): one statement each is fine.
        for (const { id, want } of updates) {
          const { code: _code, sector: _sector, ...set } = want;
          await trx.updateTable('swvs').set({ ...set, active: true, updated_at: now }).where('id', '=', id).execute();
        }
        if (deactivate.length) {
          await trx.updateTable('swvs').set({ active: false, updated_at: now }).where('id', 'in', deactivate.map((s) => s.id)).execute();
        }
      },
    };
  },
};
