import type { Kysely } from 'kysely';
import { hmac } from '../crypto';
import type { DB } from '../db/types';
import { badRequest } from '../errors';

/**
 * The measurement a person round follows, and persons invited by e-mail (teachers, professionals) across measurements: the keyed hash of the
 * address finds the previous round's person, so the panel id carries over without comparing (or
 * storing a second copy of) plain addresses. See panels.ts and the README, "Panels".
 */
export function contactHash(secret: string, email: string): string {
  return hmac(secret, 'person-contact', email.trim().toLowerCase());
}

/** The person round this round follows, or null. */
export async function previousRoundOf(db: Kysely<DB>, roundId: number): Promise<number | null> {
  const row = await db.selectFrom('person_rounds').select('previous_round_id').where('round_id', '=', roundId).executeTakeFirst();
  return row?.previous_round_id ?? null;
}

/**
 * The previous round's person with this contact (same role), to continue: its id and panel id.
 * Used when a follow-up round registers teachers or invites professionals again.
 */
export async function previousByContact(db: Kysely<DB>, roundId: number, role: string, hash: string): Promise<{ id: number; panel_id: string } | undefined> {
  const previous = await previousRoundOf(db, roundId);
  if (previous === null) return undefined;
  return db
    .selectFrom('persons')
    .select(['id', 'panel_id'])
    .where('round_id', '=', previous)
    .where('contact_hash', '=', hash)
    .where('role', '=', role)
    .orderBy('id')
    .executeTakeFirst();
}


/** Admin: which earlier person round this draft round follows (null: a first measurement). */
export async function checkPreviousRound(db: Kysely<DB>, roundId: number, previousRoundId: number): Promise<void> {
  if (previousRoundId === roundId) throw badRequest('invalid_previous_round', 'Een meting kan niet op zichzelf volgen.');
  const row = await db
    .selectFrom('rounds as r')
    .leftJoin('person_rounds as p', 'p.round_id', 'r.id')
    .select(['r.status', 'r.unit_type', 'p.round_id'])
    .where('r.id', '=', previousRoundId)
    .executeTakeFirst();
  if (!row || row.unit_type !== 'person' || row.round_id === null) throw badRequest('invalid_previous_round', 'De vorige meting moet een bestaande meting met personen zijn.');
  // Only an opened (or closed) round can be followed: this one is a draft, so no loops.
  if (row.status === 'draft') throw badRequest('invalid_previous_round', 'De vorige meting moet al geopend zijn geweest.');
}

