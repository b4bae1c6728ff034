import ExcelJS from 'exceljs';
import { sql, type Kysely } from 'kysely';
import type { DB, Situation } from '../db/types';
import { notFound } from '../errors';
import { getVersion, readMeta, variablesFor, type QuestionnaireContent } from '../questionnaires';
import { SECTOR_BLOCKS, SITUATION_LABELS, SITUATIONS } from '../tracking/labels';
import { completedSql, invitedSql, responsePercent } from '../tracking/definitions';
import { variableComparability } from '../analysis/questionnaire-diff';
import { answerColumns, VisibilityEvaluator, type AnswerColumn } from './columns';
import { previousMeasurement } from './export';

/**
 * The round's standard tables, laid out as the IMAGE report lays them out: response per
 * situation and branch (Tabel 3), per region and sector (Tabel B1), and per question the counts
 * and percentages of completed responses, per situation where the questionnaire has situations.
 */

export interface ReportTable {
  id: string;
  title: string;
  note?: string;
  head: string[];
  rows: Array<{ label: string; cells: Array<number | string | null>; total?: boolean }>;
}

export interface RoundReport {
  round: { id: number; name: string };
  completed: number;
  tables: ReportTable[];
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);

interface Counter {
  /** situation ('' for none) → key → count */
  counts: Map<string, Map<string, number>>;
  /** situation → respondents that were asked and answered */
  n: Map<string, number>;
}

