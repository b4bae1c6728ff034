import type { Kysely } from 'kysely';
import { cronbachAlpha } from '../analysis/statistics';
import type { DB, InvitationStatus, SchoolKind, Situation, SwvSector } from '../db/types';
import { newInvitationToken } from '../invitations/tokens';
import { buildSurvey, snapshotVersion, validateResponse, variablesFor, type QuestionnaireContent } from '../questionnaires';
import { readScales } from '../exports/scales';
import { seededRandom } from './data/random';

/**
 * The IMAGE report replica: a 2023 round of 239 completed schools whose answers reproduce every
 * count the 2023 report publishes for the school questionnaire (Tabel 3, 4, 5, 6, B2–B12), and
 * the 2022 round before it (Tabel B1's first column, B12's 2022 column, Figuur 15). Used by
 * `npm run demo -- --replica` and by tests/integration/report-replica.test.ts, which compares
 * every published cell with the platform's tables.
 *
 * The report contradicts itself in places (shared/questionnaires/image-samenwerking.md §6.7);
 * the replica follows one reading each, and the test names it:
 * - po–vo collaborating schools: 22 (Tabel 3, Tabel 6, B12's mean), not B4's 24.
 * - Tabel B1 2022: the cells as printed (64 schools); the subtotal "19" and total "66" do not follow from them.
 * - Tabel B7 row 2 sums to 226 with n = 225: "Niet/nauwelijks" is taken as 69, not 70.
 *   Row 4's "Weet niet" 191 is a typo for 92 (225 − 133).
 * - Tabel B11: n = 96 (branches wel and plannen), as its columns and Figuur 14 say, not the title's 239.
 * - Tabel B6: the one vo–vo school without plans (no column in B6) asks for "Meer middelen".
 * - Tabel 5: a multiple-choice question has one base per respondent group; the replica has 230
 *   answering schools (188 shown the signalering option, all 42 onderwijs–jeugdhulp schools
 *   answered). Rows printed with n = 228 cannot come from one multiple-choice question.
 * - Tabel 4: the counts behind the percentages (e.g. 3/4/26/20/6 of 59); the report's 10,1 and
 *   11,8 are 6/59 and 7/59 forced to sum to 100 (the platform prints 10,2 and 11,9).
 * - Tabel B7/B8 merge "Niet"+"Nauwelijks" and "Redelijk veel"+"Veel": the replica splits each
 *   merged count (larger half first); the test merges them back.
 * - Werkzame factoren: the published alphas (2023) are reproduced to three decimals; which two
 *   2022 scales were unreliable is not published: here gezamenlijke visie and gelijkwaardigheid.
 */

export const REPLICA_QUESTIONNAIRES = { previous: 'image-samenwerking-2022', current: 'image-samenwerking-2023' } as const;

/** Tabel B1: letter, sector, situation, 2022 response (null: not in 2022), 2023 response. */
export const TABEL_B1: Array<{ letter: string; sector: SwvSector; situation: Situation; r2022: number | null; r2023: number }> = [
  { letter: 'A', sector: 'po', situation: 'po-po', r2022: 8, r2023: 8 },
  { letter: 'B', sector: 'po', situation: 'po-po', r2022: 7, r2023: 7 },
  { letter: 'C', sector: 'po', situation: 'po-po', r2022: 2, r2023: 11 },
  { letter: 'D', sector: 'vo', situation: 'vo-vo', r2022: 1, r2023: 1 },
  { letter: 'E', sector: 'vo', situation: 'vo-vo', r2022: 6, r2023: 8 },
  { letter: 'F', sector: 'vo', situation: 'vo-vo', r2022: 2, r2023: 2 },
  { letter: 'G', sector: 'po', situation: 'po-vo', r2022: 2, r2023: 12 },
  { letter: 'H', sector: 'po', situation: 'po-vo', r2022: null, r2023: 25 },
  { letter: 'I', sector: 'po', situation: 'po-vo', r2022: 3, r2023: 39 },
  { letter: 'G', sector: 'vo', situation: 'po-vo', r2022: 5, r2023: 3 },
  { letter: 'H', sector: 'vo', situation: 'po-vo', r2022: 1, r2023: 7 },
  { letter: 'I', sector: 'vo', situation: 'po-vo', r2022: 2, r2023: 6 },
  { letter: 'K', sector: 'po', situation: 'po-ko', r2022: 4, r2023: 42 },
  { letter: 'L', sector: 'po', situation: 'po-ko', r2022: 8, r2023: 8 },
  { letter: 'M', sector: 'po', situation: 'po-ko', r2022: 4, r2023: 10 },
  { letter: 'J', sector: 'po', situation: 'ow-jh', r2022: 3, r2023: 13 },
  { letter: 'P', sector: 'po', situation: 'ow-jh', r2022: null, r2023: 6 },
  { letter: 'Q', sector: 'po', situation: 'ow-jh', r2022: null, r2023: 19 },
  { letter: 'R', sector: 'vo', situation: 'ow-jh', r2022: null, r2023: 4 },
  { letter: 'N', sector: 'vo', situation: 'vso-vo', r2022: 6, r2023: 4 },
  { letter: 'O', sector: 'vo', situation: 'vso-vo', r2022: null, r2023: 4 },
];

