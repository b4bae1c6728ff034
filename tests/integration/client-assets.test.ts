import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { clientDist, registerClient } from '../../server/client-assets';
import { makeTestApp } from '../helpers/app';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/**
 * The respondent page's scripts and styles go out compressed (written at build time), because
 * schools open their link on phones; browsers that do not ask for compression get the plain file.
 */
describe('client assets', () => {
  let database: TestDatabase;
  let app: App;
  let assets: string[];

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    ({ app } = await makeTestApp(database, { deps: { clientDist } }));
    const html = readFileSync(path.join(clientDist, 'respondent', 'index.html'), 'utf8');
    assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('sends the respondent page’s scripts and styles as brotli or gzip when the browser accepts it', async () => {
    expect(assets.length).toBeGreaterThan(0);
    let compressed = 0;
    for (const url of assets) {
      const plain = readFileSync(path.join(clientDist, url));
      const identity = await app.inject({ method: 'GET', url });
      expect(identity.statusCode).toBe(200);
      expect(identity.headers['content-encoding']).toBeUndefined();
      expect(identity.rawPayload.equals(plain)).toBe(true);
      if (plain.length < 1024) continue;
      compressed++;

      const br = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers.vary).toMatch(/accept-encoding/i);
      expect(br.rawPayload.length).toBeLessThan(plain.length);
      expect(brotliDecompressSync(br.rawPayload).equals(plain)).toBe(true);
      expect(br.headers['content-type']).toMatch(url.endsWith('.js') ? /javascript/ : /css/);
      expect(br.headers['cache-control']).toMatch(/immutable/);

      const gz = await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gz.rawPayload).equals(plain)).toBe(true);
    }
    expect(compressed).toBeGreaterThan(0);
  });

  it('preloads the questionnaire request from the respondent page’s HTML, first in the head, for a string that can be a token only', async () => {
    const token = 'AbCdEfGhIjKlMnOpQrStUv-_';
    const page = await app.inject({ method: 'GET', url: `/s/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    const head = /<head>([\s\S]*)<\/head>/.exec(page.body)![1]!;
    const firstTag = /<(?:link|script|meta)\b[^>]*>/.exec(head.replace(/<meta[^>]*>/g, ''))![0];
    expect(firstTag).toBe(`<link rel="preload" href="/api/s/${token}" as="fetch" crossorigin="anonymous">`);
    // Nothing of SurveyJS is preloaded: it loads once the first question is shown.
    expect(page.body).not.toMatch(/modulepreload[^>]*(?:survey|QuestionnairePage)/i);
    for (const odd of ['kort', `${token}%22%3E%3Cscript%3E`, 'a'.repeat(25)]) {
      const other = await app.inject({ method: 'GET', url: `/s/${odd}` });
      expect(other.statusCode).toBe(200);
      expect(other.body).not.toContain('rel="preload"');
    }
  });

  it('reads the respondent page once, at start: every link is answered from memory, with its own preload', async () => {
    // A build of its own, so that the file can change under the running server.
    const dist = mkdtempSync(path.join(tmpdir(), 'mr-client-dist-'));
    const server = Fastify();
    try {
      for (const dir of ['admin', 'respondent', 'assets']) mkdirSync(path.join(dist, dir));
      writeFileSync(path.join(dist, 'admin', 'index.html'), '<!doctype html><html><head></head><body>admin</body></html>');
      writeFileSync(path.join(dist, 'respondent', 'index.html'), '<!doctype html><html><head><title>eerste</title></head><body></body></html>');
      await registerClient(server, dist);
      const token = 'AbCdEfGhIjKlMnOpQrStUv-_';
      const first = await server.inject({ method: 'GET', url: `/s/${token}` });
      expect(first.body).toContain('<title>eerste</title>');
      expect(first.body).toContain(`<link rel="preload" href="/api/s/${token}" as="fetch" crossorigin="anonymous">`);
      // Gone from disk now: a page read per request would fail.
      rmSync(path.join(dist, 'respondent', 'index.html'));
      const other = 'ZyXwVuTsRqPoNmLkJiHgFeDc';
      const second = await server.inject({ method: 'GET', url: `/s/${other}` });
      expect(second.statusCode).toBe(200);
      expect(second.body).toContain('<title>eerste</title>');
      expect(second.body).toContain(`<link rel="preload" href="/api/s/${other}" as="fetch" crossorigin="anonymous">`);
      expect(second.body).not.toContain(token);
    } finally {
      await server.close();
      rmSync(dist, { recursive: true, force: true });
    }
  });

  it('serves nothing outside the assets and no unknown asset, compressed or not', async () => {
    const traversal = await app.inject({ method: 'GET', url: '/assets/..%2f..%2fpackage.json' });
    expect([400, 403, 404]).toContain(traversal.statusCode);
    expect((await app.inject({ method: 'GET', url: '/assets/nope.js', headers: { 'accept-encoding': 'br' } })).statusCode).toBe(404);
  });
});
