import { describe, expect, it } from 'vitest';
import { parseVerpAddress, verpAddress } from '../../server/mailings/verp';

const SECRET = 'test-secret-test-secret-test-secret-0123456789';

describe('VERP envelope senders', () => {
  it('names the outbox message in a signed sub-address of the sender', () => {
    const address = verpAddress('Meetronde <noreply@meetronde.nl>', SECRET, 4711);
    expect(address).toMatch(/^noreply\+b4711\.[0-9a-f]{16}@meetronde\.nl$/);
    expect(parseVerpAddress(address, SECRET)).toBe(4711);
    expect(parseVerpAddress(`<${address.toUpperCase()}>`, SECRET)).toBe(4711);
  });

  it('refuses a forged or altered address, and addresses signed with another secret', () => {
    const address = verpAddress('bounces@meetronde.nl', SECRET, 12);
    expect(parseVerpAddress(address.replace('+b12.', '+b13.'), SECRET)).toBeNull();
    expect(parseVerpAddress(address, 'another-secret-another-secret-another-secret')).toBeNull();
    expect(parseVerpAddress('noreply@meetronde.nl', SECRET)).toBeNull();
    expect(parseVerpAddress('noreply+b99999999999.0123456789abcdef@meetronde.nl', SECRET)).toBeNull();
  });

  it('keeps a base address that already has a sub-address to its mailbox', () => {
    expect(verpAddress('bounces+old@x.nl', SECRET, 1)).toMatch(/^bounces\+b1\./);
  });
});
