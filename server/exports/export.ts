import { sql, type CompiledQuery, type Kysely, type RawBuilder } from 'kysely';
import { variableComparability, type VariableComparability } from '../questionnaires/questionnaire-diff';
import { hash } from 'node:crypto';
import { hmac } from '../crypto';
import type { DB, SchoolKind, Situation } from '../db/types';
import { notFound } from '../errors';
import { getVersion, readMeta, variablesFor, type QuestionnaireContent, type QuestionnaireVariables } from '../questionnaires';
import { RESPONSE_STATUS_LABELS, SITUATION_LABELS, SITUATIONS } from '../../contract/vocabulary';
import { answerColumns, compileAnswerValues, MISSING_LABELS, NOT_ANSWERED, NOT_ASKED, VisibilityEvaluator, type AnswerColumn } from '../questionnaires/columns';
import { readScales, ScaleAccumulator, scaleScore, type ScaleDefinition } from './scales';

/**
 * A round's responses as a table: context columns, then one column per answer value. Rows are
 * read from the database as a stream, so an export of 100,000 responses never holds them all.
 */

export type ExportValue = number | string | Date | null;

export interface ExportVariable {
  name: string;
  label: string;
  type: 'numeric' | 'string' | 'datetime';
  measure: 'nominal' | 'ordinal' | 'scale';
  valueLabels?: Array<[number, string]>;
  missing?: number[];
  /** Strings: the widest value in bytes (at least 1), for formats that need it up front. */
  width?: number;
  /** Codebook: the question and the condition under which it was asked. */
  question?: string;
  questionType?: string;
  condition?: string | null;
  /** Single-choice questions: answer value → label, to make conditions readable. */
  answerLabels?: Record<string, string>;
  /** Whether the variable can be set beside the previous measurement (when the round has one). */
  comparable?: VariableComparability;
  /** Numeric display decimals (SPSS print format); 0 when absent. */
  decimals?: number;
  /** Questionnaires with actor groups (issue 20): the groups whose version asks this item (Dutch plural labels). */
  actors?: string[];
  /** A computed scale score: its items (export variable names), the reverse-coded ones and its reliability in this export. */
  scale?: { items: string[]; reversed: string[]; alpha: number | null; n: number };
}

export interface ExportOptions {
  /** 'completed' (default) or 'all' consenting responses, partial ones marked as such. */
  include: 'completed' | 'all';
  /** Add school name, BRIN, location code and address (audit-logged by the caller). */
  identifiers: boolean;
  /** Only this situation's schools; variable labels then use its wording. */
  situation?: Situation;
  /**
   * What the file needs measured before its first row (issue 21: each is a pass over every
   * response): `widths`, the widest text of each answer column (.sav declares string widths,
   * XLSX sizes its columns; CSV needs neither), and `scaleStatistics`, each scale's alpha and n
   * over the export's cases (shown only in codebooks). Both by default; left out, text variables
   * have no width and scales have alpha null and n 0. `scaleStatistics: 'rows'` measures them
   * during `rows()` instead of in a pass of their own: each scale variable's alpha and n are
   * filled in once the rows are done (XLSX writes its codebook after the data).
   */
  measure?: { widths?: boolean; scaleStatistics?: boolean | 'rows' };
}

/** What each file format needs planExport to measure (see ExportOptions.measure). */
export function measureFor(format: 'csv' | 'csv-nl' | 'xlsx' | 'sav'): NonNullable<ExportOptions['measure']> {
  if (format === 'csv' || format === 'csv-nl') return { widths: false, scaleStatistics: false };
  if (format === 'sav') return { widths: true, scaleStatistics: false };
  return { widths: true, scaleStatistics: 'rows' };
}

export interface ExportPlan {
  roundName: string;
  /** The measurement the variables are compared with, if the round was copied from one. */
  previousRound: string | null;
  questionnaire: string;
  consent: { question: string; yes: string };
  variables: ExportVariable[];
  caseCount: number;
  rows(): AsyncIterable<ExportValue[]>;
  /**
   * The same rows in batches, as the database hands them: writers that take these pay one
   * asynchronous step per batch instead of one per row (issue 21). Plans without it are read
   * through rows().
   */
  batches?(): AsyncIterable<ExportValue[][]>;
}

/** A plan's rows in batches: its own batches, or its rows one per batch. */
export async function* rowBatches(plan: ExportPlan): AsyncGenerator<ExportValue[][]> {
  if (plan.batches) {
    yield* plan.batches();
    return;
  }
  for await (const row of plan.rows()) yield [row];
}

