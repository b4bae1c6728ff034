import type { Kysely } from 'kysely';
import type { DB } from '../db/types';
import { newInvitationToken } from './tokens';

export interface NewInvitation {
  schoolId: number;
  swvId: number;
  email: string;
}

/**
 * Inserts invitations with fresh personal links. The database keeps the nonce and sha256 of the
 * token only; the token itself is derived again (HMAC with the secret) when a mail needs it, and
 * is neither returned nor logged here. Status `pending`: the mail area marks them `invited` when
 * the invitation mail goes out. A school already invited to the round is skipped (unique key).
 * Returns the ids of the new invitations.
 */
export async function insertInvitations(trx: Kysely<DB>, roundId: number, items: NewInvitation[], secret: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < items.length; i += 500) {
    const batch = items.slice(i, i + 500).map((item) => {
      const { nonce, hash } = newInvitationToken(secret);
      return { round_id: roundId, school_id: item.schoolId, swv_id: item.swvId, email: item.email, token_nonce: nonce, token_hash: hash };
    });
    const rows = await trx
      .insertInto('invitations')
      .values(batch)
      .onConflict((oc) => oc.columns(['round_id', 'school_id']).doNothing())
      .returning('id')
      .execute();
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}
