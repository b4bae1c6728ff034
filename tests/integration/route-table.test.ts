import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { RouteAccess } from '../../server/auth/plugin';
import { DEFAULT_BODY_LIMIT, UPLOAD_BODY_LIMIT } from '../../server/limits';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';

/**
 * Walks the whole route table of buildApp, every area's routes included (also routes added
 * later): each guarded /api route must refuse anonymous callers (401) and callers without the
 * role (403). A route that anyone may call must be listed here, with the reason, after review;
 * a new public or unguarded route fails this suite until someone has looked at it.
 */
const PUBLIC_API_ROUTES: Record<string, string> = {
  'GET /api/auth/me': 'answers 401 itself when nobody is logged in',
  'GET /api/auth/setup': 'checks a first-admin setup token (one-time, only while no admin exists)',
  'POST /api/auth/setup': 'creates the first admin with the one-time setup token; rate limited',
  'POST /api/auth/login': 'login; throttled per account and per address',
  'POST /api/auth/logout': 'ends the caller’s own session, if any',
  'GET /api/u/:token': 'checks an account invitation link (hashed, expiring, one-time token); rate limited',
  'POST /api/u/:token': 'sets the password with an account invitation link; rate limited',
  'GET /api/optout/:token': 'mail opt-out page (HTML, shows a button, changes nothing); signed token checked; rate limited',
  'POST /api/optout/:token': 'RFC 8058 one-click opt-out from mail of one round; signed token checked; idempotent; rate limited',
  'GET /api/v/:token': 'SWV view of a read-only link (hashed, revocable token): one SWV, statuses only, no answers; rate limited',
  'GET /api/v/:token/events': 'live updates (SSE) of that same SWV view; rate limited',
  'GET /api/s/:token': 'respondent: the questionnaire of a personal link (hashed token); marks it opened; rate limited',
  'POST /api/s/:token/consent': 'respondent: consent or refusal for that link; refusal deletes its answers; rate limited',
  'PUT /api/s/:token/answers': 'respondent: autosave after consent, checked against the questionnaire, optimistic revision; 256 kB; rate limited',
  'POST /api/s/:token/complete': 'respondent: completion, validated for the branch; 256 kB; rate limited',
  'GET /api/persons/c/:token': 'person round: coordinator link of one school (HMAC of the invitation nonce); school, classes, teachers; rate limited',
  'PUT /api/persons/c/:token/registration': 'person round: the coordinator registers participation, classes and teachers; validated, one transaction; rate limited',
  'GET /api/persons/c/:token/classes/:classId/codes': 'person round: printable code sheet of a class of that school (HTML, no scripts); rate limited',
  'GET /api/persons/c/:token/classes/:classId/key-list': 'person round: key list XLSX of a class of that school (codes, empty name column); rate limited',
  'GET /api/persons/c/:token/classes/:classId/letter': 'person round: parent letter of a class of that school (HTML); rate limited',
  'POST /api/persons/c/:token/classes/:classId/letter-sent': 'person round: records that the school sent the parent letter (consent event); rate limited',
  'GET /api/persons/o/:token': 'person round: parent link of a class (school and class names only); rate limited',
  'POST /api/persons/o/:token': "person round: a parent's objection or consent with the child's code; wrong codes throttled per class; rate limited",
  'GET /api/persons/l/:token': 'person round: class link (school and class names only); rate limited per link, not per address',
  'POST /api/persons/l/:token/start': 'person round: a pupil starts with a code; consent rules; wrong codes throttled per class link; rate limited',
  'GET /api/persons/p/:token': 'person round: the pupil session of an accepted code (HMAC); questionnaire and own answers after assent; rate limited',
  'POST /api/persons/p/:token/assent': "person round: the pupil's own yes/no (recorded as a consent event); rate limited",
  'PUT /api/persons/p/:token/answers': 'person round: autosave of the pupil, optimistic revision; 256 kB; rate limited',
  'POST /api/persons/p/:token/complete': 'person round: completion of the pupil; 256 kB; rate limited',
  'POST /api/persons/c/:token/classes/:classId/reissue': "person round, follow-up: the coordinator re-issues round-1 codes of that school's class (pasted or key-list XLSX, 2 MB); all or nothing; rate limited",
  'GET /api/persons/ov/:token': "person round: parents' questionnaire link of a class (HMAC of the class nonce); school and class names only; rate limited",
  'POST /api/persons/ov/:token/start': 'person round: a parent starts (a person with role parent, no name or address); capped per class; rate limited',
  'GET /api/persons/q/:token': "person round: a parent's session (HMAC); the questionnaire with the parents' variables and own answers; rate limited",
  'PUT /api/persons/q/:token/answers': "person round: autosave of a parent's answers, validated, optimistic revision; 256 kB; rate limited",
  'POST /api/persons/q/:token/complete': "person round: completion of a parent's answers; 256 kB; rate limited",
  'GET /api/persons/t/:token': 'person round: teacher link (HMAC of the person nonce); own classes; rate limited',
  'POST /api/persons/t/:token/consent': "person round: the teacher's own yes/no (append-only); a no deletes the answers; rate limited",
  'GET /api/persons/t/:token/classes/:classId': "person round: the teachers' questionnaire for one of the teacher's own classes; rate limited",
  'PUT /api/persons/t/:token/classes/:classId/answers': "person round: autosave of a teacher's answers about one own class, optimistic revision; 256 kB; rate limited",
  'POST /api/persons/t/:token/classes/:classId/complete': "person round: completion for one own class, validated; 256 kB; rate limited",
  'GET /api/persons/pr/:token': 'person round: professional link (HMAC of the person nonce); study, round and SWV names only; rate limited',
  'POST /api/persons/pr/:token/consent': "person round: the professional's own yes/no (append-only); a no deletes the answers and stops the mail; rate limited",
  'GET /api/persons/pr/:token/survey': "person round: the round's questionnaire and the professional's own answers, after the yes; rate limited",
  'PUT /api/persons/pr/:token/answers': "person round: autosave of a professional's answers, shape-checked, optimistic revision; 256 kB; rate limited",
  'POST /api/persons/pr/:token/complete': "person round: completion of a professional's answers, validated; 256 kB; rate limited",
  'GET /api/persons/a/:token': "person round: a teacher's mail opt-out page (HTML, changes nothing); HMAC token; rate limited",
  'POST /api/persons/a/:token': "person round: RFC 8058 one-click opt-out of a teacher's mail; HMAC token; idempotent; rate limited",
};