/** Tabel 3 (2023): wel / plannen / geen per situation. */
export const TABEL_3: Record<Situation, [number, number, number]> = {
  'po-ko': [4, 12, 44],
  'po-vo': [22, 8, 62],
  'po-po': [11, 6, 9],
  'vo-vo': [7, 3, 1],
  'vso-vo': [3, 2, 3],
  'ow-jh': [12, 6, 24],
};

/** 2022: branches per situation (only the 35 collaborating schools are published, B12). */
const BRANCHES_2022: Record<Situation, [number, number, number]> = {
  'po-ko': [6, 4, 6],
  'po-vo': [8, 2, 3],
  'po-po': [12, 2, 3],
  'vo-vo': [5, 2, 2],
  'vso-vo': [3, 1, 2],
  'ow-jh': [1, 1, 1],
};

/** Tabel B12 / Tabel 6 (2023): satisfaction 1…7 per situation; sums 64, 34, 19, 96, 46, 9 give the published means. */
const SATISFACTION_2023: Record<Situation, number[]> = {
  'vso-vo': [1, 1, 0, 0, 0, 1, 0],
  'po-ko': [1, 0, 0, 0, 1, 1, 1],
  'vo-vo': [0, 1, 1, 1, 1, 1, 2],
  'po-po': [0, 0, 0, 1, 1, 8, 1],
  'ow-jh': [0, 2, 5, 1, 1, 3, 0],
  'po-vo': [0, 0, 0, 14, 8, 0, 0],
};
/** Tabel B12 2022 (N = 35). */
const SATISFACTION_2022 = [1, 5, 10, 12, 5, 2, 0];

/** Cronbach's alpha per scale: 2023 as published (footnote 16); 2022 not published, two below 0.6 as the report says. */
export const REPLICA_ALPHAS: Record<string, { 2022: number; 2023: number; mean: number }> = {
  S_communicatie: { 2022: 0.812, 2023: 0.931, mean: 3.2 },
  S_visie: { 2022: 0.452, 2023: 0.901, mean: 3.1 },
  S_vertrouwen: { 2022: 0.857, 2023: 0.916, mean: 3.9 },
  S_gelijkwaardigheid: { 2022: 0.388, 2023: 0.71, mean: 3.6 },
  S_sturing: { 2022: 0.764, 2023: 0.889, mean: 3.7 },
};

