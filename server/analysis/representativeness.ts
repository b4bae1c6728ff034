import { sql, type Kysely } from 'kysely';
import type { DB, SchoolKind, Situation } from '../db/types';
import { notFound } from '../errors';
import { completedSql, invitedSql, responseRate } from '../tracking/definitions';
import { NO_SITUATION_LABEL as UNKNOWN_SITUATION_LABEL, SCHOOL_KIND_LABELS, SCHOOL_KINDS, SITUATION_SHORT, SITUATIONS } from '../../contract/vocabulary';
import { chiSquareGoodnessOfFit } from './statistics';

/**
 * Is the response representative? For a round, per dimension (sector, province, denominatie,
 * school size, SWV, situation): how the completed questionnaires are spread over the groups,
 * against how the invited schools are spread, with Pearson's chi-square goodness-of-fit test; and
 * the groups that lag most, each with the wave filter that reaches exactly them.
 *
 * Definitions: invited and completed are the dashboard's, from server/tracking/definitions.ts
 *   (invited: the invitation mail was accepted or refused by the relay, excluded invitations left
 *   out; a school whose data was erased on request stays invited, never completed).
 * - expected completions of a group: its share of the invited schools × all completions, i.e. what
 *   it would have if every group responded at the overall rate (proportional response).
 * - the test: groups with an expected count below 5 are merged into one before testing (the
 *   chi-square approximation is poor below 5); if that merged group still expects fewer than 5,
 *   the next smallest group joins it. Fewer than two groups left: no test.
 * - lagging groups: every group of a dimension that a wave can target (known values), and every
 *   sector within an SWV, with at least `minGroupSize` invited schools, ranked by shortfall
 *   (expected − completed, the completions missing for proportional response), largest first;
 *   ties by the lower response rate. A group that holds exactly the same schools as a broader one
 *   (the only sector of an SWV, the only SWV of a situation) is listed once.
 *
 * School attributes are the ones frozen on the invitation (migration 0012): the school as it was
 * when invited, whatever later DUO lists say.
 *
 * School size: DUO's pupil count per location (the `pupil-counts` import; a range where DUO masks
 * small counts, its midpoint used here). Classes are chosen from the data: the tertiles of the
 * invited schools' sizes (cut points `percentile_disc` 1/3 and 2/3, so each class holds about a
 * third of the schools with a known size), labelled with their bounds; schools without a count
 * form the class "Niet bekend". Without any count the dimension is reported as not available.
 *
 * The counting is one GROUP BY GROUPING SETS query; only the per-group results reach JS.
 */

export type DimensionKey = 'sector' | 'province' | 'denomination' | 'size' | 'swv' | 'situation';

/** A wave filter (server/mailings/targets.ts MailingTarget without status) that reaches one group. */
export interface GroupFilter {
  swvIds?: number[];
  situations?: Situation[];
  sectors?: SchoolKind[];
  provinces?: string[];
  denominations?: string[];
}

export interface CategoryCount {
  key: string;
  label: string;
  invited: number;
  completed: number;
  /** Null for a group no wave can target (an unknown value). */
  filter: GroupFilter | null;
}

export interface CategoryResult extends CategoryCount {
  invitedShare: number | null;
  completedShare: number | null;
  expected: number;
  responseRate: number | null;
}

export interface TestResult {
  statistic: number;
  df: number;
  pValue: number;
  /** Labels of the groups merged into one for the test (empty when none). */
  merged: string[];
  groupsTested: number;
}

export interface DimensionResult {
  key: DimensionKey;
  title: string;
  available: boolean;
  categories: CategoryResult[];
  invited: number;
  completed: number;
  test: TestResult | null;
  /** Plain Dutch: what the figures mean, or why there is no test. */
  summary: string;
  /** Plain Dutch, when categories were merged for the test. */
  mergeNote: string | null;
}

export interface LaggingGroup {
  key: string;
  /** "vo-scholen in SWV G" */
  label: string;
  /** "vo-scholen in SWV G: 3 van 40" */
  name: string;
  dimension: DimensionKey | 'swv-sector';
  invited: number;
  completed: number;
  expected: number;
  shortfall: number;
  responseRate: number | null;
  filter: GroupFilter;
}