/** Routes outside /api/: pages and static files only, all read-only. */
const PAGE_ROUTES: Record<string, string> = {
  'GET /': 'redirects to /admin/',
  'GET /admin': 'redirects to /admin/',
  'GET /admin/': 'admin app (static HTML; data comes from guarded /api routes)',
  'GET /admin/*': 'admin app (static HTML)',
  'GET /s/:token': 'respondent page (the same static HTML for every token)',
  'GET /u/:token': 'choose-a-password page of an account invitation (static HTML)',
  'GET /v/:token': 'SWV view page of a read-only link (the same static HTML for every token)',
  'GET /assets/*': 'hashed client assets',
  'GET /healthz': 'database kind and migration version, for monitoring',
  'GET /c/:token': 'person round: coordinator page (the same static HTML for every token)',
  'GET /o/:token': 'person round: parent page (the same static HTML for every token)',
  'GET /l/:token': 'person round: pupil page of a class link (the same static HTML for every token)',
  'GET /t/:token': 'person round: teacher page (the same static HTML for every token)',
  'GET /pr/:token': 'person round: professional page (the same static HTML for every token)',
  'GET /ov/:token': "person round: parents' questionnaire page (the same static HTML for every token)",
};

/** GET and HEAD are reviewed together: Fastify adds a HEAD route for every GET. */
const key = (route: RouteAccess) => `${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`;

/** A concrete URL for a route pattern. */
const concrete = (url: string) => url.replace(/:(\w+)(\([^)]*\))?/g, '1').replace(/\*/g, 'x');

function apiRoutes(app: App) {
  return app.routeAccess.filter((r) => r.url.startsWith('/api/'));
}

/** The /api routes nobody reviewed as public: the check this file exists for. */
function unreviewedPublicRoutes(app: App): string[] {
  return [...new Set(apiRoutes(app).filter((r) => r.access === 'public' && !(key(r) in PUBLIC_API_ROUTES)).map(key))];
}

/** Full paths from Fastify's own printout of the router, to catch routes the auth plugin did not see. */
function printedApiPaths(app: App): Set<string> {
  const paths = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)(?:├── |└── )(\S+)/.exec(line.replace(/\u00a0/g, ' '));
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const parent = depth > 0 ? stack[depth - 1]! : '';
    const path = parent === '/' ? '/' + match[2]! : parent + match[2]!;
    stack.push(path);
    if (path.startsWith('/api/') && /\(/.test(line)) paths.add(path);
  }
  return paths;
}

