import { sql } from 'kysely';
import type { SwvSector } from '../../db/types';
import { BRIN, normaliseBrin, normaliseLocationCode, normaliseSwvCode, swvSector } from '../codes';
import type { FieldSpec } from '../columns';
import { MissingColumnsError, type ChangeLine, type Importer, type ImportWarning, type RejectedLine } from '../import-types';
import { chunks, readSwvLine } from './util';

/**
 * DUO's "scholen per samenwerkingsverband": which SWV each school belongs to. Newer files name
 * the location; older ones only the BRIN, in which case every known location of that BRIN is
 * linked. The file is the truth for the sectors it covers: links of those sectors that it no
 * longer lists are removed (the school stays; only the link goes). An SWV the file names that
 * Meetronde does not know yet is created from the file's code and name (the dry run counts them). A school may belong to
 * several SWVs (special schools, vo schools with branches in several regions).
 */

type Field = 'swvCode' | 'swvName' | 'locationCode' | 'brin';

const FIELDS: Array<FieldSpec<Field>> = [
  { key: 'swvCode', aliases: ['ADMINISTRATIENUMMER', 'SWVCODE', 'CODESAMENWERKINGSVERBAND', 'SAMENWERKINGSVERBANDCODE', 'SAMENWERKINGSVERBAND', 'SWV'], required: true, label: 'SAMENWERKINGSVERBAND (code)' },
  { key: 'swvName', aliases: ['NAAMSAMENWERKINGSVERBAND', 'SAMENWERKINGSVERBANDNAAM'], label: 'NAAM SAMENWERKINGSVERBAND' },
  { key: 'locationCode', aliases: ['VESTIGINGSCODE', 'VESTIGINGSNUMMER', 'VESTIGINSNUMMER', 'BRIN6'], label: 'VESTIGINGSCODE' },
  { key: 'brin', aliases: ['INSTELLINGSCODE', 'BRINNUMMER', 'BRIN'], label: 'INSTELLINGSCODE' },
];

const linkKey = (schoolId: number, swvCode: string) => `${schoolId}:${swvCode}`;

