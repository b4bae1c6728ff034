import { sql } from 'kysely';
import type { SwvSector } from '../../db/types';
import { BRIN, normaliseBrin, normaliseLocationCode, normaliseSwvCode, swvSector } from '../codes';
import type { FieldSpec } from '../columns';
import { MissingColumnsError, type ChangeLine, type Importer, type RejectedLine } from '../import-types';
import { chunks } from './util';

/**
 * DUO's "scholen per samenwerkingsverband": which SWV each school belongs to. Newer files name
 * the location; older ones only the BRIN, in which case every known location of that BRIN is
 * linked. The file is the truth for the sectors it covers: links of those sectors that it no
 * longer lists are removed (the school stays; only the link goes). A school may belong to
 * several SWVs (special schools, vo schools with branches in several regions).
 */

type Field = 'swvCode' | 'swvName' | 'locationCode' | 'brin';

const FIELDS: Array<FieldSpec<Field>> = [
  { key: 'swvCode', aliases: ['ADMINISTRATIENUMMER', 'SWVCODE', 'CODESAMENWERKINGSVERBAND', 'SAMENWERKINGSVERBANDCODE', 'SAMENWERKINGSVERBAND', 'SWV'], required: true, label: 'SAMENWERKINGSVERBAND (code)' },
  { key: 'swvName', aliases: ['NAAMSAMENWERKINGSVERBAND', 'SAMENWERKINGSVERBANDNAAM'], label: 'NAAM SAMENWERKINGSVERBAND' },
  { key: 'locationCode', aliases: ['VESTIGINGSCODE', 'VESTIGINGSNUMMER', 'VESTIGINSNUMMER', 'BRIN6'], label: 'VESTIGINGSCODE' },
  { key: 'brin', aliases: ['INSTELLINGSCODE', 'BRINNUMMER', 'BRIN'], label: 'INSTELLINGSCODE' },
];

const linkKey = (schoolId: number, swvId: number) => `${schoolId}:${swvId}`;