export interface Representativeness {
  roundId: number;
  invited: number;
  completed: number;
  responseRate: number | null;
  minGroupSize: number;
  dimensions: DimensionResult[];
  lagging: LaggingGroup[];
}

export const MIN_EXPECTED = 5;
export const DEFAULT_MIN_GROUP_SIZE = 10;
export const MAX_LAGGING = 10;
export const SIGNIFICANCE = 0.05;

const SECTOR_ORDER: readonly SchoolKind[] = SCHOOL_KINDS;
const SECTOR_LABELS = SCHOOL_KIND_LABELS;
const UNKNOWN = 'Onbekend';

const TITLES: Record<DimensionKey, string> = {
  sector: 'Sector',
  province: 'Provincie',
  denomination: 'Denominatie',
  size: 'Schoolgrootte',
  swv: 'Samenwerkingsverband',
  situation: 'Samenwerkingssituatie',
};

/** How a dimension is named inside a sentence ("naar sector"). */
const IN_SENTENCE: Record<DimensionKey, string> = {
  sector: 'sector',
  province: 'provincie',
  denomination: 'denominatie',
  size: 'schoolgrootte',
  swv: 'samenwerkingsverband',
  situation: 'samenwerkingssituatie',
};

const SIZE_NOTE =
  'Schoolgrootte is niet bekend: er zijn geen leerlingaantallen ingelezen. Lees DUO\'s leerlingaantallen per vestiging in (Importeren), dan verschijnt hier de verdeling naar schoolgrootte.';
const SIZE_UNKNOWN = 'Niet bekend';

// ----- Dutch number formatting -----

const nl1 = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const nl3 = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 3, minimumFractionDigits: 3 });

export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0,001' : `p = ${nl3.format(p)}`;
}

// ----- the pure part -----

export function describeCategories(categories: CategoryCount[]): { categories: CategoryResult[]; invited: number; completed: number } {
  const invited = categories.reduce((s, c) => s + c.invited, 0);
  const completed = categories.reduce((s, c) => s + c.completed, 0);
  return {
    invited,
    completed,
    categories: categories.map((c) => ({
      ...c,
      invitedShare: invited > 0 ? c.invited / invited : null,
      completedShare: completed > 0 ? c.completed / completed : null,
      expected: invited > 0 ? (c.invited / invited) * completed : 0,
      responseRate: responseRate(c.completed, c.invited),
    })),
  };
}

/**
 * The groups the test compares: groups expecting fewer than MIN_EXPECTED completions pooled into
 * one (see the top of this file). Returns the tested groups and the labels that were pooled.
 */
export function mergeSmallCategories(categories: CategoryResult[]): { groups: Array<{ observed: number; invited: number; expected: number; labels: string[] }>; merged: string[] } {
  const items = categories
    .filter((c) => c.invited > 0)
    .map((c) => ({ observed: c.completed, invited: c.invited, expected: c.expected, labels: [c.label] }))
    .sort((a, b) => a.expected - b.expected || a.labels[0]!.localeCompare(b.labels[0]!));
  const pool: typeof items = [];
  while (items.length > 0 && items[0]!.expected < MIN_EXPECTED) pool.push(items.shift()!);
  if (pool.length === 0) return { groups: items, merged: [] };
  const poolExpected = () => pool.reduce((s, g) => s + g.expected, 0);
  while (poolExpected() < MIN_EXPECTED && items.length > 0) pool.push(items.shift()!);
  if (pool.length === 1) return { groups: [...items, pool[0]!], merged: [] };
  const merged = pool.flatMap((g) => g.labels);
  const combined = {
    observed: pool.reduce((s, g) => s + g.observed, 0),
    invited: pool.reduce((s, g) => s + g.invited, 0),
    expected: poolExpected(),
    labels: merged,
  };
  return { groups: [...items, combined], merged };
}