function shuffled<T>(list: readonly T[], rng: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface Respondent {
  situation: Situation;
  sector: SwvSector;
  swvIndex: number;
  branch: 'wel' | 'plannen' | 'geen';
  data: Record<string, unknown>;
}

/** Gives each respondent one value, `counts` times each (in the order given); the rest get none. */
function assignSingle(people: Respondent[], counts: Array<[unknown, number]>, set: (r: Respondent, value: unknown) => void, rng: () => number) {
  const total = counts.reduce((s, [, n]) => s + n, 0);
  if (total > people.length) throw new Error(`replica: ${total} answers for ${people.length} respondents`);
  const order = shuffled(people, rng);
  let k = 0;
  for (const [value, n] of counts) for (let i = 0; i < n; i++) set(order[k++]!, value);
}

/** Multiple choice: ticks each option `n` times, always to the eligible respondent with the fewest ticks so far; everyone gets at least one. */
function assignMulti(people: Respondent[], question: string, counts: Array<[string, number]>, rng: () => number, eligible: (r: Respondent, option: string) => boolean = () => true) {
  const order = shuffled(people, rng);
  const ticks = new Map<Respondent, string[]>(order.map((r) => [r, []]));
  // Options with the fewest eligible respondents first, so the constrained ones find room.
  const sorted = [...counts].sort((a, b) => order.filter((r) => eligible(r, a[0])).length - order.filter((r) => eligible(r, b[0])).length);
  for (const [option, n] of sorted) {
    const candidates = order.filter((r) => eligible(r, option)).sort((a, b) => ticks.get(a)!.length - ticks.get(b)!.length);
    if (candidates.length < n) throw new Error(`replica: ${question} ${option} needs ${n} of ${candidates.length}`);
    for (const r of candidates.slice(0, n)) ticks.get(r)!.push(option);
  }
  const optionOrder = counts.map(([o]) => o);
  for (const [r, chosen] of ticks) {
    if (chosen.length === 0) throw new Error(`replica: a respondent has no answer to ${question}`);
    r.data[question] = optionOrder.filter((o) => chosen.includes(o));
  }
}

function setRow(question: string, row: string) {
  return (r: Respondent, value: unknown) => {
    const current = (r.data[question] as Record<string, unknown> | undefined) ?? {};
    r.data[question] = { ...current, [row]: value };
  };
}

/** A matrix whose rows have published counts per column (in column order). */
function assignMatrix(people: Respondent[], question: string, columns: unknown[], rows: Record<string, number[]>, rng: () => number) {
  for (const [row, counts] of Object.entries(rows)) {
    assignSingle(people, counts.map((n, i) => [columns[i], n]), setRow(question, row), rng);
  }
}

/** Splits a merged count into two columns, the larger half first. */
const split = (n: number): [number, number] => [Math.ceil(n / 2), Math.floor(n / 2)];

/**
 * Item answers (1–5) for `n` respondents whose Cronbach's alpha rounds to `target` at three
 * decimals: a latent trait plus noise, then single answers moved up or down one point while
 * that brings alpha closer. Deterministic for a seed.
 */
export function itemsWithAlpha(n: number, k: number, target: number, mean: number, seed: number): number[][] {
  const rng = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rng() || 1e-12)) * Math.cos(2 * Math.PI * rng());
  const clamp = (v: number) => Math.min(5, Math.max(1, Math.round(v)));
  const noise = Math.max(0.2, 1.4 * (1 - target));
  const rows = Array.from({ length: n }, () => {
    const t = normal();
    return Array.from({ length: k }, () => clamp(mean + t + noise * normal()));
  });
  let alpha = cronbachAlpha(rows) ?? 0;
  for (let step = 0; step < 200_000 && Math.abs(alpha - target) >= 0.0004; step++) {
    const i = Math.floor(rng() * n);
    const j = Math.floor(rng() * k);
    const old = rows[i]![j]!;
    const next = clamp(old + (rng() < 0.5 ? -1 : 1));
    if (next === old) continue;
    rows[i]![j] = next;
    const candidate = cronbachAlpha(rows) ?? 0;
    if (Math.abs(candidate - target) < Math.abs(alpha - target)) alpha = candidate;
    else rows[i]![j] = old;
  }
  if (Math.abs(alpha - target) >= 0.0005) throw new Error(`replica: no item set with alpha ${target}`);
  return rows;
}

function assignScales(content: QuestionnaireContent, people: Respondent[], year: 2022 | 2023) {
  for (const [index, scale] of readScales(content).entries()) {
    const spec = REPLICA_ALPHAS[scale.name];
    if (!spec) continue;
    const rows = itemsWithAlpha(people.length, scale.items.length, spec[year], spec.mean, year * 10 + index);
    people.forEach((r, i) => {
      scale.items.forEach((item, j) => setRow(item.question, item.row!)(r, rows[i]![j]));
    });
  }
}

