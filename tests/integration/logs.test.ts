import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { issueSetupToken } from '../../server/auth/setup';
import { makeTestApp, testConfig } from '../helpers/app';
import { accountLinkFor } from '../helpers/account-links';
import { describeEachDatabase } from '../helpers/db';

/**
 * What the app writes to its log (pino, captured through buildApp's logStream) at the most
 * talkative level, while people log in, set up, follow links and make mistakes: no e-mail
 * address, token, password or cookie may appear in it.
 */
describeEachDatabase('logs', (getDatabase, kind) => {
  let app: App;
  const lines: string[] = [];
  const secrets: string[] = [];
  const remember = <T extends string>(value: T): T => {
    secrets.push(value);
    return value;
  };

  beforeAll(async () => {
    ({ app } = await makeTestApp(getDatabase(), {
      config: { logLevel: 'debug' },
      deps: { logStream: { write: (line: string) => void lines.push(line) } },
    }));
    const db = getDatabase().db;
    // Routes that fail the way real code can: a driver error quoting the duplicate address, and
    // an error whose message carries personal data.
    app.post('/api/test/duplicate-user', { config: { access: 'public' } }, async () => {
      const email = remember(`dubbel-${kind}@school.example`);
      await db.insertInto('users').values({ email, name: 'Een', role: 'researcher' }).execute();
      await db.insertInto('users').values({ email: email.toUpperCase(), name: 'Twee', role: 'researcher' }).execute();
      return { ok: true };
    });
    app.get('/api/test/throws', { config: { access: 'public' } }, async () => {
      throw new Error(`could not mail ${remember('lekker@school.example')} with link /s/${remember('AbCdEfGhIjKlMnOpQrStUv12')}`);
    });
    await app.ready();
  });
  afterAll(async () => app.close());

  it('holds no e-mail address, token, password or cookie', async () => {
    const db = getDatabase().db;
    const setupToken = remember((await issueSetupToken(db, new Date()))!);
    const email = remember(`beheerder-${kind}@universiteit.example`);
    const password = remember('geheim-wachtwoord-123');

    await app.inject(`/admin/setup?token=${setupToken}`);
    await app.inject(`/api/auth/setup?token=${setupToken}`);
    const setup = await app.inject({ method: 'POST', url: '/api/auth/setup', payload: { token: setupToken, name: 'Beheer', email, password } });
    expect(setup.statusCode).toBe(200);
    const cookie = String(setup.headers['set-cookie']).split(';')[0]!;
    remember(cookie.split('=')[1]!);
    const csrf = remember(setup.json().csrfToken as string);
    const headers = { cookie, 'x-csrf-token': csrf };

    await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: remember('verkeerd-wachtwoord-9') } });
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: email.toUpperCase(), password } });
    expect(login.statusCode).toBe(200);
    remember(String(login.headers['set-cookie']).split(';')[0]!.split('=')[1]!);

    const invitee = remember(`nieuw-${kind}@universiteit.example`);
    expect((await app.inject({ method: 'POST', url: '/api/users', headers, payload: { email: invitee, name: 'Nieuw', role: 'researcher' } })).statusCode).toBe(200);
    // The outbox row holds no link (issue 26); the mail as it leaves does.
    const inviteToken = remember(/\/u\/([A-Za-z0-9_-]+)/.exec(await accountLinkFor(db, invitee, testConfig()))![1]!);
    await app.inject(`/u/${inviteToken}`);
    await app.inject(`/api/u/${inviteToken}`);
    await app.inject({ method: 'POST', url: `/api/u/${inviteToken}`, payload: { password: remember('uitgenodigd-wachtwoord') } });

    // Failed requests with personal data in the URL, the query or the body.
    await app.inject(`/api/does-not-exist/${remember('vraag@school.example')}`);
    await app.inject(`/s/${remember('PersoonlijkeLink1234567')}?t=${remember('nogEenToken98765432')}`);
    await app.inject({ url: `/api/audit?actor=${remember('zoek@school.example')}` });
    await app.inject({ method: 'POST', url: '/api/users', headers, payload: { email: remember('fout@@school.example'), name: 'X', role: 'researcher' } });
    await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: `{"email": "${remember('kapot@school.example')}", ` });

    const duplicate = await app.inject({ method: 'POST', url: '/api/test/duplicate-user' });
    expect(duplicate.statusCode).toBe(500);
    expect(duplicate.body).not.toMatch(/duplicate|users_email_key|insert|select|\.ts|at /i);
    const thrown = await app.inject('/api/test/throws');
    expect(thrown.statusCode).toBe(500);
    expect(thrown.json()).toEqual({ error: 'internal', message: 'Er ging iets mis aan onze kant. Probeer het later opnieuw.' });

    const log = lines.join('');
    // The capture works and the interesting requests were logged (so the checks below mean something).
    expect(log).toContain('"url":"/u/[token]"');
    expect(log).toContain('"url":"/admin/setup?token=[redacted]"');
    expect(log).toContain('unhandled error');
    expect(log).toMatch(/"type":"(DatabaseError|error|Error)"/);
    expect(log).toContain('[email]');

    const leaks = [...new Set(secrets)].filter((secret) => log.toLowerCase().includes(secret.toLowerCase()));
    expect(leaks).toEqual([]);
    expect(log).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
    expect(log).not.toMatch(/mr_session|x-csrf-token|set-cookie|scrypt\$/i);
  });
});
