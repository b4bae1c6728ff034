import type { CategoryCount, CategoryResult, DimensionKey, DimensionResult, TestResult } from '../../contract/api/analysis';
import { responseRate } from '../tracking/definitions';
import { SIZE_UNKNOWN, sizeCategories } from './representativeness-categories';
import type { RepresentativenessCounts } from './representativeness-counts';
import { chiSquareGoodnessOfFit } from './statistics';

/**
 * One dimension of the representativeness analysis (representativeness.ts): the completed
 * questionnaires against the invited schools per group, small groups pooled, Pearson's
 * chi-square goodness-of-fit test, and its plain Dutch summary.
 */

export const MIN_EXPECTED = 5;
export const DEFAULT_MIN_GROUP_SIZE = 10;
export const MAX_LAGGING = 10;
export const SIGNIFICANCE = 0.05;

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

export const SIZE_DIMENSION: DimensionResult = {
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

export function sizeDimension(counts: RepresentativenessCounts): DimensionResult {
  const result = analyseDimension('size', sizeCategories(counts));
  const unknown = (counts.size ?? []).find((r) => r.value === null);
  const note = unknown
    ? ` Van ${unknown.invited} uitgenodigde school${unknown.invited === 1 ? '' : 'en'} is het leerlingaantal niet bekend (groep "${SIZE_UNKNOWN}").`
    : '';
  const classes = ' De groepen zijn gekozen uit de gegevens: elk bevat ongeveer een derde van de uitgenodigde scholen met een bekend leerlingaantal.';
  return { ...result, summary: result.summary + classes + note };
}

