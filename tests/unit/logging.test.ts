import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../server/logging';

describe('redactUrl', () => {
  it('removes personal-link tokens from paths', () => {
    expect(redactUrl('/s/AbC_123-xyz')).toBe('/s/[token]');
    expect(redactUrl('/api/s/AbC_123-xyz/answers?x=1')).toBe('/api/s/[token]/answers?x=1');
    expect(redactUrl('/api/optout/tok')).toBe('/api/optout/[token]');
  });

  it('removes tokens from query strings', () => {
    expect(redactUrl('/admin/setup?token=secret&x=1')).toBe('/admin/setup?token=[redacted]&x=1');
  });

  it('leaves other URLs alone', () => {
    expect(redactUrl('/api/rounds/3/dashboard')).toBe('/api/rounds/3/dashboard');
  });
});
