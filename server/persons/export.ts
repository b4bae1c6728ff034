import { sql, type Kysely } from 'kysely';
import { PERSON_ROLES, PERSON_ROLE_LABELS, CLASS_GRADES, CLASS_GRADE_LABELS } from '../../contract/vocabulary';
import { hmac } from '../crypto';
import type { DB, SchoolKind, Situation, SwvSector } from '../db/types';
import { notFound } from '../errors';
import { answerVariable, schoolPseudonym, type ExportPlan, type ExportValue, type ExportVariable } from '../exports/export';
import { getVersion, readMeta, variablesFor, type QuestionnaireContent } from '../questionnaires';
import { answerColumns, answerValues, NOT_ASKED, VisibilityEvaluator, type AnswerColumn } from '../questionnaires/columns';
import type { QuestionnaireVariables } from '../questionnaires';
import { linkedColumns, type LinkedColumn } from './linked-columns';

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
 * Streamed (issue 19: 1.1 million persons, bench/persons-scale.ts): the plan measures what the
 * header needs (case count, widths of text columns and class labels) in SQL aggregates, then the
 * rows come from one query over every measurement of the chain ordered by panel id, read through
 * a cursor; a wide row is built when its panel's last person row has arrived. Rows are ordered by
 * the (random) panel UUID, which is not in the file: the order says nothing about who was
 * registered when. A person without a school location (e.g. a professional) exports with empty
 * school fields (left joins).
 */

export type PersonExportShape = 'long' | 'wide';

const MAX_CHAIN = 10;
const CURSOR_ROWS = 1000;

export function panelPseudonym(secret: string, panelId: string): string {
  return hmac(secret, 'panel-export', panelId).replace(/[-_]/g, '').slice(0, 12).toUpperCase();
}