export function analyseDimension(key: DimensionKey, counts: CategoryCount[]): DimensionResult {
  const title = TITLES[key];
  const { categories, invited, completed } = describeCategories(counts);
  const base = { key, title, available: true, categories, invited, completed, test: null, mergeNote: null };
  if (invited === 0) return { ...base, summary: 'Er zijn nog geen scholen uitgenodigd.' };
  if (completed === 0) return { ...base, summary: 'Er zijn nog geen ingevulde vragenlijsten; de verdeling kan nog niet worden vergeleken.' };
  const { groups, merged } = mergeSmallCategories(categories);
  const mergeNote = merged.length
    ? `Voor de toets zijn groepen met minder dan ${MIN_EXPECTED} verwachte ingevulde vragenlijsten samengevoegd: ${merged.join(', ')}.`
    : null;
  const fit = groups.length >= 2 ? chiSquareGoodnessOfFit(groups.map((g) => g.observed), groups.map((g) => g.invited)) : null;
  if (!fit) {
    const why =
      categories.filter((c) => c.invited > 0).length < 2
        ? `Alle uitgenodigde scholen vallen in één groep; naar ${IN_SENTENCE[key]} valt niets te vergelijken.`
        : `Te weinig ingevulde vragenlijsten voor een toets naar ${IN_SENTENCE[key]}: na samenvoegen van kleine groepen blijft er minder dan twee groepen over.`;
    return { ...base, mergeNote, summary: why };
  }
  const test: TestResult = { statistic: fit.statistic, df: fit.df, pValue: fit.pValue, merged, groupsTested: groups.length };
  const figures = `χ² = ${nl1.format(fit.statistic)}, df = ${fit.df}, ${formatP(fit.pValue)}`;
  let summary: string;
  if (fit.pValue < SIGNIFICANCE) {
    const worst = [...categories]
      .filter((c) => c.invited > 0 && c.completed < c.expected)
      .sort((a, b) => (a.completed - a.expected) / Math.sqrt(a.expected) - (b.completed - b.expected) / Math.sqrt(b.expected))[0];
    summary =
      `De respons is naar ${IN_SENTENCE[key]} anders verdeeld dan de uitgenodigde scholen (${figures}): ` +
      'dat verschil is groter dan toeval goed kan verklaren.' +
      (worst
        ? ` Het sterkst ondervertegenwoordigd: ${worst.label} (${worst.completed} van ${worst.invited} ingevuld, ${nl1.format(worst.expected)} verwacht).`
        : '');
  } else {
    summary =
      `De respons is naar ${IN_SENTENCE[key]} ongeveer zo verdeeld als de uitgenodigde scholen (${figures}): ` +
      'de verschillen passen bij toeval. Dat bewijst geen representativiteit, maar er is naar deze kenmerken geen aanwijzing voor scheefheid.';
  }
  return { ...base, test, mergeNote, summary };
}

const SIZE_DIMENSION: DimensionResult = {
  key: 'size',
  title: TITLES.size,
  available: false,
  categories: [],
  invited: 0,
  completed: 0,
  test: null,
  summary: SIZE_NOTE,
  mergeNote: null,
};

function sizeDimension(counts: RepresentativenessCounts): DimensionResult {
  const result = analyseDimension('size', sizeCategories(counts));
  const unknown = (counts.size ?? []).find((r) => r.value === null);
  const note = unknown
    ? ` Van ${unknown.invited} uitgenodigde school${unknown.invited === 1 ? '' : 'en'} is het leerlingaantal niet bekend (groep "${SIZE_UNKNOWN}").`
    : '';
  const classes = ' De groepen zijn gekozen uit de gegevens: elk bevat ongeveer een derde van de uitgenodigde scholen met een bekend leerlingaantal.';
  return { ...result, summary: result.summary + classes + note };
}

export interface SwvInfo {
  swvId: number;
  code: string;
  name: string;
  regionLetter: string | null;
  situation: Situation | null;
}

/** Everything the analysis needs, as counted by the query (or built by a test). */
/**
 * `fingerprint` identifies the set of invitations of a group (md5 of their ids), so that groups
 * of different dimensions holding the same schools ("scholen in SWV G" and "scholen in
 * Noord-Holland") are listed once.
 */
