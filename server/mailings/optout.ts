import { markOptedOut } from '../invitations/status';
import { withdrawInvitationMail } from './outbox';
import type { Kysely } from 'kysely';
import { hmac, safeEqual } from '../crypto';
import type { DB } from '../db/types';

/**
 * One-click opt-out (RFC 8058). The token is `<invitation id>-<HMAC(secret, id:nonce)>`: it can
 * be checked without storing anything, and it dies with the invitation's nonce (the retention
 * purge replaces or deletes it). The route is /api/optout/<token>, which logs redact.
 */
const PURPOSE = 'opt-out';
const TOKEN = /^([1-9][0-9]{0,9})-([A-Za-z0-9_-]{22})$/;

function mac(secret: string, invitationId: number, nonce: string): string {
  return hmac(secret, PURPOSE, `${invitationId}:${nonce}`).slice(0, 22);
}

export function optOutToken(secret: string, invitationId: number, nonce: string): string {
  return `${invitationId}-${mac(secret, invitationId, nonce)}`;
}

export function optOutLink(publicUrl: string, token: string): string {
  return `${publicUrl}/api/optout/${token}`;
}

export interface OptOutTarget {
  invitationId: number;
  optedOut: boolean;
  studyName: string;
  roundName: string;
}

/** The invitation an opt-out token belongs to, or null for anything that is not a valid token. */
export async function findOptOut(db: Kysely<DB>, secret: string, token: string): Promise<OptOutTarget | null> {
  const match = TOKEN.exec(token);
  if (!match) return null;
  const id = Number(match[1]);
  if (id > 2_147_483_647) return null;
  const row = await db
    .selectFrom('invitations as i')
    .innerJoin('rounds as r', 'r.id', 'i.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .select(['i.id', 'i.token_nonce', 'i.opted_out_at', 'st.name as study_name', 'r.name as round_name'])
    .where('i.id', '=', id)
    .executeTakeFirst();
  if (!row || !safeEqual(mac(secret, row.id, row.token_nonce), match[2]!)) return null;
  return { invitationId: row.id, optedOut: row.opted_out_at !== null, studyName: row.study_name, roundName: row.round_name };
}

/**
 * Opts the invitation out of all further mail of its round: marks it and cancels what is still
 * waiting in the outbox. Idempotent; keeps the first opt-out time. In the caller's transaction.
 */
export async function optOut(trx: Kysely<DB>, invitationId: number, now: Date): Promise<void> {
  await markOptedOut(trx, invitationId, now);
  await withdrawInvitationMail(trx, invitationId, 'Niet verstuurd: afgemeld');
}
