import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ReplicaRounds } from '../../server/demo/replica';
import type { ReportTable, RoundReport } from '../../contract/api/exports';
import { loginAs, makeTestApp } from '../helpers/app';
import { readSavWithPspp } from '../helpers/pspp';
import { describeEachReplicaDatabase } from '../helpers/replica';

/**
 * The 2023 IMAGE report, cell by cell: the replica round (server/demo/replica.ts) must give
 * every count, percentage (one decimal) and mean (two decimals) the report publishes, printed
 * with a Dutch decimal comma. Published values come from shared/questionnaires/image-samenwerking.md.
 * Where the report contradicts itself, the expectation says which reading the replica follows.
 */

const SITUATION_ROWS: Array<[string, string]> = [
  ['po-ko', 'Tussen po en kinderopvang'],
  ['po-vo', 'Tussen po en vo'],
  ['po-po', 'Samenwerking binnen po'],
  ['vo-vo', 'Samenwerking binnen vo'],
  ['vso-vo', 'Tussen voortgezet speciaal en regulier onderwijs'],
  ['ow-jh', 'Tussen onderwijs en jeugdhulp'],
];
const SHORT: Record<string, string> = {
  'po-ko': 'Po-kinderopvang',
  'po-vo': 'Po-vo',
  'po-po': 'Binnen po',
  'vo-vo': 'Binnen vo',
  'vso-vo': 'Speciaal-regulier',
  'ow-jh': 'Onderwijs-jeugdhulp',
};

