import { describe, expect, it } from 'vitest';
import { sha256 } from '../../server/crypto';
import { invitationToken, newInvitationToken, tokenLookupHash } from '../../server/invitations/tokens';

describe('invitation tokens', () => {
  it('derives the same token from the nonce with the secret, and a different one without it', () => {
    const made = newInvitationToken('secret-a'.repeat(5));
    expect(made.token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(invitationToken('secret-a'.repeat(5), made.nonce)).toBe(made.token);
    expect(invitationToken('secret-b'.repeat(5), made.nonce)).not.toBe(made.token);
    expect(made.hash).toBe(sha256(made.token));
  });

  it('never repeats', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => newInvitationToken('s'.repeat(40)).token));
    expect(seen.size).toBe(2000);
  });

  it('rejects anything that cannot be a token before touching the database', () => {
    expect(tokenLookupHash('short')).toBeNull();
    expect(tokenLookupHash("' or 1=1 --aaaaaaaaaaaaaa")).toBeNull();
    expect(tokenLookupHash('a'.repeat(24))).toBe(sha256('a'.repeat(24)));
  });
});
