import { sql, type Kysely } from 'kysely';
import { PERSON_ROLES, PERSON_ROLE_LABELS, CLASS_GRADES, CLASS_GRADE_LABELS } from '../../contract/vocabulary';
import { hmac } from '../crypto';
import type { DB, SchoolKind, Situation, SwvSector } from '../db/types';
import { notFound } from '../errors';
import { answerVariable, schoolPseudonym, type ExportPlan, type ExportValue, type ExportVariable } from '../exports/export';
import { getVersion, readMeta, variablesFor, type QuestionnaireContent } from '../questionnaires';
import { answerColumns, answerValues, NOT_ASKED, VisibilityEvaluator, type AnswerColumn } from '../questionnaires/columns';
import { linkedColumns } from './linked-columns';
import { personsWithOptionalSchools } from './joins';

/**
 * Exports of a person round and the measurements before it (the chain of previous_round_id), as
 * ../shared/person-level-rounds.md §5.1 asks: stored long, exported long or wide.
 *
 * - long: one row per person per measurement (`meting` 1, 2, …), completed persons only.
 * - wide: one row per panel member with a completed questionnaire in at least one measurement;
 *   every per-measurement variable prefixed T1_, T2_, …; `in_beide` = 1 when the member completed
 *   both (every) measurement(s).
 *
 * Pseudonymised: `panel` is HMAC(secret, 'panel-export', panel_id), the same in every export of
 * the study (so files can be merged), never the panel UUID, a code, a name or an e-mail address;
 * schools are the exports' usual `school_code`. Pupil rows carry the linked columns
 * (linked-columns.ts: teacher answers, school answers, external scores) of their measurement.
 *
 * Rows are built in memory: a person round's measurements are tens of thousands of persons; the
 * 1.1M case is measured in bench/persons-scale.ts.
 */

export type PersonExportShape = 'long' | 'wide';

const MAX_CHAIN = 10;

export function panelPseudonym(secret: string, panelId: string): string {
  return hmac(secret, 'panel-export', panelId).replace(/[-_]/g, '').slice(0, 12).toUpperCase();
}

interface Measurement {
  roundId: number;
  name: string;
  content: QuestionnaireContent | null;
}

/** This round and the ones it follows, oldest first. */
export async function measurementChain(db: Kysely<DB>, roundId: number): Promise<Measurement[]> {
  const chain: Measurement[] = [];
  let id: number | null = roundId;
  while (id !== null && chain.length < MAX_CHAIN && !chain.some((m) => m.roundId === id)) {
    const row = await db
      .selectFrom('rounds as r')
      .innerJoin('person_rounds as p', 'p.round_id', 'r.id')
      .select(['r.id', 'r.name', 'r.questionnaire_version_id', 'p.previous_round_id'])
      .where('r.id', '=', id)
      .executeTakeFirst();
    if (!row) break;
    const content = row.questionnaire_version_id ? ((await getVersion(db, row.questionnaire_version_id)).content as QuestionnaireContent) : null;
    chain.unshift({ roundId: row.id, name: row.name, content });
    id = row.previous_round_id;
  }
  if (chain.length === 0) throw notFound('Deze meting is geen meting met personen.');
  return chain;
}

interface PersonRow {
  measurement: number;
  personId: number;
  panel: string;
  role: string;
  school: string;
  classLabel: string;
  grade: string;
  completedAt: Date | null;
  answers: ExportValue[];
  linked: ExportValue[];
}

interface MeasurementData {
  columns: AnswerColumn[];
  variables: ExportVariable[];
  linked: ExportVariable[];
  rows: PersonRow[];
}

const ROLE_CODES = new Map<string, number>(PERSON_ROLES.map((r, i) => [r, i + 1]));
const GRADE_CODES = new Map<string, number>(CLASS_GRADES.map((g, i) => [g, i + 1]));

