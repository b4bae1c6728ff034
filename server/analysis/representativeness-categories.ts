import { NO_SITUATION_LABEL as UNKNOWN_SITUATION_LABEL, SCHOOL_KIND_LABELS, SCHOOL_KINDS, SITUATION_SHORT, SITUATIONS } from '../../contract/vocabulary';
import type { CategoryCount, DimensionKey } from '../../contract/api/analysis';
import type { SchoolKind } from '../db/types';
import type { RepresentativenessCounts } from './representativeness-counts';

/**
 * The groups of each dimension of the representativeness analysis (representativeness.ts): their
 * order, Dutch labels and the wave filter that reaches each of them.
 */

const SECTOR_ORDER: readonly SchoolKind[] = SCHOOL_KINDS;
const SECTOR_LABELS = SCHOOL_KIND_LABELS;
const UNKNOWN = 'Onbekend';

export const SIZE_UNKNOWN = 'Niet bekend';

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

/** One group of a dimension: its key (`dimension:value`), label, counts and the wave filter that reaches it. */
function category(
  dimension: string,
  value: string | number | null,
  counted: { invited: number; completed: number },
  label: string,
  filter: CategoryCount['filter'],
): CategoryCount {
  return { key: `${dimension}:${value ?? ''}`, label, invited: counted.invited, completed: counted.completed, filter };
}

/** Compares groups by their place in `order`, the unknown group (null) last. */
const byOrder =
  <T>(order: readonly T[]) =>
  (a: { value: T | null }, b: { value: T | null }) =>
    (a.value === null ? 99 : order.indexOf(a.value)) - (b.value === null ? 99 : order.indexOf(b.value));

export function sizeCategories(counts: RepresentativenessCounts): CategoryCount[] {
  const labels = sizeClassLabels(counts.sizeCuts ?? []);
  return [...(counts.size ?? [])]
    .sort((a, b) => (a.value ?? 99) - (b.value ?? 99))
    // A wave cannot target a size class (yet).
    .map((r) => category('size', r.value, r, r.value === null ? SIZE_UNKNOWN : (labels[r.value - 1] ?? `Klasse ${r.value}`), null));
}

const byText = (a: string | null, b: string | null) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b, 'nl'));

/** Per dimension, the counted groups in display order, each with its label and filter. */
export function categoriesOf(counts: RepresentativenessCounts): Record<Exclude<DimensionKey, 'size'>, CategoryCount[]> {
  const swvInfo = new Map(counts.swvs.map((s) => [s.swvId, s]));
  const sector = [...counts.sector]
    .sort(byOrder(SECTOR_ORDER))
    .map((r) => category('sector', r.value, r, r.value ? SECTOR_LABELS[r.value] : UNKNOWN, r.value ? { sectors: [r.value] } : null));
  const text = (dim: 'province' | 'denomination', rows: RepresentativenessCounts['province']) =>
    [...rows]
      .sort((a, b) => byText(a.value, b.value))
      .map((r) =>
        category(dim, r.value, r, r.value ?? UNKNOWN, r.value ? (dim === 'province' ? { provinces: [r.value] } : { denominations: [r.value] }) : null),
      );
  const swv = [...counts.swv]
    .sort((a, b) => {
      const x = swvInfo.get(a.swvId);
      const y = swvInfo.get(b.swvId);
      return byText(x?.regionLetter ?? null, y?.regionLetter ?? null) || byText(x?.code ?? null, y?.code ?? null);
    })
    .map((r) => {
      const info = swvInfo.get(r.swvId);
      const label = info ? (info.regionLetter ? `SWV ${info.regionLetter} – ${info.name}` : `${info.name} (${info.code})`) : `SWV #${r.swvId}`;
      return category('swv', r.swvId, r, label, { swvIds: [r.swvId] });
    });
  const situation = [...counts.situation]
    .sort(byOrder(SITUATIONS))
    .map((r) => category('situation', r.value, r, r.value ? SITUATION_SHORT[r.value] : UNKNOWN_SITUATION_LABEL, r.value ? { situations: [r.value] } : null));
  return { sector, province: text('province', counts.province), denomination: text('denomination', counts.denomination), swv, situation };
}

