import type { Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/types';
import { badRequest, conflict, notFound } from '../errors';
import { roundSchools } from '../invitations/eligibility';
import type { RoundSchool } from '../../contract/api/rounds';
import { insertInvitations } from '../invitations/create';
import { excludeInvitations, restoreInvitations } from '../invitations/status';
import { assertNotClosed, lockRound } from './rounds';

/**
 * An admin's corrections to who a round reaches, before and after it opened. All take the
 * handle they run on; call them inside a transaction.
 */

async function schoolState(trx: Kysely<DB>, roundId: number, schoolId: number): Promise<RoundSchool | undefined> {
  return (await roundSchools(trx, roundId)).find((s) => s.schoolId === schoolId);
}

/**
 * Excludes a school from a round. Before opening it will not be invited; after opening its
 * invitation is kept but marked excluded (`excluded_at`): no further mail goes to it and it no
 * longer counts as invited.
 */
export async function excludeSchool(trx: Kysely<DB>, roundId: number, schoolId: number, now: Date, actor: Actor): Promise<RoundSchool> {
  assertNotClosed(await lockRound(trx, roundId));
  const current = await schoolState(trx, roundId, schoolId);
  if (!current) throw notFound('Deze school hoort niet bij deze meting.');
  await trx
    .insertInto('round_school_choices')
    .values({ round_id: roundId, school_id: schoolId, choice: 'exclude', swv_id: null, created_by: 'id' in actor ? actor.id : null, created_at: now })
    .onConflict((oc) => oc.columns(['round_id', 'school_id']).doUpdateSet({ choice: 'exclude', swv_id: null, created_at: now }))
    .execute();
  await excludeInvitations(trx, roundId, schoolId, now);
  await audit(trx, actor, now, 'round.school.exclude', `round:${roundId}`, { school: current.locationCode });
  // A school that was only added by hand and never invited simply leaves the round.
  return (await schoolState(trx, roundId, schoolId)) ?? { ...current, state: 'excluded', reason: null };
}

/**
 * Adds a school to a round, or takes back its exclusion. A school outside the round's SWV lists
 * needs `swvId`, one of the round's SWVs to count it under. In an open round a reachable school
 * is invited at once (a `pending` invitation; the mail area sends it with the next mailing).
 */
export async function includeSchool(
  trx: Kysely<DB>,
  roundId: number,
  schoolId: number,
  swvId: number | null,
  now: Date,
  actor: Actor,
  secret: string,
): Promise<RoundSchool> {
  const round = await lockRound(trx, roundId);
  assertNotClosed(round);
  const school = await trx.selectFrom('schools').select(['id', 'location_code', 'active']).where('id', '=', schoolId).executeTakeFirst();
  if (!school) throw notFound('Deze school bestaat niet.');
  const erased = await trx
    .selectFrom('invitations')
    .select('id')
    .where('round_id', '=', roundId)
    .where('school_id', '=', schoolId)
    .where('erased_at', 'is not', null)
    .executeTakeFirst();
  if (erased) throw conflict('erased', 'De gegevens van deze school in deze meting zijn op verzoek verwijderd; zij wordt niet opnieuw uitgenodigd.');
  const choice = await trx.selectFrom('round_school_choices').selectAll().where('round_id', '=', roundId).where('school_id', '=', schoolId).executeTakeFirst();
  if (choice?.choice === 'exclude') {
    await trx.deleteFrom('round_school_choices').where('round_id', '=', roundId).where('school_id', '=', schoolId).execute();
  }
  await restoreInvitations(trx, roundId, schoolId);

  let state = await schoolState(trx, roundId, schoolId);
  if (!state) {
    if (swvId === null) throw badRequest('swv_required', 'Kies het samenwerkingsverband waaronder deze school meedoet.');
    const inRound = await trx.selectFrom('round_swvs').select('swv_id').where('round_id', '=', roundId).where('swv_id', '=', swvId).executeTakeFirst();
    if (!inRound) throw badRequest('swv_not_in_round', 'Dit samenwerkingsverband doet niet mee aan deze meting.');
    await trx
      .insertInto('round_school_choices')
      .values({ round_id: roundId, school_id: schoolId, choice: 'include', swv_id: swvId, created_by: 'id' in actor ? actor.id : null, created_at: now })
      .onConflict((oc) => oc.columns(['round_id', 'school_id']).doUpdateSet({ choice: 'include', swv_id: swvId, created_at: now }))
      .execute();
    state = (await schoolState(trx, roundId, schoolId))!;
  }
  if (round.status === 'open' && state.state === 'to-invite') {
    await insertInvitations(trx, roundId, [{ schoolId, swvId: state.swvId, email: state.email! }], secret);
    state = (await schoolState(trx, roundId, schoolId))!;
  }
  await audit(trx, actor, now, 'round.school.include', `round:${roundId}`, { school: school.location_code, state: state.state });
  return state;
}