async function measurementData(db: Kysely<DB>, secret: string, m: Measurement, index: number): Promise<MeasurementData> {
  const consentQuestion = m.content ? readMeta(m.content).consent.question : undefined;
  const columns = m.content ? answerColumns(m.content, variablesFor({ situation: null, sector: null, schoolName: 'de school' }), { consentQuestion }) : [];
  const evaluator = new VisibilityEvaluator(columns);
  const linked = await linkedColumns(db, m.roundId);
  // Professionals have no school (migration 0024): school_code and klas stay empty for them.
  const rows = await personsWithOptionalSchools(db)
    .innerJoin('person_responses as pr', 'pr.person_id', 'p.id')
    .leftJoin('person_classes as c', 'c.id', 'p.class_id')
    .select([
      'p.id',
      'p.panel_id',
      'p.role',
      'pr.data',
      'pr.completed_at',
      'c.label',
      'c.grade',
      'w.sector',
      'rs.situation',
      sql<string>`coalesce(i.school_location_code, sc.location_code)`.as('location_code'),
      sql<string>`coalesce(i.school_name, sc.name, '')`.as('school_name'),
      sql<SchoolKind>`coalesce(i.school_kind, sc.kind)`.as('school_kind'),
    ])
    .where('p.round_id', '=', m.roundId)
    .where('p.status', '=', 'completed')
    .where('pr.completed_at', 'is not', null)
    .orderBy('p.id')
    .execute();
  // One keyed hash per school, not per person.
  const schoolCodes = new Map<string, string>();
  const schoolCode = (location: string) => {
    let code = schoolCodes.get(location);
    if (code === undefined) schoolCodes.set(location, (code = schoolPseudonym(secret, location)));
    return code;
  };
  const out: PersonRow[] = rows.map((r) => {
    const data = (r.data ?? {}) as Record<string, unknown>;
    const vars = variablesFor({ situation: (r.situation ?? null) as Situation | null, sector: r.sector as SwvSector, schoolName: r.school_name, schoolKind: r.school_kind });
    return {
      measurement: index + 1,
      personId: r.id,
      panel: panelPseudonym(secret, r.panel_id),
      role: r.role,
      school: r.location_code ? schoolCode(r.location_code) : '',
      classLabel: r.label ?? '',
      grade: r.grade ?? '',
      completedAt: r.completed_at,
      answers: answerValues(columns, data, evaluator.askedColumns(data, vars)),
      linked: linked.map((l) => (r.role === 'pupil' ? (l.values.get(r.id) ?? null) : null)),
    };
  });
  const width = (values: ExportValue[]) => Math.max(1, ...values.map((v) => (typeof v === 'string' ? Buffer.byteLength(v) : 1)));
  const variables = columns.map((c, k) => answerVariable(c, width(out.map((r) => r.answers[k] ?? null))));
  const linkedVars: ExportVariable[] = linked.map((l, k) => ({
    name: l.name,
    label: l.label,
    type: l.kind,
    measure: l.kind === 'numeric' ? 'scale' : 'nominal',
    ...(l.kind === 'string' ? { width: width(out.map((r) => r.linked[k] ?? null)) } : {}),
  }));
  return { columns, variables, linked: linkedVars, rows: out };
}

/** Variables of several measurements by name: the latest measurement's definition wins. */
function union(lists: ExportVariable[][]): ExportVariable[] {
  const byName = new Map<string, ExportVariable>();
  for (const list of [...lists].reverse()) {
    for (const v of list) {
      const known = byName.get(v.name);
      if (!known) byName.set(v.name, v);
      else if (v.type === 'string' && known.type === 'string') byName.set(v.name, { ...known, width: Math.max(known.width ?? 1, v.width ?? 1) });
    }
  }
  // Keep the latest measurement's order first, then what only earlier ones had.
  return [...byName.values()];
}

const fixedVariables = (chain: Measurement[], classWidth: number): ExportVariable[] => [
  { name: 'school_code', label: 'Schoolcode (pseudoniem, gelijk in elke meting)', type: 'string', measure: 'nominal', width: 10 },
  { name: 'klas', label: 'Klas (zoals de school haar noemde)', type: 'string', measure: 'nominal', width: classWidth },
  { name: 'groep', label: 'Groep of leerjaar', type: 'numeric', measure: 'ordinal', valueLabels: CLASS_GRADES.map((g, i) => [i + 1, CLASS_GRADE_LABELS[g]]) },
  { name: 'voltooid_op', label: 'Voltooid op', type: 'datetime', measure: 'scale' },
];

const rowFixed = (r: PersonRow): ExportValue[] => [r.school, r.classLabel, GRADE_CODES.get(r.grade) ?? null, r.completedAt];

/** A value per variable of `names`, from a measurement's own variables (not asked where it had none). */
function spread(names: ExportVariable[], own: ExportVariable[], values: ExportValue[]): ExportValue[] {
  const index = new Map(own.map((v, i) => [v.name, i]));
  return names.map((v) => {
    const i = index.get(v.name);
    if (i === undefined) return v.type === 'numeric' && v.missing?.includes(NOT_ASKED) ? NOT_ASKED : null;
    return values[i] ?? null;
  });
}

