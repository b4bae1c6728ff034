import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { openPGliteDir } from '../../server/db/database';
import { freePort, startServer } from '../helpers/process';

/** Every file and folder under `dir` whose mode lets group or others in. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const visit = (entry: string) => {
    const stat = lstatSync(entry);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) found.push(`${path.relative(dir, entry) || '.'} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) visit(path.join(entry, name));
  };
  visit(dir);
  return found;
}

/**
 * The data folder holds the embedded database (its WAL has password hashes, account links and
 * answers) and the generated secret: only the app's own user may read it.
 */
describe('files the app creates are private to its user', () => {
  it('keeps the data folder, the secret and every database file owner-only after a real start', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'meetronde-modes-')), 'data');
    const port = await freePort();
    // The parent process's umask (often 022) is what the app inherits; it must not matter.
    const started = startServer({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' });
    try {
      const [, token] = await started.waitFor(/\/admin\/setup\?token=([A-Za-z0-9_-]+)/);
      const setup = await fetch(`http://127.0.0.1:${port}/api/auth/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, name: 'Beheer', email: 'beheer@example.test', password: 'Zeer-geheim-beheer-2026' }),
      });
      expect(setup.status).toBe(200);
    } finally {
      started.child.kill('SIGINT');
      await started.exited;
    }
    expect(statSync(path.join(dataDir, 'secret')).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(path.join(dataDir, 'pgdata')).length).toBeGreaterThan(5);
    expect(openToOthers(dataDir)).toEqual([]);
  }, 120_000);

  it('takes group and other permissions off a data folder an older version left open', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'meetronde-modes-')), 'data');
    const first = await openPGliteDir(dataDir);
    await first.close();
    // As an older version left it: everything readable and writable by everyone.
    const loosen = (entry: string) => {
      const stat = lstatSync(entry);
      chmodSync(entry, stat.isDirectory() ? 0o777 : 0o666);
      if (stat.isDirectory()) for (const name of readdirSync(entry)) loosen(path.join(entry, name));
    };
    loosen(dataDir);
    expect(openToOthers(dataDir).length).toBeGreaterThan(5);
    const again = await openPGliteDir(dataDir);
    await again.close();
    expect(openToOthers(dataDir)).toEqual([]);
  }, 60_000);

  it('makes a new data folder 0700 and the generated secret 0600', () => {
    const parent = mkdtempSync(path.join(tmpdir(), 'meetronde-modes-'));
    const dataDir = path.join(parent, 'data');
    loadConfig({ DATA_DIR: dataDir });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, 'secret')).mode & 0o777).toBe(0o600);
    // An existing folder is tightened too.
    const existing = path.join(parent, 'existing');
    mkdirSync(existing, { mode: 0o755 });
    chmodSync(existing, 0o755);
    writeFileSync(path.join(existing, 'note'), 'x');
    loadConfig({ DATA_DIR: existing });
    expect(statSync(existing).mode & 0o777).toBe(0o700);
  });
});