export interface RepresentativenessCounts {
  sector: Array<{ value: SchoolKind | null; invited: number; completed: number; fingerprint?: string }>;
  province: Array<{ value: string | null; invited: number; completed: number; fingerprint?: string }>;
  denomination: Array<{ value: string | null; invited: number; completed: number; fingerprint?: string }>;
  swv: Array<{ swvId: number; invited: number; completed: number; fingerprint?: string }>;
  situation: Array<{ value: Situation | null; invited: number; completed: number; fingerprint?: string }>;
  swvSector: Array<{ swvId: number; sector: SchoolKind | null; invited: number; completed: number; fingerprint?: string }>;
  /** Size class 1 (smallest) … 3, null when unknown; absent when no school has a pupil count. */
  size?: Array<{ value: number | null; invited: number; completed: number; fingerprint?: string }>;
  /** The upper bounds (pupils) of the size classes but the last, ascending and distinct. */
  sizeCuts?: number[];
  swvs: SwvInfo[];
}

/** Labels of the size classes from their cut points: "Klein (tot en met 150 leerlingen)", … */
export function sizeClassLabels(cuts: number[]): string[] {
  if (cuts.length === 0) return ['Alle scholen met een bekend leerlingaantal'];
  const names = cuts.length === 1 ? ['Kleiner', 'Groter'] : ['Klein', 'Middelgroot', 'Groot'];
  return names.map((name, i) => {
    if (i === 0) return `${name} (tot en met ${cuts[0]} leerlingen)`;
    if (i === cuts.length) return `${name} (meer dan ${cuts[i - 1]} leerlingen)`;
    return `${name} (${cuts[i - 1]! + 1} tot en met ${cuts[i]} leerlingen)`;
  });
}

export function sizeCategories(counts: RepresentativenessCounts): CategoryCount[] {
  const labels = sizeClassLabels(counts.sizeCuts ?? []);
  return [...(counts.size ?? [])]
    .sort((a, b) => (a.value ?? 99) - (b.value ?? 99))
    .map((r) => ({
      key: `size:${r.value ?? ''}`,
      label: r.value === null ? SIZE_UNKNOWN : (labels[r.value - 1] ?? `Klasse ${r.value}`),
      invited: r.invited,
      completed: r.completed,
      // A wave cannot target a size class (yet).
      filter: null,
    }));
}

function sectorPlural(kind: SchoolKind): string {
  return `${kind}-scholen`;
}

export function shortSwvName(s: Pick<SwvInfo, 'code' | 'name' | 'regionLetter'> | undefined, swvId: number): string {
  if (!s) return `SWV #${swvId}`;
  return s.regionLetter ? `SWV ${s.regionLetter}` : s.name;
}

const byText = (a: string | null, b: string | null) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b, 'nl'));

/** Per dimension, the counted groups in display order, each with its label and filter. */
export function categoriesOf(counts: RepresentativenessCounts): Record<Exclude<DimensionKey, 'size'>, CategoryCount[]> {
  const swvInfo = new Map(counts.swvs.map((s) => [s.swvId, s]));
  const sector = [...counts.sector]
    .sort((a, b) => (a.value === null ? 99 : SECTOR_ORDER.indexOf(a.value)) - (b.value === null ? 99 : SECTOR_ORDER.indexOf(b.value)))
    .map((r) => ({
      key: `sector:${r.value ?? ''}`,
      label: r.value ? SECTOR_LABELS[r.value] : UNKNOWN,
      invited: r.invited,
      completed: r.completed,
      filter: r.value ? { sectors: [r.value] } : null,
    }));
  const text = (dim: 'province' | 'denomination', rows: RepresentativenessCounts['province']) =>
    [...rows]
      .sort((a, b) => byText(a.value, b.value))
      .map((r) => ({
        key: `${dim}:${r.value ?? ''}`,
        label: r.value ?? UNKNOWN,
        invited: r.invited,
        completed: r.completed,
        filter: r.value ? (dim === 'province' ? { provinces: [r.value] } : { denominations: [r.value] }) : null,
      }));
  const swv = [...counts.swv]
    .sort((a, b) => {
      const x = swvInfo.get(a.swvId);
      const y = swvInfo.get(b.swvId);
      return byText(x?.regionLetter ?? null, y?.regionLetter ?? null) || byText(x?.code ?? null, y?.code ?? null);
    })
    .map((r) => {
      const info = swvInfo.get(r.swvId);
      const label = info ? (info.regionLetter ? `SWV ${info.regionLetter} – ${info.name}` : `${info.name} (${info.code})`) : `SWV #${r.swvId}`;
      return { key: `swv:${r.swvId}`, label, invited: r.invited, completed: r.completed, filter: { swvIds: [r.swvId] } };
    });
  const situation = [...counts.situation]
    .sort((a, b) => (a.value === null ? 99 : SITUATIONS.indexOf(a.value)) - (b.value === null ? 99 : SITUATIONS.indexOf(b.value)))
    .map((r) => ({
      key: `situation:${r.value ?? ''}`,
      label: r.value ? SITUATION_SHORT[r.value] : UNKNOWN_SITUATION_LABEL,
      invited: r.invited,
      completed: r.completed,
      filter: r.value ? { situations: [r.value] } : null,
    }));
  return { sector, province: text('province', counts.province), denomination: text('denomination', counts.denomination), swv, situation };
}