export async function planPersonExport(db: Kysely<DB>, secret: string, roundId: number, shape: PersonExportShape): Promise<ExportPlan> {
  const chain = await measurementChain(db, roundId);
  const data: MeasurementData[] = [];
  for (const [i, m] of chain.entries()) data.push(await measurementData(db, secret, m, i));
  const latest = chain[chain.length - 1]!;
  const answerVars = union(data.map((d) => d.variables));
  const linkedVars = union(data.map((d) => d.linked));
  const classWidth = Math.max(1, ...data.flatMap((d) => d.rows.map((r) => Buffer.byteLength(r.classLabel))));
  const meta = latest.content ? readMeta(latest.content) : { key: 'personen', version: '', consent: { question: '', yes: '' } };
  const measurementLabels: Array<[number, string]> = chain.map((m, i) => [i + 1, m.name]);
  const roleVar: ExportVariable = { name: 'rol', label: 'Rol', type: 'numeric', measure: 'nominal', valueLabels: PERSON_ROLES.map((r, i) => [i + 1, PERSON_ROLE_LABELS[r]]) };
  const panelVar: ExportVariable = { name: 'panel', label: 'Panelnummer (pseudoniem, gelijk in elke meting)', type: 'string', measure: 'nominal', width: 12 };
  const base = { roundName: latest.name, previousRound: chain.length > 1 ? chain[chain.length - 2]!.name : null, questionnaire: `${meta.key}-${meta.version}`, consent: meta.consent };

  if (shape === 'long') {
    const variables: ExportVariable[] = [
      panelVar,
      { name: 'meting', label: 'Meting', type: 'numeric', measure: 'ordinal', valueLabels: measurementLabels },
      roleVar,
      ...fixedVariables(chain, classWidth),
      ...answerVars,
      ...linkedVars,
    ];
    const rows = data.flatMap((d) =>
      d.rows.map((r): ExportValue[] => [r.panel, r.measurement, ROLE_CODES.get(r.role) ?? null, ...rowFixed(r), ...spread(answerVars, d.variables, r.answers), ...spread(linkedVars, d.linked, r.linked)]),
    );
    rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1]));
    return { ...base, variables, caseCount: rows.length, rows: async function* () { yield* rows; } };
  }

  // Wide: one row per panel member, T<k>_ prefixes per measurement.
  const prefixed = (k: number, v: ExportVariable): ExportVariable => ({ ...v, name: `T${k}_${v.name}`.slice(0, 64), label: `${chain[k - 1]!.name}: ${v.label}` });
  const perMeasurement = [...fixedVariables(chain, classWidth), ...answerVars, ...linkedVars];
  const variables: ExportVariable[] = [
    panelVar,
    roleVar,
    { name: 'in_beide', label: chain.length === 2 ? 'In beide metingen (beide keren ingevuld)' : 'In alle metingen ingevuld', type: 'numeric', measure: 'nominal', valueLabels: [[0, 'nee'], [1, 'ja']] },
    ...chain.flatMap((_, i) => perMeasurement.map((v) => prefixed(i + 1, v))),
  ];
  const members = new Map<string, { role: string; byMeasurement: Map<number, { row: PersonRow; own: MeasurementData }> }>();
  for (const d of data) {
    for (const r of d.rows) {
      const member = members.get(r.panel) ?? { role: r.role, byMeasurement: new Map() };
      member.role = r.role;
      member.byMeasurement.set(r.measurement, { row: r, own: d });
      members.set(r.panel, member);
    }
  }
  const empty = (list: ExportVariable[]) => list.map((v) => (v.type === 'numeric' && v.missing?.includes(NOT_ASKED) ? NOT_ASKED : null));
  const rows = [...members.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([panel, member]): ExportValue[] => {
      const values: ExportValue[] = [panel, ROLE_CODES.get(member.role) ?? null, member.byMeasurement.size === chain.length ? 1 : 0];
      for (let k = 1; k <= chain.length; k++) {
        const hit = member.byMeasurement.get(k);
        if (!hit) values.push(null, null, null, null, ...empty(answerVars), ...empty(linkedVars));
        else values.push(...rowFixed(hit.row), ...spread(answerVars, hit.own.variables, hit.row.answers), ...spread(linkedVars, hit.own.linked, hit.row.linked));
      }
      return values;
    });
  return { ...base, variables, caseCount: rows.length, rows: async function* () { yield* rows; } };
}

/** How many panel members completed both this measurement and the one it follows (tracking). */
export async function inBoth(db: Kysely<DB>, roundId: number): Promise<{ previousRoundId: number; previous: number; current: number; both: number } | null> {
  const round = await db.selectFrom('person_rounds').select('previous_round_id').where('round_id', '=', roundId).executeTakeFirst();
  const previousRoundId = round?.previous_round_id ?? null;
  if (previousRoundId === null) return null;
  const row = await sql<{ previous: number; current: number; both: number }>`
    with a as (select distinct panel_id from persons where round_id = ${previousRoundId} and status = 'completed'),
         b as (select distinct panel_id from persons where round_id = ${roundId} and status = 'completed')
    select (select count(*) from a)::int as previous, (select count(*) from b)::int as current,
      (select count(*) from a join b using (panel_id))::int as both
  `.execute(db);
  const r = row.rows[0]!;
  return { previousRoundId, previous: Number(r.previous), current: Number(r.current), both: Number(r.both) };
}