/**
 * A query's rows in the batches its cursor reads (`size` at a time). Kysely's stream() hands them
 * out one at a time, an asynchronous step (and a promise) per row. The next batch is asked for
 * as soon as one arrives, so that PostgreSQL reads it while this one is turned into the file
 * (issue 21): a cursor otherwise waits for every batch to be processed before it reads on.
 * Exported for tests/integration/export-cursor.test.ts.
 */
export async function* queryBatches<O>(db: Kysely<DB>, query: { compile(): CompiledQuery<O> }, size: number): AsyncGenerator<O[]> {
  const results = db.getExecutor().stream(query.compile(), size);
  let next = results.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = results.next();
      // Awaited in the next round; if the reader stops before, the finally below takes it.
      next.catch(() => {});
      yield result.value.rows;
    }
  } finally {
    // A reader that stopped early (a download broken off): let the read under way end, then
    // close the cursor and give its connection back.
    await next.catch(() => {});
    await results.return?.(undefined);
  }
}

/**
 * An instant selected as epoch milliseconds (floor(extract(epoch …) * 1000)), as a Date: what pg
 * makes of the timestamp's text to the millisecond (its parser drops the microseconds), without
 * parsing that text (issue 21: two per row). Infinite instants stay numbers, as pg gives them.
 */
function instantFromMs(ms: number | null): Date | number | null {
  return ms === null ? null : Number.isFinite(ms) ? new Date(ms) : ms;
}
const epochMs = (instant: RawBuilder<unknown>) => sql<number | null>`floor(extract(epoch from ${instant}) * 1000)::float8`;

const SITUATION_CODES = new Map<Situation, number>(SITUATIONS.map((s, i) => [s, i + 1]));
const STATUS_LABELS = RESPONSE_STATUS_LABELS.map(([code, label]): [number, string] => [code, label]);

/** A school's pseudonym, the same in every round, that nobody can turn back into the school without the secret. */
export function schoolPseudonym(secret: string, locationCode: string): string {
  return hmac(secret, 'school-pseudonym', locationCode).replace(/[-_]/g, '').slice(0, 10).toUpperCase();
}

