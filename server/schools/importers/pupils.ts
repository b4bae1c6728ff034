import { sql } from 'kysely';
import { normaliseBrin, normaliseLocationCode } from '../codes';
import { normaliseHeader, type FieldSpec } from '../columns';
import { MissingColumnsError, type ChangeLine, type Importer, type ImportWarning, type RejectedLine } from '../import-types';
import { chunks, readLocationLine } from './util';

/**
 * DUO's pupil counts per location (shared/duo/README.md, "Pupil counts per school location"):
 * po `01.-leerlingen-po-soort-po-cluster-leeftijd-…` (a count per age) and vo
 * `01.-leerlingen-vo-per-vestiging-naar-onderwijstype-…` (a count per year and sex), several lines
 * per location (per kind of school, cluster or programme) that are summed. DUO masks small counts
 * as `<5` (1 to 4 pupils): the sum is kept as a range, never read as 0. A location the file does
 * not list keeps its count (the files are per sector); a location Meetronde does not know is
 * skipped.
 */

type Field = 'brin' | 'locationCode' | 'reference' | 'name' | `n${number}`;

const BASE_FIELDS: Array<FieldSpec<Field>> = [
  { key: 'brin', aliases: ['INSTELLINGSCODE', 'INSTELLING', 'BRINNUMMER', 'BRIN'], label: 'INSTELLINGSCODE' },
  { key: 'locationCode', aliases: ['VESTIGINGSCODE', 'VESTIGINGSNUMMER', 'VESTIGINSNUMMER', 'BRIN6'], required: true, label: 'VESTIGINGSCODE' },
  { key: 'reference', aliases: ['PEILDATUM', 'PEILDATUMLEERLINGEN', 'JAAR', 'SCHOOLJAAR'], label: 'PEILDATUM' },
  { key: 'name', aliases: ['INSTELLINGSNAAMVESTIGING', 'VESTIGINGSNAAM', 'NAAMVESTIGING'], label: 'INSTELLINGSNAAM VESTIGING' },
];

const TOTAL_COLUMNS = ['TOTAAL', 'TOTAALAANTALLEERLINGEN', 'AANTALLEERLINGEN', 'LEERLINGEN', 'TOTAALLEERLINGEN'];

/** The count columns of a header: a total if it has one, else every age or year column. */
export function countColumns(header: string[]): Array<{ index: number; name: string }> {
  const named = header.map((name, index) => ({ index, name: name.trim(), key: normaliseHeader(name) }));
  const totals = named.filter((c) => TOTAL_COLUMNS.includes(c.key));
  if (totals.length) return [totals[0]!];
  return named.filter((c) => /^(LEEFTIJD|LEERJAAR)/.test(c.key));
}

/** Whether a header looks like a pupil-count file. */
export function isPupilCountHeader(header: string[]): boolean {
  return countColumns(header).some((c) => /^(LEEFTIJD|LEERJAAR)/.test(normaliseHeader(c.name)));
}

/** A cell: a whole number, empty (0), or DUO's mask `<5` (1–4). Null when it is none of these. */
export function readCount(value: string | null | undefined): { min: number; max: number } | null {
  if (value === null || value === undefined || value.trim() === '') return { min: 0, max: 0 };
  const v = value.replace(/\s+/g, '');
  const masked = /^<(\d{1,3})$/.exec(v);
  if (masked) {
    const below = Number(masked[1]);
    return below >= 1 ? { min: Math.min(1, below - 1), max: below - 1 } : null;
  }
  if (/^\d{1,6}$/.test(v)) return { min: Number(v), max: Number(v) };
  return null;
}

