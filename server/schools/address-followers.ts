import type { Kysely } from 'kysely';
import type { DB } from '../db/types';

/**
 * The schools area writes schools' e-mail addresses (imports, an admin's corrections); other
 * areas keep copies of them (an open round's invitations). They follow through these callbacks,
 * which the composition (server/app.ts, server/imports.ts) passes in, so that schools/ imports
 * nothing from the areas built on it (rounds/, invitations/, mailings/).
 */

/** Brings the copies of these schools' addresses up to date; returns how many copies changed. */
export type FollowAddresses = (trx: Kysely<DB>, schoolIds: number[]) => Promise<number>;

export interface AddressFollowers {
  follow: FollowAddresses;
  /** After an admin corrected one school's address (and the copies followed): what starts now. */
  corrected(trx: Kysely<DB>, schoolId: number, now: Date, userId: number): Promise<void>;
}
