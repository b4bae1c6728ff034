import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { redactUrl } from '../../server/logging';
import type { DashboardSnapshot, SwvViewSnapshot } from '../../contract/api/tracking';
import { loginAs } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { openSse } from '../helpers/sse';
import { anInvitation, anSwv, aRound, assignSwv, completeInvitation } from '../fixtures/tracking-builders';

type Headers = Record<string, string>;

describeEachDatabase('tracking routes', (getDatabase) => {
  let app: App;
  let url: string;
  let clock: ManualClock;
  let admin: Headers;
  let researcher: Headers;
  let roundId: number;
  let otherRoundId: number;
  let ownSwv: number;
  let otherSwv: number;
  let pendingInvitation: number;

  beforeAll(async () => {
    ({ app, url, clock } = await listenTestApp(getDatabase()));
    const db = getDatabase().db;
    admin = (await loginAs(db, 'admin', clock.now())).headers;
    researcher = (await loginAs(db, 'researcher', clock.now())).headers;
    roundId = await aRound(db, { name: '2023' });
    otherRoundId = await aRound(db, { name: 'Andere studie' });
    ownSwv = await anSwv(db, { code: 'PO2801', name: 'Passend Onderwijs Eemland' });
    otherSwv = await anSwv(db, { sector: 'vo', code: 'VO2899', name: '=HYPERLINK("http://evil.example")' });
    await assignSwv(db, roundId, ownSwv, 'po-ko', 'K');
    await assignSwv(db, roundId, otherSwv, 'vo-vo', 'D');
    await assignSwv(db, otherRoundId, otherSwv, 'vo-vo', 'D');
    await anInvitation(db, { roundId, swvId: ownSwv, status: 'completed', schoolName: 'De Eigen School', branch: 'wel' });
    await anInvitation(db, { roundId, swvId: ownSwv, status: 'refused', schoolName: 'De Weigerschool' });
    pendingInvitation = await anInvitation(db, { roundId, swvId: ownSwv, status: 'invited', schoolName: 'De Wachtschool' });
    await anInvitation(db, { roundId, swvId: otherSwv, status: 'completed', schoolName: 'Geheime Buurschool', branch: 'geen' });
    await anInvitation(db, { roundId, swvId: otherSwv, status: 'started', schoolName: 'Andere Buurschool' });
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('access', () => {
    const researcherRoutes = () => [
      ['GET', '/api/tracking/rounds'],
      ['GET', `/api/tracking/rounds/${roundId}`],
      ['GET', `/api/tracking/rounds/${roundId}/swvs.csv`],
      ['GET', `/api/tracking/rounds/${roundId}/events`],
    ];
    const adminRoutes = () => [
      ['PUT', `/api/tracking/rounds/${roundId}/target`, { target: 10 }],
      ['DELETE', `/api/tracking/rounds/${roundId}/target`],
      ['GET', `/api/tracking/rounds/${roundId}/swv-links`],
      ['POST', `/api/tracking/rounds/${roundId}/swv-links`, { swvId: ownSwv }],
      ['POST', `/api/tracking/swv-links/1/revoke`],
    ];

    it('refuses anonymous callers everywhere but the SWV view', async () => {
      for (const [method, path, payload] of [...researcherRoutes(), ...adminRoutes()]) {
        const res = await app.inject({ method: method as 'GET', url: path as string, payload: payload as object | undefined });
        expect(res.statusCode, `${method} ${path}`).toBe(401);
        expect(res.json().message).toBe('U bent niet (meer) ingelogd.');
      }
    });

    it('lets researchers read the dashboard but not change targets or links', async () => {
      for (const [method, path] of researcherRoutes().filter(([, p]) => !p!.endsWith('/events'))) {
        const res = await app.inject({ method: method as 'GET', url: path!, headers: researcher });
        expect(res.statusCode, `${method} ${path}`).toBe(200);
      }
      for (const [method, path, payload] of adminRoutes()) {
        const res = await app.inject({ method: method as 'GET', url: path as string, headers: researcher, payload: payload as object | undefined });
        expect(res.statusCode, `${method} ${path}`).toBe(403);
      }
    });

    it('requires the CSRF token on changes', async () => {
      const res = await app.inject({
        method: 'PUT',
        url: `/api/tracking/rounds/${roundId}/target`,
        headers: { cookie: admin.cookie! },
        payload: { target: 5 },
      });
      expect(res.statusCode).toBe(403);
    });
  });

  it('serves the round list and a round dashboard with the report tables', async () => {
    const list = await app.inject({ url: '/api/tracking/rounds', headers: researcher });
    expect(list.json().rounds.find((r: { id: number }) => r.id === roundId)).toMatchObject({ name: '2023', invited: 5, completed: 2 });
    const res = await app.inject({ url: `/api/tracking/rounds/${roundId}`, headers: researcher });
    const snapshot = res.json() as DashboardSnapshot;
    expect(snapshot.funnel).toMatchObject({ invited: 5, completed: 2, refused: 1, inProgress: 1, responseRate: 0.4 });
    expect(snapshot.situations.rows.find((r) => r.situation === 'po-ko')).toMatchObject({ wel: 1, total: 1 });
    expect(snapshot.situations.rows.find((r) => r.situation === 'vo-vo')).toMatchObject({ geen: 1, total: 1 });
    expect(snapshot.sectors.blocks.map((b) => b.label)).toEqual(['Vo-scholen', 'Po-kinderopvang']);
    expect(snapshot.swvs.map((s) => s.regionLetter)).toEqual(['D', 'K']);
  });

  it('answers a missing round with a Dutch 404', async () => {
    const res = await app.inject({ url: '/api/tracking/rounds/999999', headers: researcher });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe('Deze meting bestaat niet (meer).');
  });

  it('exports the per-SWV table as CSV for Dutch Excel, with formulas neutralised, and audits the export', async () => {
    const res = await app.inject({ url: `/api/tracking/rounds/${roundId}/swvs.csv`, headers: researcher });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="respons-per-swv-2023.csv"');
    const body = res.body;
    expect(body.startsWith('\uFEFFRegio;SWV-code;Naam;Situatie;Sector;Uitgenodigd;Ingevuld;Respons (%);')).toBe(true);
    const lines = body.slice(1).trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(`D;VO2899;"'=HYPERLINK(""http://evil.example"")";Samenwerking binnen vo;VO;2;1;50,0;0;0;1;03-03-2026 11:00`);
    expect(lines[2]).toMatch(/^K;PO2801;Passend Onderwijs Eemland;Tussen po en kinderopvang;PO;3;1;33,3;\d+;1;0;\d{2}-\d{2}-\d{4} \d{2}:\d{2}$/);
    const audit = await getDatabase()
      .db.selectFrom('audit_log')
      .select(['action', 'target', 'details'])
      .where('action', '=', 'tracking.export_swvs')
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ action: 'tracking.export_swvs', target: `round:${roundId}`, details: { rows: 2 } });
  });

  it('lets an admin set and clear the target, audited', async () => {
    const set = await app.inject({ method: 'PUT', url: `/api/tracking/rounds/${roundId}/target`, headers: admin, payload: { target: 256 } });
    expect(set.statusCode).toBe(200);
    let snapshot = (await app.inject({ url: `/api/tracking/rounds/${roundId}`, headers: researcher })).json() as DashboardSnapshot;
    expect(snapshot.round.target).toBe(256);
    expect(snapshot.funnel.targetProgress).toBe(2 / 256);
    const cleared = await app.inject({ method: 'DELETE', url: `/api/tracking/rounds/${roundId}/target`, headers: admin });
    expect(cleared.statusCode).toBe(200);
    snapshot = (await app.inject({ url: `/api/tracking/rounds/${roundId}`, headers: researcher })).json() as DashboardSnapshot;
    expect(snapshot.round.target).toBeNull();
    expect(snapshot.funnel.targetProgress).toBeNull();
    const audits = await getDatabase().db.selectFrom('audit_log').select('details').where('action', '=', 'round.set_target').execute();
    expect(audits.map((a) => a.details)).toEqual([{ target: 256 }, { target: null }]);
  });

  it('rejects malformed, oversized and hostile input on every endpoint without details', async () => {
    const long = 'x'.repeat(5000);
    const cases: Array<{ method: 'GET' | 'PUT' | 'POST' | 'DELETE'; url: string; payload?: unknown; headers?: Headers; status: number[]; raw?: string }> = [
      ...['abc', '0', '-1', '1.5', '99999999999', "1'%20or%20'1'='1", '%00', '1;drop%20table%20rounds', long].flatMap((bad) => [
        { method: 'GET' as const, url: `/api/tracking/rounds/${bad}`, headers: researcher, status: [400, 404, 414] },
        { method: 'GET' as const, url: `/api/tracking/rounds/${bad}/swvs.csv`, headers: researcher, status: [400, 404, 414] },
        { method: 'GET' as const, url: `/api/tracking/rounds/${bad}/events`, headers: researcher, status: [400, 404, 414] },
        { method: 'PUT' as const, url: `/api/tracking/rounds/${bad}/target`, headers: admin, payload: { target: 3 }, status: [400, 404, 414] },
        { method: 'DELETE' as const, url: `/api/tracking/rounds/${bad}/target`, headers: admin, status: [400, 404, 414] },
        { method: 'GET' as const, url: `/api/tracking/rounds/${bad}/swv-links`, headers: admin, status: [400, 404, 414] },
        { method: 'POST' as const, url: `/api/tracking/rounds/${bad}/swv-links`, headers: admin, payload: { swvId: ownSwv }, status: [400, 404, 414] },
        { method: 'POST' as const, url: `/api/tracking/swv-links/${bad}/revoke`, headers: admin, status: [400, 404, 414] },
      ]),
      ...[{ target: 'veel' }, { target: -1 }, { target: 0 }, { target: 2.5 }, { target: 1e12 }, {}, { target: null }, { target: [1, 2] }, { target: { $gt: 1 } }, null].map(
        (payload) => ({ method: 'PUT' as const, url: `/api/tracking/rounds/${roundId}/target`, headers: admin, payload, status: [400] }),
      ),
      ...[{ swvId: 'abc' }, { swvId: -3 }, {}, { swvId: ownSwv, label: long }, { swvId: ownSwv, label: { text: "x" } }, { swvId: otherSwv + 1000 }].map((payload) => ({
        method: 'POST' as const,
        url: `/api/tracking/rounds/${roundId}/swv-links`,
        headers: admin,
        payload,
        status: [400],
      })),
      { method: 'POST', url: `/api/tracking/rounds/${otherRoundId}/swv-links`, headers: admin, payload: { swvId: ownSwv }, status: [400] },
      { method: 'POST', url: `/api/tracking/rounds/${roundId}/swv-links`, headers: admin, raw: '{"swvId": 1, "__proto__": {"role": "admin"}}', status: [400] },
      { method: 'POST', url: `/api/tracking/rounds/${roundId}/swv-links`, headers: admin, raw: '{"swvId": ', status: [400] },
      { method: 'PUT', url: `/api/tracking/rounds/${roundId}/target`, headers: admin, raw: `{"target": 1, "pad": "${'x'.repeat(1_100_000)}"}`, status: [413] },
      { method: 'POST', url: '/api/tracking/swv-links/2147483647/revoke', headers: admin, status: [404] },
      { method: 'DELETE', url: '/api/tracking/rounds/2147483647/target', headers: admin, status: [404] },
      { method: 'GET', url: `/api/tracking/rounds/${roundId}/events`, headers: { ...researcher, accept: 'application/json' }, status: [406] },
    ];
    for (const c of cases) {
      const res = await app.inject({
        method: c.method,
        url: c.url,
        headers: { ...c.headers, ...(c.raw !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(c.raw !== undefined ? { payload: c.raw } : c.payload !== undefined ? { payload: c.payload as object } : {}),
      });
      const label = `${c.method} ${c.url.slice(0, 80)} ${JSON.stringify(c.payload)?.slice(0, 60) ?? ''}`;
      expect(c.status, label).toContain(res.statusCode);
      expect(res.body, label).not.toMatch(/stack|at .*\.ts:|select |insert |syntax error/i);
    }
    // Nothing was changed by any of it.
    const round = await getDatabase().db.selectFrom('rounds').select('target_respondents').where('id', '=', roundId).executeTakeFirstOrThrow();
    expect(round.target_respondents).toBeNull();
    const links = await getDatabase().db.selectFrom('swv_view_links').selectAll().where('round_id', 'in', [roundId, otherRoundId]).execute();
    expect(links).toEqual([]);
  });

  it('pushes a new snapshot to an open dashboard stream when a school completes', async () => {
    const stream = await openSse(`${url}/api/tracking/rounds/${roundId}/events`, researcher);
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream');
      const first = JSON.parse((await stream.next((e) => e.event === 'snapshot')).data) as DashboardSnapshot;
      expect(first.funnel.completed).toBe(2);
      await completeInvitation(getDatabase().db, pendingInvitation, clock.now(), 'plannen');
      const next = JSON.parse((await stream.next((e) => e.event === 'snapshot' && JSON.parse(e.data).funnel.completed === 3)).data) as DashboardSnapshot;
      expect(next.situations.rows.find((r) => r.situation === 'po-ko')).toMatchObject({ wel: 1, plannen: 1, total: 2 });
    } finally {
      stream.close();
    }
  });

  describe('SWV view', () => {
    let token: string;
    let linkId: number;
    const foreign = ['VO2899', 'HYPERLINK', 'Geheime Buurschool', 'Andere Buurschool', 'antwoord', 'vraag1', 'school@example.test'];

    beforeAll(async () => {
      const res = await app.inject({
        method: 'POST',
        url: `/api/tracking/rounds/${roundId}/swv-links`,
        headers: admin,
        payload: { swvId: ownSwv, label: 'Projectleider\u0000 Eemland' },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { id: number; url: string };
      linkId = body.id;
      const match = /^http:\/\/meetronde\.test\/v\/([A-Za-z0-9_-]{24})$/.exec(body.url);
      expect(match).not.toBeNull();
      token = match![1]!;
    });

    it('stores only a hash of the token and lists the link without it', async () => {
      const row = await getDatabase().db.selectFrom('swv_view_links').selectAll().where('id', '=', linkId).executeTakeFirstOrThrow();
      expect(JSON.stringify(row)).not.toContain(token);
      expect(row.label).toBe('Projectleider  Eemland');
      const list = await app.inject({ url: `/api/tracking/rounds/${roundId}/swv-links`, headers: admin });
      expect(list.body).not.toContain(token);
      expect(list.json().links[0]).toMatchObject({ id: linkId, swvCode: 'PO2801', revokedAt: null });
    });

    it('shows its own schools and their status through the JSON endpoint, and nothing of other SWVs', async () => {
      const res = await app.inject(`/api/v/${token}`);
      expect(res.statusCode).toBe(200);
      const view = res.json() as SwvViewSnapshot;
      expect(view.swv).toMatchObject({ code: 'PO2801', regionLetter: 'K', situationLabel: 'Tussen po en kinderopvang' });
      expect(view.schools.map((s) => [s.name, s.state])).toEqual([
        ['De Eigen School', 'completed'],
        ['De Wachtschool', 'completed'],
        ['De Weigerschool', 'declined'],
      ]);
      expect(view.totals).toEqual({ invited: 3, bounced: 0, started: 2, completed: 2, declined: 1, responseRate: 2 / 3 });
      for (const text of foreign) expect(res.body).not.toContain(text);
    });

    it('streams only its own SWV over SSE, also when another SWV changes', async () => {
      const stream = await openSse(`${url}/api/v/${token}/events`);
      try {
        const first = await stream.next((e) => e.event === 'snapshot');
        const db = getDatabase().db;
        const other = await anInvitation(db, { roundId, swvId: otherSwv, status: 'invited', schoolName: 'Nieuwe Buurschool' });
        await completeInvitation(db, other, clock.now(), 'wel');
        const mine = await anInvitation(db, { roundId, swvId: ownSwv, status: 'invited', schoolName: 'De Nieuwe Eigen School' });
        const later = await stream.next((e) => e.event === 'snapshot' && e.data.includes('De Nieuwe Eigen School'));
        for (const event of [first, later, ...stream.received]) {
          for (const text of [...foreign, 'Nieuwe Buurschool']) expect(event.data).not.toContain(text);
        }
        await getDatabase().db.deleteFrom('invitations').where('id', '=', mine).execute();
      } finally {
        stream.close();
      }
    });

    it('serves the page at /v/<token> with nothing of the SWV in it', async () => {
      const res = await app.inject(`/v/${token}`);
      expect([200, 503]).toContain(res.statusCode);
      for (const text of [...foreign, 'PO2801', 'Eigen School']) expect(res.body).not.toContain(text);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    });

    it('answers unknown, malformed and hostile tokens alike', async () => {
      const unknown = await app.inject(`/api/v/${'A'.repeat(24)}`);
      expect(unknown.statusCode).toBe(404);
      for (const bad of ['..%2F..%2Fetc%2Fpasswd', '%3Cscript%3E', 'Zm9v', `${token}x`, token.toLowerCase() === token ? `${token.slice(0, -1)}!` : token.toLowerCase(), '%F0%9F%98%80'.repeat(4)]) {
        for (const path of [`/api/v/${bad}`, `/api/v/${bad}/events`]) {
          const res = await app.inject(path);
          expect(res.statusCode, path).toBe(404);
          expect(res.json(), path).toEqual(unknown.json());
        }
      }
    });

    it('keeps the token out of the logs', () => {
      expect(redactUrl(`/api/v/${token}/events`)).toBe('/api/v/[token]/events');
      expect(redactUrl(`/v/${token}`)).toBe('/v/[token]');
    });

    it('ends an open stream and answers like an unknown link once revoked', async () => {
      const stream = await openSse(`${url}/api/v/${token}/events`);
      await stream.next((e) => e.event === 'snapshot');
      const revoke = await app.inject({ method: 'POST', url: `/api/tracking/swv-links/${linkId}/revoke`, headers: admin });
      expect(revoke.statusCode).toBe(200);
      await stream.next((e) => e.event === 'gone');
      await stream.ended;
      const res = await app.inject(`/api/v/${token}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toBe('Deze link werkt niet (meer). Vraag de onderzoekers om een nieuwe link.');
      const again = await app.inject({ method: 'POST', url: `/api/tracking/swv-links/${linkId}/revoke`, headers: admin });
      expect(again.statusCode).toBe(200);
      const audits = await getDatabase().db.selectFrom('audit_log').select(['action', 'details']).where('action', 'like', 'tracking.swv_link%').execute();
      expect(audits.map((a) => a.action)).toEqual(['tracking.swv_link_create', 'tracking.swv_link_revoke', 'tracking.swv_link_revoke']);
      expect(JSON.stringify(audits)).not.toContain(token);
    });
  });
});
