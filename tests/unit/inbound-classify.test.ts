import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyMessage } from '../../server/inbound/classify';

/**
 * The classification of what comes back, over a corpus of real-world-shaped messages
 * (tests/fixtures/inbound/*.eml): Exchange Online and Outlook NDRs (English and Dutch), Gmail,
 * Postfix, Exim and qmail bounces, an ARF abuse report, RFC 3834 and header-less out-of-office
 * replies in Dutch and English, and replies written by people. expected.json gives each one's class.
 */

const SECRET = 'test-secret-test-secret-test-secret-0123456789';
const DIR = path.join(__dirname, '../fixtures/inbound');

interface Expected {
  kind: string;
  permanent?: boolean;
  status?: string;
  recipient?: string;
  verpOutboxId?: number | null;
  references?: string;
  reason?: string;
  textContains?: string;
}

const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
const files = readdirSync(DIR).filter((f) => f.endsWith('.eml')).sort();

describe('classifying mail that comes back', () => {
  it('has at least 20 messages, each with its expected class', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    expect(Object.keys(expected).sort()).toEqual(files);
  });

  for (const file of files) {
    const e = expected[file]!;
    it(`${file}: ${e.kind}${e.kind === 'bounce' ? (e.permanent ? ' (permanent)' : ' (temporary)') : ''}`, async () => {
      const c = await classifyMessage(readFileSync(path.join(DIR, file)), SECRET);
      expect(c.kind).toBe(e.kind);
      if (e.permanent !== undefined) expect(c.permanent).toBe(e.permanent);
      if (e.status !== undefined) expect(c.status).toBe(e.status);
      if (e.recipient !== undefined) expect(c.recipient).toBe(e.recipient);
      if (e.verpOutboxId !== undefined) expect(c.verpOutboxId).toBe(e.verpOutboxId);
      if (e.references !== undefined) expect(c.referencedIds).toContain(e.references);
      if (e.reason !== undefined) expect(c.reason).toBe(e.reason);
      if (e.textContains !== undefined) expect(c.text).toContain(e.textContains);
      if (e.kind !== 'reply') expect(c.text).toBeNull();
    });
  }

  it('ignores a VERP address signed with another secret', async () => {
    const c = await classifyMessage(readFileSync(path.join(DIR, 'gmail-dsn-no-such-user.eml')), 'another-secret-another-secret-another-secret');
    expect(c.kind).toBe('bounce');
    expect(c.verpOutboxId).toBeNull();
  });

  it('takes the VERP address from the SMTP envelope when the headers do not carry it', async () => {
    const raw = readFileSync(path.join(DIR, 'exchange-ndr-dutch-niet-bezorgd.eml'));
    const withEnvelope = await classifyMessage(raw, SECRET, ['noreply+b55.' + 'x'.repeat(16) + '@meetronde.test']);
    expect(withEnvelope.verpOutboxId).toBeNull();
  });
});
