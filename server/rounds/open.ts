import type { Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/types';
import { badRequest, conflict } from '../errors';
import { insertInvitations } from '../invitations/create';
import { roundSchools } from '../invitations/eligibility';
import { assertSituations } from './swv-assignment';
import { getVersion, readMeta } from '../questionnaires';
import { PERSON_ROLE_GROUP_LABELS, type PersonRole } from '../../contract/vocabulary';
import { assertNotClosed, defaultCloseAfter, lockRound } from './rounds';

export interface OpenRoundResult {
  roundId: number;
  opensAt: Date;
  closesAt: Date;
  /** Invitations created now, one per reachable school. */
  invitationIds: number[];
  unreachable: number;
  excluded: number;
}

/**
 * Opens a draft round: creates one invitation (status `pending`, with a personal link) per
 * active school location of the round's SWVs, plus the schools an admin added, that has a usable
 * e-mail address and is not excluded; sets the status to `open`, `opens_at` to now when it was
 * not set, and `closes_at` to the end of the Dutch day six weeks later when it was not set.
 *
 * Sends and schedules no mail. It takes the handle it runs on and starts no transaction of its
 * own, so the caller wraps it together with whatever must happen atomically with opening (the mail
 * area schedules the invitation wave in the same transaction):
 *
 *     await db.transaction().execute(async (trx) => {
 *       const opened = await openRound(trx, roundId, clock.now(), actor, config.secret);
 *       await scheduleInvitationWave(trx, opened, …);
 *     });
 *
 * Refuses (DomainError, Dutch) a round that is not a draft, has no questionnaire, no SWVs, an SWV
 * without a situation while the questionnaire uses one, or a close date in the past. Two concurrent calls cannot both open it (row lock on the round).
 */
export async function openRound(trx: Kysely<DB>, roundId: number, now: Date, actor: Actor, secret: string): Promise<OpenRoundResult> {
  const round = await lockRound(trx, roundId);
  if (round.status !== 'draft') throw conflict('round_not_draft', 'Deze meting is al geopend.');
  if (round.questionnaire_version_id === null) throw badRequest('no_questionnaire', 'Kies eerst de vragenlijst van deze meting.');
  const swvCount = await trx
    .selectFrom('round_swvs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('round_id', '=', roundId)
    .executeTakeFirstOrThrow();
  if (swvCount.n === 0) throw badRequest('no_swvs', 'Wijs eerst de samenwerkingsverbanden van deze meting toe.');
  await assertSituations(trx, roundId);
  await assertActorGroups(trx, roundId, round.questionnaire_version_id);
  const opensAt = round.opens_at ?? now;
  const closesAt = round.closes_at ?? defaultCloseAfter(opensAt.getTime() > now.getTime() ? opensAt : now);
  if (closesAt.getTime() <= now.getTime()) throw badRequest('invalid_dates', 'De sluitdatum van deze meting ligt in het verleden.');

  const schools = await roundSchools(trx, roundId);
  const invitationIds = await insertInvitations(
    trx,
    roundId,
    schools.filter((s) => s.state === 'to-invite').map((s) => ({ schoolId: s.schoolId, swvId: s.swvId, email: s.email! })),
    secret,
  );
  await trx.updateTable('rounds').set({ status: 'open', opens_at: opensAt, closes_at: closesAt, updated_at: now }).where('id', '=', roundId).execute();
  const result: OpenRoundResult = {
    roundId,
    opensAt,
    closesAt,
    invitationIds,
    unreachable: schools.filter((s) => s.state === 'unreachable').length,
    excluded: schools.filter((s) => s.state === 'excluded').length,
  };
  await audit(trx, actor, now, 'round.open', `round:${roundId}`, { invited: invitationIds.length, unreachable: result.unreachable, excluded: result.excluded });
  return result;
}

/**
 * After opening: invites the schools of the round that have become reachable since (an address
 * was corrected or imported, a link to one of its SWVs appeared), all of them or the given ones.
 * Same rules and same transaction contract as openRound. Returns the new invitations' ids.
 */
export async function inviteReachable(
  trx: Kysely<DB>,
  roundId: number,
  now: Date,
  actor: Actor,
  secret: string,
  schoolIds?: number[],
): Promise<number[]> {
  const round = await lockRound(trx, roundId);
  assertNotClosed(round);
  if (round.status !== 'open') throw conflict('round_not_open', 'Deze meting is nog niet geopend; open haar eerst.');
  const only = schoolIds ? new Set(schoolIds) : null;
  const schools = (await roundSchools(trx, roundId)).filter((s) => s.state === 'to-invite' && (!only || only.has(s.schoolId)));
  const ids = await insertInvitations(
    trx,
    roundId,
    schools.map((s) => ({ schoolId: s.schoolId, swvId: s.swvId, email: s.email! })),
    secret,
  );
  if (ids.length) await audit(trx, actor, now, 'round.invite', `round:${roundId}`, { invited: ids.length });
  return ids;
}

/**
 * A questionnaire with actor groups (issue 20) runs only in a person round, and only for the
 * groups it declares: anyone else would see the group texts empty. The coordinator answers none.
 */
async function assertActorGroups(trx: Kysely<DB>, roundId: number, versionId: number): Promise<void> {
  const actors = readMeta((await getVersion(trx, versionId)).content).actors;
  if (!actors) return;
  const round = await trx.selectFrom('rounds').leftJoin('person_rounds as pr', 'pr.round_id', 'rounds.id').select(['rounds.unit_type', 'pr.roles']).where('rounds.id', '=', roundId).executeTakeFirstOrThrow();
  const groups = actors.map((g) => PERSON_ROLE_GROUP_LABELS[g.role].toLowerCase()).join(', ');
  if (round.unit_type !== 'person')
    throw badRequest('actors_need_persons', `Deze vragenlijst heeft een versie per groep respondenten (${groups}) en hoort bij een meting op persoonsniveau, niet bij een schoolmeting.`);
  const roles = (Array.isArray(round.roles) ? round.roles : []) as PersonRole[];
  const missing = roles.filter((r) => r !== 'coordinator' && !actors.some((g) => g.role === r));
  if (missing.length > 0)
    throw badRequest('actor_missing', `De vragenlijst heeft geen versie voor ${missing.map((r) => PERSON_ROLE_GROUP_LABELS[r].toLowerCase()).join(', ')}; kies alleen de groepen ${groups}.`);
}
