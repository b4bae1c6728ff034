import { createHash, createVerify, generateKeyPairSync } from 'node:crypto';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, RELAY_PRESETS } from '../../server/config';
import { buildOutgoing } from '../../server/mailings/outbox';
import { transportFromConfig } from '../../server/mailings/transport';
import { parseVerpAddress } from '../../server/mailings/verp';
import { parseHeaderBlock } from '../../server/inbound/mime';

/**
 * Sending that receivers can trust: DKIM signing from configuration (nodemailer's dkim option),
 * checked here by verifying the signature of the message as a real SMTP server received it
 * (RFC 6376 relaxed/relaxed), and the VERP envelope sender on the wire.
 */

interface Received {
  raw: string;
  envelopeFrom: string;
}

function relaxedBody(body: string): string {
  const lines = body.replace(/\r\n$/, '').split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.length ? lines.join('\r\n') + '\r\n' : '';
}

function relaxedHeader(name: string, value: string): string {
  return `${name.toLowerCase()}:${value.replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim()}`;
}

describe('DKIM signing and the envelope sender', () => {
  let server: SMTPServer;
  let port = 0;
  const received: Received[] = [];
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({ raw: Buffer.concat(chunks).toString('utf8'), envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '' });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('signs every message with the configured key, and the signature verifies against the public key', async () => {
    const config = loadConfig({
      DATA_DIR: '/tmp/meetronde-dkim-test',
      SECRET: 'test-secret-test-secret-test-secret-0123456789',
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      MAIL_FROM: 'Het IMAGE-team <noreply@meetronde.test>',
      DKIM_DOMAIN: 'meetronde.test',
      DKIM_SELECTOR: 'mr2026',
      DKIM_PRIVATE_KEY: pem.replace(/\n/g, '\\n'),
    });
    expect(config.dkim?.keySelector).toBe('mr2026');
    const transport = transportFromConfig(config);
    const mail = buildOutgoing(
      { id: 77, idempotency_key: 'user-invite:1:1', invitation_id: null, token_nonce: null, to_address: 'info@school.test', subject: 'Welkom bij Meetronde', body_text: 'Beste  collega,\n\nWelkom.   \n', body_html: null, headers: {} },
      { secret: config.secret, publicUrl: config.publicUrl, mailFrom: config.mailFrom },
    );
    const outcome = await transport.send(mail);
    transport.close();
    expect(outcome.ok).toBe(true);
    const got = received.at(-1)!;
    // The envelope sender is the message's signed VERP address; the From header stays as configured.
    expect(parseVerpAddress(got.envelopeFrom, config.secret)).toBe(77);

    const split = got.raw.indexOf('\r\n\r\n');
    const head = got.raw.slice(0, split);
    const body = got.raw.slice(split + 4);
    const headers = parseHeaderBlock(head);
    const signature = headers.get('dkim-signature')?.[0];
    expect(signature).toBeTruthy();
    const tags = Object.fromEntries(signature!.split(';').map((t) => t.trim()).filter(Boolean).map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')]));
    expect(tags.d).toBe('meetronde.test');
    expect(tags.s).toBe('mr2026');
    expect(tags.c).toBe('relaxed/relaxed');
    // Body hash.
    expect(createHash('sha256').update(relaxedBody(body)).digest('base64')).toBe(tags.bh);
    // Header signature: the signed headers, then the DKIM-Signature header with b= emptied.
    const rawHeaders = head.split(/\r\n(?![ \t])/).map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1)] as const);
    const signed = tags.h!.split(':').map((name) => {
      const found = rawHeaders.find(([n]) => n.toLowerCase() === name.toLowerCase());
      return found ? relaxedHeader(found[0], found[1]) : null;
    }).filter((h): h is string => h !== null);
    const dkimRaw = rawHeaders.find(([n]) => n.toLowerCase() === 'dkim-signature')!;
    const unsigned = relaxedHeader(dkimRaw[0], dkimRaw[1].replace(/b=[^;]*$/, 'b=').replace(/(;\s*b=)[^;]*/, '$1'));
    const verifier = createVerify('RSA-SHA256');
    verifier.update(signed.join('\r\n') + '\r\n' + unsigned);
    expect(verifier.verify(publicKey, tags.b!, 'base64')).toBe(true);
  });

  it('refuses an incomplete DKIM configuration, and applies relay presets unless a limit is set', () => {
    const base = { DATA_DIR: '/tmp/meetronde-dkim-test', SECRET: 'test-secret-test-secret-test-secret-0123456789' };
    expect(() => loadConfig({ ...base, DKIM_DOMAIN: 'meetronde.test' })).toThrow(/DKIM_SELECTOR/);
    const m365 = loadConfig({ ...base, MAIL_RELAY_PRESET: 'microsoft365' });
    expect([m365.mailPerMinute, m365.mailPerHour, m365.mailPerDay]).toEqual([RELAY_PRESETS.microsoft365.perMinute, RELAY_PRESETS.microsoft365.perHour, RELAY_PRESETS.microsoft365.perDay]);
    expect(loadConfig({ ...base, MAIL_RELAY_PRESET: 'surf', MAIL_PER_MINUTE: '10' }).mailPerMinute).toBe(10);
    expect(() => loadConfig({ ...base, MAIL_RELAY_PRESET: 'sendgrid' })).toThrow(/MAIL_RELAY_PRESET/);
    expect(() => loadConfig({ ...base, BOUNCE_ADDRESS: 'bounces+x@meetronde.nl' })).toThrow(/BOUNCE_ADDRESS/);
  });
});
