import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, startServer } from '../helpers/process';

/**
 * The embedded setup as a newcomer meets it: `npm start` with no environment creates the data
 * folder, survives Ctrl-C and crashes, and keeps its data across starts.
 */
describe('starting on the embedded database', () => {
  it('creates the data folder, prints a setup link, and keeps data across a Ctrl-C and a restart', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'meetronde-start-')), 'data');
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };

    const first = startServer(env);
    const [, setupPath] = await first.waitFor(/\/admin\/setup\?token=([A-Za-z0-9_-]+)/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json());
    expect(health).toMatchObject({ status: 'ok', database: 'pglite' });
    const setup = await fetch(`http://127.0.0.1:${port}/api/auth/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: setupPath, name: 'Beheer', email: 'beheer@example.test', password: 'lang-genoeg-wachtwoord' }),
    });
    expect(setup.status).toBe(200);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    const second = startServer(env);
    await second.waitFor(/Meetronde is running/);
    expect(second.output()).not.toMatch(/admin\/setup/);
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'beheer@example.test', password: 'lang-genoeg-wachtwoord' }),
    });
    expect(login.status).toBe(200);

    // A hard crash (no cleanup at all) must leave the folder usable too.
    second.child.kill('SIGKILL');
    await second.exited;
    const third = startServer(env);
    await third.waitFor(/Meetronde is running/);
    const again = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'beheer@example.test', password: 'lang-genoeg-wachtwoord' }),
    });
    expect(again.status).toBe(200);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 300_000);

  it('starts cleanly after being killed during its very first start', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'meetronde-crash-')), 'data');
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
    for (const delay of [300, 1200]) {
      const victim = startServer(env);
      await new Promise((r) => setTimeout(r, delay));
      victim.child.kill('SIGKILL');
      await victim.exited;
    }
    const survivor = startServer(env);
    await survivor.waitFor(/Meetronde is running/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.json());
    expect(health).toMatchObject({ status: 'ok', database: 'pglite' });
    survivor.child.kill('SIGINT');
    expect(await survivor.exited).toBe(0);
  }, 300_000);

  it('refuses a second process on the same data folder with a clear message', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'meetronde-lock-')), 'data');
    const env = { DATA_DIR: dataDir, HOST: '127.0.0.1' };
    const first = startServer({ ...env, PORT: String(await freePort()) });
    await first.waitFor(/Meetronde is running/);
    const second = startServer({ ...env, PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/in use by another Meetronde process/);
    first.child.kill('SIGINT');
    await first.exited;
  }, 300_000);
});
