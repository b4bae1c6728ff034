import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, codeHash, formatCode, linkToken, normaliseCode, pupilCode, tokenId, tokenMatches } from '../../server/invitations/person-links';
import { mayTakePart } from '../../server/persons/pupils';
import { redactUrl } from '../../server/logging';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123';

describe('pupil codes', () => {
  it('use 32 unambiguous symbols: no 0, O, 1, I or l', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    expect(new Set(CODE_ALPHABET).size).toBe(32);
    expect(CODE_ALPHABET).not.toMatch(/[0O1Il]/);
  });

  it('are 8 symbols (40 bits), spread over the whole alphabet, and differ per nonce', () => {
    const seen = new Set<string>();
    const symbols = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const code = pupilCode(SECRET, `nonce-${i}`);
      expect(code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
      seen.add(code);
      for (const ch of code) symbols.set(ch, (symbols.get(ch) ?? 0) + 1);
    }
    expect(seen.size).toBe(4000);
    expect(symbols.size).toBe(32);
    // 32,000 symbols: each about 1,000 times; a biased mapping would leave some far off.
    for (const n of symbols.values()) expect(n).toBeGreaterThan(800);
    expect(pupilCode(SECRET, 'x')).toBe(pupilCode(SECRET, 'x'));
    expect(pupilCode(SECRET, 'x')).not.toBe(pupilCode(`${SECRET}!`, 'x'));
  });

  it('accept what a pupil types: lower case, spaces, a dash; refuse 0/O/1/I and wrong lengths', () => {
    expect(normaliseCode('k7qm-3xwd')).toBe('K7QM3XWD');
    expect(normaliseCode(' K7QM 3XWD ')).toBe('K7QM3XWD');
    expect(formatCode('K7QM3XWD')).toBe('K7QM-3XWD');
    for (const bad of ['K0QM3XWD', 'KOQM3XWD', 'K1QM3XWD', 'KIQM3XWD', 'K7QM3XW', 'K7QM3XWDD', 'Jan Jansen', '']) expect(normaliseCode(bad)).toBeNull();
    expect(codeHash(SECRET, 'K7QM3XWD')).not.toContain('K7QM3XWD');
  });
});

describe('person links', () => {
  it('are bound to id, nonce, purpose and secret', () => {
    const token = linkToken(SECRET, 'class-link', 42, 'nonce');
    expect(tokenId(token, 'class-link')).toBe(42);
    expect(tokenMatches(SECRET, 'class-link', token, 42, 'nonce')).toBe(true);
    expect(tokenMatches(SECRET, 'class-link', token, 43, 'nonce')).toBe(false);
    expect(tokenMatches(SECRET, 'class-link', token, 42, 'other')).toBe(false);
    expect(tokenMatches(SECRET, 'parent-link', token, 42, 'nonce')).toBe(false);
    expect(tokenId(token, 'coordinator-link')).toBeNull();
    expect(tokenId('42-short', 'class-link')).toBeNull();
  });
});

describe('consent rules', () => {
  it('passive: everyone but objectors; active: only with consent', () => {
    expect(mayTakePart('passive', 'none')).toBe(true);
    expect(mayTakePart('passive', 'consent')).toBe(true);
    expect(mayTakePart('passive', 'objection')).toBe(false);
    expect(mayTakePart('active', 'none')).toBe(false);
    expect(mayTakePart('active', 'consent')).toBe(true);
    expect(mayTakePart('active', 'objection')).toBe(false);
  });
});

describe('person links in logs', () => {
  it('are redacted like school links', () => {
    for (const url of ['/c/12-abcdefghijklmnopqrstuvwx', '/l/3-abcdefghijklmnop', '/o/3-abcdefghijklmnop', '/api/persons/c/12-abcdefghijklmnopqrstuvwx/classes/3/codes', '/api/persons/p/9-abcdefghijklmnopqrstuv/answers', '/api/persons/o/3-abcdefghijklmnop', '/t/7-abcdefghijklmnopqrstuv', '/api/persons/t/7-abcdefghijklmnopqrstuv/classes/3/answers', '/api/persons/a/7-abcdefghijklmnopqrst', '/pr/8-abcdefghijklmnopqrstuv', '/api/persons/pr/8-abcdefghijklmnopqrstuv/answers', '/ov/3-abcdefghijklmnop', '/api/persons/q/9-abcdefghijklmnopqrstuv']) {
      const redacted = redactUrl(url);
      expect(redacted).toContain('[token]');
      expect(redacted).not.toMatch(/abcdefghijklmnop/);
    }
    expect(redactUrl('/api/persons/rounds/5/tracking')).toBe('/api/persons/rounds/5/tracking');
  });
});
