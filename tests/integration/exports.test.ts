import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { ItemValue, QuestionMatrixModel, QuestionSelectBase } from 'survey-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { answerColumns, NOT_ANSWERED, NOT_ASKED, type AnswerColumn } from '../../server/questionnaires/columns';
import { buildSurvey, variablesFor, visibleQuestionNames, type QuestionnaireContent } from '../../server/questionnaires';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { readSavWithPspp } from '../helpers/pspp';
import { seedRoundWithResponses, type SeededRound, type SeededSchool } from '../../server/demo/data/random-responses';

const SWVS = [
  { code: 'PO2701', situation: 'po-ko' as const, letter: 'K', schools: 12 },
  { code: 'PO2702', situation: 'po-vo' as const, letter: 'G', schools: 9 },
  { code: 'VO2703', situation: 'po-vo' as const, letter: 'G', schools: 6 },
  { code: 'PO2704', situation: 'ow-jh' as const, letter: 'J', schools: 9 },
];

/**
 * The values a school's answers must have in the export, worked out through survey-core's own
 * model (a different route than the export's compiled conditions).
 */
function expectedRow(content: QuestionnaireContent, school: SeededSchool, columns: AnswerColumn[]): Array<number | string> {
  const variables = variablesFor({ situation: school.situation, sector: school.sector, schoolName: school.name, schoolKind: school.sector });
  const data = school.data ?? {};
  const visible = new Set(visibleQuestionNames(content, variables, data));
  const survey = buildSurvey(content, variables);
  survey.data = data;
  return columns.map((column) => {
    const question = survey.getQuestionByName(column.question);
    let asked = visible.has(column.question);
    if (asked && column.kind === 'matrix' && question instanceof QuestionMatrixModel) {
      asked = question.rows.some((r) => r instanceof ItemValue && String(r.value) === column.row && r.isVisible);
    }
    if (asked && column.kind === 'multi' && question instanceof QuestionSelectBase) {
      asked = question.visibleChoices.some((c) => String(c.value) === column.choice);
    }
    const raw = data[column.question];
    if (column.kind === 'text') return asked && typeof raw === 'string' ? raw : '';
    if (column.kind === 'other-text') {
      const text = data[`${column.question}-Comment`];
      return asked && typeof text === 'string' ? text : '';
    }
    if (!asked) return NOT_ASKED;
    if (column.kind === 'multi') return Array.isArray(raw) && raw.length ? (raw.map(String).includes(column.choice!) ? 1 : 0) : NOT_ANSWERED;
    const value = column.kind === 'matrix' ? (raw as Record<string, unknown> | undefined)?.[column.row!] : raw;
    if (value === undefined || value === null || value === '') return NOT_ANSWERED;
    // Codes: numeric values as they are, text values numbered in questionnaire order.
    const select = question as QuestionSelectBase;
    const items = (column.kind === 'matrix' ? (question as QuestionMatrixModel).columns : [...select.choices]).map((c) => c.value);
    if (items.every((v) => typeof v === 'number')) return value as number;
    const all = [...items, ...(select.showOtherItem ? ['other'] : []), ...(select.showNoneItem ? ['none'] : [])];
    return all.indexOf(value) + 1;
  });
}

