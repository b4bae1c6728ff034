import type { Kysely } from 'kysely';
import type { DB } from '../db/types';

/**
 * Invitations (i) with their SWV (w) and that SWV's place in the invitation's round (rs: its
 * samenwerkingssituatie and region letter; null when the SWV is not assigned to the round).
 */
export function invitationsWithSwv(db: Kysely<DB>) {
  return db
    .selectFrom('invitations as i')
    .innerJoin('swvs as w', 'w.id', 'i.swv_id')
    .leftJoin('round_swvs as rs', (join) => join.onRef('rs.round_id', '=', 'i.round_id').onRef('rs.swv_id', '=', 'i.swv_id'));
}
