import type { Kysely } from 'kysely';
import type { DimensionResult, Representativeness } from '../../contract/api/analysis';
import type { DB } from '../db/types';
import { notFound } from '../errors';
import { responseRate } from '../tracking/definitions';
import { categoriesOf } from './representativeness-categories';
import { loadRepresentativenessCounts, type RepresentativenessCounts } from './representativeness-counts';
import { rankLaggingGroups } from './representativeness-lagging';
import { analyseDimension, DEFAULT_MIN_GROUP_SIZE, SIZE_DIMENSION, sizeDimension } from './representativeness-dimension';

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

export { categoriesOf, sizeCategories, sizeClassLabels } from './representativeness-categories';
export { loadRepresentativenessCounts, type RepresentativenessCounts, type SwvInfo } from './representativeness-counts';
export { rankLaggingGroups, shortSwvName } from './representativeness-lagging';
export { analyseDimension, DEFAULT_MIN_GROUP_SIZE, describeCategories, formatP, MAX_LAGGING, mergeSmallCategories, MIN_EXPECTED, SIGNIFICANCE } from './representativeness-dimension';

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

export async function representativeness(db: Kysely<DB>, roundId: number, minGroupSize = DEFAULT_MIN_GROUP_SIZE): Promise<Representativeness> {
  const round = await db.selectFrom('rounds').select('id').where('id', '=', roundId).executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet (meer).');
  return analyseCounts(roundId, await loadRepresentativenessCounts(db, roundId), minGroupSize);
}