const newCounter = (): Counter => ({ counts: new Map(), n: new Map() });
function bump(map: Map<string, number>, key: string, by = 1) {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** One pass over a round's completed responses: per question, per situation, how often each answer was given. */
async function countAnswers(db: Kysely<DB>, roundId: number, columns: AnswerColumn[], evaluator: VisibilityEvaluator): Promise<Map<string, Counter>> {
  const counters = new Map<string, Counter>();
  for (const c of columns) if (!counters.has(c.question)) counters.set(c.question, newCounter());
  const stream = db
    .selectFrom('invitations as i')
    .innerJoin('responses as r', 'r.invitation_id', 'i.id')
    .innerJoin('swvs as w', 'w.id', 'i.swv_id')
    .leftJoin('round_swvs as rs', (j) => j.onRef('rs.round_id', '=', 'i.round_id').onRef('rs.swv_id', '=', 'i.swv_id'))
    .select(['r.data', 'rs.situation', 'w.sector'])
    .where('i.round_id', '=', roundId)
    .where('i.status', '=', 'completed')
    .stream(500);
  for await (const row of stream) {
    const data = (row.data ?? {}) as Record<string, unknown>;
    const situation = (row.situation ?? '') as Situation | '';
    const asked = evaluator.asked(data, variablesFor({ situation: situation || null, sector: row.sector, schoolName: '' }));
    for (const [question, counter] of counters) {
      const value = data[question];
      if (!asked.has(question) || value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
      bump(counter.n, situation);
      if (!counter.counts.has(situation)) counter.counts.set(situation, new Map());
      const cell = counter.counts.get(situation)!;
      if (Array.isArray(value)) for (const v of value) bump(cell, String(v));
      else if (typeof value === 'object') for (const [rowKey, v] of Object.entries(value as Record<string, unknown>)) bump(cell, `${rowKey}\u0000${String(v)}`);
      else bump(cell, String(value));
    }
  }
  return counters;
}

const total = (counter: Counter, key: string) => [...counter.counts.values()].reduce((s, m) => s + (m.get(key) ?? 0), 0);
const totalN = (counter: Counter) => [...counter.n.values()].reduce((s, n) => s + n, 0);

/** The previous measurement's totals per question, and which options can be set beside them. */
async function previousTotals(db: Kysely<DB>, previousRoundId: number | null, content: QuestionnaireContent) {
  const previous = await previousMeasurement(db, previousRoundId);
  if (!previous) return null;
  const meta = readMeta(previous.content);
  const columns = answerColumns(previous.content, variablesFor({ situation: null, sector: null, schoolName: '' }), { consentQuestion: meta.consent.question });
  const counters = await countAnswers(db, previous.id, columns, new VisibilityEvaluator(columns));
  return { name: previous.name, counters, comparable: variableComparability(previous.content, content) };
}

export async function roundReport(db: Kysely<DB>, roundId: number): Promise<RoundReport> {
  const round = await db
    .selectFrom('rounds')
    .select(['id', 'name', 'questionnaire_version_id', 'previous_round_id'])
    .where('id', '=', roundId)
    .executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  if (!round.questionnaire_version_id) throw notFound('Aan deze meting is nog geen vragenlijst gekoppeld.');
  const content = (await getVersion(db, round.questionnaire_version_id)).content as QuestionnaireContent;
  const meta = readMeta(content);
  const columns = answerColumns(content, variablesFor({ situation: null, sector: null, schoolName: 'de school' }), {
    consentQuestion: meta.consent.question,
  });
  const evaluator = new VisibilityEvaluator(columns);

  const perSituation = await db
    .selectFrom('invitations as i')
    .leftJoin('round_swvs as rs', (j) => j.onRef('rs.round_id', '=', 'i.round_id').onRef('rs.swv_id', '=', 'i.swv_id'))
    .leftJoin('responses as r', 'r.invitation_id', 'i.id')
    .select(['rs.situation', 'r.branch', sql<number>`count(*)`.as('count')])
    .where('i.round_id', '=', roundId)
    .where('i.status', '=', 'completed')
    .groupBy(['rs.situation', 'r.branch'])
    .execute();
  const situationsPresent = SITUATIONS.filter((s) => perSituation.some((r) => r.situation === s));
  const hasSituations = situationsPresent.length > 0;
  const situationKeys: string[] = hasSituations ? situationsPresent : [''];
  const completed = perSituation.reduce((sum, r) => sum + Number(r.count), 0);

  const tables: ReportTable[] = [];
  if (meta.branch && hasSituations) {
    const branchColumn = columns.find((c) => c.name === meta.branch!.question);
    const branchLabel = (value: string) => {
      const code = branchColumn?.codes?.get(value);
      return branchColumn?.valueLabels?.find(([c]) => c === code)?.[1] ?? value;
    };
    const count = (situation: string | null, branch: string | null) =>
      perSituation
        .filter((r) => (situation === null || r.situation === situation) && (branch === null || r.branch === branch))
        .reduce((s, r) => s + Number(r.count), 0);
    tables.push({
      id: 'respons-situatie-tak',
      title: 'Respons per samenwerkingssituatie en mate van samenwerking',
      note: `N = ${completed} volledig ingevulde vragenlijsten`,
      head: ['Samenwerkingssituatie', ...meta.branch.values.map(branchLabel), 'Totaal'],
      rows: [
        ...situationsPresent.map((s) => ({ label: SITUATION_LABELS[s], cells: [...meta.branch!.values.map((b) => count(s, b)), count(s, null)] })),
        { label: 'Totaal', cells: [...meta.branch.values.map((b) => count(null, b)), completed], total: true },
      ],
    });
  }

  if (hasSituations) {
    const perSwv = await db
      .selectFrom('round_swvs as rs')
      .innerJoin('swvs as w', 'w.id', 'rs.swv_id')
      .leftJoin('invitations as i', (j) => j.onRef('i.round_id', '=', 'rs.round_id').onRef('i.swv_id', '=', 'rs.swv_id'))
      .select([
        'rs.situation',
        'rs.region_letter',
        'w.code',
        'w.sector',
        // invited and completed as the dashboard counts them (tracking/definitions.ts).
        sql<number>`count(i.id) filter (where ${invitedSql('i')})`.as('invited'),
        sql<number>`count(i.id) filter (where ${completedSql('i')})`.as('completed'),
      ])
      .where('rs.round_id', '=', roundId)
      .groupBy(['rs.situation', 'rs.region_letter', 'w.code', 'w.sector'])
      .execute();
    const rows: ReportTable['rows'] = [];
    for (const block of SECTOR_BLOCKS) {
      const members = perSwv
        .filter((r) => r.situation === block.situation)
        .sort((a, b) => a.sector.localeCompare(b.sector) || (a.region_letter ?? '').localeCompare(b.region_letter ?? '') || a.code.localeCompare(b.code));
      if (!members.length) continue;
      for (const m of members) {
        rows.push({ label: `${block.label}: ${m.region_letter ?? '–'} (${m.code})`, cells: [m.sector.toUpperCase(), Number(m.invited), Number(m.completed), responsePercent(Number(m.completed), Number(m.invited))] });
      }
      const invited = members.reduce((s, m) => s + Number(m.invited), 0);
      const done = members.reduce((s, m) => s + Number(m.completed), 0);
      rows.push({ label: `${block.label}: subtotaal`, cells: ['', invited, done, responsePercent(done, invited)], total: true });
    }
    tables.push({
      id: 'respons-swv-sector',
      title: 'Respons per samenwerkingsverband (regio) en type school',
      head: ['Samenwerkingsverband', 'Type', 'Uitgenodigd', 'Ingevuld', 'Respons %'],
      rows,
    });
  }

  const counters = await countAnswers(db, roundId, columns, evaluator);

  const byQuestion = new Map<string, AnswerColumn[]>();
  for (const c of columns) byQuestion.set(c.question, [...(byQuestion.get(c.question) ?? []), c]);
  const previous = await previousTotals(db, round.previous_round_id, content);
  const situationHead = hasSituations ? situationKeys.map((s) => SITUATION_LABELS[s as Situation]) : [];

  for (const [question, cols] of byQuestion) {
    const first = cols[0]!;
    const counter = counters.get(question)!;
    const n = totalN(counter);
    if (first.kind === 'single' || first.kind === 'multi') {
      const options =
        first.kind === 'single'
          ? [...first.codes!.entries()].map(([value, code]) => ({ value, label: first.valueLabels!.find(([c]) => c === code)?.[1] ?? value }))
          : cols.filter((c) => c.kind === 'multi').map((c) => ({ value: c.choice!, label: c.itemLabel ?? c.choice! }));
      // Beside the previous measurement where the question is comparable; an option it did not offer is "nvt", not 0.
      const before = previous && previous.comparable(question) === 'ja' ? previous.counters.get(question) : undefined;
      const beforeN = before ? totalN(before) : 0;
      const beforeCells = (value: string | null): Array<number | string | null> => {
        if (!before) return [];
        if (value === null) return [beforeN, null];
        if (previous!.comparable(question, first.kind === 'multi' ? { choice: value } : {}) === 'nvt') return ['nvt', 'nvt'];
        return [total(before, value), pct(total(before, value), beforeN)];
      };
      const comparedNote = previous
        ? before
          ? ` · vergeleken met ${previous.name}`
          : ` · niet vergelijkbaar met ${previous.name} (nieuw of gewijzigd)`
        : '';
      tables.push({
        id: `vraag-${question}`,
        title: first.questionTitle,
        note: `${question} · ${first.kind === 'multi' ? 'meerdere antwoorden mogelijk, % van n' : '% van n'} · n = ${n}${comparedNote}`,
        head: ['Antwoord', ...situationHead, 'Totaal', '%', ...(before ? [previous!.name, `% ${previous!.name}`] : [])],
        rows: [
          ...options.map((o) => ({
            label: o.label,
            cells: [
              ...(hasSituations ? situationKeys.map((s) => counter.counts.get(s)?.get(o.value) ?? 0) : []),
              total(counter, o.value),
              pct(total(counter, o.value), n),
              ...beforeCells(o.value),
            ],
          })),
          { label: 'n', cells: [...(hasSituations ? situationKeys.map((s) => counter.n.get(s) ?? 0) : []), n, null, ...beforeCells(null)], total: true },
        ],
      });
    } else if (first.kind === 'matrix') {
      const scale = first.valueLabels ?? [];
      const codeToValue = new Map([...first.codes!.entries()].map(([value, code]) => [code, value]));
      tables.push({
        id: `vraag-${question}`,
        title: first.questionTitle,
        note: `${question} · aantallen per stelling · n = ${n}`,
        head: ['Stelling', ...scale.map(([, label]) => label), 'n'],
        rows: cols.map((c) => {
          const cells = scale.map(([code]) => total(counter, `${c.row}\u0000${codeToValue.get(code)}`));
          return { label: c.itemLabel ?? c.row!, cells: [...cells, cells.reduce((s, x) => s + x, 0)] };
        }),
      });
    }
  }
  return { round: { id: round.id, name: round.name }, completed, tables };
}

/** All tables on one sheet, each under its title, as the report's appendix reads. */
export async function reportWorkbook(report: RoundReport): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Meetronde';
  const sheet = workbook.addWorksheet('Tabellen');
  sheet.getColumn(1).width = 60;
  for (let i = 2; i <= 12; i++) sheet.getColumn(i).width = 16;
  sheet.addRow([`Tabellen — ${report.round.name}`]).font = { bold: true, size: 14 };
  for (const table of report.tables) {
    sheet.addRow([]);
    sheet.addRow([table.title]).font = { bold: true };
    if (table.note) sheet.addRow([table.note]).font = { italic: true, color: { argb: 'FF5B6776' } };
    sheet.addRow(table.head).font = { bold: true };
    for (const row of table.rows) {
      const added = sheet.addRow([row.label, ...row.cells]);
      if (row.total) added.font = { bold: true };
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