export const swvSchoolsImporter: Importer<Field> = {
  type: 'swv-schools',
  fields: FIELDS,
  async plan(db, rows, { present }) {
    if (!present.has('locationCode') && !present.has('brin')) {
      // Reported like a missing required column (see runImport): nothing can be linked.
      throw new MissingColumnsError(['VESTIGINGSCODE of INSTELLINGSCODE (BRIN)']);
    }
    const swvs = await db.selectFrom('swvs').select(['id', 'code', 'name', 'sector']).execute();
    const swvByCode = new Map(swvs.map((s) => [s.code, s]));
    const schools = await db.selectFrom('schools').select(['id', 'location_code', 'brin', 'name']).execute();
    const schoolByCode = new Map(schools.map((s) => [s.location_code, s]));
    const schoolsByBrin = new Map<string, typeof schools>();
    for (const s of schools) {
      const list = schoolsByBrin.get(s.brin);
      if (list) list.push(s);
      else schoolsByBrin.set(s.brin, [s]);
    }

    const rejected: RejectedLine[] = [];
    const seen = new Map<string, number>();
    const wanted = new Map<string, { schoolId: number; swvId: number; label: string; name: string }>();
    const protectedLinks = new Set<string>();
    const sectors = new Set<SwvSector>();

    for (const row of rows) {
      const v = row.values;
      const swvCode = v.swvCode ? normaliseSwvCode(v.swvCode) : null;
      const brin = v.brin ? normaliseBrin(v.brin) : null;
      const code = v.locationCode ? normaliseLocationCode(v.locationCode, brin) : null;
      const key = code ?? brin ?? v.locationCode ?? v.brin ?? undefined;
      const targets = () => (code ? [schoolByCode.get(code)].filter((s) => s !== undefined) : brin ? (schoolsByBrin.get(brin) ?? []) : []);
      const reject = (reason: string) => {
        rejected.push({ line: row.line, reason, ...(key ? { key } : {}) });
        const swv = swvCode ? swvByCode.get(swvCode) : undefined;
        if (swv && row.aligned) for (const s of targets()) protectedLinks.add(linkKey(s.id, swv.id));
      };
      if (row.problem) {
        reject(row.problem);
        continue;
      }
      if (!v.swvCode) {
        reject('code van het samenwerkingsverband ontbreekt');
        continue;
      }
      if (!swvCode) {
        reject(`ongeldige SWV-code '${v.swvCode}' (verwacht PO of VO met vier cijfers)`);
        continue;
      }
      sectors.add(swvSector(swvCode));
      const swv = swvByCode.get(swvCode);
      if (!swv) {
        reject(`onbekende SWV-code ${swvCode} (importeer eerst de lijst van samenwerkingsverbanden)`);
        continue;
      }
      if (brin !== null && !BRIN.test(brin)) {
        reject(`ongeldig BRIN-nummer '${v.brin}'`);
        continue;
      }
      if (v.locationCode && !code) {
        reject(`ongeldige vestigingscode '${v.locationCode}'`);
        continue;
      }
      if (!code && !brin) {
        reject('vestigingscode en BRIN-nummer ontbreken');
        continue;
      }
      if (code && brin && !code.startsWith(brin)) {
        reject(`vestigingscode ${code} hoort niet bij BRIN-nummer ${brin}`);
        continue;
      }
      const duplicateKey = `${swvCode}:${code ?? brin}`;
      const earlier = seen.get(duplicateKey);
      if (earlier !== undefined) {
        reject(`${code ? 'vestiging' : 'BRIN-nummer'} ${code ?? brin} staat al bij ${swvCode} op regel ${earlier}`);
        continue;
      }
      const found = targets();
      if (found.length === 0) {
        reject(code ? `onbekende vestiging ${code} (importeer eerst de vestigingen)` : `onbekend BRIN-nummer ${brin} (importeer eerst de vestigingen)`);
        continue;
      }
      seen.set(duplicateKey, row.line);
      for (const s of found) wanted.set(linkKey(s.id, swv.id), { schoolId: s.id, swvId: swv.id, label: `${s.location_code} → ${swv.code}`, name: s.name });
    }

    const scopeIds = swvs.filter((s) => sectors.has(s.sector)).map((s) => s.id);
    const existing = scopeIds.length
      ? await db
          .selectFrom('school_swvs')
          .innerJoin('schools', 'schools.id', 'school_swvs.school_id')
          .innerJoin('swvs', 'swvs.id', 'school_swvs.swv_id')
          .select(['school_swvs.school_id', 'school_swvs.swv_id', 'schools.location_code', 'schools.name', 'swvs.code'])
          .where('school_swvs.swv_id', 'in', scopeIds)
          .execute()
      : [];
    const existingKeys = new Set(existing.map((l) => linkKey(l.school_id, l.swv_id)));
    const inserts = [...wanted.entries()].filter(([k]) => !existingKeys.has(k)).map(([, w]) => w);
    const removals = existing.filter((l) => !wanted.has(linkKey(l.school_id, l.swv_id)) && !protectedLinks.has(linkKey(l.school_id, l.swv_id)));
    const changes: ChangeLine[] = [
      ...inserts.map((w): ChangeLine => ({ key: w.label, name: w.name, action: 'added' })),
      ...removals.map((l): ChangeLine => ({ key: `${l.location_code} → ${l.code}`, name: l.name, action: 'removed' })),
    ];
    return {
      counts: {
        added: inserts.length,
        changed: 0,
        unchanged: wanted.size - inserts.length,
        deactivated: removals.length,
        kept: 0,
        skipped: 0,
      },
      rejected,
      warnings: [],
      changes,
      fingerprintParts: {
        inserts: inserts.map((w) => w.label).sort(),
        removals: removals.map((l) => `${l.location_code} → ${l.code}`).sort(),
      },
      async apply(trx) {
        for (const batch of chunks(inserts, 1000)) {
          await trx
            .insertInto('school_swvs')
            .values(batch.map((w) => ({ school_id: w.schoolId, swv_id: w.swvId })))
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        for (const batch of chunks(removals, 1000)) {
          await sql`delete from school_swvs where (school_id, swv_id) in (${sql.join(batch.map((l) => sql`(${l.school_id}::int, ${l.swv_id}::int)`))})`.execute(trx);
        }
      },
    };
  },
};
