import type { Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB, Round } from '../db/types';
import { conflict } from '../errors';
import { withdrawQueuedMail } from '../mailings/waves';
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
  const waves = await trx
    .updateTable('mailings')
    .set({ status: 'cancelled', finished_at: now })
    .where('round_id', '=', roundId)
    .where('status', 'in', ['scheduled', 'sending'])
    .returning('id')
    .execute();
  const cancelledMessages = await withdrawQueuedMail(
    trx,
    waves.map((w) => w.id),
    'Niet verstuurd: meting gesloten',
  );
  await audit(trx, actor, now, 'round.close', `round:${roundId}`, { cancelledWaves: waves.length, cancelledMessages });
  return { round: updated, cancelledWaves: waves.length, cancelledMessages };
}