export const pupilCountsImporter: Importer<Field> = {
  type: 'pupil-counts',
  fields: BASE_FIELDS,
  fieldsFor(header) {
    return [
      ...BASE_FIELDS,
      ...countColumns(header).map((c, i): FieldSpec<Field> => ({ key: `n${i}`, aliases: [normaliseHeader(c.name)], label: c.name })),
    ];
  },
  async plan(db, rows, { present, header }) {
    const columnNames = countColumns(header).map((c) => c.name);
    const countKeys = [...present].filter((k): k is `n${number}` => /^n\d+$/.test(k));
    if (countKeys.length === 0) throw new MissingColumnsError(['aantallen leerlingen (kolommen LEEFTIJD … of LEERJAAR …, of TOTAAL)']);
    const schools = await db
      .selectFrom('schools')
      .select(['id', 'location_code', 'name', 'pupils_min', 'pupils_max', 'pupils_reference'])
      .where('retired_at', 'is', null)
      .execute();
    const byCode = new Map(schools.map((s) => [s.location_code, s]));
    const rejected: RejectedLine[] = [];
    const warnings: ImportWarning[] = [];
    const sums = new Map<string, { min: number; max: number; reference: string | null; masked: boolean }>();
    const unknown = new Set<string>();
    const references = new Set<string>();
    let skipped = 0;

    for (const row of rows) {
      const v = row.values;
      const brin = v.brin ? normaliseBrin(v.brin) : null;
      const code = v.locationCode ? normaliseLocationCode(v.locationCode, brin) : null;
      const reject = (reason: string) => rejected.push({ line: row.line, reason, ...(code ? { key: code } : v.locationCode ? { key: v.locationCode } : {}) });
      const invalidCode = (given: string) =>
        /^[0-9]{1,2}$/.test(given.trim()) && !brin
          ? `vestigingsnummer '${given}' zonder INSTELLINGSCODE (BRIN): de vestiging is niet te bepalen`
          : `ongeldige vestigingscode '${given}' (verwacht BRIN + twee cijfers, bijvoorbeeld 12AB00)`;
      if (!readLocationLine(row, brin, code, reject, invalidCode)) continue;
      let min = 0;
      let max = 0;
      let masked = false;
      let bad: string | null = null;
      for (const key of countKeys) {
        const count = readCount(v[key]);
        if (!count) {
          bad = `kolom ${columnNames[Number(key.slice(1))] ?? key}: '${v[key]}' is geen aantal leerlingen (verwacht een geheel getal of <5)`;
          break;
        }
        if (count.min !== count.max) masked = true;
        min += count.min;
        max += count.max;
      }
      if (bad) {
        reject(bad);
        continue;
      }
      if (!byCode.has(code)) {
        unknown.add(code);
        skipped++;
        continue;
      }
      const reference = v.reference ?? null;
      if (reference) references.add(reference);
      const sum = sums.get(code);
      if (sum) {
        sum.min += min;
        sum.max += max;
        sum.masked ||= masked;
      } else sums.set(code, { min, max, reference, masked });
    }
    if (unknown.size) {
      warnings.push({
        line: null,
        message: `${unknown.size} vestiging${unknown.size === 1 ? '' : 'en'} uit dit bestand ${unknown.size === 1 ? 'is' : 'zijn'} niet bekend in Meetronde en overgeslagen (bijvoorbeeld ${[...unknown].slice(0, 3).join(', ')}); importeer eerst de vestigingen als die erbij horen`,
      });
    }
    if (references.size > 1) {
      warnings.push({ line: null, message: `het bestand heeft meer dan één peildatum (${[...references].slice(0, 3).join(', ')}); elke vestiging krijgt die van haar eigen regels` });
    }
    const masked = [...sums.values()].filter((s) => s.masked).length;
    if (masked) {
      warnings.push({ line: null, message: `bij ${masked} vestiging${masked === 1 ? '' : 'en'} staan kleine aantallen als <5: hun aantal is bewaard als bereik (van–tot), niet als precies getal` });
    }

    const updates: Array<{ id: number; code: string; min: number; max: number; reference: string | null; before: [number | null, number | null, string | null] }> = [];
    const changes: ChangeLine[] = [];
    let added = 0;
    let changed = 0;
    let unchanged = 0;
    for (const [code, sum] of sums) {
      const school = byCode.get(code)!;
      if (school.pupils_min === sum.min && school.pupils_max === sum.max && school.pupils_reference === sum.reference) {
        unchanged++;
        continue;
      }
      if (school.pupils_min === null) added++;
      else changed++;
      updates.push({ id: school.id, code, min: sum.min, max: sum.max, reference: sum.reference, before: [school.pupils_min, school.pupils_max, school.pupils_reference] });
      changes.push({ key: code, name: school.name, action: school.pupils_min === null ? 'added' : 'changed', fields: ['leerlingaantal'] });
    }
    updates.sort((a, b) => a.code.localeCompare(b.code));
    return {
      counts: { added, changed, unchanged, deactivated: 0, kept: 0, skipped },
      rejected,
      warnings,
      changes,
      fingerprintParts: updates.map((u) => [u.code, u.min, u.max, u.reference, u.before]),
      async apply(trx, now) {
        for (const batch of chunks(updates, 1000)) {
          await sql`
            update schools as s
            set pupils_min = v.min, pupils_max = v.max, pupils_reference = v.reference, updated_at = ${now}
            from unnest(${batch.map((u) => u.id)}::int[], ${batch.map((u) => u.min)}::int[], ${batch.map((u) => u.max)}::int[], ${batch.map((u) => u.reference)}::text[])
              as v(id, min, max, reference)
            where s.id = v.id
          `.execute(trx);
        }
      },
    };
  },
};