export interface Measurement {
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

/** What one measurement contributes: its answer and linked columns, and how they sit in the union. */
interface MeasurementSpec {
  columns: AnswerColumn[];
  evaluator: VisibilityEvaluator;
  linked: LinkedColumn[];
  variables: ExportVariable[];
  linkedVars: ExportVariable[];
  /** Per variable of the union: the index of this measurement's own column, or -1. */
  answerIndex: number[];
  linkedIndex: number[];
}

/** One exported person row as it comes from the database, ready to place in a file row. */
interface PersonValues {
  measurement: number;
  role: string;
  fixed: ExportValue[];
  answers: ExportValue[];
  linked: ExportValue[];
}

const ROLE_CODES = new Map<string, number>(PERSON_ROLES.map((r, i) => [r, i + 1]));
const GRADE_CODES = new Map<string, number>(CLASS_GRADES.map((g, i) => [g, i + 1]));

/**
 * Completed persons of the chain's rounds with their answers, class and (if any) school location.
 * This and the query builders below are exported for bench/ (persons-scale.ts streams the row query
 * as its baseline, _persons-explain.ts prints their plans), so the bench runs what the export runs.
 */
export function exportedPersons(db: Kysely<DB>, roundIds: number[]) {
  return db
    .selectFrom('persons as p')
    .innerJoin('person_responses as pr', 'pr.person_id', 'p.id')
    .leftJoin('person_classes as c', 'c.id', 'p.class_id')
    .where('p.round_id', 'in', roundIds)
    .where('p.status', '=', 'completed')
    .where('pr.completed_at', 'is not', null);
}

const textColumns = (columns: AnswerColumn[]) => columns.map((c, k) => ({ c, k })).filter(({ c }) => c.kind === 'text' || c.kind === 'other-text');

/** The query of a measurement's exported persons (`n`), widest class label (`class_w`) and widest value of each text column (`w0`, `w1`, …). */
export function measurementWidthsQuery(db: Kysely<DB>, roundId: number, columns: AnswerColumn[]) {
  return exportedPersons(db, [roundId]).select([
    sql<number>`count(*)::int`.as('n'),
    sql<number>`coalesce(max(octet_length(c.label)), 0)::int`.as('class_w'),
    ...textColumns(columns).map(({ c }, i) => {
      const key = c.kind === 'text' ? c.question : `${c.question}-Comment`;
      return sql<number>`coalesce(max(case when jsonb_typeof(pr.data -> ${key}) = 'string' then octet_length(pr.data ->> ${key}) end), 0)::int`.as(`w${i}`);
    }),
  ]);
}

/** Widths of a measurement's text answers and class labels, and its number of exported persons. */
async function measure(db: Kysely<DB>, roundId: number, columns: AnswerColumn[]) {
  const texts = textColumns(columns);
  const row = (await measurementWidthsQuery(db, roundId, columns).executeTakeFirstOrThrow()) as unknown as Record<string, number>;
  const widths = new Map(texts.map(({ k }, i) => [k, Number(row[`w${i}`] ?? 0)]));
  return { count: Number(row.n), classWidth: Number(row.class_w), widths };
}

/** A measurement's answer columns as the export writes them. */
export function measurementColumns(m: Measurement): AnswerColumn[] {
  const consentQuestion = m.content ? readMeta(m.content).consent.question : undefined;
  return m.content ? answerColumns(m.content, variablesFor({ situation: null, sector: null, schoolName: 'de school' }), { consentQuestion }) : [];
}

async function measurementSpec(db: Kysely<DB>, m: Measurement): Promise<MeasurementSpec & { count: number; classWidth: number }> {
  const columns = measurementColumns(m);
  const linked = await linkedColumns(db, m.roundId);
  const { count, classWidth, widths } = await measure(db, m.roundId, columns);
  const variables = columns.map((c, k) => answerVariable(c, widths.get(k) ?? 1));
  // Linked text values live in memory already (linked-columns.ts): their widths over the exported pupils.
  const linkedWidths = new Map<number, number>();
  if (linked.some((l) => l.kind === 'string')) {
    const pupils = await exportedPersons(db, [m.roundId]).select('p.id').where('p.role', '=', 'pupil').execute();
    linked.forEach((l, k) => {
      if (l.kind !== 'string') return;
      let w = 1;
      for (const { id } of pupils) {
        const v = l.values.get(id);
        w = Math.max(w, typeof v === 'string' ? Buffer.byteLength(v) : 1);
      }
      linkedWidths.set(k, w);
    });
  }
  const linkedVars: ExportVariable[] = linked.map((l, k) => ({
    name: l.name,
    label: l.label,
    type: l.kind,
    measure: l.kind === 'numeric' ? 'scale' : 'nominal',
    ...(l.kind === 'string' ? { width: linkedWidths.get(k) ?? 1 } : {}),
  }));
  return { columns, evaluator: new VisibilityEvaluator(columns), linked, variables, linkedVars, answerIndex: [], linkedIndex: [], count, classWidth };
}

/**
 * The export's row query: every exported person of the chain (round ids oldest first) with what a
 * file row needs, ordered by panel id, then measurement, then person.
 */
export function personRowsQuery(db: Kysely<DB>, roundIds: number[]) {
  const position = sql<number>`case p.round_id ${sql.join(roundIds.map((id, i) => sql`when ${id}::int then ${i}::int`), sql` `)} end`;
  return exportedPersons(db, roundIds)
    .leftJoin('person_sites as s', 's.id', 'p.site_id')
    .leftJoin('invitations as i', 'i.id', 's.invitation_id')
    .leftJoin('schools as sc', 'sc.id', 'i.school_id')
    // A professional has no school (migration 0024) but an SWV of their own (persons.swv_id).
    .leftJoin('swvs as w', (join) => join.on(sql<boolean>`w.id = coalesce(i.swv_id, p.swv_id)`))
    .leftJoin('round_swvs as rs', (join) => join.onRef('rs.round_id', '=', 'p.round_id').onRef('rs.swv_id', '=', 'w.id'))
    .select([
      'p.id',
      'p.round_id',
      'p.panel_id',
      'p.role',
      'pr.data',
      'pr.completed_at',
      'c.label',
      'c.grade',
      'w.sector',
      'rs.situation',
      sql<string | null>`coalesce(i.school_location_code, sc.location_code)`.as('location_code'),
      sql<string | null>`coalesce(i.school_name, sc.name)`.as('school_name'),
      sql<SchoolKind | null>`coalesce(i.school_kind, sc.kind)`.as('school_kind'),
    ])
    .orderBy('p.panel_id')
    .orderBy(position)
    .orderBy('p.id');
}

/** The number of panel members with a completed questionnaire in any measurement of the chain (the wide export's case count). */
export function panelMembersQuery(db: Kysely<DB>, roundIds: number[]) {
  return exportedPersons(db, roundIds).select(sql<number>`count(distinct p.panel_id)::int`.as('n'));
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

const fixedVariables = (classWidth: number): ExportVariable[] => [
  { name: 'school_code', label: 'Schoolcode (pseudoniem, gelijk in elke meting)', type: 'string', measure: 'nominal', width: 10 },
  { name: 'klas', label: 'Klas (zoals de school haar noemde)', type: 'string', measure: 'nominal', width: classWidth },
  { name: 'groep', label: 'Groep of leerjaar', type: 'numeric', measure: 'ordinal', valueLabels: CLASS_GRADES.map((g, i) => [i + 1, CLASS_GRADE_LABELS[g]]) },
  { name: 'voltooid_op', label: 'Voltooid op', type: 'datetime', measure: 'scale' },
];

/** The value a variable has where a measurement did not ask it (or the member was not in it). */
const absent = (v: ExportVariable): ExportValue => (v.type === 'numeric' && v.missing?.includes(NOT_ASKED) ? NOT_ASKED : null);

/** Where each variable of `names` sits among a measurement's own variables (-1: not there). */
const indexIn = (names: ExportVariable[], own: ExportVariable[]): number[] => {
  const index = new Map(own.map((v, i) => [v.name, i]));
  return names.map((v) => index.get(v.name) ?? -1);
};

/** A value per variable of the union, from a measurement's own values. */
function spread(out: ExportValue[], names: ExportVariable[], index: number[], values: ExportValue[]): void {
  for (let j = 0; j < names.length; j++) {
    const i = index[j]!;
    out.push(i < 0 ? absent(names[j]!) : (values[i] ?? null));
  }
}

export async function planPersonExport(db: Kysely<DB>, secret: string, roundId: number, shape: PersonExportShape): Promise<ExportPlan> {
  const chain = await measurementChain(db, roundId);
  const specs: Array<Awaited<ReturnType<typeof measurementSpec>>> = [];
  for (const m of chain) specs.push(await measurementSpec(db, m));
  const latest = chain[chain.length - 1]!;
  const answerVars = union(specs.map((d) => d.variables));
  const linkedVars = union(specs.map((d) => d.linkedVars));
  for (const d of specs) {
    d.answerIndex = indexIn(answerVars, d.variables);
    d.linkedIndex = indexIn(linkedVars, d.linkedVars);
  }
  const classWidth = Math.max(1, ...specs.map((d) => d.classWidth));
  const meta = latest.content ? readMeta(latest.content) : { key: 'personen', version: '', consent: { question: '', yes: '' } };
  const measurementLabels: Array<[number, string]> = chain.map((m, i) => [i + 1, m.name]);
  const roleVar: ExportVariable = { name: 'rol', label: 'Rol', type: 'numeric', measure: 'nominal', valueLabels: PERSON_ROLES.map((r, i) => [i + 1, PERSON_ROLE_LABELS[r]]) };
  const panelVar: ExportVariable = { name: 'panel', label: 'Panelnummer (pseudoniem, gelijk in elke meting)', type: 'string', measure: 'nominal', width: 12 };
  const base = { roundName: latest.name, previousRound: chain.length > 1 ? chain[chain.length - 2]!.name : null, questionnaire: `${meta.key}-${meta.version}`, consent: meta.consent };
  const roundIds = chain.map((m) => m.roundId);
  const measurementOf = new Map(roundIds.map((id, i) => [id, i]));

  /** Every exported person of the chain, ordered by panel id and measurement, as file values. */
  async function* persons(): AsyncGenerator<{ panelId: string; person: PersonValues }> {
    // One keyed hash and one set of questionnaire variables per school, not per person.
    const schools = new Map<string, { code: string; vars: Partial<QuestionnaireVariables> }>();
    const stream = personRowsQuery(db, roundIds).stream(CURSOR_ROWS);
    for await (const r of stream) {
      const k = measurementOf.get(r.round_id)!;
      const spec = specs[k]!;
      const schoolKey = `${r.location_code ?? ''}\0${r.situation ?? ''}\0${r.sector ?? ''}\0${r.school_kind ?? ''}\0${r.school_name ?? ''}`;
      let school = schools.get(schoolKey);
      if (!school) {
        school = {
          code: r.location_code ? schoolPseudonym(secret, r.location_code) : '',
          vars: variablesFor({ situation: (r.situation ?? null) as Situation | null, sector: (r.sector ?? null) as SwvSector, schoolName: r.school_name ?? '', schoolKind: r.school_kind ?? undefined }),
        };
        schools.set(schoolKey, school);
      }
      const data = (r.data ?? {}) as Record<string, unknown>;
      yield {
        panelId: r.panel_id,
        person: {
          measurement: k + 1,
          role: r.role,
          fixed: [school.code, r.label ?? '', GRADE_CODES.get(r.grade ?? '') ?? null, r.completed_at],
          answers: answerValues(spec.columns, data, spec.evaluator.askedColumns(data, school.vars)),
          linked: spec.linked.map((l) => (r.role === 'pupil' ? (l.values.get(r.id) ?? null) : null)),
        },
      };
    }
  }

  if (shape === 'long') {
    const variables: ExportVariable[] = [
      panelVar,
      { name: 'meting', label: 'Meting', type: 'numeric', measure: 'ordinal', valueLabels: measurementLabels },
      roleVar,
      ...fixedVariables(classWidth),
      ...answerVars,
      ...linkedVars,
    ];
    return {
      ...base,
      variables,
      caseCount: specs.reduce((n, d) => n + d.count, 0),
      async *rows() {
        let lastPanel = '';
        let pseudonym = '';
        for await (const { panelId, person } of persons()) {
          if (panelId !== lastPanel) [lastPanel, pseudonym] = [panelId, panelPseudonym(secret, panelId)];
          const spec = specs[person.measurement - 1]!;
          const values: ExportValue[] = [pseudonym, person.measurement, ROLE_CODES.get(person.role) ?? null, ...person.fixed];
          spread(values, answerVars, spec.answerIndex, person.answers);
          spread(values, linkedVars, spec.linkedIndex, person.linked);
          yield values;
        }
      },
    };
  }

  // Wide: one row per panel member, T<k>_ prefixes per measurement.
  const prefixed = (k: number, v: ExportVariable): ExportVariable => ({ ...v, name: `T${k}_${v.name}`.slice(0, 64), label: `${chain[k - 1]!.name}: ${v.label}` });
  const perMeasurement = [...fixedVariables(classWidth), ...answerVars, ...linkedVars];
  const variables: ExportVariable[] = [
    panelVar,
    roleVar,
    { name: 'in_beide', label: chain.length === 2 ? 'In beide metingen (beide keren ingevuld)' : 'In alle metingen ingevuld', type: 'numeric', measure: 'nominal', valueLabels: [[0, 'nee'], [1, 'ja']] },
    ...chain.flatMap((_, i) => perMeasurement.map((v) => prefixed(i + 1, v))),
  ];
  const members = await panelMembersQuery(db, roundIds).executeTakeFirstOrThrow();
  const emptyMeasurement: ExportValue[] = [null, null, null, null, ...answerVars.map(absent), ...linkedVars.map(absent)];
  const wideRow = (panelId: string, hits: Array<PersonValues | undefined>): ExportValue[] => {
    // The role of the member's latest measurement; a measurement with two rows of one member keeps the last.
    const role = hits.findLast((h) => h !== undefined)!.role;
    const values: ExportValue[] = [panelPseudonym(secret, panelId), ROLE_CODES.get(role) ?? null, hits.every((h) => h !== undefined) ? 1 : 0];
    hits.forEach((hit, k) => {
      if (!hit) {
        values.push(...emptyMeasurement);
        return;
      }
      values.push(...hit.fixed);
      spread(values, answerVars, specs[k]!.answerIndex, hit.answers);
      spread(values, linkedVars, specs[k]!.linkedIndex, hit.linked);
    });
    return values;
  };
  return {
    ...base,
    variables,
    caseCount: Number(members.n),
    async *rows() {
      let panel: string | null = null;
      let hits: Array<PersonValues | undefined> = [];
      for await (const { panelId, person } of persons()) {
        if (panelId !== panel) {
          if (panel !== null) yield wideRow(panel, hits);
          panel = panelId;
          hits = new Array<PersonValues | undefined>(chain.length).fill(undefined);
        }
        hits[person.measurement - 1] = person;
      }
      if (panel !== null) yield wideRow(panel, hits);
    },
  };
}

/** inBoth's query (exported for bench/_persons-explain.ts). */
export function inBothQuery(previousRoundId: number, roundId: number) {
  // One merge of the two measurements' completed panel ids, each read in order from
  // persons_round_status_panel_idx (migration 0025): no sort or hash of a million ids.
  return sql<{ previous: number; current: number; both: number }>`
    select count(a.panel_id)::int as previous, count(b.panel_id)::int as current,
      count(a.panel_id) filter (where b.panel_id is not null)::int as both
    from (select distinct panel_id from persons where round_id = ${previousRoundId} and status = 'completed') a
    full join (select distinct panel_id from persons where round_id = ${roundId} and status = 'completed') b on b.panel_id = a.panel_id
  `;
}

/** How many panel members completed both this measurement and the one it follows (tracking). */
export async function inBoth(db: Kysely<DB>, roundId: number): Promise<{ previousRoundId: number; previous: number; current: number; both: number } | null> {
  const round = await db.selectFrom('person_rounds').select('previous_round_id').where('round_id', '=', roundId).executeTakeFirst();
  const previousRoundId = round?.previous_round_id ?? null;
  if (previousRoundId === null) return null;
  const r = (await inBothQuery(previousRoundId, roundId).execute(db)).rows[0]!;
  return { previousRoundId, previous: Number(r.previous), current: Number(r.current), both: Number(r.both) };
}