describeEachDatabase('research exports', (getDatabase) => {
  let app: App;
  let round: SeededRound;
  let researcher: Awaited<ReturnType<typeof loginAs>>;
  let columns: AnswerColumn[];

  beforeAll(async () => {
    const db = getDatabase().db;
    ({ app } = await makeTestApp(getDatabase()));
    await app.ready();
    round = await seedRoundWithResponses(db, { seed: 7, swvs: SWVS });
    researcher = await loginAs(db, 'researcher');
    columns = answerColumns(round.content, variablesFor({ situation: null, sector: null, schoolName: '' }), { consentQuestion: 'Q_consent' });
  });
  afterAll(async () => app?.close());

  const get = (url: string, headers = researcher.headers) => app.inject({ method: 'GET', url, headers: { cookie: headers.cookie } });
  const completed = () => round.schools.filter((s) => s.status === 'completed');

  it('writes an SPSS file whose every value PSPP reads back as the school answered', async () => {
    const res = await get(`/api/exports/rounds/${round.roundId}/responses?format=sav`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="meetronde-meting-2023-\d{4}-\d{2}-\d{2}\.sav"/);
    const read = readSavWithPspp(res.rawPayload);
    expect(read.messages).toEqual([]);
    expect(read.rows).toHaveLength(completed().length);
    expect(completed().length).toBeGreaterThan(10);
    const byName = new Map(completed().map((s) => [s.locationCode, s]));
    // The pseudonymised file has no school names; match rows through the database's respondent numbers.
    const numbers = await getDatabase()
      .db.selectFrom('invitations as i')
      .innerJoin('schools as s', 's.id', 'i.school_id')
      .select(['i.respondent_number', 's.location_code'])
      .where('i.round_id', '=', round.roundId)
      .where('i.respondent_number', 'is not', null)
      .execute();
    const schoolByNumber = new Map(numbers.map((n) => [String(n.respondent_number), byName.get(n.location_code)]));
    for (const row of read.rows) {
      const school = schoolByNumber.get(row.respondent!)!;
      expect(school).toBeDefined();
      expect(row.swv).toBe(school.swvCode);
      const expected = expectedRow(round.content, school, columns);
      const actual = columns.map((column, i) => (typeof expected[i] === 'number' ? Number(row[column.name]) : row[column.name]));
      expect(actual, school.locationCode).toEqual(expected);
    }
    const mate = read.variables.find((v) => v.name === 'Q_mate')!;
    expect(mate.missing).toBe('-9; -8');
    expect(mate.measure).toBe('Nominal');
    expect(read.variables.find((v) => v.name === 'Q_kenmerken_leerlingen_hb')!.measure).toBe('Ordinal');
    expect([...read.valueLabels.get('Q_kenmerken_leerlingen_hb')!.entries()]).toContainEqual(['9', 'Ik weet het niet']);
  });

  it('is pseudonymised by default and carries identifiers only when asked, which is audit-logged', async () => {
    const plain = await get(`/api/exports/rounds/${round.roundId}/responses?format=csv`);
    for (const school of round.schools) {
      expect(plain.body).not.toContain(school.name);
      expect(plain.body).not.toContain(school.locationCode);
    }
    const identified = await get(`/api/exports/rounds/${round.roundId}/responses?format=csv&identifiers=true`);
    const rows = parse(identified.body, { columns: true }) as Array<Record<string, string>>;
    expect(new Set(rows.map((r) => r.vestiging))).toEqual(new Set(completed().map((s) => s.locationCode)));
    expect(rows.find((r) => r.vestiging === completed()[0]!.locationCode)!.school_naam).toBe(completed()[0]!.name);
    const log = await getDatabase()
      .db.selectFrom('audit_log')
      .select(['action', 'details', 'user_id'])
      .where('target', '=', `round:${round.roundId}`)
      .orderBy('id')
      .execute();
    expect(log.map((l) => l.action)).toContain('export.responses_with_identifiers');
    expect(log.every((l) => l.user_id === researcher.user.id)).toBe(true);
    expect(JSON.stringify(log)).not.toContain(completed()[0]!.name);
  });

  it('keeps respondent numbers and school codes stable across exports', async () => {
    const first = parse((await get(`/api/exports/rounds/${round.roundId}/responses?format=csv&identifiers=true`)).body, { columns: true }) as Array<Record<string, string>>;
    const second = parse((await get(`/api/exports/rounds/${round.roundId}/responses?format=csv&identifiers=true&include=all`)).body, {
      columns: true,
    }) as Array<Record<string, string>>;
    for (const row of first) {
      const again = second.find((r) => r.vestiging === row.vestiging)!;
      expect(again.respondent).toBe(row.respondent);
      expect(again.school_code).toBe(row.school_code);
      expect(row.school_code).toMatch(/^[A-Z0-9]{10}$/);
    }
    expect(new Set(second.map((r) => r.respondent)).size).toBe(second.length);
  });

  it('adds partial responses only when asked, marked as such, and never refusals', async () => {
    const all = parse((await get(`/api/exports/rounds/${round.roundId}/responses?format=csv&include=all&identifiers=true`)).body, {
      columns: true,
    }) as Array<Record<string, string>>;
    const started = round.schools.filter((s) => s.status === 'started');
    expect(started.length).toBeGreaterThan(0);
    expect(all).toHaveLength(completed().length + started.length);
    for (const s of started) expect(all.find((r) => r.vestiging === s.locationCode)!.status).toBe('2');
    for (const s of round.schools.filter((x) => x.status === 'refused')) expect(all.some((r) => r.vestiging === s.locationCode)).toBe(false);
  });

  it('writes the Dutch-Excel CSV with a byte-order mark, semicolons and formula-safe text', async () => {
    const res = await get(`/api/exports/rounds/${round.roundId}/responses?format=csv-nl&include=all`);
    expect(res.body.startsWith('\uFEFFrespondent;school_code;meting;')).toBe(true);
    const rows = parse(res.body.slice(1), { columns: true, delimiter: ';' }) as Array<Record<string, string>>;
    const texts = rows.flatMap((r) => Object.values(r)).filter((v) => v.includes('SOM('));
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text.startsWith("'=")).toBe(true);
    // The plain CSV is opened in spreadsheets too: the same guard (the text is kept after it).
    const plain = await get(`/api/exports/rounds/${round.roundId}/responses?format=csv&include=all`);
    const plainTexts = (parse(plain.body, { columns: true }) as Array<Record<string, string>>)
      .flatMap((r) => Object.values(r))
      .filter((v) => v.includes('SOM('));
    expect(plainTexts.length).toBeGreaterThan(0);
    for (const text of plainTexts) expect(text).toBe("'=SOM(A1:A9) is geen formule");
  });

  it('writes an XLSX with the data and the codebook', async () => {
    const res = await get(`/api/exports/rounds/${round.roundId}/responses?format=xlsx`);
    expect(res.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const data = workbook.getWorksheet('Data')!;
    expect(data.rowCount).toBe(completed().length + 1);
    const header = (data.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['respondent', 'school_code', 'meting']);
    expect(header.filter((h) => String(h).startsWith('Q_functie_'))).toHaveLength(6);
    const codebook = workbook.getWorksheet('Codeboek')!;
    expect(codebook.rowCount).toBe(header.length + 1);
  });

  it('generates a codebook with question texts, codes and the condition under which a question is asked', async () => {
    const html = await get(`/api/exports/rounds/${round.roundId}/codebook`);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('<code>A_doelen_');
    expect(html.body).toMatch(/alleen als Q_mate = wel \(Mijn school werkt samen rondom \(hoog\)begaafdheid\)/);
    expect(html.body).toContain('-9 = Niet gevraagd');
    const csv = await get(`/api/exports/rounds/${round.roundId}/codebook?format=csv`);
    const rows = parse(csv.body.slice(1), { columns: true }) as Array<Record<string, string>>;
    const nodig = rows.filter((r) => r.variabele!.startsWith('C_nodig_'));
    expect(nodig.length).toBeGreaterThan(1);
    for (const row of nodig) expect(row.gesteld_aan).toMatch(/alleen als .*Q_mate = geen/);
  });

  it('builds the report tables that match an independent count of the data', async () => {
    const res = await get(`/api/exports/rounds/${round.roundId}/report`);
    expect(res.statusCode).toBe(200);
    const report = res.json() as { completed: number; tables: Array<{ id: string; head: string[]; rows: Array<{ label: string; cells: Array<number | null> }> }> };
    expect(report.completed).toBe(completed().length);
    const tabel3 = report.tables.find((t) => t.id === 'respons-situatie-tak')!;
    for (const [situation, label] of [
      ['po-ko', 'Tussen po en kinderopvang'],
      ['po-vo', 'Tussen po en vo'],
      ['ow-jh', 'Tussen onderwijs en jeugdhulp'],
    ] as const) {
      const row = tabel3.rows.find((r) => r.label === label)!;
      const mine = completed().filter((s) => s.situation === situation);
      expect(row.cells).toEqual([
        mine.filter((s) => s.branch === 'wel').length,
        mine.filter((s) => s.branch === 'plannen').length,
        mine.filter((s) => s.branch === 'geen').length,
        mine.length,
      ]);
    }
    const functie = report.tables.find((t) => t.id === 'vraag-Q_functie')!;
    const totalColumn = functie.head.indexOf('Totaal');
    const functionChoices = columns.filter((c) => c.question === 'Q_functie');
    for (const choice of functionChoices) {
      const row = functie.rows.find((r) => r.label === choice.itemLabel)!;
      const count = completed().filter((s) => (s.data!.Q_functie as string[]).includes(choice.choice!)).length;
      expect(row.cells[totalColumn - 1]).toBe(count);
    }
    const kenmerken = report.tables.find((t) => t.id === 'vraag-Q_kenmerken')!;
    const first = kenmerken.rows[0]!;
    const counts = [1, 2, 3, 9].map((code) => completed().filter((s) => (s.data!.Q_kenmerken as Record<string, number>).leerlingen_hb === code).length);
    expect(first.cells.slice(0, 5)).toEqual([...counts, counts.reduce((a, b) => a + b, 0)]);
    const xlsx = await get(`/api/exports/rounds/${round.roundId}/report.xlsx`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });

  it('refuses anonymous users and malformed or hostile requests with a clear error', async () => {
    expect((await app.inject({ url: `/api/exports/rounds/${round.roundId}/responses?format=csv` })).statusCode).toBe(401);
    const bad = [
      `/api/exports/rounds/abc/responses?format=csv`,
      `/api/exports/rounds/${round.roundId}/responses?format=exe`,
      `/api/exports/rounds/${round.roundId}/responses`,
      `/api/exports/rounds/${round.roundId}/responses?format=csv&situation=po_ko`,
      `/api/exports/rounds/${round.roundId}/responses?format=csv&identifiers=maybe`,
      `/api/exports/rounds/99999999999/responses?format=csv`,
      `/api/exports/rounds/-1/codebook`,
      `/api/exports/rounds/1%27%20or%201=1/report`,
    ];
    for (const url of bad) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message).toMatch(/niet volledig of niet geldig/);
    }
    const missing = await get(`/api/exports/rounds/424242/responses?format=csv`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('Deze meting bestaat niet.');
  });
});

describe('export columns', () => {
  it('names one column per answer value, as the questionnaire names them', async () => {
    const { getQuestionnaire } = await import('../../server/questionnaires');
    const content = getQuestionnaire('image-samenwerking-2023').content as QuestionnaireContent;
    const cols = answerColumns(content, {}, { consentQuestion: 'Q_consent' });
    const names = cols.map((c) => c.name);
    expect(names).not.toContain('Q_consent');
    expect(names).toContain('Q_mate');
    expect(names.filter((n) => n.startsWith('Q_kenmerken_'))).toHaveLength(6);
    expect(names).toContain('A_vorm_inhoud_other');
    expect(names).toContain('A_vorm_inhoud_anders');
    expect(new Set(names).size).toBe(names.length);
  });
});