function respondentsFor(year: 2022 | 2023): Respondent[] {
  const people: Respondent[] = [];
  const branches = year === 2023 ? TABEL_3 : BRANCHES_2022;
  const bySituation = new Map<Situation, Respondent[]>();
  TABEL_B1.forEach((row, swvIndex) => {
    const n = year === 2023 ? row.r2023 : row.r2022 ?? 0;
    for (let k = 0; k < n; k++) {
      const r: Respondent = { situation: row.situation, sector: row.sector, swvIndex, branch: 'geen', data: { Q_consent: 'ja' } };
      people.push(r);
      bySituation.set(row.situation, [...(bySituation.get(row.situation) ?? []), r]);
    }
  });
  for (const [situation, members] of bySituation) {
    const [wel, plannen, geen] = branches[situation];
    if (wel + plannen + geen !== members.length) throw new Error(`replica: ${year} ${situation} has ${members.length} schools, branches say ${wel + plannen + geen}`);
    // Interleave so every SWV of a situation has some of each branch.
    const labels: Array<Respondent['branch']> = [];
    const left = { wel, plannen, geen };
    while (labels.length < members.length) {
      for (const b of ['wel', 'plannen', 'geen'] as const) if (left[b]-- > 0) labels.push(b);
    }
    members.forEach((r, i) => {
      r.branch = labels[i]!;
      r.data.Q_mate = r.branch;
    });
  }
  return people;
}

