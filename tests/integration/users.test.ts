import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { INVITE_VALID_MS } from '../../server/users/users';
import type { ManualClock } from '../../server/clock';
import type { DB } from '../../server/db/types';
import { accountLinkFor } from '../helpers/account-links';
import { loginAs, makeTestApp, testConfig } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';

type Headers = Record<string, string>;

describeEachDatabase('user management', (getDatabase, kind) => {
  let app: App;
  let clock: ManualClock;
  let db: Kysely<DB>;
  let admin: { headers: Headers; user: { id: number; email: string } };
  let counter = 0;
  const nextEmail = () => `gebruiker${++counter}-${kind}@universiteit.example`;

  const invite = (body: unknown, headers: Headers = admin.headers) => app.inject({ method: 'POST', url: '/api/users', headers, payload: body as object });
  const patch = (id: number, body: object, headers: Headers = admin.headers) =>
    app.inject({ method: 'PATCH', url: `/api/users/${id}`, headers, payload: body });

  /** The token in the newest invitation mail to `email`, as the mail leaves the server. */
  async function tokenFromOutbox(email: string): Promise<string> {
    const link = await accountLinkFor(db, email, testConfig());
    const match = /http:\/\/meetronde\.test\/u\/([A-Za-z0-9_-]+)/.exec(link);
    if (!match) throw new Error('no link in the mail');
    return match[1]!;
  }

  beforeAll(async () => {
    db = getDatabase().db;
    ({ app, clock } = await makeTestApp(getDatabase()));
    admin = await loginAs(db, 'admin', clock.now());
  });
  afterAll(async () => app.close());

  describe('inviting', () => {
    it('creates the account and puts the invitation in the outbox, with a one-time link', async () => {
      const email = nextEmail();
      const res = await invite({ email, name: 'Rita Onderzoek', role: 'researcher' });
      expect(res.statusCode).toBe(200);
      const user = res.json();
      expect(user).toMatchObject({ email, name: 'Rita Onderzoek', role: 'researcher', status: 'invited' });
      expect(Date.parse(user.inviteExpiresAt) - clock.now().getTime()).toBe(INVITE_VALID_MS);

      const message = await db.selectFrom('outbox_messages').selectAll().where('to_address', '=', email).executeTakeFirstOrThrow();
      expect(message).toMatchObject({ mailing_id: null, invitation_id: null, status: 'pending', subject: 'Uitnodiging voor Meetronde' });
      expect(message.idempotency_key).toMatch(new RegExp(`^user-invite:${user.id}:\\d+$`));
      expect(message.next_attempt_at.getTime()).toBe(clock.now().getTime());
      expect(message.body_text).toContain('rol onderzoeker');
      expect(message.body_html).toContain('Rita Onderzoek');

      const token = await tokenFromOutbox(email);
      expect(token).toHaveLength(32);
      const stored = await db.selectFrom('user_invites').select('token_hash').where('user_id', '=', user.id).execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]!.token_hash).not.toContain(token);

      const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'user.invited').where('target', '=', `user:${user.id}`).executeTakeFirstOrThrow();
      expect(audit.user_label).toBe(admin.user.email);
      expect(audit.details).toEqual({ role: 'researcher' });
    });

    it('lets the invited user choose a password once, which logs them in', async () => {
      const email = nextEmail();
      await invite({ email, name: 'Bram Beheer', role: 'admin' });
      const token = await tokenFromOutbox(email);

      const check = await app.inject(`/api/u/${token}`);
      expect(check.statusCode).toBe(200);
      expect(check.json()).toEqual({ name: 'Bram Beheer', email, renewal: false });

      const weak = await app.inject({ method: 'POST', url: `/api/u/${token}`, payload: { password: 'kort' } });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().message).toBe('Kies een wachtwoord van minstens 10 tekens.');

      const set = await app.inject({ method: 'POST', url: `/api/u/${token}`, payload: { password: 'mijn-eigen-wachtwoord' } });
      expect(set.statusCode).toBe(200);
      expect(set.json()).toMatchObject({ email, role: 'admin' });
      const cookie = String(set.headers['set-cookie']).split(';')[0]!;
      expect((await app.inject({ url: '/api/auth/me', headers: { cookie } })).json().email).toBe(email);

      const again = await app.inject({ method: 'POST', url: `/api/u/${token}`, payload: { password: 'nog-een-wachtwoord' } });
      expect(again.statusCode).toBe(404);
      expect(again.json().message).toBe('Deze link is niet (meer) geldig. Vraag een beheerder om een nieuwe uitnodiging.');
      expect((await app.inject(`/api/u/${token}`)).statusCode).toBe(404);

      const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'mijn-eigen-wachtwoord' } });
      expect(login.statusCode).toBe(200);
    });

    it('answers an expired, a replaced and an unknown link alike', async () => {
      const email = nextEmail();
      const created = (await invite({ email, name: 'Els', role: 'researcher' })).json();
      const first = await tokenFromOutbox(email);
      const resent = await app.inject({ method: 'POST', url: `/api/users/${created.id}/invite`, headers: admin.headers });
      expect(resent.statusCode).toBe(200);
      const second = await tokenFromOutbox(email);
      expect(second).not.toBe(first);

      const replaced = await app.inject(`/api/u/${first}`);
      const unknown = await app.inject(`/api/u/${'x'.repeat(32)}`);
      const malformed = await app.inject(`/api/u/${encodeURIComponent("' or 1=1 --")}`);
      expect((await app.inject(`/api/u/${second}`)).statusCode).toBe(200);
      clock.advance(INVITE_VALID_MS + 1000);
      const expired = await app.inject(`/api/u/${second}`);
      for (const res of [replaced, unknown, malformed, expired]) {
        expect(res.statusCode).toBe(404);
        expect(res.json()).toEqual(unknown.json());
      }
      // Moving the clock a week ended the admin's session too.
      admin = await loginAs(db, 'admin', clock.now());
      const keys = await db.selectFrom('outbox_messages').select('idempotency_key').where('to_address', '=', email).orderBy('id').execute();
      expect(keys.map((k) => k.idempotency_key.split(':').slice(0, 2).join(':'))).toEqual([`user-invite:${created.id}`, `user-invite:${created.id}`]);
    });

    it('refuses an address that already has an account, in any letter case', async () => {
      const email = nextEmail();
      expect((await invite({ email, name: 'Een', role: 'researcher' })).statusCode).toBe(200);
      const twice = await invite({ email: email.toUpperCase(), name: 'Twee', role: 'researcher' });
      expect(twice.statusCode).toBe(409);
      expect(twice.json().message).toBe('Er bestaat al een account met dit e-mailadres.');
    });

    it('sends a new link to an existing account as a password reset, ending its sessions when used', async () => {
      const user = await loginAs(db, 'researcher', clock.now());
      await db.updateTable('users').set({ password_hash: 'scrypt$1$1$1$x$y' }).where('id', '=', user.user.id).execute();
      const res = await app.inject({ method: 'POST', url: `/api/users/${user.user.id}/invite`, headers: admin.headers });
      expect(res.statusCode).toBe(200);
      const token = await tokenFromOutbox(user.user.email);
      expect((await app.inject(`/api/u/${token}`)).json().renewal).toBe(true);
      expect((await db.selectFrom('outbox_messages').select('subject').where('to_address', '=', user.user.email).executeTakeFirstOrThrow()).subject).toBe(
        'Nieuwe link voor uw Meetronde-account',
      );
      await app.inject({ method: 'POST', url: `/api/u/${token}`, payload: { password: 'vernieuwd-wachtwoord' } });
      expect((await app.inject({ url: '/api/auth/me', headers: user.headers })).statusCode).toBe(401);
    });
  });

  describe('disabling, enabling and roles', () => {
    it('ends the sessions of a disabled user at once and refuses their login', async () => {
      const target = await loginAs(db, 'researcher', clock.now());
      expect((await app.inject({ url: '/api/auth/me', headers: target.headers })).statusCode).toBe(200);
      const res = await patch(target.user.id, { disabled: true });
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe('disabled');
      expect((await app.inject({ url: '/api/auth/me', headers: target.headers })).statusCode).toBe(401);
      expect(await db.selectFrom('sessions').select('id').where('user_id', '=', target.user.id).execute()).toEqual([]);

      const resend = await app.inject({ method: 'POST', url: `/api/users/${target.user.id}/invite`, headers: admin.headers });
      expect(resend.statusCode).toBe(409);
      expect(resend.json().message).toBe('Dit account is uitgeschakeld. Schakel het eerst weer in.');

      const enabled = await patch(target.user.id, { disabled: false });
      expect(enabled.json().status).toBe('invited');
      const actions = await db.selectFrom('audit_log').select(['action', 'details']).where('target', '=', `user:${target.user.id}`).orderBy('id').execute();
      expect(actions).toEqual([
        { action: 'user.disabled', details: { endedSessions: 1 } },
        { action: 'user.enabled', details: {} },
      ]);
    });

    it('makes a disabled user’s open invitation link useless', async () => {
      const email = nextEmail();
      const created = (await invite({ email, name: 'Uit', role: 'researcher' })).json();
      const token = await tokenFromOutbox(email);
      await patch(created.id, { disabled: true });
      await patch(created.id, { disabled: false });
      expect((await app.inject(`/api/u/${token}`)).statusCode).toBe(404);
    });

    it('changes a role, which takes effect on the next request', async () => {
      const target = await loginAs(db, 'researcher', clock.now());
      expect((await app.inject({ url: '/api/users', headers: target.headers })).statusCode).toBe(403);
      expect((await patch(target.user.id, { role: 'admin' })).json().role).toBe('admin');
      expect((await app.inject({ url: '/api/users', headers: target.headers })).statusCode).toBe(200);
      const entry = await db.selectFrom('audit_log').select('details').where('action', '=', 'user.role_changed').where('target', '=', `user:${target.user.id}`).executeTakeFirstOrThrow();
      expect(entry.details).toEqual({ from: 'researcher', to: 'admin' });
    });

    it('does not let admins disable or demote themselves', async () => {
      for (const body of [{ disabled: true }, { role: 'researcher' }]) {
        const res = await patch(admin.user.id, body);
        expect(res.statusCode).toBe(409);
        expect(res.json().message).toBe('U kunt uw eigen account niet uitschakelen of een andere rol geven.');
      }
      expect((await app.inject({ url: '/api/auth/me', headers: admin.headers })).statusCode).toBe(200);
    });

    it('answers an unknown user and an empty change in Dutch', async () => {
      expect((await patch(999999, { disabled: true })).json().message).toBe('Deze gebruiker bestaat niet.');
      expect((await patch(admin.user.id + 1000, {})).json().message).toBe('Er is niets om te wijzigen.');
    });

    it('lists users with their status, without password hashes', async () => {
      const res = await app.inject({ url: '/api/users', headers: admin.headers });
      expect(res.statusCode).toBe(200);
      const users = res.json().users as Array<Record<string, unknown>>;
      expect(users.length).toBeGreaterThan(3);
      expect(new Set(users.map((u) => u.status))).toEqual(new Set(['active', 'invited', 'disabled'].filter((s) => users.some((u) => u.status === s))));
      expect(res.body).not.toMatch(/scrypt|password/);
    });
  });

  describe('hostile input on the admin forms', () => {
    it('refuses malformed, look-alike and oversized addresses with a Dutch message', async () => {
      for (const email of [
        'geen-adres',
        'a@b',
        'iemand@@example.test',
        'iemand@example..test',
        'iemand\u200b@example.test',
        'iemand@exаmple.test', // Cyrillic a
        'iemand@exam\nple.test',
        '<script>@example.test',
        "x'; drop table users; --@example.test",
        `${'a'.repeat(250)}@example.test`,
      ]) {
        const res = await invite({ email, name: 'Naam', role: 'researcher' });
        expect(res.statusCode, JSON.stringify(email)).toBe(400);
        expect(res.json().message).toMatch(/e-mailadres|niet volledig of niet geldig/);
      }
      const unchanged = await db.selectFrom('users').select('id').where('email', 'like', '%example.test%').where('email', 'like', '%script%').execute();
      expect(unchanged).toEqual([]);
    });

    it('refuses names with invisible or direction-changing characters, and empty names', async () => {
      for (const name of ['Jan\u202Egnirts', 'Ja\u200Bn', 'Jan\u0000', '   ', '\u2066Jan\u2069', 'x'.repeat(401)]) {
        const res = await invite({ email: nextEmail(), name, role: 'researcher' });
        expect(res.statusCode, JSON.stringify(name)).toBe(400);
        expect(res.json().message).toMatch(/naam|niet volledig of niet geldig/i);
      }
    });

    it('stores HTML in a name as text and escapes it in the invitation mail', async () => {
      const email = nextEmail();
      const name = '<img src=x onerror=alert(1)> & "Zoë"';
      const res = await invite({ email, name, role: 'researcher' });
      expect(res.statusCode).toBe(200);
      expect(res.json().name).toBe(name);
      const message = await db.selectFrom('outbox_messages').select(['body_html', 'body_text']).where('to_address', '=', email).executeTakeFirstOrThrow();
      expect(message.body_html).not.toContain('<img');
      expect(message.body_html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Zoë&quot;');
      expect(message.body_text).toContain(name);
    });

    it('refuses unknown roles, wrong types, extra privileges and duplicated query fields', async () => {
      for (const body of [
        { email: nextEmail(), name: 'Naam', role: 'superuser' },
        { email: nextEmail(), name: 'Naam', role: ['admin', 'researcher'] },
        { email: nextEmail(), name: { first: 'Naam' }, role: 'researcher' },
        { email: 12345, name: 'Naam' },
        [nextEmail(), 'Naam', 'admin'],
      ]) {
        const res = await invite(body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.body).not.toMatch(/ at |\.ts:|insert into|stack/i);
      }
      const sneaky = await invite({ email: nextEmail(), name: 'Naam', role: 'researcher', password_hash: 'x', disabled_at: null, id: 1 });
      expect(sneaky.statusCode).toBe(200);
      const row = await db.selectFrom('users').select(['password_hash', 'id']).where('id', '=', sneaky.json().id).executeTakeFirstOrThrow();
      expect(row.password_hash).toBeNull();
      expect(row.id).not.toBe(1);

      expect((await patch(0, { disabled: true })).statusCode).toBe(400);
      for (const id of ['abc', '1.5', '1%3Bdrop%20table%20users', '99999999999']) {
        const res = await app.inject({ method: 'PATCH', url: `/api/users/${id}`, headers: admin.headers, payload: { disabled: true } });
        expect(res.statusCode, id).toBe(400);
      }
      expect((await patch(admin.user.id + 1, { disabled: 'yes' })).statusCode).toBe(400);
      const duplicated = await app.inject({ url: '/api/audit?page=1&page=2', headers: admin.headers });
      expect(duplicated.statusCode).toBe(400);
    });

    it('needs the CSRF header for every change', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/users',
        headers: { cookie: admin.headers.cookie! },
        payload: { email: nextEmail(), name: 'Naam', role: 'admin' },
      });
      expect(res.statusCode).toBe(403);
    });
  });
});