interface Candidate {
  key: string;
  label: string;
  dimension: LaggingGroup['dimension'];
  invited: number;
  completed: number;
  filter: GroupFilter;
  /** Keys of broader groups that hold all of these schools. */
  within: string[];
  fingerprint?: string;
}

/** Which of two groups with the same schools is listed: the lower rank. */
const NAME_PREFERENCE: Record<LaggingGroup['dimension'], number> = { swv: 0, sector: 1, situation: 2, province: 3, denomination: 4, 'swv-sector': 5, size: 6 };

/** The lagging groups, ranked (see the top of this file). */
export function rankLaggingGroups(counts: RepresentativenessCounts, minGroupSize = DEFAULT_MIN_GROUP_SIZE, max = MAX_LAGGING): LaggingGroup[] {
  const invited = counts.sector.reduce((s, r) => s + r.invited, 0);
  const completed = counts.sector.reduce((s, r) => s + r.completed, 0);
  if (invited === 0 || completed === 0) return [];
  const rate = completed / invited;
  const swvInfo = new Map(counts.swvs.map((s) => [s.swvId, s]));
  const cats = categoriesOf(counts);
  const prints = new Map<string, string | undefined>([
    ...counts.sector.map((r) => [`sector:${r.value ?? ''}`, r.fingerprint] as const),
    ...counts.province.map((r) => [`province:${r.value ?? ''}`, r.fingerprint] as const),
    ...counts.denomination.map((r) => [`denomination:${r.value ?? ''}`, r.fingerprint] as const),
    ...counts.situation.map((r) => [`situation:${r.value ?? ''}`, r.fingerprint] as const),
    ...counts.swv.map((r) => [`swv:${r.swvId}`, r.fingerprint] as const),
    ...counts.swvSector.map((r) => [`swv-sector:${r.swvId}:${r.sector ?? ''}`, r.fingerprint] as const),
  ]);
  const candidates: Candidate[] = [];
  for (const c of cats.sector) {
    if (c.filter) candidates.push({ key: c.key, label: sectorPlural(c.filter.sectors![0]!), dimension: 'sector', invited: c.invited, completed: c.completed, filter: c.filter, within: [] });
  }
  for (const c of cats.province) {
    if (c.filter) candidates.push({ key: c.key, label: `scholen in ${c.label}`, dimension: 'province', invited: c.invited, completed: c.completed, filter: c.filter, within: [] });
  }
  for (const c of cats.denomination) {
    if (c.filter) {
      candidates.push({ key: c.key, label: `scholen met denominatie ${c.label}`, dimension: 'denomination', invited: c.invited, completed: c.completed, filter: c.filter, within: [] });
    }
  }
  for (const c of cats.situation) {
    if (c.filter) {
      candidates.push({ key: c.key, label: `scholen in situatie ${c.label}`, dimension: 'situation', invited: c.invited, completed: c.completed, filter: c.filter, within: [] });
    }
  }
  for (const r of counts.swv) {
    const info = swvInfo.get(r.swvId);
    candidates.push({
      key: `swv:${r.swvId}`,
      label: `scholen in ${shortSwvName(info, r.swvId)}`,
      dimension: 'swv',
      invited: r.invited,
      completed: r.completed,
      filter: { swvIds: [r.swvId] },
      within: [],
    });
  }
  for (const r of counts.swvSector) {
    if (!r.sector) continue;
    candidates.push({
      key: `swv-sector:${r.swvId}:${r.sector}`,
      label: `${sectorPlural(r.sector)} in ${shortSwvName(swvInfo.get(r.swvId), r.swvId)}`,
      dimension: 'swv-sector',
      invited: r.invited,
      completed: r.completed,
      filter: { swvIds: [r.swvId], sectors: [r.sector] },
      within: [`swv:${r.swvId}`, `sector:${r.sector}`],
    });
  }
  // The same schools under two names: keep the broader group. An SWV that is its situation's only
  // SWV: keep the SWV (the more concrete name). Beyond these nestings, groups with the same
  // fingerprint hold the same schools: keep the preferred name.
  const byKey = new Map(candidates.map((c) => [c.key, c]));
  const drop = new Set<string>();
  const kept = new Map<string, Candidate>();
  for (const c of candidates) {
    const print = prints.get(c.key);
    if (!print) continue;
    const other = kept.get(print);
    if (!other) kept.set(print, c);
    else if (NAME_PREFERENCE[c.dimension] < NAME_PREFERENCE[other.dimension]) {
      drop.add(other.key);
      kept.set(print, c);
    } else drop.add(c.key);
  }
  for (const c of candidates) {
    if (c.within.some((k) => byKey.get(k)?.invited === c.invited)) drop.add(c.key);
  }
  for (const r of counts.swv) {
    const situation = swvInfo.get(r.swvId)?.situation;
    const group = situation ? byKey.get(`situation:${situation}`) : undefined;
    if (group && group.invited === r.invited) drop.add(group.key);
  }
  return candidates
    .filter((c) => !drop.has(c.key) && c.invited >= minGroupSize)
    .map((c) => {
      const expected = c.invited * rate;
      return {
        key: c.key,
        label: c.label,
        name: `${c.label}: ${c.completed} van ${c.invited}`,
        dimension: c.dimension,
        invited: c.invited,
        completed: c.completed,
        expected,
        shortfall: expected - c.completed,
        responseRate: c.completed / c.invited,
        filter: c.filter,
      };
    })
    .filter((g) => g.shortfall >= 1)
    .sort((a, b) => b.shortfall - a.shortfall || a.responseRate - b.responseRate || a.label.localeCompare(b.label, 'nl'))
    .slice(0, max);
}

