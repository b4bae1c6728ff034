import { describe, expect, it } from 'vitest';
import { redactUrl, scrubText, serializeError } from '../../server/logging';

describe('redactUrl', () => {
  it('removes personal-link tokens from paths', () => {
    expect(redactUrl('/s/AbC_123-xyz')).toBe('/s/[token]');
    expect(redactUrl('/api/s/AbC_123-xyz/answers?x=1')).toBe('/api/s/[token]/answers?x=1');
    expect(redactUrl('/api/optout/tok')).toBe('/api/optout/[token]');
  });

  it('removes tokens from query strings', () => {
    expect(redactUrl('/admin/setup?token=secret&x=1')).toBe('/admin/setup?token=[redacted]&x=1');
  });

  it('removes e-mail addresses from paths and query strings, also when encoded', () => {
    expect(redactUrl('/api/audit?actor=jan@school.nl&page=2')).toBe('/api/audit?actor=[email]&page=2');
    expect(redactUrl('/api/x/jan.de.vries%40school.nl/y')).toBe('/api/x/[email]/y');
  });

  it('leaves other URLs alone', () => {
    expect(redactUrl('/api/rounds/3/dashboard')).toBe('/api/rounds/3/dashboard');
  });
});

describe('error serialisation', () => {
  it('masks addresses and token-like strings in messages and stacks', () => {
    const error = new Error('mail to jan@school.nl failed for /s/AbCdEfGhIjKlMnOpQrStUv12');
    const serialized = serializeError(error);
    expect(serialized.message).toBe('mail to [email] failed for /s/[token]');
    expect(serialized.stack).not.toMatch(/jan@school\.nl|AbCdEfGhIjKlMnOpQrStUv12/);
    expect(scrubText('users_email_key and ensure-client-build stay')).toBe('users_email_key and ensure-client-build stay');
    const stackLine = 'at file:///app/node_modules/@electric-sql/pglite/dist/index.js:442:11';
    expect(scrubText(stackLine)).toBe(stackLine);
  });

  it('leaves out driver fields that quote data or SQL', () => {
    const error = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      detail: 'Key (lower(email))=(jan@school.nl) already exists.',
      query: "insert into users (email) values ('jan@school.nl')",
    });
    const serialized = serializeError(error);
    expect(serialized).toMatchObject({ type: 'Error', code: '23505' });
    expect(JSON.stringify(serialized)).not.toMatch(/jan@school|insert into|Key \(/);
  });
});
