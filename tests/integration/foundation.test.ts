import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { issueSetupToken } from '../../server/auth/setup';
import { ManualClock } from '../../server/clock';
import { currentMigration, migrateToLatest } from '../../server/db/migrator';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';

describeEachDatabase('foundation', (getDatabase, kind) => {
  let app: App;
  let clock: ManualClock;

  beforeAll(async () => {
    ({ app, clock } = await makeTestApp(getDatabase()));
    // Routes used only by these tests, to exercise the access guard.
    app.get('/api/test/researcher-only', { config: { access: 'researcher' } }, async () => ({ ok: true }));
    app.post('/api/test/admin-only', { config: { access: 'admin' } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(async () => app.close());

  it('answers /healthz with the database kind and the migration version', async () => {
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: kind, migration: await currentMigration(getDatabase().db) });
    expect(res.json().migration).toMatch(/^\d{4}_/);
  });

  it('applies nothing when migrated twice', async () => {
    expect(await migrateToLatest(getDatabase().db)).toEqual([]);
  });

  it('keeps one invitation per school per round and one response per invitation', async () => {
    const db = getDatabase().db;
    const study = await db.insertInto('studies').values({ name: 'S', slug: `s-${kind}` }).returning('id').executeTakeFirstOrThrow();
    const round = await db.insertInto('rounds').values({ study_id: study.id, name: '2023' }).returning('id').executeTakeFirstOrThrow();
    const swv = await db.insertInto('swvs').values({ code: 'PO2001', name: 'SWV', sector: 'po' }).returning('id').executeTakeFirstOrThrow();
    const school = await db
      .insertInto('schools')
      .values({ location_code: '99AA00', brin: '99AA', name: 'School', kind: 'po' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const invitation = { round_id: round.id, school_id: school.id, swv_id: swv.id, token_nonce: 'n1', token_hash: 'h1' };
    const inv = await db.insertInto('invitations').values(invitation).returning('id').executeTakeFirstOrThrow();
    await expect(db.insertInto('invitations').values({ ...invitation, token_nonce: 'n2', token_hash: 'h2' }).execute()).rejects.toThrow(
      /unique|duplicate/i,
    );
    const now = clock.now();
    await db.insertInto('responses').values({ invitation_id: inv.id, created_at: now, updated_at: now }).execute();
    await expect(db.insertInto('responses').values({ invitation_id: inv.id, created_at: now, updated_at: now }).execute()).rejects.toThrow(
      /unique|duplicate/i,
    );
  });

  it('stores every time as timestamptz', async () => {
    const rows = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select table_name, column_name, data_type from information_schema.columns
      where table_schema = 'public' and (column_name like '%\_at' or column_name like '%until')
    `.execute(getDatabase().db);
    expect(rows.rows.length).toBeGreaterThan(20);
    for (const row of rows.rows) {
      expect(`${row.table_name}.${row.column_name}: ${row.data_type}`).toMatch(/timestamp with time zone$/);
    }
  });

  describe('access guard', () => {
    it('refuses anonymous callers with 401 and a Dutch message', async () => {
      const res = await app.inject('/api/test/researcher-only');
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toBe('U bent niet (meer) ingelogd.');
    });

    it('lets researchers read researcher routes but not admin routes', async () => {
      const { headers } = await loginAs(getDatabase().db, 'researcher', clock.now());
      expect((await app.inject({ url: '/api/test/researcher-only', headers })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/api/test/admin-only', headers })).statusCode).toBe(403);
    });

    it('requires the CSRF token on state-changing requests', async () => {
      const { headers } = await loginAs(getDatabase().db, 'admin', clock.now());
      const withoutToken = await app.inject({ method: 'POST', url: '/api/test/admin-only', headers: { cookie: headers.cookie } });
      expect(withoutToken.statusCode).toBe(403);
      const wrongToken = await app.inject({
        method: 'POST',
        url: '/api/test/admin-only',
        headers: { cookie: headers.cookie, 'x-csrf-token': 'forged' },
      });
      expect(wrongToken.statusCode).toBe(403);
      expect((await app.inject({ method: 'POST', url: '/api/test/admin-only', headers })).statusCode).toBe(200);
    });

    it('refuses to register an /api route that declares no access', async () => {
      const { app: other } = await makeTestApp(getDatabase());
      expect(() => other.get('/api/test/undeclared', async () => ({}))).toThrow(/declares no access/);
      await other.close();
    });

    it('ends sessions after 12 idle hours', async () => {
      const { headers } = await loginAs(getDatabase().db, 'researcher', clock.now());
      clock.advance(13 * 60 * 60 * 1000);
      expect((await app.inject({ url: '/api/test/researcher-only', headers })).statusCode).toBe(401);
    });
  });

  describe('first admin', () => {
    it('is created once through the one-time setup link, which then stops working', async () => {
      const db = getDatabase().db;
      // Other tests in this file made users; the setup flow is for an install without admins.
      await db.deleteFrom('users').execute();
      const first = await issueSetupToken(db, clock.now());
      const token = await issueSetupToken(db, clock.now());
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);

      const stale = await app.inject({
        method: 'POST',
        url: '/api/auth/setup',
        payload: { token: first, name: 'Eerste', email: 'eerste@example.test', password: 'lang-genoeg-wachtwoord' },
      });
      expect(stale.statusCode).toBe(403);

      const weak = await app.inject({
        method: 'POST',
        url: '/api/auth/setup',
        payload: { token, name: 'Beheer', email: 'beheer@example.test', password: 'kort' },
      });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().message).toMatch(/minstens 10 tekens/);

      const ok = await app.inject({
        method: 'POST',
        url: '/api/auth/setup',
        payload: { token, name: 'Beheer', email: 'beheer@example.test', password: 'lang-genoeg-wachtwoord' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ role: 'admin', email: 'beheer@example.test' });
      const cookie = ok.headers['set-cookie'];
      expect(String(cookie)).toMatch(/mr_session=.*HttpOnly.*SameSite=Lax/i);

      const again = await app.inject({
        method: 'POST',
        url: '/api/auth/setup',
        payload: { token, name: 'Tweede', email: 'tweede@example.test', password: 'lang-genoeg-wachtwoord' },
      });
      expect(again.statusCode).toBe(403);
      expect(await issueSetupToken(db, clock.now())).toBeNull();
    });

    it('logs in with the password, and logout ends the session on the server', async () => {
      const wrong = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'beheer@example.test', password: 'fout-wachtwoord' },
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().message).toBe('Het e-mailadres of wachtwoord klopt niet.');

      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'BEHEER@example.test', password: 'lang-genoeg-wachtwoord' },
      });
      expect(login.statusCode).toBe(200);
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const me = await app.inject({ url: '/api/auth/me', headers: { cookie } });
      expect(me.json()).toMatchObject({ email: 'beheer@example.test', role: 'admin' });

      await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
      expect((await app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    });
  });

  describe('errors', () => {
    it('answers unknown URLs with a Dutch 404, and malformed JSON with a 400 without internals', async () => {
      const missing = await app.inject('/api/does-not-exist');
      expect(missing.statusCode).toBe(404);
      expect(missing.json().message).toBe('Deze pagina bestaat niet.');
      const malformed = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"email": ',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.body).not.toMatch(/at .*\.ts|stack|SyntaxError/);
    });

    it('refuses oversized bodies', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'x@example.test', password: 'a'.repeat(2 * 1024 * 1024) },
      });
      expect(res.statusCode).toBe(413);
    });
  });
});