export function analyseCounts(roundId: number, counts: RepresentativenessCounts, minGroupSize = DEFAULT_MIN_GROUP_SIZE): Representativeness {
  const cats = categoriesOf(counts);
  const dimensions: DimensionResult[] = [
    analyseDimension('sector', cats.sector),
    analyseDimension('province', cats.province),
    analyseDimension('denomination', cats.denomination),
    counts.size?.some((r) => r.value !== null) ? sizeDimension(counts) : SIZE_DIMENSION,
    analyseDimension('swv', cats.swv),
    analyseDimension('situation', cats.situation),
  ];
  const invited = counts.sector.reduce((s, r) => s + r.invited, 0);
  const completed = counts.sector.reduce((s, r) => s + r.completed, 0);
  return {
    roundId,
    invited,
    completed,
    responseRate: responseRate(completed, invited),
    minGroupSize,
    dimensions,
    lagging: rankLaggingGroups(counts, minGroupSize),
  };
}

// ----- the query -----

interface GroupedRow {
  g: number;
  size_class: number | null;
  kind: SchoolKind | null;
  province: string | null;
  denomination: string | null;
  swv_id: number | null;
  situation: Situation | null;
  invited: number;
  completed: number;
  fingerprint: string;
}

/**
 * grouping(kind, province, denomination, swv_id, situation, size_class): a bit is set for each
 * column NOT in the row's grouping set (kind = 32 … situation = 2, size_class = 1).
 */
const SET_BY_GROUPING: Record<number, keyof Omit<RepresentativenessCounts, 'swvs' | 'sizeCuts'>> = {
  31: 'sector',
  47: 'province',
  55: 'denomination',
  59: 'swv',
  61: 'situation',
  27: 'swvSector',
  62: 'size',
};