/** The 2023 answers, question by question, from the report's tables. */
function answers2023(content: QuestionnaireContent): Respondent[] {
  const rng = seededRandom(2023);
  const all = respondentsFor(2023);
  const wel = all.filter((r) => r.branch === 'wel');
  const geen = all.filter((r) => r.branch === 'geen');

  // Tabel B2.
  assignMulti(all, 'Q_functie', [['schoolleider', 56], ['intern_begeleider', 90], ['expert_hb', 103], ['leraar', 58], ['gedragswetenschapper', 5], ['teamleider', 4]], rng);
  // Tabel B3.
  assignMatrix(all, 'Q_kenmerken', [1, 2, 3, 9], {
    leerlingen_hb: [5, 78, 155, 1],
    prioriteit: [26, 107, 106, 0],
    subsidie: [104, 46, 59, 30],
    kennis_signaleren: [14, 137, 86, 2],
    kennis_ondersteunen: [13, 142, 82, 2],
    extra_ondersteuning: [10, 87, 142, 0],
  }, rng);
  // Tabel B5.
  assignMulti(wel, 'A_doelen', [['maatwerk', 37], ['uitval', 30], ['potentieel', 34], ['tijdige_zorg', 34], ['signalering', 26], ['preventie', 26], ['overstap', 28], ['kennis_leraren', 22], ['kennis_zorgteam', 8]], rng);
  // Tabel 4: counts behind the percentages of 59.
  assignMatrix(wel, 'A_opbrengsten_uitvoering', [1, 2, 3, 4, 9], {
    passende_ondersteuning: [3, 4, 26, 20, 6],
    tijdige_inzet: [9, 9, 19, 15, 7],
    overgang: [6, 9, 18, 14, 12],
    kennis: [15, 8, 16, 11, 9],
    signalering: [18, 9, 15, 6, 11],
  }, rng);
  // Tabel 6 / B12.
  for (const [situation, counts] of Object.entries(SATISFACTION_2023)) {
    assignSingle(wel.filter((r) => r.situation === situation), counts.map((n, i) => [i + 1, n]), (r, v) => (r.data.A_tevredenheid_samenwerking = v), rng);
  }
  // Figuur 16: the five scales with the published alphas.
  assignScales(content, wel, 2023);
  // Figuur 17 (the conditions): means not in the spec; a plain pattern.
  wel.forEach((r, i) => {
    r.data.A_condities = { middelen: 1 + (i % 5), externe_deskundigheid: 1 + ((i + 1) % 5), interne_deskundigheid: 1 + ((i + 2) % 4), gelegenheid: 2 + (i % 4), tijd: 1 + ((i + 3) % 4) };
  });
  // Tabel B6 per situation; the one vo–vo school: "Meer middelen".
  const nodig: Record<Situation, number[]> = {
    'po-ko': [3, 13, 7, 13, 19],
    'po-vo': [27, 42, 27, 24, 27],
    'vso-vo': [0, 0, 1, 1, 2],
    'po-po': [2, 3, 5, 4, 5],
    'ow-jh': [3, 18, 5, 2, 9],
    'vo-vo': [0, 0, 0, 0, 1],
  };
  const nodigOptions = ['contact', 'meerwaarde', 'bijeenkomsten', 'richtlijnen', 'middelen'];
  for (const [situation, counts] of Object.entries(nodig)) {
    assignMulti(geen.filter((r) => r.situation === situation), 'C_nodig', nodigOptions.map((o, i) => [o, counts[i]!]), rng);
  }
  // Tabel B7 (n = 225; 14 without an answer): merged columns split; row 2 "Niet/nauwelijks" 69, row 4 "Weet niet" 92.
  const b7 = shuffled(all, rng).slice(0, 225);
  const merged = (a: number, b: number, c: number, d: number) => [...split(a), b, ...split(c), d];
  assignMatrix(b7, 'P_bestuur_beleid', [1, 2, 3, 4, 5, 9], {
    doelen: merged(68, 16, 14, 127),
    werkwijze: merged(69, 14, 15, 127),
    kennis: merged(73, 12, 13, 127),
    scholing: merged(91, 29, 13, 92),
    activiteiten: merged(90, 18, 14, 103),
  }, rng);
  // Tabel B8 (n = 232; some rows left open). Everyone of the 232 answers the first two rows.
  const b8 = shuffled(all, rng).slice(0, 232);
  const b8rows: Record<string, [number, number, number, number]> = {
    doelen: [30, 22, 27, 153],
    werkwijze: [28, 19, 26, 159],
    kennis: [33, 27, 26, 143],
    scholing: [36, 25, 25, 145],
    activiteiten: [34, 11, 22, 163],
  };
  for (const [row, [a, b, c, d]] of Object.entries(b8rows)) {
    const counts = merged(a, b, c, d);
    const answering = b8.slice(0, counts.reduce((s, n) => s + n, 0));
    assignSingle(answering, counts.map((n, i) => [[1, 2, 3, 4, 5, 9][i], n]), setRow('P_swv_beleid', row), rng);
  }
  // Tabel B9.
  assignMatrix(all, 'P_stimulering', [1, 2, 3, 4, 5, 9], { schoolbestuur: [79, 27, 41, 18, 10, 64], samenwerkingsverband: [50, 25, 45, 26, 11, 82] }, rng);
  // Tabel B10: statements 1–4 for all, 5–7 for the collaborating schools.
  assignMatrix(all, 'P_manier_stimulering', [1, 2, 3, 4, 5, 9], {
    speerpunten: [57, 45, 23, 30, 4, 80],
    overleggen: [52, 51, 30, 34, 4, 68],
    voortgang: [49, 40, 27, 37, 3, 83],
    kennismaking: [49, 40, 27, 37, 3, 83],
  }, rng);
  assignMatrix(wel, 'A_manier_stimulering', [1, 2, 3, 4, 5, 9], { aanspreekpunt: [8, 7, 5, 11, 8, 20], input: [14, 10, 10, 8, 4, 13], handvatten: [12, 9, 7, 15, 2, 14] }, rng);
  // Tabel B11: the 96 schools of branches wel and plannen.
  assignMatrix(all.filter((r) => r.branch !== 'geen'), 'P_tevredenheid_ondersteuning', [1, 2, 3, 4, 5, 9], {
    schoolbestuur: [1, 12, 31, 18, 10, 24],
    samenwerkingsverband: [1, 7, 31, 25, 9, 23],
  }, rng);
  // Tabel 5: 230 answer (all 42 onderwijs–jeugdhulp schools, who are not shown signalering); 119 tick an exclusive option.
  const jeugdhulp = all.filter((r) => r.situation === 'ow-jh');
  const others = shuffled(all.filter((r) => r.situation !== 'ow-jh'), rng).slice(0, 230 - jeugdhulp.length);
  const exclusive = [...jeugdhulp, ...others].slice(0, 48 + 71);
  exclusive.forEach((r, i) => (r.data.P_opbrengsten_beleid = [i < 48 ? 'geen_opbrengsten' : 'weet_niet']));
  const substantive = others.filter((r) => !exclusive.includes(r));
  assignMulti(substantive, 'P_opbrengsten_beleid', [['kennis', 71], ['basisondersteuning', 67], ['kennisdeling', 65], ['signalering', 42], ['extra_ondersteuning', 51], ['lichte_ondersteuning', 30]], rng);
  return all;
}

