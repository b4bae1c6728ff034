import type { FigureSeries, ReportCell, ReportFigure, ReportRow, ReportTable, RoundReport } from '../../contract/api/exports';
import ExcelJS from 'exceljs';
import { actorComparisonTables, actorResponses } from './actor-tables';
import { sql, type Kysely } from 'kysely';
import type { DB, Situation } from '../db/types';
import { readMeta, variablesFor, type QuestionnaireContent } from '../questionnaires';
import { NO_SITUATION_LABEL as UNKNOWN_SITUATION_LABEL, SECTOR_BLOCKS, SITUATION_LABELS, SITUATION_SHORT, SITUATIONS } from '../../contract/vocabulary';
import { variableComparability, type VariableComparability } from '../questionnaires/questionnaire-diff';
import { describe } from '../analysis/statistics';
import { answerColumns, answerValues, NOT_ANSWERED, NOT_ASKED, VisibilityEvaluator, type AnswerColumn } from '../questionnaires/columns';
import { completedSql, invitedSql } from '../tracking/definitions';
import { previousMeasurement, roundWithQuestionnaire } from './export';
import { formatCell, percentage } from './report-format';
import type { CellFormat } from '../../contract/api/exports';
import { DEFAULT_ALPHA_THRESHOLD, readScales, ScaleAccumulator, type ScaleDefinition, type ScaleStatistics } from './scales';
import { invitationsWithSwv } from '../invitations/joins';

/**
 * The round's standard tables, laid out as the IMAGE report lays them out: response per
 * situation and branch (Tabel 3), per region and sector (Tabel B1), per question the counts and
 * percentages per situation, matrices as counts and as row percentages (Tabel 4), means with SD
 * and n per situation and branch for rating questions (Tabel 6, B12), and the scales with their
 * reliability (Figuur 16). Every percentage divides by the respondents who were asked the
 * question, shown that option or row, and answered it; "niet gevraagd" and "geen antwoord" are
 * counted apart. Where the round was copied from an earlier one, each table sets that
 * measurement beside this one for the variables the questionnaire diff finds comparable.
 */

export const NOT_ASKED_TEXT = 'niet gevraagd';
export const NOT_COMPARABLE_TEXT = 'nvt';

type Row = { label: string; cells: ReportCell[]; total?: boolean };

function table(id: string, title: string, head: string[], formats: CellFormat[], rows: Row[], note?: string): ReportTable {
  return {
    id,
    title,
    ...(note ? { note } : {}),
    head,
    formats,
    rows: rows.map((r) => ({ ...r, display: r.cells.map((c, i) => formatCell(c, formats[i] ?? 'count')) })),
  };
}

const groupKey = (situation: string, branch: string) => `${situation}\u0001${branch}`;
const splitKey = (key: string) => key.split('\u0001') as [string, string];

/** Everything counted in one pass over a round's completed responses. */
interface Counted {
  id: number;
  name: string;
  content: QuestionnaireContent;
  columns: AnswerColumn[];
  /** Per column: group (situation, branch) → code → count; -9 not asked, -8 no answer. */
  counts: Array<Map<string, Map<number, number>>>;
  /** Per column index of single ordinal questions: group → the answers (for mean and SD). */
  completed: number;
  groups: Map<string, number>;
  situations: string[];
  scales: Map<string, ScaleStatistics>;
  scaleDefinitions: ScaleDefinition[];
  branch: { question: string; values: string[]; labels: string[]; short: string[] } | null;
}

function readBranch(content: QuestionnaireContent, columns: AnswerColumn[]): Counted['branch'] {
  const meta = readMeta(content);
  if (!meta.branch) return null;
  const column = columns.find((c) => c.name === meta.branch!.question);
  const labels = meta.branch.values.map((v) => {
    const code = column?.codes?.get(v);
    return column?.valueLabels?.find(([c]) => c === code)?.[1] ?? v;
  });
  // Short headers as the report prints them, when the questionnaire gives them (meetronde.branch.reportLabels).
  const raw = (content.meetronde as { branch?: { reportLabels?: unknown } }).branch?.reportLabels;
  const short = Array.isArray(raw) && raw.length === labels.length && raw.every((s) => typeof s === 'string') ? (raw as string[]) : labels;
  return { question: meta.branch.question, values: meta.branch.values, labels, short };
}