export async function loadRepresentativenessCounts(db: Kysely<DB>, roundId: number): Promise<RepresentativenessCounts> {
  // The school as it was when invited (migration 0012); the current row only for invitations
  // made before that (none after the migration's backfill) and for a pupil count imported later.
  const base = sql`
      select coalesce(i.school_kind, s.kind) as kind,
        nullif(btrim(case when i.school_name is null then s.province else i.school_province end), '') as province,
        nullif(btrim(case when i.school_name is null then s.denomination else i.school_denomination end), '') as denomination,
        case when i.school_pupils_max is not null then (i.school_pupils_min + i.school_pupils_max + 1) / 2
             when s.pupils_max is not null then (s.pupils_min + s.pupils_max + 1) / 2 end as pupils,
        i.id,
        i.swv_id,
        rs.situation,
        ${completedSql('i')} as done
      from invitations i
      left join schools s on s.id = i.school_id
      left join round_swvs rs on rs.round_id = i.round_id and rs.swv_id = i.swv_id
      where i.round_id = ${roundId}
        and ${invitedSql('i')}`;
  const cutsRow = await sql<{ cuts: number[] | null }>`
    with base as (${base})
    select percentile_disc(array[1.0 / 3, 2.0 / 3]) within group (order by pupils) as cuts from base where pupils is not null
  `.execute(db);
  const sizeCuts = [...new Set((cutsRow.rows[0]?.cuts ?? []).map(Number))].sort((a, b) => a - b);
  const result = await sql<GroupedRow>`
    with base as (${base}),
    sized as (
      select base.*,
        case when pupils is null then null
          else 1 + (select count(*) from unnest(${sizeCuts}::int[]) as c(cut) where base.pupils > c.cut)::int end as size_class
      from base
    )
    select grouping(kind, province, denomination, swv_id, situation, size_class)::int as g,
      kind, province, denomination, swv_id, situation, size_class,
      count(*)::int as invited,
      (count(*) filter (where done))::int as completed,
      md5(string_agg(id::text, ',' order by id)) as fingerprint
    from sized
    group by grouping sets ((kind), (province), (denomination), (swv_id), (situation), (swv_id, kind), (size_class))
  `.execute(db);
  const counts: RepresentativenessCounts = { sector: [], province: [], denomination: [], swv: [], situation: [], swvSector: [], size: [], sizeCuts, swvs: [] };
  for (const r of result.rows) {
    const set = SET_BY_GROUPING[r.g];
    const n = { invited: r.invited, completed: r.completed, fingerprint: r.fingerprint };
    switch (set) {
      case 'sector':
        counts.sector.push({ value: r.kind, ...n });
        break;
      case 'province':
        counts.province.push({ value: r.province, ...n });
        break;
      case 'denomination':
        counts.denomination.push({ value: r.denomination, ...n });
        break;
      case 'swv':
        counts.swv.push({ swvId: r.swv_id!, ...n });
        break;
      case 'situation':
        counts.situation.push({ value: r.situation, ...n });
        break;
      case 'swvSector':
        counts.swvSector.push({ swvId: r.swv_id!, sector: r.kind, ...n });
        break;
      case 'size':
        counts.size!.push({ value: r.size_class === null ? null : Number(r.size_class), ...n });
        break;
    }
  }
  const swvIds = counts.swv.map((r) => r.swvId);
  if (swvIds.length > 0) {
    const rows = await db
      .selectFrom('swvs as w')
      .leftJoin('round_swvs as rs', (join) => join.onRef('rs.swv_id', '=', 'w.id').on('rs.round_id', '=', roundId))
      .select(['w.id', 'w.code', 'w.name', 'rs.region_letter', 'rs.situation'])
      .where('w.id', 'in', swvIds)
      .execute();
    counts.swvs = rows.map((r) => ({ swvId: r.id, code: r.code, name: r.name, regionLetter: r.region_letter, situation: r.situation }));
  }
  return counts;
}

export async function representativeness(db: Kysely<DB>, roundId: number, minGroupSize = DEFAULT_MIN_GROUP_SIZE): Promise<Representativeness> {
  const round = await db.selectFrom('rounds').select('id').where('id', '=', roundId).executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet (meer).');
  return analyseCounts(roundId, await loadRepresentativenessCounts(db, roundId), minGroupSize);
}
