import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';

const root = path.resolve(import.meta.dirname, '../..');
const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');

/** The lines of one top-level service block of docker-compose.yml. */
function service(name: string): string {
  const start = compose.indexOf(`\n  ${name}:\n`);
  expect(start, name).toBeGreaterThan(0);
  const rest = compose.slice(start + 1);
  const next = rest.slice(1).search(/\n {2}[a-z][a-z0-9_-]*:\n|\n[a-z]/);
  return next < 0 ? rest : rest.slice(0, next + 1);
}

describe('docker-compose.yml', () => {
  it('refuses to start without a SECRET of your own: no default value', () => {
    const app = service('app');
    const secret = /^\s+SECRET:\s*(.+)$/m.exec(app)?.[1];
    expect(secret).toMatch(/^\$\{SECRET:\?[^}$]+\}$/);
    expect(compose).not.toMatch(/\$\{SECRET:?-/);
  });

  it('binds the Mailpit inbox (every mail with its links) to this machine only', () => {
    const ports = [...service('mailpit').matchAll(/^\s+-\s*"?([^"\s]+)"?\s*$/gm)].map((m) => m[1]);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('does not publish the database port', () => {
    expect(service('db')).not.toMatch(/ports:/);
  });
});

describe('the published example secret', () => {
  it('is refused by the app, so an old docker-compose default cannot be kept by accident', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meetronde-secret-'));
    expect(() => loadConfig({ DATA_DIR: dir, SECRET: 'change-me-to-a-long-random-string-of-at-least-32-chars' })).toThrow(ConfigError);
  });
});
