import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { hashPassword } from '../../server/auth/password';
import type { ManualClock } from '../../server/clock';
import type { DB } from '../../server/db/types';
import { makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';

const PASSWORD = 'een-lang-genoeg-wachtwoord';

/**
 * The login throttle under attack: parallel guesses (real concurrent HTTP requests), spoofed
 * X-Forwarded-For headers, and somebody failing on purpose to keep an admin out.
 */
describeEachDatabase('login throttle under attack', (getDatabase, kind) => {
  let db: Kysely<DB>;
  let passwordHash: string;
  let counter = 0;

  async function aUser(role: 'admin' | 'researcher' = 'researcher') {
    counter += 1;
    const email = `throttle${counter}-${kind}@example.test`;
    await db.insertInto('users').values({ email, name: `Throttle ${counter}`, role, password_hash: passwordHash }).execute();
    return email;
  }

  beforeAll(async () => {
    db = getDatabase().db;
    passwordHash = await hashPassword(PASSWORD);
  });

  describe('parallel guesses over real connections', () => {
    /** A listening app of its own (the per-route rate limit is per app) and no earlier failures. */
    async function listening(limits: { perAccount: number; perAddress: number }) {
      await db.deleteFrom('login_failures').execute();
      const { app, url } = await listenTestApp(getDatabase(), { deps: { loginLimits: limits } });
      const post = (email: string, password: string) =>
        fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      return { app, post };
    }

    it('checks at most the account limit of 30 simultaneous wrong guesses on one account', async () => {
      const { app, post } = await listening({ perAccount: 5, perAddress: 1000 });
      try {
        const email = await aUser('admin');
        const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => post(email, `verkeerd-${i}`)));
        const statuses = answers.map((res) => res.status);
        // 401 means the password was checked; every other guess is refused before the check.
        expect(statuses.filter((s) => s === 401)).toHaveLength(5);
        expect(statuses.filter((s) => s === 429)).toHaveLength(25);
        const refused = answers.find((res) => res.status === 429 && res.headers.get('retry-after'));
        expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await app.close();
      }
    });

    it('checks at most the address limit of simultaneous guesses spread over many accounts', async () => {
      const { app, post } = await listening({ perAccount: 100, perAddress: 4 });
      try {
        const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => post(`spray${i}-${kind}@example.test`, 'raden')));
        const statuses = answers.map((res) => res.status);
        expect(statuses.filter((s) => s === 401)).toHaveLength(4);
        expect(statuses.filter((s) => s === 429)).toHaveLength(12);
      } finally {
        await app.close();
      }
    });

    it('still lets the right password in when it comes among parallel requests within the limit', async () => {
      const { app, post } = await listening({ perAccount: 5, perAddress: 1000 });
      try {
        const email = await aUser();
        const answers = await Promise.all([post(email, 'fout-1'), post(email, PASSWORD), post(email, 'fout-2')]);
        expect(answers.map((res) => res.status).sort()).toEqual([200, 401, 401]);
      } finally {
        await app.close();
      }
    });
  });

  describe('trusted proxies', () => {
    const login = (app: App, email: string, remoteAddress: string, forwardedFor?: string) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email, password: 'fout-wachtwoord' },
        remoteAddress,
        headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      });

    it('ignores X-Forwarded-For from a peer that is not a listed proxy, so a new header per guess does not escape the address limit', async () => {
      const { app } = await makeTestApp(getDatabase(), { config: { trustProxy: ['10.20.0.0/16'] }, deps: { loginLimits: { perAccount: 100, perAddress: 3 } } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await login(app, `gok${i}-${kind}@example.test`, '198.51.100.7', `203.0.113.${i + 1}`)).statusCode);
        expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
      } finally {
        await app.close();
      }
    });

    it('believes the listed proxy about the client address, and only the entry the proxy added', async () => {
      const { app } = await makeTestApp(getDatabase(), { config: { trustProxy: ['10.20.0.0/16'] }, deps: { loginLimits: { perAccount: 100, perAddress: 3 } } });
      try {
        // Different clients behind the proxy are counted separately…
        const clients: number[] = [];
        for (let i = 0; i < 6; i++) clients.push((await login(app, `klant${i}-${kind}@example.test`, '10.20.0.5', `192.0.2.${i + 1}`)).statusCode);
        expect(clients).toEqual([401, 401, 401, 401, 401, 401]);
        // …but one client that puts its own made-up entries in front stays one client.
        const spoofing: number[] = [];
        for (let i = 0; i < 6; i++) {
          spoofing.push((await login(app, `vals${i}-${kind}@example.test`, '10.20.0.5', `203.0.113.${i + 1}, 198.51.100.99`)).statusCode);
        }
        expect(spoofing).toEqual([401, 401, 401, 429, 429, 429]);
      } finally {
        await app.close();
      }
    });

    it('with a hop count, takes the address the nearest proxy saw, not what the client wrote in front', async () => {
      const { app } = await makeTestApp(getDatabase(), { config: { trustProxy: 1 }, deps: { loginLimits: { perAccount: 100, perAddress: 3 } } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          statuses.push((await login(app, `hop${i}-${kind}@example.test`, '10.30.0.1', `203.0.113.${i + 1}, 198.51.100.42`)).statusCode);
        }
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
      } finally {
        await app.close();
      }
    });

    it('keeps the unknown-URL scan limit per real address whatever X-Forwarded-For says', async () => {
      const { app } = await makeTestApp(getDatabase(), { config: { trustProxy: ['10.20.0.0/16'] } });
      try {
        let limited = 0;
        for (let i = 0; i < 70; i++) {
          const res = await app.inject({ url: `/api/bestaat-niet-${i}`, remoteAddress: '198.51.100.8', headers: { 'x-forwarded-for': `203.0.113.${i}` } });
          if (res.statusCode === 429) limited++;
        }
        expect(limited).toBe(10);
      } finally {
        await app.close();
      }
    });
  });

  describe('no lockout that anyone can cause', () => {
    let app: App;
    let clock: ManualClock;
    beforeAll(async () => {
      ({ app, clock } = await makeTestApp(getDatabase(), {
        deps: { loginLimits: { perAccount: 3, perAddress: 5, accountDelayMs: 10_000, maxAccountDelayMs: 60_000 } },
      }));
    });
    afterAll(async () => app.close());

    let addressCounter = 0;
    const nextAddress = () => `10.77.${Math.floor(++addressCounter / 250)}.${(addressCounter % 250) + 1}`;
    const login = (email: string, password: string, remoteAddress: string, cookie?: string) =>
      app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress, headers: cookie ? { cookie } : {} });
    const deviceCookie = (res: Awaited<ReturnType<typeof login>>) =>
      [res.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('mr_device='))!.split(';')[0]!;

    it('slows an account under attack from many addresses with a growing but short wait, never a long lock', async () => {
      const email = await aUser('admin');
      // An attacker with many addresses keeps failing; each guess waits for the previous delay.
      for (let i = 0; i < 3; i++) expect((await login(email, 'fout', nextAddress())).statusCode).toBe(401);
      const waits: number[] = [];
      for (let i = 0; i < 8; i++) {
        const refused = await login(email, 'fout', nextAddress());
        expect(refused.statusCode).toBe(429);
        const wait = Number(refused.headers['retry-after']);
        waits.push(wait);
        clock.advance(wait * 1000);
        expect((await login(email, 'fout', nextAddress())).statusCode).toBe(401);
      }
      expect(waits).toEqual([10, 20, 40, 60, 60, 60, 60, 60]);
      // The admin from a new browser waits at most the cap, then gets in.
      const refused = await login(email, PASSWORD, nextAddress());
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      clock.advance(60_000);
      expect((await login(email, PASSWORD, nextAddress())).statusCode).toBe(200);
    });

    it('lets an admin in from a browser that logged in before, however much others fail on the account', async () => {
      const email = await aUser('admin');
      const home = nextAddress();
      const cookie = deviceCookie(await login(email, PASSWORD, home));
      for (let i = 0; i < 3; i++) await login(email, 'fout', nextAddress());
      for (let i = 0; i < 10; i++) expect((await login(email, 'fout', nextAddress())).statusCode).toBe(429);
      expect((await login(email, PASSWORD, nextAddress())).statusCode).toBe(429);
      expect((await login(email, PASSWORD, home, cookie)).statusCode).toBe(200);
    });

    it('does not accept a device cookie made for another account or tampered with', async () => {
      const mine = await aUser();
      const victim = await aUser('admin');
      const cookie = deviceCookie(await login(mine, PASSWORD, nextAddress()));
      for (let i = 0; i < 3; i++) await login(victim, 'fout', nextAddress());
      expect((await login(victim, PASSWORD, nextAddress(), cookie)).statusCode).toBe(429);
      const tampered = cookie.replace(/=(\d+)\./, (_m, t: string) => `=${Number(t) + 1}.`);
      expect((await login(victim, PASSWORD, nextAddress(), tampered)).statusCode).toBe(429);
    });

    it('still stops one address that guesses, also with a device cookie', async () => {
      const email = await aUser();
      const address = nextAddress();
      const cookie = deviceCookie(await login(email, PASSWORD, address));
      for (let i = 0; i < 5; i++) expect((await login(email, 'fout', address, cookie)).statusCode).toBe(401);
      expect((await login(email, PASSWORD, address, cookie)).statusCode).toBe(429);
    });
  });
});