/** The 2022 answers: B1's response, B12's 2022 column and the scales; everything else plausible. */
function answers2022(content: QuestionnaireContent): Respondent[] {
  const rng = seededRandom(2022);
  const all = respondentsFor(2022);
  const wel = all.filter((r) => r.branch === 'wel');
  assignSingle(wel, SATISFACTION_2022.map((n, i) => [i + 1, n]), (r, v) => (r.data.A_tevredenheid_samenwerking = v), rng);
  assignScales(content, wel, 2022);
  // Every other required question: the first answer for a few, cycling through the options.
  all.forEach((r, i) => fillRequired(content, r, i));
  return all;
}

/** Fills the visible required questions a respondent has no answer to yet, cycling through the options. */
function fillRequired(content: QuestionnaireContent, r: Respondent, i: number) {
  const survey = buildSurvey(content, variablesFor({ situation: r.situation, sector: r.sector, schoolName: 'school' }));
  for (let pass = 0; pass < 5; pass++) {
    survey.data = r.data;
    for (const q of survey.getAllQuestions(true)) {
      if (!q.isRequired || r.data[q.name] !== undefined) continue;
      const question = q as unknown as {
        visibleChoices?: Array<{ value: unknown; isExclusive?: boolean }>;
        rows?: Array<{ value: unknown; isVisible: boolean }>;
        columns?: Array<{ value: unknown }>;
      };
      const type = q.getType();
      if (type === 'matrix') {
        const cols = question.columns ?? [];
        const rows = (question.rows ?? []).filter((row) => row.isVisible);
        r.data[q.name] = Object.fromEntries(rows.map((row, k) => [String(row.value), cols[(i + k) % cols.length]!.value]));
      } else if (type === 'checkbox') {
        const choices = (question.visibleChoices ?? []).filter((c) => !c.isExclusive);
        r.data[q.name] = [choices[i % choices.length]!.value];
      } else if (question.visibleChoices?.length) {
        r.data[q.name] = question.visibleChoices[i % question.visibleChoices.length]!.value;
      }
    }
  }
}

export interface ReplicaRounds {
  studyId: number;
  previousRoundId: number;
  roundId: number;
}

const SWV_CODE = (index: number, sector: SwvSector) => `${sector.toUpperCase()}98${String(index + 1).padStart(2, '0')}`;

/** Invited schools per SWV beyond those who responded, so the response rate is the report's (239 of 1,380; 283 reactions). */
const INVITED_2023 = 1380;
const REACTIONS_2023 = 283;

/**
 * Writes both rounds: study, SWVs with their region letters and situations, schools,
 * invitations and the responses (each checked by the server's own validation).
 */
