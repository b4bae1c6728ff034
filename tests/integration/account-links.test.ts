import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import type { DB } from '../../server/db/types';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

const LINK = /\/u\/([A-Za-z0-9_-]{20,})/;

/**
 * Account links (/u/<token>: user invitations and password resets) grant an account. After the
 * mail is made, nothing a database reader sees (the outbox row, the admin outbox page, a backup)
 * holds a working link: the row keeps a marker with a nonce, the token is HMAC(secret, nonce).
 */
describeEachDatabase('account links are not readable after sending', (getDatabase, kind) => {
  let db: Kysely<DB>;
  let sink: SmtpSink;
  let counter = 0;
  const nextEmail = () => `konto${++counter}-${kind}@universiteit.example`;

  beforeAll(async () => {
    db = getDatabase().db;
    sink = await startSmtpSink();
  });
  afterAll(async () => sink.close());

  /** An app with a relay (SMTP_URL set) or with captured mail. */
  async function anApp(relay: boolean): Promise<{ app: App; clock: ManualClock; smtpUrl: string | undefined }> {
    const smtpUrl = relay ? sink.url : undefined;
    const { app, clock } = await makeTestApp(getDatabase(), { config: { smtpUrl } });
    return { app, clock, smtpUrl };
  }

  /** Every column of every outbox row to `email`, as one string (what a backup holds). */
  async function storedRows(email: string): Promise<string> {
    return JSON.stringify(await db.selectFrom('outbox_messages').selectAll().where('to_address', '=', email).execute());
  }

  it('keeps no working link in the outbox row; the mail that goes out has one that works', async () => {
    const { app, clock, smtpUrl } = await anApp(true);
    try {
      const admin = await loginAs(db, 'admin', clock.now());
      const email = nextEmail();
      const invited = await app.inject({ method: 'POST', url: '/api/users', headers: admin.headers, payload: { email, name: 'Kees Konto', role: 'admin' } });
      expect(invited.statusCode).toBe(200);

      const stored = await storedRows(email);
      expect(stored).not.toMatch(LINK);
      expect(stored).toContain('Kees Konto');

      const { worker } = makeTestWorker(getDatabase(), { clock, config: { smtpUrl } });
      await worker.drain();
      const [mail] = sink.to(email);
      const token = LINK.exec(mail!.text)![1]!;
      expect(mail!.html).toContain(`/u/${token}`);
      // The token is not in the database in any form that works: only its hash.
      expect(await storedRows(email)).not.toContain(token);
      const invites = JSON.stringify(await db.selectFrom('user_invites').selectAll().execute());
      expect(invites).not.toContain(token);
      expect((await app.inject(`/api/u/${token}`)).json()).toMatchObject({ email });
      const set = await app.inject({ method: 'POST', url: `/api/u/${token}`, payload: { password: 'een-eigen-wachtwoord-42' } });
      expect(set.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('shows the link masked on the admin outbox page, to every admin, when mail goes to a relay', async () => {
    const { app, clock } = await anApp(true);
    try {
      const issuer = await loginAs(db, 'admin', clock.now());
      const other = await loginAs(db, 'admin', clock.now());
      const victim = await loginAs(db, 'admin', clock.now());
      const reset = await app.inject({ method: 'POST', url: `/api/users/${victim.user.id}/invite`, headers: issuer.headers });
      expect(reset.statusCode).toBe(200);
      const row = await db.selectFrom('outbox_messages').select('id').where('to_address', '=', victim.user.email).executeTakeFirstOrThrow();
      for (const viewer of [issuer, other]) {
        const page = (await app.inject({ url: `/api/mail/outbox/${row.id}`, headers: viewer.headers })).json();
        expect(page.text).toContain('http://meetronde.test/u/[verborgen]');
        expect(page.html).toContain('http://meetronde.test/u/[verborgen]');
        expect(page.text).not.toMatch(LINK);
      }
    } finally {
      await app.close();
    }
  });

  it('with captured mail, shows the working link only to the admin who asked for it, not to another admin', async () => {
    const { app, clock } = await anApp(false);
    try {
      const issuer = await loginAs(db, 'admin', clock.now());
      const other = await loginAs(db, 'admin', clock.now());
      const email = nextEmail();
      await app.inject({ method: 'POST', url: '/api/users', headers: issuer.headers, payload: { email, name: 'Sanne Nieuw', role: 'researcher' } });
      const row = await db.selectFrom('outbox_messages').select('id').where('to_address', '=', email).executeTakeFirstOrThrow();

      const seenByOther = (await app.inject({ url: `/api/mail/outbox/${row.id}`, headers: other.headers })).json();
      expect(seenByOther.text).toContain('/u/[verborgen]');
      expect(seenByOther.text).not.toMatch(LINK);

      const seenByIssuer = (await app.inject({ url: `/api/mail/outbox/${row.id}`, headers: issuer.headers })).json();
      const token = LINK.exec(seenByIssuer.text)![1]!;
      expect((await app.inject(`/api/u/${token}`)).statusCode).toBe(200);

      // Once used, the issuer sees it masked too.
      await app.inject({ method: 'POST', url: `/api/u/${token}`, payload: { password: 'sanne-haar-wachtwoord' } });
      expect((await app.inject({ url: `/api/mail/outbox/${row.id}`, headers: issuer.headers })).json().text).toContain('/u/[verborgen]');
    } finally {
      await app.close();
    }
  });

  it('refuses a common or repetitive new password with a Dutch message and keeps the link usable', async () => {
    const { app, clock } = await anApp(false);
    try {
      const issuer = await loginAs(db, 'admin', clock.now());
      const email = nextEmail();
      await app.inject({ method: 'POST', url: '/api/users', headers: issuer.headers, payload: { email, name: 'Piet Zwak', role: 'researcher' } });
      const row = await db.selectFrom('outbox_messages').select('id').where('to_address', '=', email).executeTakeFirstOrThrow();
      const token = LINK.exec((await app.inject({ url: `/api/mail/outbox/${row.id}`, headers: issuer.headers })).json().text)![1]!;
      for (const [password, message] of [
        ['aaaaaaaaaa', /te weinig verschillende tekens/],
        ['Wachtwoord2026!', /veelgebruikte wachtwoorden/],
        ['qwertyuiop', /veelgebruikte wachtwoorden/],
      ] as const) {
        const res = await app.inject({ method: 'POST', url: `/api/u/${token}`, payload: { password } });
        expect(res.statusCode, password).toBe(400);
        expect(res.json()).toMatchObject({ error: 'weak_password', message: expect.stringMatching(message) });
      }
      expect((await app.inject({ method: 'POST', url: `/api/u/${token}`, payload: { password: 'fiets regen koffie lamp' } })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
