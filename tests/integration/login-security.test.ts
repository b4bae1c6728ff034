import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { hashPassword } from '../../server/auth/password';
import { THROTTLED_MESSAGE } from '../../server/auth/throttle';
import type { ManualClock } from '../../server/clock';
import type { DB } from '../../server/db/types';
import { makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';

const PASSWORD = 'een-lang-genoeg-wachtwoord';
let addressCounter = 0;
/** A fresh client address per test, so tests do not share throttling or rate limits. */
const nextAddress = () => `10.1.${Math.floor(++addressCounter / 250)}.${(addressCounter % 250) + 1}`;

describeEachDatabase('login security', (getDatabase, kind) => {
  let app: App;
  let clock: ManualClock;
  let db: Kysely<DB>;
  let passwordHash: string;
  let userCounter = 0;

  /** A user with PASSWORD (one scrypt hash shared by all, so tests stay fast). */
  async function aUser(role: 'admin' | 'researcher' = 'researcher') {
    userCounter += 1;
    const email = `login${userCounter}-${kind}@example.test`;
    await db.insertInto('users').values({ email, name: `Login ${userCounter}`, role, password_hash: passwordHash }).execute();
    return email;
  }

  const login = (email: string, password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress, headers });

  beforeAll(async () => {
    db = getDatabase().db;
    passwordHash = await hashPassword(PASSWORD);
    ({ app, clock } = await makeTestApp(getDatabase(), { deps: { loginLimits: { perAccount: 3, perAddress: 6 } } }));
  });
  afterAll(async () => app.close());

  describe('throttling', () => {
    it('refuses an account after its failed attempts, even with the right password, with a Dutch message', async () => {
      const email = await aUser();
      const address = nextAddress();
      for (let i = 0; i < 3; i++) expect((await login(email, 'verkeerd-wachtwoord', address)).statusCode).toBe(401);
      const refused = await login(email, PASSWORD, nextAddress());
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toEqual({ error: 'login_throttled', message: THROTTLED_MESSAGE });

      // A quarter of an hour later the account may try again.
      clock.advance(16 * 60 * 1000);
      expect((await login(email, PASSWORD, nextAddress())).statusCode).toBe(200);
    });

    it('answers an unknown address exactly like an existing one, so throttling reveals no accounts', async () => {
      const existing = await aUser();
      const unknown = `niemand-${kind}@example.test`;
      const answers: Array<[number, unknown]> = [];
      for (const email of [existing, unknown]) {
        const address = nextAddress();
        for (let i = 0; i < 4; i++) {
          const res = await login(email, 'verkeerd-wachtwoord', address);
          answers.push([res.statusCode, res.json()]);
        }
      }
      expect(answers.slice(0, 4)).toEqual(answers.slice(4));
      expect(answers.map(([status]) => status)).toEqual([401, 401, 401, 429, 401, 401, 401, 429]);
    });

    it('treats differently written forms of one address as the same account', async () => {
      const email = await aUser();
      const address = nextAddress();
      await login(email.toUpperCase(), 'fout-1', address);
      await login(`  ${email}  `, 'fout-2', address);
      await login(email, 'fout-3', address);
      expect((await login(email, PASSWORD, nextAddress())).statusCode).toBe(429);
    });

    it('refuses an address that fails on many accounts, but lets other addresses in', async () => {
      const address = nextAddress();
      for (let i = 0; i < 6; i++) {
        expect((await login(`gok${i}-${kind}@example.test`, 'raden', address)).statusCode).toBe(401);
      }
      const victim = await aUser();
      expect((await login(victim, PASSWORD, address)).json().error).toBe('login_throttled');
      expect((await login(victim, PASSWORD, nextAddress())).statusCode).toBe(200);
    });

    it('forgives an account its failures after a successful login', async () => {
      const email = await aUser();
      const address = nextAddress();
      await login(email, 'fout', address);
      await login(email, 'fout', address);
      expect((await login(email, PASSWORD, address)).statusCode).toBe(200);
      await login(email, 'fout', address);
      await login(email, 'fout', address);
      expect((await login(email, PASSWORD, address)).statusCode).toBe(200);
    });

    it('stores no typed-in address in the throttling table', async () => {
      await login(`spoor-${kind}@example.test`, 'fout', nextAddress());
      const rows = await db.selectFrom('login_failures').select('key').execute();
      expect(rows.length).toBeGreaterThan(0);
      for (const { key } of rows) expect(key).toMatch(/^(account|address):[0-9a-f]{64}$/);
    });
  });

  describe('session cookie', () => {
    const cookieOf = (res: Awaited<ReturnType<typeof login>>) => String(res.headers['set-cookie']);

    it('is httpOnly and SameSite=Lax, and not Secure on plain http', async () => {
      const cookie = cookieOf(await login(await aUser(), PASSWORD, nextAddress()));
      expect(cookie).toMatch(/mr_session=[A-Za-z0-9_-]+;/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).not.toMatch(/Secure/i);
    });

    it('ignores X-Forwarded-Proto when the proxy is not trusted', async () => {
      const cookie = cookieOf(await login(await aUser(), PASSWORD, nextAddress(), { 'x-forwarded-proto': 'https' }));
      expect(cookie).not.toMatch(/Secure/i);
    });

    it('is Secure when PUBLIC_URL is https', async () => {
      const { app: httpsApp } = await makeTestApp(getDatabase(), { clock, config: { publicUrl: 'https://meetronde.example.nl' } });
      const res = await httpsApp.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: await aUser(), password: PASSWORD },
        remoteAddress: nextAddress(),
      });
      await httpsApp.close();
      expect(cookieOf(res)).toMatch(/HttpOnly.*Secure|Secure.*HttpOnly/i);
      expect(res.headers['strict-transport-security']).toBeDefined();
    });

    it('is Secure behind a trusted TLS proxy (TRUST_PROXY)', async () => {
      const { app: proxied } = await makeTestApp(getDatabase(), { clock, config: { trustProxy: ['127.0.0.1'] } });
      const viaProxy = await proxied.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: await aUser(), password: PASSWORD },
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': nextAddress() },
      });
      const plain = await proxied.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: await aUser(), password: PASSWORD },
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-proto': 'http', 'x-forwarded-for': nextAddress() },
      });
      await proxied.close();
      expect(cookieOf(viaProxy)).toMatch(/Secure/i);
      expect(cookieOf(plain)).not.toMatch(/Secure/i);
    });

    it('is deleted from the server at logout, so a copied cookie stops working', async () => {
      const res = await login(await aUser(), PASSWORD, nextAddress());
      const cookie = cookieOf(res).split(';')[0]!;
      const sessionsBefore = await db.selectFrom('sessions').select('id').execute();
      const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
      expect(out.statusCode).toBe(200);
      expect(String(out.headers['set-cookie'])).toMatch(/mr_session=;/);
      const sessionsAfter = await db.selectFrom('sessions').select('id').execute();
      expect(sessionsAfter.length).toBe(sessionsBefore.length - 1);
      expect((await app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    });

    it('records a login of an admin in the audit log, without the password', async () => {
      const email = await aUser('admin');
      const res = await login(email, PASSWORD, nextAddress());
      const entry = await db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'auth.login')
        .where('target', '=', `user:${res.json().id}`)
        .executeTakeFirstOrThrow();
      expect(entry.user_label).toBe(email);
      expect(JSON.stringify(entry.details)).not.toContain(PASSWORD);
    });
  });

  describe('security headers', () => {
    it('sends a strict CSP, no referrer (links carry tokens), nosniff and no framing on pages, the API, closed links and unknown addresses', async () => {
      for (const url of ['/admin/', '/s/AbCdEfGhIjKlMnOpQrStUv12', '/u/x', '/api/auth/me', '/api/s/AbCdEfGhIjKlMnOpQrStUv12', '/bestaat-niet']) {
        const res = await app.inject(url);
        const csp = String(res.headers['content-security-policy']);
        expect(csp, url).toContain("default-src 'self'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval)/);
        expect(csp).toContain("style-src 'self' 'unsafe-inline'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("object-src 'none'");
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['strict-transport-security']).toBeUndefined();
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });
  });

  describe('hostile input on the login form', () => {
    const raw = (payload: string, contentType = 'application/json') =>
      app.inject({ method: 'POST', url: '/api/auth/login', payload, headers: { 'content-type': contentType }, remoteAddress: nextAddress() });

    it('answers SQL injection strings as a wrong login and leaves the users alone', async () => {
      const before = await db.selectFrom('users').select('id').execute();
      for (const email of ["' OR '1'='1", "admin@example.test'--", "x@example.test'; drop table users; --", '%', '_%@%']) {
        const res = await login(email, "' OR '1'='1", nextAddress());
        expect(res.statusCode).toBe(401);
        expect(res.json().message).toBe('Het e-mailadres of wachtwoord klopt niet.');
      }
      expect((await db.selectFrom('users').select('id').execute()).length).toBe(before.length);
    });

    it('refuses oversized fields with a Dutch message', async () => {
      const longEmail = await login(`${'a'.repeat(300)}@example.test`, PASSWORD, nextAddress());
      expect(longEmail.statusCode).toBe(400);
      expect(longEmail.json().message).toBe('De gegevens zijn niet volledig of niet geldig.');
      const longPassword = await login('x@example.test', 'p'.repeat(201), nextAddress());
      expect(longPassword.statusCode).toBe(400);
    });

    it('refuses wrong types, missing fields and non-object bodies', async () => {
      for (const payload of [
        '{"email": {"$ne": null}, "password": "x"}',
        '{"email": "x@example.test", "password": {"length": 12}}',
        '{"email": ["a@example.test", "b@example.test"], "password": "x"}',
        '{"email": "x@example.test"}',
        '["x@example.test", "secret"]',
        'null',
        '"x@example.test"',
      ]) {
        const res = await raw(payload);
        expect(res.statusCode, payload).toBe(400);
        expect(res.json().message).toBeTruthy();
        expect(res.body).not.toMatch(/ at |\.ts:|select |stack/i);
      }
      const text = await raw('email=x@example.test&password=x', 'application/x-www-form-urlencoded');
      expect(text.statusCode).toBe(415);
    });

    it('refuses prototype pollution and takes the last of duplicated fields', async () => {
      const proto = await raw('{"email": "x@example.test", "password": "x", "__proto__": {"role": "admin"}}');
      expect(proto.statusCode).toBe(400);
      const email = await aUser();
      const duplicated = await raw(`{"email": "nobody@example.test", "email": "${email}", "password": "${PASSWORD}"}`);
      expect(duplicated.statusCode).toBe(200);
      expect(duplicated.json().email).toBe(email);
    });

    it('does not let invisible or look-alike characters reach another account', async () => {
      const email = await aUser();
      const [local, domain] = email.split('@') as [string, string];
      for (const lookalike of [`${local}\u200b@${domain}`, `${local}＠${domain}`, `${local}@${domain.replace('e', 'е')}`]) {
        expect((await login(lookalike, PASSWORD, nextAddress())).statusCode).toBe(401);
      }
    });

    it('accepts a password typed in another Unicode normal form', async () => {
      const email = `unicode-${kind}@example.test`;
      await db
        .insertInto('users')
        .values({ email, name: 'Zoë', role: 'researcher', password_hash: await hashPassword('crème-brûlée-2026') })
        .execute();
      expect((await login(email, 'crème-brûlée-2026'.normalize('NFD'), nextAddress())).statusCode).toBe(200);
    });
  });
});
