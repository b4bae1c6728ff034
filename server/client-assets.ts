import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tokenLookupHash } from './invitations/tokens';

export const clientDist = fileURLToPath(new URL('../client/dist/', import.meta.url));

const NOT_BUILT =
  '<!doctype html><html lang="nl"><meta charset="utf-8"><title>Meetronde</title>' +
  '<p>De webapplicatie is nog niet gebouwd. Start Meetronde met <code>npm start</code> of bouw haar met <code>npm run build</code>.</p></html>';

/**
 * The respondent HTML with the questionnaire request in it, per token (issue 21): a `<link rel="preload"
 * as="fetch" crossorigin>` of `/api/s/<token>`, first in the head, so the browser sends the request
 * with the HTML's first bytes instead of after the entry module has run; the entry's fetch of the
 * same URL (client/respondent/respondent-api.ts, same mode and credentials) takes the preloaded
 * response over. The token is the one of the URL, so the page tells nothing the address does not;
 * only a string that can be a token is written into it (anything else gets the plain page, which
 * finds the link closed). No inline script: the CSP stays as it is (connect-src 'self').
 * The HTML is split once where the link goes, so a request only joins three strings.
 */
export function respondentPage(html: string): (token: string) => string {
  const head = /<head>/i.exec(html);
  if (!head) return () => html;
  const before = html.slice(0, head.index + head[0].length);
  const after = html.slice(head.index + head[0].length);
  return (token) => {
    if (tokenLookupHash(token) === null) return html;
    return `${before}\n    <link rel="preload" href="/api/s/${token}" as="fetch" crossorigin="anonymous">${after}`;
  };
}

/**
 * Serves the Vite build: the admin app under /admin/, the respondent page under /s/<token> (with
 * the questionnaire request preloaded, see respondentPage) and the SWV view under /v/<token> (the
 * same HTML for every token, so the page itself reveals nothing about a link), and the
 * hashed assets with long-lived caching.
 */
export async function registerClient(app: FastifyInstance, distDir = clientDist): Promise<void> {
  const built = existsSync(path.join(distDir, 'admin', 'index.html'));
  // Read once here, not per request: every invitation link opens this page, and the build does not
  // change under a running server (its hashed assets are served as they were at start too).
  const respondentFile = path.join(distDir, 'respondent', 'index.html');
  const respondent = built && existsSync(respondentFile) ? respondentPage(await readFile(respondentFile, 'utf8')) : null;
  if (built) {
    await app.register(fastifyStatic, { root: distDir, serve: false });
    await app.register(fastifyStatic, {
      root: path.join(distDir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      immutable: true,
      maxAge: '365d',
      // The build writes .br and .gz next to each script and style sheet (client/vite.config.ts).
      preCompressed: true,
    });
  }

  const page = (file: string) => async (_request: unknown, reply: import('fastify').FastifyReply) => {
    reply.header('cache-control', 'no-cache');
    if (!built) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.sendFile(file, distDir, { cacheControl: false });
  };

  app.get('/', async (_request, reply) => reply.redirect('/admin/'));
  app.get('/admin', async (_request, reply) => reply.redirect('/admin/'));
  app.get('/admin/', page('admin/index.html'));
  app.get('/admin/*', page('admin/index.html'));
  app.get<{ Params: { token: string } }>('/s/:token', async (request, reply) => {
    reply.header('cache-control', 'no-cache');
    if (!respondent) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.type('text/html; charset=utf-8').send(respondent(request.params.token));
  });
  // Invitation links for accounts (choose a password) open the admin app.
  app.get('/u/:token', page('admin/index.html'));
  // The SWV view of an SWV project leader's read-only link (server/tracking/).
  app.get('/v/:token', page('swv/index.html'));
}
