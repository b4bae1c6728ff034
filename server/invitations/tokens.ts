import { randomToken, hmac, sha256 } from '../crypto';

/**
 * Personal links. The token in /s/<token> is HMAC(secret, nonce): the database keeps the
 * random nonce (so the server can put the link in a reminder again) and sha256(token) (to find
 * the invitation), but nothing that lets a database reader open a questionnaire without the
 * secret. 144 bits of HMAC output, base64url (24 characters).
 */
const PURPOSE = 'invitation-link';

export interface NewInvitationToken {
  token: string;
  nonce: string;
  hash: string;
}

export function invitationToken(secret: string, nonce: string): string {
  return hmac(secret, PURPOSE, nonce).slice(0, 24);
}

export function newInvitationToken(secret: string): NewInvitationToken {
  return newToken(secret, invitationToken);
}

/** A fresh nonce, the token `tokenOf` derives from it, and the hash the database keeps. */
function newToken(secret: string, tokenOf: (secret: string, nonce: string) => string): NewInvitationToken {
  const nonce = randomToken(18);
  const token = tokenOf(secret, nonce);
  return { token, nonce, hash: sha256(token) };
}

/** What to look an incoming token up by; null for anything that cannot be a token. */
export function tokenLookupHash(token: string): string | null {
  return /^[A-Za-z0-9_-]{24}$/.test(token) ? sha256(token) : null;
}

export function personalLink(publicUrl: string, token: string): string {
  return `${publicUrl}/s/${token}`;
}

/**
 * Account links (/u/<token>: a user invitation or a password reset) work the same way: the token
 * is HMAC(secret, nonce), 192 bits (32 characters); user_invites keeps sha256(token), and the
 * outbox row keeps only a marker with the nonce (see `accountLinkMarker`), which the worker turns
 * into the link when it sends the mail. A database reader (an admin on the outbox page, a backup)
 * never sees a working link.
 */
const ACCOUNT_PURPOSE = 'account-link';

export function accountToken(secret: string, nonce: string): string {
  return hmac(secret, ACCOUNT_PURPOSE, nonce).slice(0, 32);
}

export function newAccountToken(secret: string): NewInvitationToken {
  return newToken(secret, accountToken);
}

export function accountLink(publicUrl: string, token: string): string {
  return `${publicUrl}/u/${token}`;
}
