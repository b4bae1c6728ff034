import type { GroupFilter, LaggingGroup } from '../../contract/api/analysis';
import type { SchoolKind } from '../db/types';
import { categoriesOf } from './representativeness-categories';
import type { RepresentativenessCounts, SwvInfo } from './representativeness-counts';
import { DEFAULT_MIN_GROUP_SIZE, MAX_LAGGING } from './representativeness-dimension';

/**
 * The groups whose response lags most (representativeness.ts), each with the wave filter that
 * reaches exactly them; a group holding the same schools as a broader one is listed once.
 */

function sectorPlural(kind: SchoolKind): string {
  return `${kind}-scholen`;
}

export function shortSwvName(s: Pick<SwvInfo, 'code' | 'name' | 'regionLetter'> | undefined, swvId: number): string {
  if (!s) return `SWV #${swvId}`;
  return s.regionLetter ? `SWV ${s.regionLetter}` : s.name;
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