async function countRound(db: Kysely<DB>, round: { id: number; name: string }, content: QuestionnaireContent): Promise<Counted> {
  const meta = readMeta(content);
  const columns = answerColumns(content, variablesFor({ situation: null, sector: null, schoolName: 'de school' }), { consentQuestion: meta.consent.question });
  const evaluator = new VisibilityEvaluator(columns);
  const counts = columns.map(() => new Map<string, Map<number, number>>());
  const groups = new Map<string, number>();
  const scaleDefinitions = readScales(content);
  const accumulators = scaleDefinitions.map((s) => new ScaleAccumulator(s));
  const branch = readBranch(content, columns);
  const stream = invitationsWithSwv(db)
    .innerJoin('responses as r', 'r.invitation_id', 'i.id')
    .innerJoin('schools as s', 's.id', 'i.school_id')
    .select(['r.data', 'r.branch', 'rs.situation', 'w.sector', 's.kind'])
    .where('i.round_id', '=', round.id)
    .where(completedSql('i'))
    .stream(500);
  let completed = 0;
  for await (const row of stream) {
    completed++;
    const data = (row.data ?? {}) as Record<string, unknown>;
    const situation = (row.situation ?? '') as Situation | '';
    const key = groupKey(situation, row.branch ?? '');
    groups.set(key, (groups.get(key) ?? 0) + 1);
    const variables = variablesFor({ situation: situation || null, sector: row.sector, schoolName: '', schoolKind: row.kind });
    const values = answerValues(columns, data, evaluator.askedColumns(data, variables));
    values.forEach((value, i) => {
      if (typeof value !== 'number') return;
      let group = counts[i]!.get(key);
      if (!group) counts[i]!.set(key, (group = new Map()));
      group.set(value, (group.get(value) ?? 0) + 1);
    });
    for (const a of accumulators) a.add(data);
  }
  const present = new Set([...groups.keys()].map((k) => splitKey(k)[0]));
  const situations = [...SITUATIONS.filter((s) => present.has(s)), ...(present.has('') && present.size > 1 ? [''] : [])];
  return {
    ...round,
    content,
    columns,
    counts,
    completed,
    groups,
    situations: situations.length ? situations : [''],
    scales: new Map(accumulators.map((a) => [a.scale.name, a.result()])),
    scaleDefinitions,
    branch,
  };
}

interface Filter {
  situation?: string;
  branch?: string;
}

/** code → count of one column, summed over the groups that match. */
function codeCounts(counted: Counted, index: number, filter: Filter = {}): Map<number, number> {
  const out = new Map<number, number>();
  for (const [key, codes] of counted.counts[index]!) {
    const [situation, branch] = splitKey(key);
    if (filter.situation !== undefined && situation !== filter.situation) continue;
    if (filter.branch !== undefined && branch !== filter.branch) continue;
    for (const [code, n] of codes) out.set(code, (out.get(code) ?? 0) + n);
  }
  return out;
}

const answered = (codes: Map<number, number>) => [...codes].filter(([c]) => c >= 0).reduce((s, [, n]) => s + n, 0);
const respondents = (counted: Counted, filter: Filter = {}) =>
  [...counted.groups]
    .filter(([key]) => {
      const [situation, branch] = splitKey(key);
      return (filter.situation === undefined || situation === filter.situation) && (filter.branch === undefined || branch === filter.branch);
    })
    .reduce((s, [, n]) => s + n, 0);

const situationLabel = (s: string) => (s ? SITUATION_LABELS[s as Situation] : UNKNOWN_SITUATION_LABEL);
const situationShort = (s: string) => (s ? SITUATION_SHORT[s as Situation] : UNKNOWN_SITUATION_LABEL);

/** Codes that are no point on the scale ("weet niet", "geen zicht op", "niet van toepassing" = 9 beside 1…k). */
function substantiveCodes(column: AnswerColumn): Set<number> {
  const codes = (column.valueLabels ?? []).map(([c]) => c);
  const others = codes.filter((c) => c !== 9);
  if (codes.includes(9) && others.length > 0 && Math.max(...others) < 8) return new Set(others);
  return new Set(codes);
}

function isRating(column: AnswerColumn): boolean {
  return column.kind === 'single' && column.measure === 'ordinal' && substantiveCodes(column).size >= 3;
}

