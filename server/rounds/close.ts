import type { Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB, Round } from '../db/types';
import { conflict } from '../errors';
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
  let cancelledMessages = 0;
  if (waves.length > 0) {
    const result = await trx
      .updateTable('outbox_messages')
      .set({ status: 'cancelled', last_error: 'Niet verstuurd: meting gesloten' })
      .where(
        'mailing_id',
        'in',
        waves.map((w) => w.id),
      )
      .where('status', '=', 'pending')
      .executeTakeFirst();
    cancelledMessages = Number(result.numUpdatedRows);
  }
  await audit(trx, actor, now, 'round.close', `round:${roundId}`, { cancelledWaves: waves.length, cancelledMessages });
  return { round: updated, cancelledWaves: waves.length, cancelledMessages };
}
