import type { Breakdown, PopulationSource, SampleSizeAnswer, SampleSizeParams, TargetCalculation, TargetGroup, TargetView } from '../../contract/api/analysis';
import { sql, type Kysely } from 'kysely';
import type { DB, Situation } from '../db/types';
import { badRequest, notFound } from '../errors';
import { NO_SITUATION_LABEL as UNKNOWN_SITUATION_LABEL, SITUATION_LABELS, SITUATIONS } from '../../contract/vocabulary';
import { setRoundTarget } from '../rounds/rounds';
import { sampleSize } from './statistics';
import { invitationsWithSwv } from '../invitations/joins';

/**
 * A round's target number of respondents, from a sample-size calculation (statistics.ts): the
 * admin gives the population (or takes the round's invited schools), the margin of error, the
 * confidence level and the expected spread; the result becomes rounds.target_respondents, the
 * dashboard's target. The inputs are kept in round_target_calculations (migration 0009).
 *
 * Per SWV or per situation, the round's target is divided in proportion to each group's share of
 * the invited schools (proportional allocation), rounded with the largest-remainder method so the
 * parts add up to the whole: group g gets floor(n · N_g / N), and the schools left over go one by
 * one to the groups with the largest fractional parts (ties: the larger group, then the key).
 * That is the share of the round's sample each group should deliver for the whole to be
 * representative; it is not a sample size with the same margin within each group (that would be
 * a calculation per group and a far larger total).
 */

export const MAX_POPULATION = 10_000_000;

/** Checks the calculation's inputs, with a Dutch message per problem. */
export function assertSampleSizeParams(p: { population?: unknown; margin: unknown; confidence: unknown; spread: unknown }, checkPopulation = true): void {
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (checkPopulation) {
    if (!isNumber(p.population) || !Number.isInteger(p.population) || p.population < 1 || p.population > MAX_POPULATION) {
      throw badRequest('invalid_population', 'De populatie moet een geheel aantal scholen zijn van 1 tot en met 10 miljoen.');
    }
  }
  if (!isNumber(p.margin) || !(p.margin > 0 && p.margin <= 0.5)) {
    throw badRequest('invalid_margin', 'De foutmarge moet groter dan 0% zijn en hoogstens 50%.');
  }
  if (!isNumber(p.confidence) || !(p.confidence > 0 && p.confidence < 1)) {
    throw badRequest('invalid_confidence', 'Het betrouwbaarheidsniveau moet tussen 0% en 100% liggen (gebruikelijk: 80%, 90%, 95% of 99%).');
  }
  if (!isNumber(p.spread) || !(p.spread > 0 && p.spread < 1)) {
    throw badRequest('invalid_spread', 'De verwachte spreiding moet tussen 0% en 100% liggen (50% is het voorzichtigst).');
  }
}

export function calculateSampleSize(p: SampleSizeParams): SampleSizeAnswer {
  assertSampleSizeParams(p);
  const r = sampleSize({ population: p.population, marginOfError: p.margin, confidence: p.confidence, proportion: p.spread });
  return { ...p, required: r.required, withoutCorrection: r.withoutCorrection, z: r.z };
}

/** Largest-remainder (Hamilton) proportional allocation of `total` over groups of these sizes. */
export function allocateProportionally(total: number, groups: ReadonlyArray<{ key: string; size: number }>): number[] {
  const population = groups.reduce((sum, g) => sum + g.size, 0);
  if (population === 0) return groups.map(() => 0);
  const exact = groups.map((g) => (total * g.size) / population);
  const parts = exact.map((x) => Math.floor(x + 1e-9));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = groups
    .map((g, i) => ({ i, remainder: exact[i]! - parts[i]!, size: g.size, key: g.key }))
    .filter((x) => x.size > 0)
    .sort((a, b) => b.remainder - a.remainder || b.size - a.size || a.key.localeCompare(b.key));
  for (let k = 0; left > 0 && order.length > 0; k = (k + 1) % order.length, left--) parts[order[k]!.i]! += 1;
  return parts;
}

export interface InvitedPopulation {
  total: number;
  swvs: Array<{ swvId: number; code: string; name: string; regionLetter: string | null; situation: Situation | null; invited: number }>;
}

/**
 * The round's invited schools: its invitations, excluded ones left out (a school whose data was
 * erased on request stays counted: it was invited). Counted whether or not the invitation mail
 * has gone out yet, so a target can be set before the round opens.
 */
export async function invitedPopulation(db: Kysely<DB>, roundId: number): Promise<InvitedPopulation> {
  const rows = await invitationsWithSwv(db)
    .select(['i.swv_id', 'w.code', 'w.name', 'rs.region_letter', 'rs.situation', sql<number>`count(*)::int`.as('n')])
    .where('i.round_id', '=', roundId)
    .where((eb) => eb.or([eb('i.excluded_at', 'is', null), eb('i.erased_at', 'is not', null)]))
    .groupBy(['i.swv_id', 'w.code', 'w.name', 'rs.region_letter', 'rs.situation'])
    .orderBy('w.code')
    .execute();
  return {
    total: rows.reduce((sum, r) => sum + r.n, 0),
    swvs: rows.map((r) => ({ swvId: r.swv_id, code: r.code, name: r.name, regionLetter: r.region_letter, situation: r.situation, invited: r.n })),
  };
}

