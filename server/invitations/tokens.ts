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
  const nonce = randomToken(18);
  const token = invitationToken(secret, nonce);
  return { token, nonce, hash: sha256(token) };
}

/** What to look an incoming token up by; null for anything that cannot be a token. */
export function tokenLookupHash(token: string): string | null {
  return /^[A-Za-z0-9_-]{24}$/.test(token) ? sha256(token) : null;
}

export function personalLink(publicUrl: string, token: string): string {
  return `${publicUrl}/s/${token}`;
}
