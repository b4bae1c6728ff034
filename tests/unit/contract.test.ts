import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API } from '../../contract/api';
import type { App } from '../../server/app';
import { makeTestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { readSource, repoRoot as root, sourceFiles } from '../helpers/source-files';

/**
 * The shared contract (contract/README.md): the browser's code imports nothing from server/, the
 * contract imports neither side, and every /api/ route the server registers declares its reply
 * with the schema object of its entry in contract/api.
 */

/** Every module specifier of a file: static imports and re-exports, dynamic import(), require(). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** The repository path a relative specifier points at (without extension resolution: the folder decides). */
function target(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const path = resolve(root, dirname(file), specifier);
  return relative(root, path).split('\\').join('/');
}

function importsInto(fromDir: string, forbidden: string[]): string[] {
  const offenders: string[] = [];
  for (const file of sourceFiles(fromDir)) {
    const text = readSource(file);
    for (const specifier of specifiers(text)) {
      const to = target(file, specifier);
      if (to && forbidden.some((dir) => to === dir || to.startsWith(dir + '/'))) offenders.push(`${file} imports ${specifier}`);
    }
  }
  return offenders;
}

describe('contract folders', () => {
  it('finds the imports it checks (the scanner works)', () => {
    expect(sourceFiles('client').length).toBeGreaterThan(20);
    expect(specifiers(`import type { A } from '../../contract/api';\nimport x from "./y";\nconst z = () => import('./lazy');`)).toEqual(['../../contract/api', './y', './lazy']);
    expect(target('client/admin/pages/X.tsx', '../../../server/db/types')).toBe('server/db/types');
  });

  it('(a) no file under client/ imports anything under server/', () => {
    expect(importsInto('client', ['server'])).toEqual([]);
  });

  it('(c) contract/ imports nothing from client/ or server/', () => {
    expect(importsInto('contract', ['client', 'server'])).toEqual([]);
  });

  it('the browser imports contract/api as types only (TypeBox stays out of the bundles)', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles('client')) {
      const text = readSource(file);
      for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s*['"]([^'"]+)['"]/gm)) {
        const to = target(file, match[3]!);
        if (to && (to === 'contract/api' || to.startsWith('contract/api/') || to === 'contract/http' || to === 'contract/schemas' || to === 'contract/helpers') && !match[2]) {
          offenders.push(`${file}: ${match[0].trim()}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('has no contract file without a registration in contract/api/index.ts', () => {
    const index = readSource('contract/api/index.ts');
    const areas = readdirSync(join(root, 'contract/api')).filter((f) => f.endsWith('.ts') && f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
    expect(areas.filter((area) => !index.includes(`from './${area}'`))).toEqual([]);
    expect(existsSync(join(root, 'contract/vocabulary.ts')) && statSync(join(root, 'contract/vocabulary.ts')).isFile()).toBe(true);
  });
});

describe('(b) every /api/ route declares its reply, with its contract entry', () => {
  let database: TestDatabase;
  let app: App;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    ({ app } = await makeTestApp(database));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  // Fastify adds a HEAD route for every GET, with the same schema.
  const routes = () => app.routeAccess.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD');
  const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

  it('registers a schema with a success reply on every /api/ route', () => {
    expect(routes().length).toBeGreaterThan(50);
    const missing = routes()
      .filter((r) => {
        const response = (r.schema as { response?: Record<string, unknown> } | undefined)?.response;
        return !response || !Object.keys(response).some((status) => /^2\d\d$|^2xx$/.test(status));
      })
      .map(key);
    // Routes listed here have no reply schema yet: move them into contract/api/<area>.ts.
    expect(missing, `routes without a reply schema:\n  ${missing.join('\n  ')}`).toEqual([]);
  });

  it('registers every key of API, each with exactly its contract entry as the schema', () => {
    const registered = new Map(routes().map((r) => [key(r), r.schema]));
    const problems: string[] = [];
    for (const [route, entry] of Object.entries(API)) {
      if (!registered.has(route)) problems.push(`${route}: in contract/api but not registered by the server`);
      else if (registered.get(route) !== entry) problems.push(`${route}: registered with another schema than its contract entry`);
    }
    const unlisted = [...registered.keys()].filter((route) => !(route in API));
    for (const route of unlisted) problems.push(`${route}: registered, but not in contract/api`);
    expect(problems, `contract mismatches:\n  ${problems.join('\n  ')}`).toEqual([]);
  });
});