describeEachReplicaDatabase('the 2023 IMAGE report reproduced from data', (getDatabase, getRounds) => {
  let app: App;
  let rounds: ReplicaRounds;
  let report: RoundReport;
  let cookie: string;

  beforeAll(async () => {
    const db = getDatabase().db;
    ({ app } = await makeTestApp(getDatabase()));
    await app.ready();
    rounds = getRounds();
    cookie = (await loginAs(db, 'researcher')).headers.cookie;
    const res = await app.inject({ url: `/api/exports/rounds/${rounds.roundId}/report`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    report = res.json() as RoundReport;
  }, 240_000);
  afterAll(async () => app?.close());

  const tableById = (id: string): ReportTable => {
    const t = report.tables.find((x) => x.id === id);
    if (!t) throw new Error(`no table ${id}; have ${report.tables.map((x) => x.id).join(', ')}`);
    return t;
  };
  /** The printed text of a cell, by row label (exact or prefix) and column head. */
  const cell = (t: ReportTable, row: string, column: string): string => {
    const r = t.rows.find((x) => x.label === row) ?? t.rows.find((x) => x.label.startsWith(row));
    if (!r) throw new Error(`${t.id}: no row ${row}`);
    const c = t.head.indexOf(column);
    if (c < 1) throw new Error(`${t.id}: no column ${column} in ${t.head.join(' | ')}`);
    return r.display[c - 1]!;
  };
  const countsOf = (t: ReportTable, row: string, columns: string[]) => columns.map((c) => Number(cell(t, row, c).replace(/\./g, '')));

  it('Tabel 3: response per situation and mate van samenwerking, with the report\'s short headers', () => {
    const t = tableById('respons-situatie-tak');
    expect(t.head.slice(0, 5)).toEqual(['Samenwerkingssituatie', 'Wel samenwerking', 'Plannen voor samenwerking', 'Geen samenwerking', 'Totaal']);
    const published: Record<string, number[]> = {
      'Tussen po en kinderopvang': [4, 12, 44, 60],
      'Tussen po en vo': [22, 8, 62, 92], // Tabel 3's reading; B4 prints 24 "werkt samen" (sums to 94)
      'Samenwerking binnen po': [11, 6, 9, 26],
      'Samenwerking binnen vo': [7, 3, 1, 11],
      'Tussen voortgezet speciaal en regulier onderwijs': [3, 2, 3, 8],
      'Tussen onderwijs en jeugdhulp': [12, 6, 24, 42],
      Totaal: [59, 37, 143, 239],
    };
    for (const [row, values] of Object.entries(published)) {
      const label = row === 'Tussen voortgezet speciaal en regulier onderwijs' ? 'Tussen voortgezet speciaal' : row;
      expect(countsOf(t, label, ['Wel samenwerking', 'Plannen voor samenwerking', 'Geen samenwerking', 'Totaal']), row).toEqual(values);
    }
    // Figuur 1: the same as row percentages, stacked per situation, both measurements.
    const figure = report.figures.find((f) => f.id === 'figuur-situatie-tak')!;
    const now = figure.measurements.at(-1)!;
    expect(now.series.map((s) => s.values[0])).toEqual([6.7, 20, 73.3]);
    expect(now.series.map((s) => s.values.at(-1))).toEqual([24.7, 15.5, 59.8]);
    expect(figure.measurements.map((m) => m.name)).toEqual(['Meting 2022', 'Meting 2023']);
  });

  it('Tabel B1: response per SWV and type, 2022 beside 2023 (2022 as the cells print: 64 schools)', () => {
    const t = tableById('respons-swv-sector');
    const rows: Array<[string, string, string, number]> = [
      ['Po-scholen: A', 'PO', '8', 8],
      ['Po-scholen: B', 'PO', '7', 7],
      ['Po-scholen: C', 'PO', '2', 11],
      ['Po-scholen: subtotaal', '', '17', 26], // the report prints 19; its cells sum to 17
      ['Vo-scholen: D', 'VO', '1', 1],
      ['Vo-scholen: E', 'VO', '6', 8],
      ['Vo-scholen: F', 'VO', '2', 2],
      ['Vo-scholen: subtotaal', '', '9', 11],
      ['Po-vo: G (PO', 'PO', '2', 12],
      ['Po-vo: H (PO', 'PO', '-', 25],
      ['Po-vo: I (PO', 'PO', '3', 39],
      ['Po-vo: G (VO', 'VO', '5', 3],
      ['Po-vo: H (VO', 'VO', '1', 7],
      ['Po-vo: I (VO', 'VO', '2', 6],
      ['Po-vo: subtotaal', '', '13', 92],
      ['Po-kinderopvang: K', 'PO', '4', 42],
      ['Po-kinderopvang: L', 'PO', '8', 8],
      ['Po-kinderopvang: M', 'PO', '4', 10],
      ['Po-kinderopvang: subtotaal', '', '16', 60],
      ['Onderwijs-jeugdhulp: J', 'PO', '3', 13],
      ['Onderwijs-jeugdhulp: P', 'PO', '-', 6],
      ['Onderwijs-jeugdhulp: Q', 'PO', '-', 19],
      ['Onderwijs-jeugdhulp: R', 'VO', '-', 4],
      ['Onderwijs-jeugdhulp: subtotaal', '', '3', 42],
      ['Speciaal-regulier: N', 'VO', '6', 4],
      ['Speciaal-regulier: O', 'VO', '-', 4],
      ['Speciaal-regulier: subtotaal', '', '6', 8],
      ['Totaal', '', '64', 239], // the header says 66 and the text 67; the cells give 64 (= 41 po + 23 vo, the Noot)
    ];
    for (const [label, type, before, now] of rows) {
      expect(cell(t, label, 'Type'), label).toBe(type);
      expect(cell(t, label, 'Respons Meting 2022'), label).toBe(before);
      expect(cell(t, label, 'Respons Meting 2023'), label).toBe(String(now));
    }
    // §1.4: 1,380 invited, 17% response.
    expect(cell(t, 'Totaal', 'Uitgenodigd')).toBe('1.380');
    expect(cell(t, 'Totaal', 'Respons %')).toBe('17,3');
  });

  it('Tabel B2, B3 and B5: counts and percentages', () => {
    const functie = tableById('vraag-Q_functie');
    const b2: Array<[string, number]> = [
      ['Schoolleider/adjunct directeur', 56],
      ['Intern begeleider/zorgcoördinator', 90],
      ['Expert (hoog)begaafdheid', 103],
      ['Leraar', 58],
      ['Gedragswetenschapper/orthopedagoog', 5],
      ['Teamleider/coördinator', 4],
    ];
    for (const [label, n] of b2) expect(cell(functie, label, 'Totaal'), label).toBe(String(n));
    expect(cell(functie, 'n (beantwoord)', 'Totaal')).toBe('239');

    const b3 = tableById('vraag-Q_kenmerken');
    const cols = ['Niet van toepassing', 'Een beetje van toepassing', 'Erg van toepassing', 'Ik weet het niet'];
    const b3rows: Array<[string, number[]]> = [
      ['Onze school heeft leerlingen met kenmerken', [5, 78, 155, 1]],
      ['Onze school geeft prioriteit', [26, 107, 106, 0]],
      ['Onze school krijgt subsidie', [104, 46, 59, 30]],
      ['Ons team heeft de kennis en vaardigheden om (hoog)begaafde leerlingen te signaleren', [14, 137, 86, 2]],
      ['Ons team heeft de kennis en vaardigheden om (hoog)begaafde leerlingen te ondersteunen', [13, 142, 82, 2]],
      ['Onze school biedt extra ondersteuning', [10, 87, 142, 0]],
    ];
    for (const [row, values] of b3rows) {
      expect(countsOf(b3, row, cols), row).toEqual(values);
      expect(cell(b3, row, 'n')).toBe('239');
    }

    const b5 = tableById('vraag-A_doelen');
    const doelen: Array<[string, number, string]> = [
      ['Maatwerk voor', 37, '62,7'],
      ['Voorkomen van uitval', 30, '50,8'],
      ['Benutten van potentieel', 34, '57,6'],
      ['Tijdige ondersteuning en zorg', 34, '57,6'],
      ['Betere signalering', 26, '44,1'],
      ['Preventie van (escalatie', 26, '44,1'],
      ['Een betere overstap', 28, '47,5'],
      ['Meer kennis rondom (hoog)begaafdheid bij leraren', 22, '37,3'],
      ['Meer kennis rondom (hoog)begaafdheid bij het ondersteunings', 8, '13,6'],
    ];
    for (const [row, n, pct] of doelen) {
      expect(cell(b5, row, 'Totaal'), row).toBe(String(n));
      expect(cell(b5, row, 'n'), row).toBe('59');
      expect(cell(b5, row, '%'), row).toBe(pct);
    }
  });

  it('Tabel B4: mate van samenwerking per situation (Tabel 3\'s reading for po–vo: 22, not 24)', () => {
    const t = tableById('vraag-Q_mate');
    const b4: Record<string, number[]> = {
      'po-ko': [4, 12, 44],
      'po-vo': [22, 8, 62], // B4 prints 24 / 8 / 62 under "n = 92"
      'vso-vo': [3, 2, 3],
      'po-po': [11, 6, 9],
      'vo-vo': [7, 3, 1],
      'ow-jh': [12, 6, 24],
    };
    for (const [situation, values] of Object.entries(b4)) {
      expect(countsOf(t, 'Mijn school werkt samen', [SHORT[situation]!])[0], situation).toBe(values[0]);
      expect(countsOf(t, 'Mijn school heeft nog geen', [SHORT[situation]!])[0], situation).toBe(values[1]);
      expect(countsOf(t, 'Mijn school heeft geen samenwerking', [SHORT[situation]!])[0], situation).toBe(values[2]);
      expect(cell(t, 'n', SHORT[situation]!)).toBe(String(values.reduce((a, b) => a + b, 0)));
    }
  });

  it('Tabel 4: experienced results as row percentages of 59 (10,2 and 11,9 where the report forces rows to 100)', () => {
    const t = tableById('vraag-A_opbrengsten_uitvoering-procent');
    const cols = ['Nee, en hoeft niet %', 'Nee, maar willen we wel %', 'Ja, maar kan/moet nog meer %', 'Ja %', 'Geen zicht op %'];
    const published: Array<[string, string[]]> = [
      ['Passende ondersteuning', ['5,1', '6,8', '44,1', '33,9', '10,2']], // report: 10,1 (6/59 = 10,17)
      ['Tijdige inzet', ['15,3', '15,3', '32,2', '25,4', '11,9']], // report: 11,8 (7/59 = 11,86)
      ['Een soepele overgang', ['10,2', '15,3', '30,5', '23,7', '20,3']],
      ['Kennis onder professionals', ['25,4', '13,6', '27,1', '18,6', '15,3']],
      ['Vroegtijdiger signaleren', ['30,5', '15,3', '25,4', '10,2', '18,6']],
    ];
    for (const [row, values] of published) {
      expect(cols.map((c) => cell(t, row, c)), row).toEqual(values);
      expect(cell(t, row, 'n')).toBe('59');
    }
  });

  it('Tabel 5: each option divided by the schools that were shown it and answered (signalering n = 188)', () => {
    const t = tableById('vraag-P_opbrengsten_beleid');
    // [row, count, n, % as printed on the platform, the report's n and %]
    const rows: Array<[string, number, number, string, number, string]> = [
      ['Meer kennis over', 71, 230, '30,9', 228, '31,1'],
      ['Betere basisondersteuning', 67, 230, '29,1', 230, '29,1'],
      ['Meer kennisdeling', 65, 230, '28,3', 228, '28,5'],
      ['Betere (vroeg)signalering', 42, 188, '22,3', 188, '22,3'],
      ['Betere extra ondersteuning', 51, 230, '22,2', 230, '22,2'],
      ['Betere lichte ondersteuning', 30, 230, '13,0', 230, '13,0'],
      ['Ik zie hier (nog) geen opbrengsten', 48, 230, '20,9', 228, '21,1'],
      ['Ik weet niet / geen zicht op', 71, 230, '30,9', 228, '31,1'],
    ];
    for (const [row, count, n, pct, reportN, reportPct] of rows) {
      expect(cell(t, row, 'Totaal'), row).toBe(String(count));
      expect(cell(t, row, 'n'), row).toBe(String(n));
      expect(cell(t, row, '%'), row).toBe(pct);
      // One multiple-choice question has one base per respondent: the report's n = 228 rows
      // cannot come from it. The replica follows the 230/188 reading; where the report's base
      // is that too, its percentage is printed exactly.
      if (reportN === n) expect(pct, row).toBe(reportPct);
    }
    // The option not shown in onderwijs–jeugdhulp says so instead of 0.
    expect(cell(t, 'Betere (vroeg)signalering', 'Onderwijs-jeugdhulp')).toBe('niet gevraagd');
    expect(cell(t, 'Betere basisondersteuning', 'Onderwijs-jeugdhulp')).not.toBe('niet gevraagd');
    expect(cell(t, 'Geen antwoord', 'Totaal')).toBe('9');
  });

  it('Tabel 6 and B12: satisfaction per situation (mean, n), the distribution 2022 beside 2023, the mean 4,54', () => {
    const means = tableById('vraag-A_tevredenheid_samenwerking-gemiddelde');
    const tabel6: Array<[string, string, number]> = [
      ['Samenwerking binnen po', '5,82', 11],
      ['Samenwerking binnen vo', '4,86', 7],
      ['Tussen po en kinderopvang', '4,75', 4],
      ['Tussen po en vo', '4,36', 22],
      ['Tussen onderwijs en jeugdhulp', '3,83', 12],
      ['Tussen voortgezet speciaal', '3,00', 3],
    ];
    for (const [row, mean, n] of tabel6) {
      expect(cell(means, row, 'Gemiddelde'), row).toBe(mean);
      expect(cell(means, row, 'n'), row).toBe(String(n));
    }
    expect(cell(means, 'Totaal', 'Gemiddelde')).toBe('4,54');
    expect(cell(means, 'Totaal', 'n')).toBe('59');
    expect(cell(means, 'Wel samenwerking', 'n')).toBe('59');
    expect(cell(means, 'Totaal', 'n Meting 2022')).toBe('35');
    expect(cell(means, 'Totaal', 'Gemiddelde Meting 2022')).toBe('3,60');

    const b12 = tableById('vraag-A_tevredenheid_samenwerking');
    const dist: Array<[string, number, string, number, string]> = [
      ['Helemaal niet tevreden', 1, '2,9', 2, '3,4'],
      ['Niet tevreden', 5, '14,3', 4, '6,8'],
      ['Enigszins niet tevreden', 10, '28,6', 6, '10,2'],
      ['Noch ontevreden, noch tevreden', 12, '34,3', 17, '28,8'],
      ['Enigszins tevreden', 5, '14,3', 12, '20,3'],
      ['Tevreden', 2, '5,7', 14, '23,7'],
      ['helemaal wel tevreden', 0, '0,0', 4, '6,8'],
    ];
    for (const [row, n22, p22, n23, p23] of dist) {
      expect(cell(b12, row, 'Meting 2022'), row).toBe(String(n22));
      expect(cell(b12, row, '% Meting 2022'), row).toBe(p22);
      expect(cell(b12, row, 'Totaal'), row).toBe(String(n23));
      expect(cell(b12, row, '%'), row).toBe(p23);
    }
    expect(cell(b12, 'n', 'Totaal')).toBe('59');
    expect(cell(b12, 'n', 'Meting 2022')).toBe('35');
    // Not asked to the other branches: counted apart from missing answers.
    expect(cell(b12, 'Niet gevraagd', 'Totaal')).toBe('180');
    expect(cell(b12, 'Geen antwoord', 'Totaal')).toBe('0');
    // Figuur 15: the distribution, two measurements.
    const fig = report.figures.find((f) => f.id === 'figuur-A_tevredenheid_samenwerking-verdeling')!;
    expect(fig.note).toContain('Meting 2022 N = 35');
    expect(fig.note).toContain('Meting 2023 N = 59');
    expect(fig.measurements.map((m) => m.series[0]!.values[3])).toEqual([34.3, 28.8]);
  });

  it('Tabel B6: what non-collaborating schools need, per situation', () => {
    const t = tableById('vraag-C_nodig');
    const b6: Record<string, number[]> = {
      'po-ko': [3, 13, 7, 13, 19],
      'po-vo': [27, 42, 27, 24, 27],
      'vso-vo': [0, 0, 1, 1, 2],
      'po-po': [2, 3, 5, 4, 5],
      'ow-jh': [3, 18, 5, 2, 9],
    };
    const rows = ['Hulp bij contact', 'Informatie over meerwaarde', 'Facilitering van samenwerking', 'Stimulering en facilitering', 'Meer middelen'];
    for (const [situation, values] of Object.entries(b6)) {
      expect(rows.map((r) => countsOf(t, r, [SHORT[situation]!])[0]), situation).toEqual(values);
    }
    // n = 143 in the header; B6 has no column for the one vo–vo school (the replica: "Meer middelen").
    expect(cell(t, 'n (beantwoord)', 'Totaal')).toBe('143');
    expect(cell(t, 'n (beantwoord)', 'Binnen vo')).toBe('1');
  });

  it('Tabel B7 and B8: policy-level collaboration (merged columns as the report merges them)', () => {
    const merge = (t: ReportTable, row: string) => {
      const [niet, nauwelijks, beetje, redelijk, veel, weetNiet] = countsOf(t, row, ['Niet', 'Nauwelijks', 'Een beetje', 'Redelijk veel', 'Veel', 'Weet niet/geen zicht op']);
      return [niet! + nauwelijks!, beetje!, redelijk! + veel!, weetNiet!];
    };
    const b7 = tableById('vraag-P_bestuur_beleid');
    expect(merge(b7, 'Maakt afspraken over gezamenlijke doelen')).toEqual([68, 16, 14, 127]);
    expect(merge(b7, 'Maakt afspraken over gezamenlijke werkwijze')).toEqual([69, 14, 15, 127]); // report: 70 (row sums to 226 with n = 225)
    expect(merge(b7, 'Maakt afspraken over benodigde kennis')).toEqual([73, 12, 13, 127]);
    expect(merge(b7, 'Organiseert gezamenlijke scholing')).toEqual([91, 29, 13, 92]); // report: 191 (row sums to 324); 225 − 133 = 92
    expect(merge(b7, 'Organiseert activiteiten')).toEqual([90, 18, 14, 103]);
    for (const row of b7.rows.filter((r) => !r.label.endsWith('(Meting 2022)'))) {
      expect(row.display[6], row.label).toBe('225');
      expect(row.display[7], row.label).toBe('14'); // "Noot: 14 scholen hebben deze vraag niet ingevuld"
    }
    const b8 = tableById('vraag-P_swv_beleid');
    const b8rows: Array<[string, number[]]> = [
      ['Maakt afspraken over gezamenlijke doelen', [30, 22, 27, 153]],
      ['Maakt afspraken over gezamenlijke werkwijze', [28, 19, 26, 159]],
      ['Maakt afspraken over benodigde kennis', [33, 27, 26, 143]],
      ['Organiseert gezamenlijke scholing', [36, 25, 25, 145]],
      ['Organiseert activiteiten', [34, 11, 22, 163]],
    ];
    for (const [row, values] of b8rows) {
      expect(merge(b8, row), row).toEqual(values);
      expect(cell(b8, row, 'n'), row).toBe(String(values.reduce((a, b) => a + b, 0)));
    }
  });

  it('Tabel B9, B10 and B11: stimulation and satisfaction with support (B11: n = 96, not the title\'s 239)', () => {
    const cols6 = ['Niet', 'Nauwelijks', 'Een beetje', 'Redelijk veel', 'Veel', 'Weet niet/geen zicht op'];
    const b9 = tableById('vraag-P_stimulering');
    expect(countsOf(b9, 'Schoolbestuur', cols6)).toEqual([79, 27, 41, 18, 10, 64]);
    expect(countsOf(b9, 'Samenwerkingsverband', cols6)).toEqual([50, 25, 45, 26, 11, 82]);
    const b9pct = tableById('vraag-P_stimulering-procent');
    expect(cell(b9pct, 'Samenwerkingsverband', 'Weet niet/geen zicht op %')).toBe('34,3'); // §4.3

    const colsB10 = ['Helemaal niet van toepassing', 'Niet van toepassing', 'Neutraal', 'Van toepassing', 'Helemaal van toepassing', 'Geen zicht op toepassing'];
    const p = tableById('vraag-P_manier_stimulering');
    expect(countsOf(p, 'Speerpunten worden gecommuniceerd', colsB10)).toEqual([57, 45, 23, 30, 4, 80]);
    expect(countsOf(p, 'Samenwerking is onderwerp bij overleggen', colsB10)).toEqual([52, 51, 30, 34, 4, 68]);
    expect(countsOf(p, 'Voortgang wordt gecommuniceerd', colsB10)).toEqual([49, 40, 27, 37, 3, 83]);
    expect(countsOf(p, 'Activiteiten om in contact te komen', colsB10)).toEqual([49, 40, 27, 37, 3, 83]); // identical to row 3, as printed
    const a = tableById('vraag-A_manier_stimulering');
    expect(countsOf(a, 'Duidelijk aanspreekpunt', colsB10)).toEqual([8, 7, 5, 11, 8, 20]);
    expect(countsOf(a, 'Input wordt actief opgehaald', colsB10)).toEqual([14, 10, 10, 8, 4, 13]);
    expect(countsOf(a, 'Professionals krijgen handvatten', colsB10)).toEqual([12, 9, 7, 15, 2, 14]);
    expect(cell(a, 'Duidelijk aanspreekpunt', 'n')).toBe('59');
    expect(cell(a, 'Duidelijk aanspreekpunt', 'Niet gevraagd')).toBe('180');

    const b11 = tableById('vraag-P_tevredenheid_ondersteuning');
    const colsB11 = ['Zeer ontevreden', 'Ontevreden', 'Noch ontevreden, noch tevreden', 'Tevreden', 'Zeer tevreden', 'Niet van toepassing'];
    expect(countsOf(b11, 'Schoolbestuur', colsB11)).toEqual([1, 12, 31, 18, 10, 24]);
    expect(countsOf(b11, 'Samenwerkingsverband', colsB11)).toEqual([1, 7, 31, 25, 9, 23]);
    expect(cell(b11, 'Schoolbestuur', 'n')).toBe('96');
    expect(cell(b11, 'Schoolbestuur', 'Niet gevraagd')).toBe('143');
  });

  it('Figuur 16: the five scales with the published alphas; unreliable 2022 scales flagged and left out of the chart', () => {
    const t = tableById('schalen');
    const alphas: Array<[string, string]> = [
      ['Communicatie', '0,931'],
      ['Gezamenlijke visie', '0,901'],
      ['Wederzijds vertrouwen', '0,916'],
      ['Gelijkwaardigheid', '0,710'],
      ['Organisatie en sturing', '0,889'],
    ];
    for (const [scale, alpha] of alphas) {
      expect(cell(t, scale, 'α'), scale).toBe(alpha);
      expect(cell(t, scale, 'n'), scale).toBe('59');
      expect(cell(t, scale, 'Betrouwbaar'), scale).toBe('ja');
    }
    // 2022: which two scales were unreliable is not published; the replica takes visie and gelijkwaardigheid.
    expect(cell(t, 'Gezamenlijke visie', 'Betrouwbaar Meting 2022')).toBe('nee (α < 0,60)');
    expect(cell(t, 'Gelijkwaardigheid', 'Betrouwbaar Meting 2022')).toBe('nee (α < 0,60)');
    expect(cell(t, 'Communicatie', 'Betrouwbaar Meting 2022')).toBe('ja');
    const fig = report.figures.find((f) => f.id === 'figuur-schalen')!;
    const [before, now] = fig.measurements;
    expect(before!.series[0]!.values.map((v) => v !== null)).toEqual([true, false, true, false, true]);
    expect(now!.series[0]!.values.every((v) => v !== null)).toBe(true);
  });

  it('the researcher\'s alpha threshold moves which scales count as reliable', async () => {
    const res = await app.inject({ url: `/api/exports/rounds/${rounds.roundId}/report?alpha=0.9`, headers: { cookie } });
    const strict = res.json() as RoundReport;
    const t = strict.tables.find((x) => x.id === 'schalen')!;
    const flag = (label: string) => t.rows.find((r) => r.label.startsWith(label))!.display[t.head.indexOf('Betrouwbaar') - 1];
    expect(flag('Gelijkwaardigheid')).toBe('nee (α < 0,90)');
    expect(flag('Organisatie en sturing')).toBe('nee (α < 0,90)');
    expect(flag('Communicatie')).toBe('ja');
    expect((await app.inject({ url: `/api/exports/rounds/${rounds.roundId}/report?alpha=2`, headers: { cookie } })).statusCode).toBe(400);
  });

  it('exports the scale scores as computed variables (CSV, XLSX, .sav) and describes them in the codebook', async () => {
    const get = (url: string) => app.inject({ url, headers: { cookie } });
    const csv = (await get(`/api/exports/rounds/${rounds.roundId}/responses?format=csv`)).body.trim().split('\r\n');
    const names = csv[0]!.split(',');
    const column = names.indexOf('S_communicatie');
    expect(column).toBeGreaterThan(names.indexOf('A_wf_sturing_trekker'));
    const values = csv.slice(1).map((line) => Number(line.split(',')[column]));
    expect(values.filter((v) => v === -9)).toHaveLength(180); // not asked: the 180 schools that do not collaborate
    const scores = values.filter((v) => v >= 1);
    expect(scores).toHaveLength(59);
    // The mean of the exported scores is the report's mean.
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const scalesTable = tableById('schalen');
    expect(cell(scalesTable, 'Communicatie', 'Gemiddelde')).toBe(mean.toFixed(2).replace('.', ','));
    // Each score is the mean of its three items, computed here from the exported items.
    const items = ['A_wf_communicatie_geinformeerd', 'A_wf_communicatie_regelmatig_contact', 'A_wf_communicatie_tijdig'].map((n) => names.indexOf(n));
    for (const line of csv.slice(1)) {
      const fields = line.split(',');
      const score = Number(fields[column]);
      if (score >= 1) expect(score).toBeCloseTo(items.reduce((s, i) => s + Number(fields[i]), 0) / 3, 5);
    }

    const codebook = (await get(`/api/exports/rounds/${rounds.roundId}/codebook?format=csv`)).body.split('\r\n');
    const line = codebook.find((l) => l.startsWith('S_communicatie,'))!;
    expect(line).toContain('schaalscore (berekend)');
    expect(line).toContain('A_wf_communicatie_geinformeerd, A_wf_communicatie_regelmatig_contact, A_wf_communicatie_tijdig');
    expect(line).toContain('Cronbachs alfa = 0,931 (n = 59');
    expect(line).toContain('alleen als Q_mate = wel');
    // "Asked to" includes an option's situation condition; not asked and missing stay apart.
    const signalering = codebook.find((l) => l.startsWith('P_opbrengsten_beleid_signalering,'))!;
    expect(signalering).toContain('situatie ≠ ow-jh (Tussen onderwijs en jeugdhulp)');
    expect(signalering).toContain('-9 = Niet gevraagd; -8 = Geen antwoord');

    const sav = await get(`/api/exports/rounds/${rounds.roundId}/responses?format=sav`);
    const read = readSavWithPspp(sav.rawPayload);
    expect(read.messages).toEqual([]);
    expect(read.variables.find((v) => v.name === 'S_visie')?.printFormat).toMatch(/F\d+\.2/);
    const xlsx = await get(`/api/exports/rounds/${rounds.roundId}/responses?format=xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const head = workbook.getWorksheet('Data')!.getRow(1).values as unknown[];
    expect(head).toContain('S_gelijkwaardigheid');
    // The XLSX codebook measures alpha while writing the data (measureFor('xlsx')): the same as the codebook's own pass.
    const book = workbook.getWorksheet('Codeboek')!;
    const xlsxScale = (book.getSheetValues() as unknown[][]).find((r) => r?.[1] === 'S_communicatie')!;
    expect(xlsxScale[4]).toContain('Cronbachs alfa = 0,931 (n = 59');
  });

  it('the XLSX workbook has a sheet per table and prints the same text, with a decimal comma', async () => {
    const res = await app.inject({ url: `/api/exports/rounds/${rounds.roundId}/report.xlsx`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(workbook.worksheets.length).toBe(report.tables.length + 1);
    const sheetFor = (title: string) => workbook.worksheets.find((s) => s.getRow(1).getCell(1).value === title)!;
    const find = (sheetTitle: string, rowLabel: string, column: string) => {
      const sheet = sheetFor(sheetTitle);
      let headRow = 0;
      sheet.eachRow((row, i) => {
        if (row.getCell(1).value === tableById('vraag-A_tevredenheid_samenwerking-gemiddelde').head[0] || row.getCell(1).value === 'Antwoord') headRow ||= i;
      });
      const head = sheet.getRow(headRow).values as unknown[];
      let value: unknown;
      sheet.eachRow((row) => {
        if (String(row.getCell(1).value).startsWith(rowLabel)) value ??= row.getCell(head.indexOf(column)).value;
      });
      return value;
    };
    const mean = tableById('vraag-A_tevredenheid_samenwerking-gemiddelde');
    expect(find(mean.title, 'Totaal', 'Gemiddelde')).toBe('4,54');
    expect(find(mean.title, 'Tussen po en vo', 'Gemiddelde')).toBe('4,36');
    const t5 = tableById('vraag-P_opbrengsten_beleid');
    expect(find(t5.title, 'Betere (vroeg)signalering', '%')).toBe('22,3');
    expect(find(t5.title, 'Betere (vroeg)signalering', 'n')).toBe(188);
    expect(find(t5.title, 'Betere (vroeg)signalering', 'Onderwijs-jeugdhulp')).toBe('niet gevraagd');
  });
});