function meanOf(codes: Map<number, number>, scale: Set<number>) {
  const values: number[] = [];
  for (const [code, n] of codes) if (scale.has(code)) for (let k = 0; k < n; k++) values.push(code);
  return describe(values);
}

export interface ReportOptions {
  /** Scales with alpha below this are flagged and left out of the comparison chart (default 0.6). */
  alphaThreshold?: number;
}

export async function roundReport(db: Kysely<DB>, roundId: number, options: ReportOptions = {}): Promise<RoundReport> {
  const alphaThreshold = options.alphaThreshold ?? DEFAULT_ALPHA_THRESHOLD;
  const { round, content } = await roundWithQuestionnaire(db, roundId);
  // A questionnaire with actor groups (issue 20): the groups side by side, from the persons' answers.
  if (readMeta(content).actors) {
    const responses = await actorResponses(db, roundId, content);
    return { round: { id: round.id, name: round.name }, previousRound: null, completed: responses.length, alphaThreshold, tables: actorComparisonTables(content, responses), figures: [] };
  }
  const current = await countRound(db, round, content);
  const previousRound = await previousMeasurement(db, round.previous_round_id);
  const previous = previousRound ? await countRound(db, previousRound, previousRound.content) : null;
  const comparable: ((question: string, item?: { choice?: string; row?: string }) => VariableComparability) | null = previous
    ? variableComparability(previous.content, content)
    : null;
  const previousIndex = (column: AnswerColumn) => (previous ? previous.columns.findIndex((c) => c.name === column.name) : -1);

  const tables: ReportTable[] = [];
  const figures: ReportFigure[] = [];
  const hasSituations = current.situations.some((s) => s !== '');
  const situationKeys = current.situations;
  const prevName = previous?.name ?? '';

  // Tabel 3 and Figuur 1: response per situation and branch.
  if (current.branch) {
    const b = current.branch;
    const prevComparable = previous && comparable!(b.question) === 'ja' && previous.branch ? previous : null;
    const rowFor = (label: string, filter: Filter, total = false): Row => ({
      label,
      total,
      cells: [
        ...b.values.map((v) => respondents(current, { ...filter, branch: v })),
        respondents(current, filter),
        ...(prevComparable ? [...b.values.map((v) => respondents(prevComparable, { ...filter, branch: v })), respondents(prevComparable, filter)] : []),
      ],
    });
    const head = ['Samenwerkingssituatie', ...b.short, 'Totaal', ...(prevComparable ? [...b.short.map((s) => `${s} (${prevName})`), `Totaal (${prevName})`] : [])];
    // Without samenwerkingssituaties (an SWV's own monitor) the table would only repeat the total.
    if (hasSituations) tables.push(
      table(
        'respons-situatie-tak',
        `Respons per samenwerkingssituatie en mate van samenwerking (N = ${current.completed})`,
        head,
        head.slice(1).map(() => 'count'),
        [...(hasSituations ? situationKeys.map((s) => rowFor(situationLabel(s), { situation: s })) : []), rowFor('Totaal', {}, true)],
        `${current.name}: N = ${current.completed} volledig ingevulde vragenlijsten`,
      ),
    );
    const categories = hasSituations ? [...situationKeys.map(situationShort), 'Totaal'] : ['Totaal'];
    const filters: Filter[] = hasSituations ? [...situationKeys.map((s) => ({ situation: s })), {}] : [{}];
    const stack = (counted: Counted): FigureSeries[] =>
      b.values.map((v, i) => ({
        name: b.short[i]!,
        values: filters.map((f) => (f.situation !== undefined && !counted.situations.includes(f.situation) ? null : percentage(respondents(counted, { ...f, branch: v }), respondents(counted, f)))),
      }));
    figures.push({
      id: 'figuur-situatie-tak',
      title: 'Mate van samenwerking per samenwerkingssituatie',
      note: prevComparable ? `${current.name} en ${prevName}, % van de scholen per situatie` : `% van de scholen per situatie (N = ${current.completed})`,
      kind: 'stacked',
      unit: '%',
      min: 0,
      max: 100,
      categories,
      measurements: [
        ...(prevComparable ? [{ name: prevName, series: stack(prevComparable) }] : []),
        { name: current.name, series: stack(current) },
      ],
    });
  }

  // Tabel B1: response per SWV (region letter) and sector, beside the previous measurement.
  if (hasSituations) {
    const perSwv = async (id: number) =>
      db
        .selectFrom('round_swvs as rs')
        .innerJoin('swvs as w', 'w.id', 'rs.swv_id')
        .leftJoin('invitations as i', (j) => j.onRef('i.round_id', '=', 'rs.round_id').onRef('i.swv_id', '=', 'rs.swv_id'))
        .select([
          'rs.swv_id',
          'rs.situation',
          'rs.region_letter',
          'w.code',
          'w.sector',
          // invited and completed as the dashboard counts them (tracking/definitions.ts).
          sql<number>`count(i.id) filter (where ${invitedSql('i')})`.as('invited'),
          sql<number>`count(i.id) filter (where ${completedSql('i')})`.as('completed'),
        ])
        .where('rs.round_id', '=', id)
        .groupBy(['rs.swv_id', 'rs.situation', 'rs.region_letter', 'w.code', 'w.sector'])
        .execute();
    const now = await perSwv(round.id);
    const before = previous ? new Map((await perSwv(previous.id)).map((r) => [r.swv_id, Number(r.completed)])) : null;
    const rows: Row[] = [];
    const withPrev = (prev: number | string | null): ReportCell[] => (before ? [prev] : []);
    let prevTotal = 0;
    for (const block of SECTOR_BLOCKS) {
      const members = now
        .filter((r) => r.situation === block.situation)
        .sort((a, b) => a.sector.localeCompare(b.sector) || (a.region_letter ?? '').localeCompare(b.region_letter ?? '') || a.code.localeCompare(b.code));
      if (!members.length) continue;
      let blockPrev = 0;
      for (const m of members) {
        const prev = before?.get(m.swv_id);
        blockPrev += prev ?? 0;
        rows.push({
          label: `${block.label}: ${m.region_letter ?? '–'} (${m.code})`,
          cells: [m.sector.toUpperCase(), ...withPrev(prev === undefined ? '-' : prev), Number(m.completed), Number(m.invited), percentage(Number(m.completed), Number(m.invited))],
        });
      }
      prevTotal += blockPrev;
      const invited = members.reduce((s, m) => s + Number(m.invited), 0);
      const done = members.reduce((s, m) => s + Number(m.completed), 0);
      rows.push({ label: `${block.label}: subtotaal`, cells: ['', ...withPrev(blockPrev), done, invited, percentage(done, invited)], total: true });
    }
    const invited = now.reduce((s, m) => s + Number(m.invited), 0);
    const done = now.reduce((s, m) => s + Number(m.completed), 0);
    rows.push({ label: 'Totaal', cells: ['', ...withPrev(prevTotal), done, invited, percentage(done, invited)], total: true });
    const head = ['Samenwerkingsverband', 'Type', ...(before ? [`Respons ${prevName}`] : []), `Respons ${current.name}`, 'Uitgenodigd', 'Respons %'];
    tables.push(
      table('respons-swv-sector', 'Respons per samenwerkingssituatie, samenwerkingsverband (regio) en type school', head, ['text', ...(before ? ['count' as const] : []), 'count', 'count', 'pct'], rows,
        before ? `"-" = het samenwerkingsverband deed niet mee aan ${prevName}` : undefined),
    );
  }

  // Per question.
  const byQuestion = new Map<string, number[]>();
  current.columns.forEach((c, i) => byQuestion.set(c.question, [...(byQuestion.get(c.question) ?? []), i]));
  const situationHead = hasSituations ? situationKeys.map(situationShort) : [];

  for (const [question, indexes] of byQuestion) {
    const first = current.columns[indexes[0]!]!;
    const questionComparable = comparable ? comparable(question) : null;
    const prevOk = previous && questionComparable === 'ja';
    // Respondents of a situation who were asked the question at all (any of its columns not -9).
    const askedIn = (i: number, situation?: string) => {
      const codes = codeCounts(current, i, situation === undefined ? {} : { situation });
      return [...codes].filter(([c]) => c !== NOT_ASKED).reduce((s, [, n]) => s + n, 0);
    };
    const missingRows = (i: number, cellsPerSituation: boolean, trailing: number): Row[] => {
      const codes = codeCounts(current, i);
      const per = (code: number) => (cellsPerSituation && hasSituations ? situationKeys.map((s) => codeCounts(current, i, { situation: s }).get(code) ?? 0) : []);
      return [
        { label: 'Geen antwoord', cells: [...per(NOT_ANSWERED), codes.get(NOT_ANSWERED) ?? 0, ...Array(trailing).fill(null)] },
        { label: 'Niet gevraagd', cells: [...per(NOT_ASKED), codes.get(NOT_ASKED) ?? 0, ...Array(trailing).fill(null)] },
      ];
    };

    if (first.kind === 'single') {
      const i = indexes[0]!;
      const codes = codeCounts(current, i);
      const n = answered(codes);
      const prevI = prevOk ? previousIndex(first) : -1;
      const prevCodes = prevI >= 0 ? codeCounts(previous!, prevI) : null;
      const prevN = prevCodes ? answered(prevCodes) : 0;
      const perSituation = (code: number) =>
        hasSituations ? situationKeys.map((s) => (askedIn(i, s) === 0 ? NOT_ASKED_TEXT : codeCounts(current, i, { situation: s }).get(code) ?? 0)) : [];
      const head = ['Antwoord', ...situationHead, 'Totaal', '%', ...(prevCodes ? [prevName, `% ${prevName}`] : [])];
      const formats: CellFormat[] = [...situationHead.map(() => 'count' as const), 'count', 'pct', ...(prevCodes ? (['count', 'pct'] as const) : [])];
      const rows: Row[] = (first.valueLabels ?? []).map(([code, label]) => ({
        label,
        cells: [...perSituation(code), codes.get(code) ?? 0, percentage(codes.get(code) ?? 0, n), ...(prevCodes ? [prevCodes.get(code) ?? 0, percentage(prevCodes.get(code) ?? 0, prevN)] : [])],
      }));
      rows.push({
        label: 'n',
        total: true,
        cells: [...(hasSituations ? situationKeys.map((s) => answered(codeCounts(current, i, { situation: s }))) : []), n, n > 0 ? 100 : null, ...(prevCodes ? [prevN, prevN > 0 ? 100 : null] : [])],
      });
      rows.push(...missingRows(i, true, 1 + (prevCodes ? 2 : 0)));
      tables.push(table(`vraag-${question}`, first.questionTitle, head, formats, rows, `${question} · % van wie de vraag kreeg en beantwoordde (n = ${n})${compareNote(previous?.name, questionComparable)}`));

      if (isRating(first)) {
        const scale = substantiveCodes(first);
        const ratingRow = (label: string, filter: Filter, total = false): Row => {
          const d = meanOf(codeCounts(current, i, filter), scale);
          const p = prevCodes ? meanOf(codeCounts(previous!, prevI, filter), scale) : null;
          return { label, total, cells: [d.mean, d.sd, d.n, ...(p ? [p.mean, p.sd, p.n] : [])] };
        };
        const rows: Row[] = [];
        if (hasSituations) rows.push(...situationKeys.map((s) => ratingRow(situationLabel(s), { situation: s })));
        if (current.branch) {
          for (const [k, v] of current.branch.values.entries()) {
            if (answered(codeCounts(current, i, { branch: v })) > 0) rows.push(ratingRow(current.branch.short[k]!, { branch: v }));
          }
        }
        rows.push(ratingRow('Totaal', {}, true));
        const codesList = [...scale].sort((a, b) => a - b);
        const range = `${codesList[0]} (${first.valueLabels!.find(([c]) => c === codesList[0])![1]}) tot ${codesList.at(-1)} (${first.valueLabels!.find(([c]) => c === codesList.at(-1))![1]})`;
        tables.push(
          table(
            `vraag-${question}-gemiddelde`,
            `${first.questionTitle} — gemiddelde per samenwerkingssituatie en mate van samenwerking`,
            ['Groep', 'Gemiddelde', 'SD', 'n', ...(prevCodes ? [`Gemiddelde ${prevName}`, `SD ${prevName}`, `n ${prevName}`] : [])],
            ['mean', 'sd', 'count', ...(prevCodes ? (['mean', 'sd', 'count'] as const) : [])],
            rows,
            `${question} · schaal ${range}${scale.size < (first.valueLabels ?? []).length ? '; "weet niet"-antwoorden tellen niet mee' : ''}`,
          ),
        );
        figures.push({
          id: `figuur-${question}-verdeling`,
          title: `${first.questionTitle} — verdeling`,
          note: `% van wie de vraag beantwoordde: ${[...(prevCodes ? [`${prevName} N = ${prevN}`] : []), `${current.name} N = ${n}`].join(', ')}`,
          kind: 'grouped',
          unit: '%',
          min: 0,
          max: 100,
          categories: (first.valueLabels ?? []).map(([, l]) => l),
          measurements: [
            ...(prevCodes ? [{ name: prevName, series: [{ name: prevName, values: (first.valueLabels ?? []).map(([c]) => percentage(prevCodes.get(c) ?? 0, prevN)) }] }] : []),
            { name: current.name, series: [{ name: current.name, values: (first.valueLabels ?? []).map(([c]) => percentage(codes.get(c) ?? 0, n)) }] },
          ],
        });
      }
    } else if (first.kind === 'multi') {
      const options = indexes.filter((i) => current.columns[i]!.kind === 'multi');
      // The question's respondents: asked and answered (any option ticked), per situation.
      const questionN = (filter: Filter) => {
        // An option shown to everyone who got the question tells how many answered; otherwise the widest base.
        let best = 0;
        for (const i of options) best = Math.max(best, answered(codeCounts(current, i, filter)));
        return best;
      };
      const prevCols = prevOk ? options.map((i) => previousIndex(current.columns[i]!)) : null;
      const head = ['Antwoord', ...situationHead, 'Totaal', 'n', '%', ...(prevCols ? [prevName, `n ${prevName}`, `% ${prevName}`] : [])];
      const formats: CellFormat[] = [...situationHead.map(() => 'count' as const), 'count', 'count', 'pct', ...(prevCols ? (['count', 'count', 'pct'] as const) : [])];
      const rows: Row[] = options.map((i, k) => {
        const column = current.columns[i]!;
        const codes = codeCounts(current, i);
        const base = answered(codes);
        const chosen = codes.get(1) ?? 0;
        let prevCells: ReportCell[] = [];
        if (prevCols) {
          const item = comparable!(question, { choice: column.choice });
          const pi = prevCols[k]!;
          if (item !== 'ja' || pi < 0) prevCells = [NOT_COMPARABLE_TEXT, NOT_COMPARABLE_TEXT, NOT_COMPARABLE_TEXT];
          else {
            const pc = codeCounts(previous!, pi);
            prevCells = [pc.get(1) ?? 0, answered(pc), percentage(pc.get(1) ?? 0, answered(pc))];
          }
        }
        return {
          label: column.itemLabel ?? column.choice!,
          cells: [
            ...(hasSituations
              ? situationKeys.map((s) => {
                  const sc = codeCounts(current, i, { situation: s });
                  return answered(sc) === 0 && (sc.get(NOT_ASKED) ?? 0) > 0 && !sc.has(NOT_ANSWERED) ? NOT_ASKED_TEXT : sc.get(1) ?? 0;
                })
              : []),
            chosen,
            base,
            percentage(chosen, base),
            ...prevCells,
          ],
        };
      });
      const n = questionN({});
      rows.push({
        label: 'n (beantwoord)',
        total: true,
        cells: [...(hasSituations ? situationKeys.map((s) => questionN({ situation: s })) : []), n, null, null, ...(prevCols ? [null, null, null] : [])],
      });
      // Not asked / no answer of the question as a whole: an option shown to the most respondents tells.
      const widest = options.reduce((best, i) => (askedIn(i) > askedIn(best) ? i : best), options[0]!);
      rows.push(...missingRows(widest, true, 2 + (prevCols ? 3 : 0)));
      const bases = new Set(options.map((i) => answered(codeCounts(current, i))));
      tables.push(
        table(
          `vraag-${question}`,
          first.questionTitle,
          head,
          formats,
          rows,
          `${question} · meerdere antwoorden mogelijk · % per optie van wie de vraag kreeg, die optie te zien kreeg en antwoordde${bases.size > 1 ? ' (n verschilt per optie)' : ''}${compareNote(previous?.name, questionComparable)}`,
        ),
      );
    } else if (first.kind === 'matrix') {
      const scale = first.valueLabels ?? [];
      const prevRow = (i: number) => {
        if (!prevOk) return null;
        const column = current.columns[i]!;
        if (comparable!(question, { row: column.row }) !== 'ja') return null;
        const pi = previousIndex(column);
        return pi >= 0 ? codeCounts(previous!, pi) : null;
      };
      const countRows: Row[] = [];
      const pctRows: Row[] = [];
      for (const i of indexes) {
        const column = current.columns[i]!;
        const codes = codeCounts(current, i);
        const base = answered(codes);
        const label = column.itemLabel ?? column.row!;
        const asked = askedIn(i) > 0;
        const cells = asked ? scale.map(([code]) => codes.get(code) ?? 0) : scale.map(() => NOT_ASKED_TEXT);
        countRows.push({ label, cells: [...cells, base, codes.get(NOT_ANSWERED) ?? 0, codes.get(NOT_ASKED) ?? 0] });
        pctRows.push({ label, cells: [...(asked ? scale.map(([code]) => percentage(codes.get(code) ?? 0, base)) : scale.map(() => NOT_ASKED_TEXT)), base] });
        const p = prevRow(i);
        if (p) {
          const pb = answered(p);
          countRows.push({ label: `${label} (${prevName})`, cells: [...scale.map(([code]) => p.get(code) ?? 0), pb, p.get(NOT_ANSWERED) ?? 0, p.get(NOT_ASKED) ?? 0] });
          pctRows.push({ label: `${label} (${prevName})`, cells: [...scale.map(([code]) => percentage(p.get(code) ?? 0, pb)), pb] });
        }
      }
      const note = `${question} · n per stelling = wie de stelling kreeg en beantwoordde${compareNote(previous?.name, questionComparable)}`;
      tables.push(
        table(`vraag-${question}`, first.questionTitle, ['Stelling', ...scale.map(([, l]) => l), 'n', 'Geen antwoord', 'Niet gevraagd'], [...scale.map(() => 'count' as const), 'count', 'count', 'count'], countRows, `Aantallen · ${note}`),
      );
      tables.push(
        table(`vraag-${question}-procent`, `${first.questionTitle} (rijpercentages)`, ['Stelling', ...scale.map(([, l]) => `${l} %`), 'n'], [...scale.map(() => 'pct' as const), 'count'], pctRows, `% per stelling · ${note}`),
      );
    }
  }

  // Scales: mean, SD, n and alpha per measurement (Figuur 16).
  if (current.scaleDefinitions.length) {
    const prevScales = previous?.scales ?? null;
    const reliable = (s: ScaleStatistics | undefined) => Boolean(s && s.alpha !== null && s.alpha >= alphaThreshold);
    const flag = (s: ScaleStatistics | undefined) => (!s || s.n === 0 ? '' : reliable(s) ? 'ja' : `nee (α < ${formatCell(alphaThreshold, 'sd')})`);
    const rows: Row[] = current.scaleDefinitions.map((def) => {
      const s = current.scales.get(def.name)!;
      const p = prevScales?.get(def.name);
      const prevComparable = p && def.items.every((item) => comparable!(item.question, item.row ? { row: item.row } : {}) === 'ja');
      return {
        label: `${def.label} (${def.items.length} items)`,
        cells: [s.mean, s.sd, s.n, s.alpha, flag(s), ...(prevScales ? (prevComparable ? [p.mean, p.sd, p.n, p.alpha, flag(p)] : Array(5).fill(NOT_COMPARABLE_TEXT)) : [])],
      };
    });
    const prevHead = prevScales ? [`Gemiddelde ${prevName}`, `SD ${prevName}`, `n ${prevName}`, `α ${prevName}`, `Betrouwbaar ${prevName}`] : [];
    tables.push(
      table(
        'schalen',
        'Schalen: gemiddelde schaalscore, spreiding en betrouwbaarheid (Cronbachs alfa)',
        ['Schaal', 'Gemiddelde', 'SD', 'n', 'α', 'Betrouwbaar', ...prevHead],
        ['mean', 'sd', 'count', 'alpha', 'text', ...(prevScales ? (['mean', 'sd', 'count', 'alpha', 'text'] as const) : [])],
        rows,
        `Schaalscore = gemiddelde van de items (alleen als alle items beantwoord zijn); een schaal met α onder ${formatCell(alphaThreshold, 'sd')} is niet betrouwbaar en staat niet in de figuur.`,
      ),
    );
    const bar = (counted: Counted | null, def: ScaleDefinition): number | null => {
      if (!counted) return null;
      const s = counted.scales.get(def.name);
      if (!s || !reliable(s)) return null;
      if (counted !== current && !def.items.every((item) => comparable!(item.question, item.row ? { row: item.row } : {}) === 'ja')) return null;
      return s.mean;
    };
    const min = Math.min(...current.scaleDefinitions.map((d) => d.min));
    const max = Math.max(...current.scaleDefinitions.map((d) => d.max));
    const left = current.scaleDefinitions.filter((d) => !reliable(current.scales.get(d.name)) || (previous && !reliable(previous.scales.get(d.name)))).map((d) => d.label);
    figures.push({
      id: 'figuur-schalen',
      title: 'Gemiddelde schaalscores',
      note: `Schaal ${min} tot ${max}${left.length ? `; niet getoond waar α < ${formatCell(alphaThreshold, 'sd')}: ${left.join(', ')}` : ''}`,
      kind: 'grouped',
      unit: 'gemiddelde',
      min,
      max,
      categories: current.scaleDefinitions.map((d) => d.label),
      measurements: [
        ...(previous ? [{ name: prevName, series: [{ name: prevName, values: current.scaleDefinitions.map((d) => bar(previous, d)) }] }] : []),
        { name: current.name, series: [{ name: current.name, values: current.scaleDefinitions.map((d) => bar(current, d)) }] },
      ],
    });
  }

  return { round: { id: round.id, name: round.name }, previousRound: previous?.name ?? null, completed: current.completed, alphaThreshold, tables, figures };
}

