import type { Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB, Round } from '../db/types';
import { conflict } from '../errors';
import { cancelRoundWaves } from '../mailings/waves';
import { lockRound } from './rounds';

export interface CloseRoundResult {
  round: Round;
  /** Waves that were still waiting or sending and will not go out. */
  cancelledWaves: number;
  /** Messages of those waves that were still in the outbox. */
  cancelledMessages: number;
}

/**
 * Closes an open round now (before its close date, e.g. when the target is reached or the study
 * stops): links then answer "closed", no wave goes out any more, answers already given stay.
 * Waiting waves are cancelled and their queued messages withdrawn. Call inside a transaction.
 */
export async function closeRound(trx: Kysely<DB>, roundId: number, now: Date, actor: Actor): Promise<CloseRoundResult> {
  const round = await lockRound(trx, roundId);
  if (round.status === 'draft') throw conflict('round_not_open', 'Deze meting is nog niet geopend; een concept-meting hoeft niet gesloten te worden.');
  if (round.status === 'closed') throw conflict('round_closed', 'Deze meting is al gesloten.');
  const closesAt = round.closes_at && new Date(round.closes_at).getTime() < now.getTime() ? new Date(round.closes_at) : now;
  const updated = await trx
    .updateTable('rounds')
    .set({ status: 'closed', closes_at: closesAt, updated_at: now })
    .where('id', '=', roundId)
    .returningAll()
    .executeTakeFirstOrThrow();
  const cancelled = await cancelRoundWaves(trx, roundId, now, 'Niet verstuurd: meting gesloten');
  await audit(trx, actor, now, 'round.close', `round:${roundId}`, { cancelledWaves: cancelled.waves, cancelledMessages: cancelled.messages });
  return { round: updated, cancelledWaves: cancelled.waves, cancelledMessages: cancelled.messages };
}