describeEachDatabase('route table', (getDatabase) => {
  let app: App;
  let researcher: Record<string, string>;
  let guarded: RouteAccess[];

  beforeAll(async () => {
    ({ app } = await makeTestApp(getDatabase()));
    await app.ready();
    researcher = (await loginAs(getDatabase().db, 'researcher')).headers;
    guarded = apiRoutes(app).filter((r) => r.access !== 'public');
  });
  afterAll(async () => app.close());

  it('sees every /api route the router has', () => {
    const seen = new Set(apiRoutes(app).map((r) => r.url));
    const printed = printedApiPaths(app);
    expect(printed.size).toBeGreaterThan(5);
    expect([...printed].filter((path) => !seen.has(path))).toEqual([]);
  });

  it('has a declared access on every /api route, and public ones only from the reviewed list', () => {
    expect(apiRoutes(app).filter((r) => !r.access).map(key)).toEqual([]);
    expect(unreviewedPublicRoutes(app)).toEqual([]);
    // A route that left the list should leave the test too, so the list stays the truth.
    const existing = new Set(apiRoutes(app).map(key));
    expect(Object.keys(PUBLIC_API_ROUTES).filter((k) => !existing.has(k))).toEqual([]);
  });

  it('serves nothing outside /api but reviewed read-only pages', () => {
    const pages = app.routeAccess.filter((r) => !r.url.startsWith('/api/'));
    expect(pages.filter((r) => !(key(r) in PAGE_ROUTES)).map(key)).toEqual([]);
    expect(pages.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map(key)).toEqual([]);
  });

  it('has no route that changes or deletes audit log entries', () => {
    const auditRoutes = app.routeAccess.filter((r) => /audit/i.test(r.url));
    expect(auditRoutes.length).toBeGreaterThan(0);
    expect(auditRoutes.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map(key)).toEqual([]);
  });

  it('refuses anonymous callers on every guarded route with 401 and a Dutch message', async () => {
    expect(guarded.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const route of guarded) {
      const res = await app.inject({
        method: route.method as 'GET',
        url: concrete(route.url),
        ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { payload: {} }),
      });
      if (res.statusCode !== 401) failures.push(`${key(route)} → ${res.statusCode}`);
      else if (route.method !== 'HEAD' && res.json().message !== 'U bent niet (meer) ingelogd.') failures.push(`${key(route)}: ${res.body}`);
    }
    expect(failures).toEqual([]);
  });

  it('refuses researchers on every admin route with 403', async () => {
    const adminRoutes = guarded.filter((r) => r.access === 'admin');
    expect(adminRoutes.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const route of adminRoutes) {
      const res = await app.inject({
        method: route.method as 'GET',
        url: concrete(route.url),
        headers: researcher,
        ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { payload: {} }),
      });
      if (res.statusCode !== 403) failures.push(`${key(route)} → ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });

  it('keeps every route within the documented body limits, and refuses larger JSON bodies with 413', async () => {
    const own = app.routeAccess.filter((r) => r.bodyLimit !== undefined && r.bodyLimit > UPLOAD_BODY_LIMIT);
    expect(own.map(key)).toEqual([]);
    const admin = (await loginAs(getDatabase().db, 'admin')).headers;
    const oversized = JSON.stringify({ padding: 'x'.repeat(DEFAULT_BODY_LIMIT) });
    const failures: string[] = [];
    for (const route of apiRoutes(app).filter((r) => !['GET', 'HEAD'].includes(r.method) && r.bodyLimit === undefined)) {
      const res = await app.inject({
        method: route.method as 'POST',
        url: concrete(route.url),
        headers: { ...admin, 'content-type': 'application/json' },
        payload: oversized,
        remoteAddress: '10.9.9.9',
      });
      if (res.statusCode !== 413 || res.json().message !== 'Het verzoek is te groot.') failures.push(`${key(route)} → ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });

  it('refuses a logged-in caller whose session cookie is forged', async () => {
    const route = guarded.find((r) => r.method === 'GET')!;
    const res = await app.inject({ url: concrete(route.url), headers: { cookie: 'mr_session=' + 'A'.repeat(43) } });
    expect(res.statusCode).toBe(401);
  });

  describe('catches mistakes', () => {
    it('reports a new public route nobody reviewed', async () => {
      const { app: other } = await makeTestApp(getDatabase());
      other.get('/api/test/unreviewed', { config: { access: 'public' } }, async () => ({ secret: true }));
      await other.ready();
      expect(unreviewedPublicRoutes(other)).toEqual(['GET /api/test/unreviewed']);
      await other.close();
    });
  });
});
