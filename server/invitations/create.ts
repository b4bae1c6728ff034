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

/**
 * One partner's invitation in a partner round (server/snowball/): no school; the organisation's
 * name is kept where the school's name would be (`school_name`, emptied by the retention purge),
 * so pages and mails greet it by name. The SWV is that of a school that named it. Same link rules
 * as schools: nonce and sha256(token) only. Returns the invitation's id.
 */
export async function insertPartnerInvitation(trx: Kysely<DB>, roundId: number, item: { swvId: number; email: string; organisation: string }, secret: string): Promise<number> {
  const { nonce, hash } = newInvitationToken(secret);
  const row = await trx
    .insertInto('invitations')
    .values({ round_id: roundId, school_id: null, swv_id: item.swvId, email: item.email, school_name: item.organisation, token_nonce: nonce, token_hash: hash })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