/** base64url's alphabet upper-cased, with its - and _ (62, 63) left out as schoolPseudonym drops them. */
const PSEUDONYM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * schoolPseudonym for many schools under one secret (issue 21: an HMAC object per row was a
 * tenth of an export's time): HMAC-SHA256 as RFC 2104 writes it, over crypto's one-shot hash,
 * with the key's inner and outer pads prepared once, and the base64url text cut and upper-cased
 * as it is made. The same text as schoolPseudonym (tests/unit/pseudonym.test.ts compares them).
 */
export function schoolPseudonymiser(secret: string): (locationCode: string) => string {
  const BLOCK = 64;
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = hash('sha256', key, 'buffer');
  const purpose = Buffer.from('school-pseudonym\0', 'utf8');
  const inner = Buffer.alloc(BLOCK + purpose.length + 256);
  const outer = Buffer.alloc(BLOCK + 32);
  for (let i = 0; i < BLOCK; i++) {
    inner[i] = (key[i] ?? 0) ^ 0x36;
    outer[i] = (key[i] ?? 0) ^ 0x5c;
  }
  purpose.copy(inner, BLOCK);
  const prefix = BLOCK + purpose.length;
  return (locationCode) => {
    // Longer codes than the buffer holds for certain (three bytes per UTF-16 unit) take the general way.
    if (locationCode.length * 3 > inner.length - prefix) return schoolPseudonym(secret, locationCode);
    const length = prefix + inner.write(locationCode, prefix, 'utf8');
    hash('sha256', inner.subarray(0, length), 'buffer').copy(outer, BLOCK);
    const mac = hash('sha256', outer, 'buffer');
    // base64url, six bits at a time (the last character from the four bits left, as base64url pads them).
    let text = '';
    let bits = 0;
    let pending = 0;
    for (let i = 0; i < mac.length && text.length < 10; i++) {
      pending = ((pending << 8) | mac[i]!) & 0x3fff;
      bits += 8;
      while (bits >= 6 && text.length < 10) {
        bits -= 6;
        const sextet = (pending >> bits) & 63;
        if (sextet < 62) text += PSEUDONYM_CHARS[sextet]!;
      }
    }
    if (text.length < 10 && bits > 0) {
      const sextet = (pending << (6 - bits)) & 63;
      if (sextet < 62) text += PSEUDONYM_CHARS[sextet]!;
    }
    return text;
  };
}

function contextVariables(roundName: string, branch: { values: string[]; labels: string[] } | null): ExportVariable[] {
  const vars: ExportVariable[] = [
    { name: 'respondent', label: 'Respondentnummer (pseudoniem, vast binnen de meting)', type: 'numeric', measure: 'nominal' },
    { name: 'school_code', label: 'Schoolcode (pseudoniem, gelijk in elke meting)', type: 'string', measure: 'nominal', width: 10 },
    { name: 'meting', label: 'Meting', type: 'string', measure: 'nominal', width: Math.max(1, Buffer.byteLength(roundName)) },
    { name: 'swv', label: 'Samenwerkingsverband (code)', type: 'string', measure: 'nominal', width: 6 },
    { name: 'regio', label: 'Regio (letter)', type: 'string', measure: 'nominal', width: 2 },
    {
      name: 'situatie',
      label: 'Samenwerkingssituatie',
      type: 'numeric',
      measure: 'nominal',
      valueLabels: SITUATIONS.map((s, i) => [i + 1, SITUATION_LABELS[s]]),
    },
    { name: 'sector', label: 'Sector van het samenwerkingsverband', type: 'numeric', measure: 'nominal', valueLabels: [[1, 'po'], [2, 'vo']] },
  ];
  if (branch) {
    vars.push({
      name: 'tak',
      label: 'Mate van samenwerking (tak van de vragenlijst)',
      type: 'numeric',
      measure: 'nominal',
      valueLabels: [...branch.labels.map((label, i) => [i + 1, label] as [number, string]), [NOT_ANSWERED, 'Geen antwoord']],
      missing: [NOT_ANSWERED],
    });
  }
  vars.push(
    { name: 'status', label: 'Status van de respons', type: 'numeric', measure: 'nominal', valueLabels: STATUS_LABELS },
    { name: 'gestart_op', label: 'Gestart op', type: 'datetime', measure: 'scale' },
    { name: 'voltooid_op', label: 'Voltooid op', type: 'datetime', measure: 'scale' },
  );
  return vars;
}

const IDENTIFIER_VARIABLES: ExportVariable[] = [
  { name: 'school_naam', label: 'Naam van de school', type: 'string', measure: 'nominal' },
  { name: 'brin', label: 'BRIN', type: 'string', measure: 'nominal' },
  { name: 'vestiging', label: 'Vestigingscode (BRIN + vestigingsnummer)', type: 'string', measure: 'nominal' },
  { name: 'adres', label: 'Adres', type: 'string', measure: 'nominal' },
  { name: 'postcode', label: 'Postcode', type: 'string', measure: 'nominal' },
  { name: 'plaats', label: 'Plaats', type: 'string', measure: 'nominal' },
];

export function answerVariable(column: AnswerColumn, width: number): ExportVariable {
  // The codebook's "asked to" is the question's condition and the option's or row's own (situation) condition together.
  const condition = column.itemCondition ? (column.condition ? `(${column.condition}) and (${column.itemCondition})` : column.itemCondition) : column.condition;
  const common = { name: column.name, label: column.label, measure: column.measure, question: column.question, questionType: column.questionType, condition };
  if (column.kind === 'text' || column.kind === 'other-text') return { ...common, type: 'string', width: Math.max(1, width) };
  const answerLabels =
    column.kind === 'single' && column.codes
      ? Object.fromEntries([...column.codes].map(([value, code]) => [value, column.valueLabels?.find(([c]) => c === code)?.[1] ?? value]))
      : undefined;
  return { ...common, type: 'numeric', valueLabels: [...(column.valueLabels ?? []), ...MISSING_LABELS], missing: [NOT_ASKED, NOT_ANSWERED], answerLabels };
}

/** The round this one was copied from, with its pinned questionnaire, if it has one. */
export async function previousMeasurement(db: Kysely<DB>, previousRoundId: number | null): Promise<{ id: number; name: string; content: QuestionnaireContent } | null> {
  if (!previousRoundId) return null;
  const previous = await db.selectFrom('rounds').select(['id', 'name', 'questionnaire_version_id']).where('id', '=', previousRoundId).executeTakeFirst();
  if (!previous?.questionnaire_version_id) return null;
  const version = await getVersion(db, previous.questionnaire_version_id);
  return { id: previous.id, name: previous.name, content: version.content as QuestionnaireContent };
}

/** A round to export or report on, with its pinned questionnaire; a Dutch 404 when either is missing. */
export async function roundWithQuestionnaire(db: Kysely<DB>, roundId: number) {
  const round = await db
    .selectFrom('rounds')
    .select(['id', 'name', 'questionnaire_version_id', 'previous_round_id'])
    .where('id', '=', roundId)
    .executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  if (!round.questionnaire_version_id) throw notFound('Aan deze meting is nog geen vragenlijst gekoppeld.');
  const content = (await getVersion(db, round.questionnaire_version_id)).content as QuestionnaireContent;
  return { round, content };
}

function baseQuery(db: Kysely<DB>, roundId: number, options: ExportOptions) {
  let query = db
    .selectFrom('invitations as i')
    .innerJoin('rounds as r', 'r.id', 'i.round_id')
    .innerJoin('schools as s', 's.id', 'i.school_id')
    .innerJoin('swvs as w', 'w.id', 'i.swv_id')
    .leftJoin('round_swvs as rs', (join) => join.onRef('rs.round_id', '=', 'i.round_id').onRef('rs.swv_id', '=', 'i.swv_id'))
    .leftJoin('responses as resp', 'resp.invitation_id', 'i.id')
    .where('i.round_id', '=', roundId)
    .where('i.status', 'in', options.include === 'all' ? ['started', 'completed'] : ['completed']);
  if (options.situation) query = query.where('rs.situation', '=', options.situation);
  return query;
}

/**
 * Prepares an export: its variables (with string widths measured) and a stream of its rows. Rows
 * are ordered by respondent number: number them first (assignRespondentNumbers, in a transaction
 * of the caller's).
 */
export async function planExport(db: Kysely<DB>, secret: string, roundId: number, options: ExportOptions): Promise<ExportPlan> {
  const { round, content } = await roundWithQuestionnaire(db, roundId);
  const previous = await previousMeasurement(db, round.previous_round_id);
  const comparability = previous ? variableComparability(previous.content, content) : null;
  const meta = readMeta(content);

  const labelVariables: Partial<QuestionnaireVariables> = options.situation
    ? variablesFor({ situation: options.situation, sector: null, schoolName: 'de school' })
    : variablesFor({ situation: null, sector: null, schoolName: 'de school' });
  const columns = answerColumns(content, labelVariables, { consentQuestion: meta.consent.question });
  const evaluator = new VisibilityEvaluator(columns);

  let branch: { values: string[]; labels: string[] } | null = null;
  if (meta.branch) {
    const branchColumn = columns.find((c) => c.name === meta.branch!.question);
    const labels = meta.branch.values.map((v) => {
      const code = branchColumn?.codes?.get(v);
      return branchColumn?.valueLabels?.find(([c]) => c === code)?.[1] ?? v;
    });
    branch = { values: meta.branch.values, labels };
  }


  // One pass over the data measures the widest text of each string column (when the format needs it).
  // The answers are read from responses alone, for the invitations the export takes (a semi-join):
  // joined to the invitations they made PostgreSQL hash every response, answers and all, and spill
  // it to disk (issue 21, EXPLAIN ANALYZE in bench/RESULTS.md). Each invitation has at most one response.
  const measureWidths = options.measure?.widths ?? true;
  const textColumns = columns.filter((c) => c.kind === 'text' || c.kind === 'other-text');
  const measuredTexts = measureWidths ? textColumns : [];
  // Both at once (two connections on PostgreSQL).
  const [widthRow, measured] = await Promise.all([
    measuredTexts.length
      ? db
          .selectFrom('responses as resp')
          .select(
            measuredTexts.map((c, i) =>
              sql<number>`coalesce(max(octet_length(resp.data ->> ${c.kind === 'text' ? c.question : `${c.question}-Comment`})), 0)`.as(`w${i}`),
            ),
          )
          .where('resp.invitation_id', 'in', baseQuery(db, roundId, options).select('i.id'))
          .executeTakeFirstOrThrow()
      : {},
    baseQuery(db, roundId, options)
      .select(sql<number>`count(*)`.as('count'))
      .select(sql<number>`coalesce(max(octet_length(i.school_name)), 1)`.as('name_w'))
      .select(sql<number>`coalesce(max(octet_length(concat_ws(' ', i.school_street, i.school_house_number))), 1)`.as('address_w'))
      .select(sql<number>`coalesce(max(octet_length(i.school_city)), 1)`.as('city_w'))
      .executeTakeFirstOrThrow(),
  ]);
  const row = { ...measured, ...widthRow } as unknown as Record<string, number>;

  const identifierVars = IDENTIFIER_VARIABLES.map((v) => ({
    ...v,
    width: { school_naam: row.name_w, brin: 4, vestiging: 6, adres: row.address_w, postcode: 7, plaats: row.city_w }[v.name] ?? 1,
  }));
  const answerVars = columns.map((c) => ({
    ...answerVariable(c, measureWidths && textColumns.includes(c) ? Number(row[`w${textColumns.indexOf(c)}`] ?? 0) : 0),
    ...(comparability ? { comparable: comparability(c.question, { choice: c.choice, row: c.row }) } : {}),
  }));
  // Scale scores: computed variables after the answers, with their items and alpha over this export's cases.
  const scales = readScales(content);
  const scaleVars: ExportVariable[] = [];
  const scaleItemIndexes: number[][] = [];
  const scaleStatistics = options.measure?.scaleStatistics ?? true;
  if (scales.length) {
    const accumulators = scales.map((sc) => new ScaleAccumulator(sc));
    if (scaleStatistics === true) {
      const stream = baseQuery(db, roundId, options).select('resp.data').stream(500);
      for await (const r of stream) for (const a of accumulators) a.add((r.data ?? {}) as Record<string, unknown>);
    }
    scales.forEach((sc, k) => {
      const itemName = (item: ScaleDefinition['items'][number]) => (item.row === null ? item.question : `${item.question}_${item.row}`);
      const stats = accumulators[k]!.result();
      scaleItemIndexes.push(sc.items.map((item) => columns.findIndex((c) => c.name === itemName(item))));
      scaleVars.push({
        name: sc.name,
        label: `Schaalscore ${sc.label} (gemiddelde van ${sc.items.length} items, ${sc.min}–${sc.max})`,
        type: 'numeric',
        measure: 'scale',
        decimals: 2,
        valueLabels: [
          [NOT_ASKED, 'Niet gevraagd'],
          [NOT_ANSWERED, 'Niet alle items beantwoord'],
        ],
        missing: [NOT_ASKED, NOT_ANSWERED],
        question: sc.items[0]!.question,
        questionType: 'scale',
        condition: columns.find((c) => c.question === sc.items[0]!.question)?.condition ?? null,
        ...(comparability ? { comparable: sc.items.every((i) => comparability(i.question, i.row === null ? {} : { row: i.row }) === 'ja') ? ('ja' as const) : ('nee' as const) } : {}),
        scale: { items: sc.items.map(itemName), reversed: sc.items.filter((i) => sc.reversed.has(i.key)).map(itemName), alpha: stats.alpha, n: stats.n },
      });
    });
  }
  const variables = [...contextVariables(round.name, branch), ...(options.identifiers ? identifierVars : []), ...answerVars, ...scaleVars];

  async function* batches(): AsyncGenerator<ExportValue[][]> {
    // Without identifiers the school's name and address are not read at all, unless a condition
    // reads the school's name (school_naam): every row would otherwise carry them from
    // PostgreSQL and through pg's parser for nothing.
    const nameMatters = evaluator.conditionsRead('school_naam');
    const query = baseQuery(db, roundId, options)
      .select([
        'i.respondent_number',
        'i.status',
        // Shown as "gestart op": the start, or for older responses the consent (one date to parse, not two).
        epochMs(sql`coalesce(i.started_at, i.consent_at)`).as('started_ms'),
        epochMs(sql.ref('i.completed_at')).as('completed_ms'),
        // The school as it was when invited (migration 0012), not as the latest DUO list has it.
        sql<string>`coalesce(i.school_location_code, s.location_code)`.as('location_code'),
        sql<SchoolKind>`coalesce(i.school_kind, s.kind)`.as('school_kind'),
        'w.code as swv_code',
        'w.sector',
        'rs.situation',
        'rs.region_letter',
        'resp.data',
        'resp.branch',
      ])
      .$if(options.identifiers || nameMatters, (q) => q.select(sql<string>`coalesce(i.school_name, s.name)`.as('school_name')))
      .$if(options.identifiers, (q) =>
        q.select([
          sql<string>`coalesce(i.school_brin, s.brin)`.as('brin'),
          'i.school_street as street',
          'i.school_house_number as house_number',
          'i.school_postcode as postcode',
          'i.school_city as city',
        ]),
      )
      .orderBy('i.respondent_number');
    const writeAnswers = compileAnswerValues(columns);
    const answersAt = 7 + (branch ? 1 : 0) + 3 + (options.identifiers ? IDENTIFIER_VARIABLES.length : 0);
    const scalesAt = answersAt + columns.length;
    const rowLength = scalesAt + scales.length;
    // A row's variables matter here only for which questions were asked. When no condition reads
    // the school's name, rows of the same situation, sector and school kind ask the same
    // questions of the same answers: one variables object for them all, its part of the routing
    // state worked out once (VisibilityEvaluator.forVariables).
    const pseudonym = schoolPseudonymiser(secret);
    const sharedAsked = new Map<string, (data: Record<string, unknown>) => boolean[]>();
    // scaleStatistics 'rows': measured here, over the rows this pass exports.
    const rowAccumulators = scaleStatistics === 'rows' && scales.length ? scales.map((sc) => new ScaleAccumulator(sc)) : null;
    for await (const batch of queryBatches(db, query, 500)) {
      const out: ExportValue[][] = new Array(batch.length);
      for (let b = 0; b < batch.length; b++) {
        const r = batch[b]!;
        const data = (r.data ?? {}) as Record<string, unknown>;
        const situation = (r.situation ?? null) as Situation | null;
        let asked: boolean[];
        if (nameMatters) {
          asked = evaluator.askedColumns(data, variablesFor({ situation, sector: r.sector, schoolName: r.school_name!, schoolKind: r.school_kind }));
        } else {
          const key = `${situation}|${r.sector}|${r.school_kind}`;
          let askedFor = sharedAsked.get(key);
          if (!askedFor) {
            askedFor = evaluator.forVariables(variablesFor({ situation, sector: r.sector, schoolName: '', schoolKind: r.school_kind }));
            sharedAsked.set(key, askedFor);
          }
          asked = askedFor(data);
        }
        const branchIndex = branch && r.branch ? branch.values.indexOf(r.branch) : -1;
        const values = new Array<ExportValue>(rowLength);
        values[0] = r.respondent_number;
        values[1] = pseudonym(r.location_code);
        values[2] = round.name;
        values[3] = r.swv_code;
        values[4] = r.region_letter ?? '';
        values[5] = situation ? SITUATION_CODES.get(situation)! : null;
        values[6] = r.sector === 'po' ? 1 : 2;
        let at = 7;
        if (branch) values[at++] = branchIndex >= 0 ? branchIndex + 1 : NOT_ANSWERED;
        values[at++] = r.status === 'completed' ? 1 : 2;
        values[at++] = instantFromMs(r.started_ms) as ExportValue;
        values[at++] = instantFromMs(r.completed_ms) as ExportValue;
        if (options.identifiers) {
          values[at++] = r.school_name!;
          values[at++] = r.brin!;
          values[at++] = r.location_code;
          values[at++] = [r.street, r.house_number].filter(Boolean).join(' ');
          values[at++] = r.postcode ?? '';
          values[at++] = r.city ?? '';
        }
        writeAnswers(data, asked, values, answersAt);
        for (let k = 0; k < scales.length; k++) {
          const score = scaleScore(scales[k]!, data);
          let itemsAsked = false;
          for (const i of scaleItemIndexes[k]!) {
            if (i >= 0 && values[answersAt + i] !== NOT_ASKED) {
              itemsAsked = true;
              break;
            }
          }
          values[scalesAt + k] = score !== null ? Math.round(score * 1e6) / 1e6 : itemsAsked ? NOT_ANSWERED : NOT_ASKED;
        }
        if (rowAccumulators) for (const a of rowAccumulators) a.add(data);
        out[b] = values;
      }
      yield out;
    }
    // Every row seen: the scale variables get the statistics of this export's cases.
    rowAccumulators?.forEach((a, k) => {
      const stats = a.result();
      Object.assign(scaleVars[k]!.scale!, { alpha: stats.alpha, n: stats.n });
    });
  }

  async function* rows() {
    for await (const batch of batches()) yield* batch;
  }

  return {
    roundName: round.name,
    previousRound: previous?.name ?? null,
    questionnaire: `${meta.key}-${meta.version}`,
    consent: meta.consent,
    variables,
    caseCount: Number(row.count),
    batches,
    rows,
  };
}