/** Links per statement: the statement's text never grows with the file (arrays as two parameters). */
const LINK_BATCH = 1000;

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
    const schools = await db.selectFrom('schools').select(['id', 'location_code', 'brin', 'name']).where('retired_at', 'is', null).execute();
    const schoolByCode = new Map(schools.map((s) => [s.location_code, s]));
    const schoolsByBrin = new Map<string, typeof schools>();
    for (const s of schools) {
      const list = schoolsByBrin.get(s.brin);
      if (list) list.push(s);
      else schoolsByBrin.set(s.brin, [s]);
    }

    const rejected: RejectedLine[] = [];
    const warnings: ImportWarning[] = [];
    const seen = new Map<string, number>();
    const wanted = new Map<string, { schoolId: number; swvCode: string; label: string; name: string }>();
    const protectedLinks = new Set<string>();
    const sectors = new Set<SwvSector>();
    /** SWVs the file names that Meetronde does not know yet: created from the file's code and name. */
    const newSwvs = new Map<string, { code: string; name: string; sector: SwvSector; line: number }>();

    for (const row of rows) {
      const v = row.values;
      const swvCode = v.swvCode ? normaliseSwvCode(v.swvCode) : null;
      const brin = v.brin ? normaliseBrin(v.brin) : null;
      const code = v.locationCode ? normaliseLocationCode(v.locationCode, brin) : null;
      const key = code ?? brin ?? v.locationCode ?? v.brin ?? undefined;
      const targets = () => (code ? [schoolByCode.get(code)].filter((s) => s !== undefined) : brin ? (schoolsByBrin.get(brin) ?? []) : []);
      const reject = (reason: string) => {
        rejected.push({ line: row.line, reason, ...(key ? { key } : {}) });
        if (swvCode && row.aligned) for (const s of targets()) protectedLinks.add(linkKey(s.id, swvCode));
      };
      if (!readSwvLine(row.problem, v.swvCode, swvCode, reject, 'PO of VO met vier cijfers, bijvoorbeeld PO2701')) continue;
      sectors.add(swvSector(swvCode));
      if (!swvByCode.has(swvCode) && !newSwvs.has(swvCode)) {
        if (!v.swvName) {
          reject(
            present.has('swvName')
              ? `onbekende SWV-code ${swvCode} en geen naam op deze regel (vul de naam in, of importeer eerst de lijst van samenwerkingsverbanden)`
              : `onbekende SWV-code ${swvCode} (dit bestand heeft geen kolom met de naam; importeer eerst de lijst van samenwerkingsverbanden)`,
          );
          continue;
        }
        newSwvs.set(swvCode, { code: swvCode, name: v.swvName, sector: swvSector(swvCode), line: row.line });
      }
      if (brin !== null && !BRIN.test(brin)) {
        reject(`ongeldig BRIN-nummer '${v.brin}'`);
        continue;
      }
      if (v.locationCode && !code) {
        reject(`ongeldige vestigingscode '${v.locationCode}' (verwacht BRIN + twee cijfers, bijvoorbeeld 12AB00)`);
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
      for (const s of found) wanted.set(linkKey(s.id, swvCode), { schoolId: s.id, swvCode, label: `${s.location_code} → ${swvCode}`, name: s.name });
    }

    const scopeIds = swvs.filter((s) => sectors.has(s.sector)).map((s) => s.id);
    const existing = scopeIds.length
      ? await db
          .selectFrom('school_swvs')
          .innerJoin('schools', 'schools.id', 'school_swvs.school_id')
          .innerJoin('swvs', 'swvs.id', 'school_swvs.swv_id')
          .select(['school_swvs.school_id', 'school_swvs.swv_id', 'schools.location_code', 'schools.name', 'swvs.code'])
          .where('swvs.sector', 'in', [...sectors])
          .execute()
      : [];
    const existingKeys = new Set(existing.map((l) => linkKey(l.school_id, l.code)));
    const inserts = [...wanted.entries()].filter(([k]) => !existingKeys.has(k)).map(([, w]) => w);
    const removals = existing.filter((l) => !wanted.has(linkKey(l.school_id, l.code)) && !protectedLinks.has(linkKey(l.school_id, l.code)));
    const created = [...newSwvs.values()].sort((a, b) => a.code.localeCompare(b.code));
    for (const s of created) {
      warnings.push({ line: s.line, message: `samenwerkingsverband ${s.code} (${s.name}) is nog onbekend en wordt aangemaakt met de code en naam uit dit bestand` });
    }
    const changes: ChangeLine[] = [
      ...created.map((s): ChangeLine => ({ key: s.code, name: s.name, action: 'added', fields: ['nieuw samenwerkingsverband'] })),
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
        swvsCreated: created.length,
      },
      rejected,
      warnings,
      changes,
      fingerprintParts: {
        swvs: created.map((s) => [s.code, s.name]),
        inserts: inserts.map((w) => w.label).sort(),
        removals: removals.map((l) => `${l.location_code} → ${l.code}`).sort(),
      },
      async apply(trx, now) {
        const ids = new Map(swvs.map((s) => [s.code, s.id]));
        for (const batch of chunks(created, 500)) {
          const rows = await trx
            .insertInto('swvs')
            .values(batch.map((s) => ({ code: s.code, name: s.name, sector: s.sector, active: true, updated_at: now })))
            .returning(['id', 'code'])
            .execute();
          for (const r of rows) ids.set(r.code, r.id);
        }
        // Set-based, in batches of two arrays: a statement never grows with the file. (A list of
        // row values, `(school_id, swv_id) in ((…), …)`, crashed PGlite above ~500 pairs.)
        for (const batch of chunks(removals, LINK_BATCH)) {
          await sql`
            delete from school_swvs as l
            using unnest(${batch.map((r) => r.school_id)}::int[], ${batch.map((r) => r.swv_id)}::int[]) as d(school_id, swv_id)
            where l.school_id = d.school_id and l.swv_id = d.swv_id
          `.execute(trx);
        }
        for (const batch of chunks(inserts, LINK_BATCH)) {
          await sql`
            insert into school_swvs (school_id, swv_id)
            select * from unnest(${batch.map((w) => w.schoolId)}::int[], ${batch.map((w) => ids.get(w.swvCode)!)}::int[])
            on conflict do nothing
          `.execute(trx);
        }
      },
    };
  },
};