export function swvLabel(s: { code: string; name: string; regionLetter: string | null }): string {
  return s.regionLetter ? `SWV ${s.regionLetter} (${s.name})` : `${s.name} (${s.code})`;
}

/** The round's target divided over its SWVs or situations (see the top of this file). */
export function breakdownTargets(required: number, breakdown: Breakdown, population: InvitedPopulation): TargetGroup[] {
  if (breakdown === 'none') return [];
  let groups: Array<Omit<TargetGroup, 'target'>>;
  if (breakdown === 'swv') {
    groups = population.swvs.map((s) => ({ key: `swv:${s.swvId}`, label: swvLabel(s), swvId: s.swvId, invited: s.invited }));
  } else {
    const bySituation = new Map<Situation | null, number>();
    for (const s of population.swvs) bySituation.set(s.situation, (bySituation.get(s.situation) ?? 0) + s.invited);
    groups = [...SITUATIONS, null]
      .filter((s) => bySituation.has(s))
      .map((s) => ({ key: `situation:${s ?? 'none'}`, label: s ? SITUATION_LABELS[s] : UNKNOWN_SITUATION_LABEL, situation: s, invited: bySituation.get(s)! }));
  }
  const parts = allocateProportionally(required, groups.map((g) => ({ key: g.key, size: g.invited })));
  return groups.map((g, i) => ({ ...g, target: parts[i]! }));
}

export interface TargetInput {
  populationSource: PopulationSource;
  /** Required when populationSource is 'manual'. */
  population?: number;
  margin: number;
  confidence: number;
  spread: number;
  breakdown: Breakdown;
}

async function assertRoundExists(db: Kysely<DB>, roundId: number): Promise<{ target_respondents: number | null }> {
  const round = await db.selectFrom('rounds').select('target_respondents').where('id', '=', roundId).executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet (meer).');
  return round;
}

export async function loadTarget(db: Kysely<DB>, roundId: number): Promise<TargetView> {
  const round = await assertRoundExists(db, roundId);
  const [row, population] = await Promise.all([
    db.selectFrom('round_target_calculations').selectAll().where('round_id', '=', roundId).executeTakeFirst(),
    invitedPopulation(db, roundId),
  ]);
  let calculation: TargetCalculation | null = null;
  if (row) {
    calculation = {
      populationSource: row.population_source,
      population: row.population,
      margin: row.margin,
      confidence: row.confidence,
      spread: row.spread,
      breakdown: row.breakdown,
      required: row.required,
      withoutCorrection: row.without_correction,
      z: sampleSize({ population: row.population, marginOfError: row.margin, confidence: row.confidence, proportion: row.spread }).z,
      groups: Array.isArray(row.groups) ? (row.groups as TargetGroup[]) : [],
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }
  return { roundId, target: round.target_respondents, calculation, invited: population.total };
}

/**
 * Calculates and stores the round's target, in the caller's transaction: the calculation row and
 * rounds.target_respondents (whose update notifies the live dashboards).
 */
export async function saveTarget(db: Kysely<DB>, roundId: number, input: TargetInput, userId: number | null, now: Date): Promise<TargetCalculation> {
  await assertRoundExists(db, roundId);
  assertSampleSizeParams(input, false);
  const population = await invitedPopulation(db, roundId);
  let size: number;
  if (input.populationSource === 'invited') {
    if (population.total === 0) {
      throw badRequest('no_invited_schools', 'Deze meting heeft nog geen uitgenodigde scholen; vul de populatie zelf in.');
    }
    size = population.total;
  } else {
    if (input.population === undefined) throw badRequest('invalid_population', 'Vul de populatie in: het aantal scholen.');
    size = input.population;
  }
  if (input.breakdown !== 'none' && population.total === 0) {
    throw badRequest('no_invited_schools', 'Een verdeling per SWV of situatie kan pas als er uitgenodigde scholen zijn.');
  }
  const answer = calculateSampleSize({ population: size, margin: input.margin, confidence: input.confidence, spread: input.spread });
  const groups = breakdownTargets(answer.required, input.breakdown, population);
  const values = {
    population_source: input.populationSource,
    population: size,
    margin: input.margin,
    confidence: input.confidence,
    spread: input.spread,
    breakdown: input.breakdown,
    required: answer.required,
    without_correction: answer.withoutCorrection,
    groups: JSON.stringify(groups),
    updated_by: userId,
    updated_at: now,
  };
  await db
    .insertInto('round_target_calculations')
    .values({ round_id: roundId, ...values })
    .onConflict((oc) => oc.column('round_id').doUpdateSet(values))
    .execute();
  await setRoundTarget(db, roundId, answer.required, now);
  return { ...answer, populationSource: input.populationSource, breakdown: input.breakdown, groups, updatedAt: now.toISOString() };
}