export async function buildReportReplica(db: Kysely<DB>, now: Date, options: { studyName?: string } = {}): Promise<ReplicaRounds> {
  const study = await db
    .insertInto('studies')
    .values({ name: options.studyName ?? 'IMAGE samenwerking (rapport 2023 nagebouwd)', slug: `image-replica-${now.getTime()}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const swvIds: number[] = [];
  for (const [index, row] of TABEL_B1.entries()) {
    const code = SWV_CODE(index, row.sector);
    const swv = await db
      .insertInto('swvs')
      .values({ code, name: `Samenwerkingsverband ${row.letter} (${row.sector.toUpperCase()})`, sector: row.sector })
      .onConflict((oc) => oc.column('code').doUpdateSet({ name: `Samenwerkingsverband ${row.letter} (${row.sector.toUpperCase()})` }))
      .returning('id')
      .executeTakeFirstOrThrow();
    swvIds.push(swv.id);
  }

  let schoolNumber = 0;
  const makeRound = async (year: 2022 | 2023, previousRoundId: number | null) => {
    const version = await snapshotVersion(db, year === 2022 ? REPLICA_QUESTIONNAIRES.previous : REPLICA_QUESTIONNAIRES.current);
    const content = version.content as QuestionnaireContent;
    const round = await db
      .insertInto('rounds')
      .values({ study_id: study.id, name: `Meting ${year}`, questionnaire_version_id: version.id, status: 'closed', opens_at: new Date(`${year}-03-01T08:00:00Z`), previous_round_id: previousRoundId })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [index, row] of TABEL_B1.entries()) {
      if (year === 2022 && row.r2022 === null) continue;
      await db.insertInto('round_swvs').values({ round_id: round.id, swv_id: swvIds[index]!, situation: row.situation, region_letter: row.letter }).execute();
    }
    const people = year === 2023 ? answers2023(content) : answers2022(content);
    // Non-responders: 2023 to the report's 1,380 invited and 283 reactions; 2022 a handful per SWV.
    const extra: Array<{ swvIndex: number; status: InvitationStatus }> = [];
    const participating = TABEL_B1.map((row, i) => ({ row, i })).filter(({ row }) => year === 2023 || row.r2022 !== null);
    const refused = year === 2023 ? REACTIONS_2023 - people.length : 4;
    const invitedOnly = year === 2023 ? INVITED_2023 - REACTIONS_2023 : participating.length * 5;
    for (let k = 0; k < refused + invitedOnly; k++) extra.push({ swvIndex: participating[k % participating.length]!.i, status: k < refused ? 'refused' : 'invited' });

    const at = new Date(`${year}-03-15T09:00:00Z`);
    const entries = [...people.map((p) => ({ swvIndex: p.swvIndex, status: 'completed' as InvitationStatus, person: p as Respondent | null })), ...extra.map((e) => ({ ...e, person: null }))].map((entry) => {
      schoolNumber++;
      const spec = TABEL_B1[entry.swvIndex]!;
      const high = Math.floor(schoolNumber / 10);
      const brin = `9${schoolNumber % 10}${String.fromCharCode(65 + (Math.floor(high / 26) % 26))}${String.fromCharCode(65 + (high % 26))}`;
      const kind: SchoolKind = spec.sector;
      const name = `${spec.sector === 'po' ? 'Basisschool' : 'College'} ${spec.letter}-${schoolNumber}`;
      let data: Record<string, unknown> | null = null;
      let branch: string | null = null;
      if (entry.person) {
        const variables = variablesFor({ situation: spec.situation, sector: spec.sector, schoolName: name, schoolKind: kind });
        const result = validateResponse(content, variables, entry.person.data, { mode: 'complete' });
        if (!result.ok) throw new Error(`replica ${year}: answers do not validate: ${JSON.stringify(result.errors)}`);
        data = result.data;
        branch = result.branch;
      }
      return { ...entry, number: schoolNumber, locationCode: `${brin}98`, brin, kind, name, data, branch };
    });
    // Written in batches: a few thousand single inserts take a minute on the embedded database.
    for (let from = 0; from < entries.length; from += 400) {
      const chunk = entries.slice(from, from + 400);
      const schools = await db
        .insertInto('schools')
        .values(chunk.map((e) => ({ location_code: e.locationCode, brin: e.brin, name: e.name, kind: e.kind, street: 'Schoolstraat', house_number: String(e.number), postcode: '1234 AB', city: 'PROEFSTAD' })))
        .onConflict((oc) => oc.column('location_code').doUpdateSet((eb) => ({ name: eb.ref('excluded.name') })))
        .returning(['id', 'location_code'])
        .execute();
      const schoolIds = new Map(schools.map((r) => [r.location_code, r.id]));
      const invitations = await db
        .insertInto('invitations')
        .values(
          chunk.map((e) => {
            const token = newInvitationToken(`replica-${now.getTime()}`.padEnd(32, '-'));
            const done = e.status === 'completed';
            return {
              round_id: round.id,
              school_id: schoolIds.get(e.locationCode)!,
              swv_id: swvIds[e.swvIndex]!,
              token_nonce: token.nonce,
              token_hash: token.hash,
              email: `info${e.number}@school.example`,
              status: e.status,
              invited_at: at,
              opened_at: e.status === 'invited' ? null : at,
              consent_at: done ? at : null,
              refused_at: e.status === 'refused' ? at : null,
              started_at: done ? at : null,
              completed_at: done ? new Date(at.getTime() + 20 * 60_000) : null,
            };
          }),
        )
        .returning(['id', 'school_id'])
        .execute();
      const invitationIds = new Map(invitations.map((r) => [r.school_id, r.id]));
      const responses = chunk
        .filter((e) => e.data)
        .map((e) => ({
          invitation_id: invitationIds.get(schoolIds.get(e.locationCode)!)!,
          data: JSON.stringify(e.data),
          branch: e.branch,
          created_at: at,
          updated_at: at,
          completed_at: new Date(at.getTime() + 20 * 60_000),
        }));
      if (responses.length) await db.insertInto('responses').values(responses).execute();
    }
    return round.id;
  };
  const previousRoundId = await makeRound(2022, null);
  const roundId = await makeRound(2023, previousRoundId);
  return { studyId: study.id, previousRoundId, roundId };
}