function compareNote(previousName: string | undefined, comparability: VariableComparability | null): string {
  if (!previousName || !comparability) return '';
  if (comparability === 'ja') return ` · naast ${previousName}`;
  const why =
    comparability === 'nieuw'
      ? 'nieuw in deze meting'
      : comparability === 'onbekend'
        ? 'de vorm van de vraag in die meting is niet bekend (gereconstrueerde vragenlijst)'
        : 'niet vergelijkbaar (vraagtype of schaal gewijzigd)';
  return ` · niet naast ${previousName}: ${why}`;
}

/** Worksheet names: at most 31 characters, none of : \ / ? * [ ], unique. */
function sheetName(id: string, used: Set<string>): string {
  let base = id.replace(/[:\\/?*[\]]/g, '-').slice(0, 31);
  let name = base;
  for (let k = 2; used.has(name.toLowerCase()); k++) name = `${base.slice(0, 28)}-${k}`;
  used.add(name.toLowerCase());
  return name;
}

/**
 * The whole report as one workbook: a contents sheet, then a sheet per table. Cells read as the
 * report prints them (Dutch decimal comma, one decimal for percentages, two for means), so a
 * table can be copied straight into a text; counts stay numbers.
 */
export async function reportWorkbook(report: RoundReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Meetronde';
  const used = new Set<string>();
  const contents = workbook.addWorksheet(sheetName('Inhoud', used));
  contents.getColumn(1).width = 34;
  contents.getColumn(2).width = 90;
  contents.addRow([`Tabellen — ${report.round.name}`]).font = { bold: true, size: 14 };
  contents.addRow([`${report.completed} volledig ingevulde vragenlijsten${report.previousRound ? `; vergeleken met ${report.previousRound}` : ''}`]);
  contents.addRow([]);
  contents.addRow(['Blad', 'Tabel']).font = { bold: true };
  for (const t of report.tables) {
    const name = sheetName(t.id.replace(/^vraag-/, ''), used);
    contents.addRow([name, t.title]);
    const sheet = workbook.addWorksheet(name);
    sheet.getColumn(1).width = 60;
    for (let i = 2; i <= t.head.length; i++) sheet.getColumn(i).width = 16;
    sheet.addRow([t.title]).font = { bold: true };
    if (t.note) sheet.addRow([t.note]).font = { italic: true, color: { argb: 'FF5B6776' } };
    sheet.addRow(t.head).font = { bold: true };
    for (const row of t.rows) {
      const values = row.cells.map((cell, i) => (typeof cell === 'number' && t.formats[i] === 'count' ? cell : row.display[i]));
      const added = sheet.addRow([row.label, ...values]);
      added.eachCell((cell, col) => {
        if (col > 1) cell.alignment = { horizontal: 'right' };
      });
      if (row.total) added.font = { bold: true };
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
