import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import { DEFAULT_TEMPLATES } from '../../server/mailings/templates';
import { fanOutDueMailings, scheduleRoundMailings } from '../../server/mailings/waves';
import type { Worker } from '../../server/worker';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';
import { aMailRound, aRoundWithSchools, type RoundWithSchools } from '../fixtures/mail-rounds';

type Headers = Record<string, string>;

describeEachDatabase('mail admin endpoints and the opt-out page', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let worker: Worker;
  let admin: Headers;
  let researcher: Headers;
  let round: RoundWithSchools;

  beforeAll(async () => {
    clock = new ManualClock('2026-03-02T08:00:00Z');
    ({ app } = await makeTestApp(getDatabase(), { clock, config: { mailPerHour: 500 } }));
    // No SMTP_URL: mail is captured in the database.
    ({ worker } = makeTestWorker(getDatabase(), { clock, config: { mailPerHour: 500 } }));
    const db = getDatabase().db;
    admin = (await loginAs(db, 'admin', clock.now())).headers;
    researcher = (await loginAs(db, 'researcher', clock.now())).headers;
    round = await aRoundWithSchools(db, {
      count: 6,
      prefix: 'admin',
      schoolName: (i) => (i === 0 ? `<img src=x onerror="alert(1)"> Kompas` : `School ${i}`),
      kind: (i) => (i % 2 ? 'vo' : 'po'),
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await app?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Headers = admin) =>
    app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

  describe('access', () => {
    const wave = { kind: 'reminder', target: { status: 'not-completed' }, dueAt: '2026-03-20T08:00:00Z' };
    const template = DEFAULT_TEMPLATES.invitation;
    // Valid bodies: the schema is checked before the access guard runs.
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/mail/settings'],
      ['GET', '/api/mail/rounds'],
      ['GET', '/api/mail/rounds/1/mailings'],
      ['POST', '/api/mail/rounds/1/estimate', wave],
      ['POST', '/api/mail/rounds/1/mailings', wave],
      ['PATCH', '/api/mail/mailings/1', { afterDays: 3 }],
      ['POST', '/api/mail/mailings/1/cancel'],
      ['GET', '/api/mail/rounds/1/templates'],
      ['PUT', '/api/mail/rounds/1/templates/invitation', template],
      ['DELETE', '/api/mail/rounds/1/templates/invitation'],
      ['POST', '/api/mail/rounds/1/templates/invitation/preview', template],
      ['GET', '/api/mail/rounds/1/invitations'],
      ['GET', '/api/mail/invitations/1/log'],
      ['GET', '/api/mail/outbox'],
      ['GET', '/api/mail/outbox/1'],
      ['POST', '/api/mail/outbox/1/retry'],
    ];
    it('refuses anonymous users and researchers on every mail admin route', async () => {
      for (const [method, url, payload] of routes) {
        const anonymous = await app.inject({ method: method as 'GET', url, ...(payload ? { payload: payload as object } : {}) });
        expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
        const asResearcher = await app.inject({ method: method as 'GET', url, headers: researcher, ...(payload ? { payload: payload as object } : {}) });
        expect(asResearcher.statusCode, `${method} ${url}`).toBe(403);
      }
    });

    it('refuses state changes without the CSRF token', async () => {
      const { 'x-csrf-token': _csrf, ...cookieOnly } = admin;
      void _csrf;
      const res = await call('POST', `/api/mail/rounds/${round.roundId}/mailings`, { kind: 'reminder', target: { status: 'not-completed' }, dueAt: '2026-03-10T08:00:00Z' }, cookieOnly);
      expect(res.statusCode).toBe(403);
    });
  });

  describe('templates', () => {
    it('shows the shipped defaults until a round has its own', async () => {
      const res = await call('GET', `/api/mail/rounds/${round.roundId}/templates`);
      expect(res.statusCode).toBe(200);
      expect(res.json().invitation).toMatchObject({ ...DEFAULT_TEMPLATES.invitation, isDefault: true });
      expect(res.json().reminder.isDefault).toBe(true);
      expect(Object.keys(res.json().placeholders)).toContain('afmelden');
    });

    it('saves a valid template, audits it, and resets to the default', async () => {
      const body = { subject: 'Vragenlijst voor {{school}}', text: 'Ga naar {{link}}. Afmelden: {{afmelden}}', html: '<p><a href="{{link}}">Start</a> <a href="{{afmelden}}">Afmelden</a></p>' };
      const saved = await call('PUT', `/api/mail/rounds/${round.roundId}/templates/reminder`, body);
      expect(saved.statusCode).toBe(200);
      expect(saved.json()).toMatchObject({ ...body, isDefault: false });
      const again = await call('GET', `/api/mail/rounds/${round.roundId}/templates`);
      expect(again.json().reminder.subject).toBe(body.subject);
      const audit = await getDatabase().db.selectFrom('audit_log').selectAll().where('action', '=', 'mail_template.save').execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.details).toEqual({ kind: 'reminder' });
      const reset = await call('DELETE', `/api/mail/rounds/${round.roundId}/templates/reminder`);
      expect(reset.json().isDefault).toBe(true);
    });

    it('refuses templates with unknown or broken placeholders, without the links, or too large', async () => {
      const good = DEFAULT_TEMPLATES.invitation;
      const cases: Array<[string, object, RegExp]> = [
        ['unknown placeholder', { ...good, text: good.text + ' {{wachtwoord}}' }, /Onbekende plaatshouder \{\{wachtwoord\}\}/],
        ['half placeholder', { ...good, html: good.html + ' {{school' }, /onvolledige plaatshouder/],
        ['no link', { ...good, text: 'Hallo {{school}}. {{afmelden}}' }, /\{\{link\}\} ontbreekt/],
        ['no opt-out', { ...good, html: '<a href="{{link}}">x</a>' }, /\{\{afmelden\}\} ontbreekt/],
        ['link in subject', { ...good, subject: 'Klik {{link}}' }, /hoort niet in het onderwerp/],
        ['empty subject', { ...good, subject: '   ' }, /onderwerp/],
        ['marker characters', { ...good, text: good.text + '\uE000link\uE001' }, /ongeldige tekens/],
      ];
      for (const [name, body, message] of cases) {
        const res = await call('PUT', `/api/mail/rounds/${round.roundId}/templates/invitation`, body);
        expect(res.statusCode, name).toBe(400);
        expect(JSON.stringify(res.json().details), name).toMatch(message);
      }
      const malformed: Array<[string, unknown]> = [
        ['too long', { ...good, text: 'x'.repeat(50_001) }],
        ['subject too long', { ...good, subject: 'x'.repeat(201) }],
        ['object', { ...good, subject: { a: 1 } }],
        ['missing html', { subject: good.subject, text: good.text }],
        ['array', [good]],
        ['string', 'hallo'],
      ];
      for (const [name, body] of malformed) {
        const res = await call('PUT', `/api/mail/rounds/${round.roundId}/templates/invitation`, body);
        expect([400, 415], name).toContain(res.statusCode);
      }
      expect((await call('PUT', `/api/mail/rounds/${round.roundId}/templates/evil`, good)).statusCode).toBe(400);
      expect((await call('PUT', `/api/mail/rounds/99999/templates/invitation`, good)).statusCode).toBe(404);
      const huge = await app.inject({ method: 'PUT', url: `/api/mail/rounds/${round.roundId}/templates/invitation`, headers: { ...admin, 'content-type': 'application/json' }, payload: JSON.stringify({ ...good, text: 'x'.repeat(2_000_000) }) });
      expect(huge.statusCode).toBe(413);
      const current = await call('GET', `/api/mail/rounds/${round.roundId}/templates`);
      expect(current.json().invitation.isDefault).toBe(true);
    });

    it('previews a draft for a real school of the round, escaped, without a working link', async () => {
      const hostile = round.invitations[0]!;
      const res = await call('POST', `/api/mail/rounds/${round.roundId}/templates/invitation/preview`, { ...DEFAULT_TEMPLATES.invitation, invitationId: hostile.id });
      expect(res.statusCode).toBe(200);
      const preview = res.json();
      expect(preview.school).toEqual({ invitationId: hostile.id, name: hostile.schoolName });
      expect(preview.html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Kompas');
      expect(preview.html).not.toContain('<img');
      expect(preview.text).toContain(hostile.schoolName);
      expect(preview.text).toContain('http://meetronde.test/s/voorbeeld-persoonlijke-link');
      expect(preview.text).not.toContain(hostile.token);
      expect(preview.text).toContain('zondag 31 mei 2026');

      const other = await aRoundWithSchools(getDatabase().db, { count: 1, prefix: 'other-round' });
      const foreign = await call('POST', `/api/mail/rounds/${round.roundId}/templates/invitation/preview`, { ...DEFAULT_TEMPLATES.invitation, invitationId: other.invitations[0]!.id });
      expect(foreign.statusCode).toBe(404);
      const broken = await call('POST', `/api/mail/rounds/${round.roundId}/templates/invitation/preview`, { ...DEFAULT_TEMPLATES.invitation, text: '{{nope}}' });
      expect(broken.statusCode).toBe(400);
    });
  });

  describe('waves', () => {
    it('estimates how many mails a wave sends and when it finishes at the relay limits', async () => {
      const res = await call('POST', `/api/mail/rounds/${round.roundId}/estimate`, { kind: 'invitation', target: { status: 'not-invited' }, dueAt: '2026-03-03T08:00:00Z' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ count: 6, ahead: 0, startsAt: '2026-03-03T08:00:00.000Z', finishesAt: '2026-03-03T08:00:00.000Z', limits: { perHour: 500 } });
      const vo = await call('POST', `/api/mail/rounds/${round.roundId}/estimate`, { kind: 'invitation', target: { status: 'not-invited', sectors: ['vo'] }, dueAt: '2026-03-03T08:00:00Z' });
      expect(vo.json().count).toBe(3);
      const swv = await call('POST', `/api/mail/rounds/${round.roundId}/estimate`, { kind: 'invitation', target: { status: 'not-invited', swvIds: [round.swvs[0]!.id], situations: [round.swvs[0]!.situation] }, dueAt: '2026-03-03T08:00:00Z' });
      expect(swv.json().count).toBe(3);
      const none = await call('POST', `/api/mail/rounds/${round.roundId}/estimate`, { kind: 'reminder', target: { status: 'started-not-completed' }, dueAt: '2026-03-03T08:00:00Z' });
      expect(none.json().count).toBe(0);
    });

    it('adds, moves and cancels a wave, refuses a duplicate, and audits each change', async () => {
      const body = { kind: 'reminder', target: { status: 'not-completed', sectors: ['po'] }, dueAt: '2026-03-20T08:00:00Z' };
      const created = await call('POST', `/api/mail/rounds/${round.roundId}/mailings`, body);
      expect(created.statusCode).toBe(201);
      const id = created.json().id as number;
      expect((await call('POST', `/api/mail/rounds/${round.roundId}/mailings`, body)).statusCode).toBe(409);

      const moved = await call('PATCH', `/api/mail/mailings/${id}`, { dueAt: '2026-03-21T09:30:00+01:00' });
      expect(moved.statusCode).toBe(200);
      expect(moved.json().dueAt).toBe('2026-03-21T08:30:00.000Z');
      const list = await call('GET', `/api/mail/rounds/${round.roundId}/mailings`);
      expect(list.json().mailings.find((m: { id: number }) => m.id === id)).toMatchObject({ status: 'scheduled', dueAt: '2026-03-21T08:30:00.000Z', target: body.target });

      const cancelled = await call('POST', `/api/mail/mailings/${id}/cancel`);
      expect(cancelled.statusCode).toBe(200);
      expect((await call('POST', `/api/mail/mailings/${id}/cancel`)).statusCode).toBe(409);
      expect((await call('PATCH', `/api/mail/mailings/${id}`, { dueAt: '2026-03-22T08:00:00Z' })).statusCode).toBe(409);
      const actions = (await getDatabase().db.selectFrom('audit_log').select(['action', 'details']).where('target', '=', `mailing:${id}`).orderBy('id').execute()).map((a) => a.action);
      expect(actions).toEqual(['mailing.create', 'mailing.move', 'mailing.cancel']);
    });

    it('refuses malformed and hostile wave requests', async () => {
      const url = `/api/mail/rounds/${round.roundId}/mailings`;
      const bad: Array<[string, unknown]> = [
        ['unknown kind', { kind: 'spam', target: { status: 'not-completed' }, dueAt: '2026-03-20T08:00:00Z' }],
        ['unknown status', { kind: 'reminder', target: { status: 'everyone' }, dueAt: '2026-03-20T08:00:00Z' }],
        ['no date', { kind: 'reminder', target: { status: 'not-completed' } }],
        ['bad date', { kind: 'reminder', target: { status: 'not-completed' }, dueAt: 'morgen' }],
        ['sql date', { kind: 'reminder', target: { status: 'not-completed' }, dueAt: "2026-03-20'; drop table mailings;--" }],
        ['far future', { kind: 'reminder', target: { status: 'not-completed' }, dueAt: '9999-12-31T00:00:00Z' }],
        ['huge swv list', { kind: 'reminder', target: { status: 'not-completed', swvIds: Array.from({ length: 600 }, (_, i) => i + 1) }, dueAt: '2026-03-20T08:00:00Z' }],
        ['negative swv', { kind: 'reminder', target: { status: 'not-completed', swvIds: [-1] }, dueAt: '2026-03-20T08:00:00Z' }],
        ['bad situation', { kind: 'reminder', target: { status: 'not-completed', situations: ['xx'] }, dueAt: '2026-03-20T08:00:00Z' }],
        ['duplicate sectors', { kind: 'reminder', target: { status: 'not-completed', sectors: ['po', 'po'] }, dueAt: '2026-03-20T08:00:00Z' }],
        ['target is a string', { kind: 'reminder', target: 'all', dueAt: '2026-03-20T08:00:00Z' }],
        ['empty', {}],
      ];
      for (const [name, body] of bad) {
        const res = await call('POST', url, body);
        expect(res.statusCode, name).toBe(400);
        expect(res.json().message, name).toMatch(/[a-z]/);
      }
      for (const id of ['abc', '0', '-1', '1.5', '99999999999', '1%20or%201=1']) {
        expect((await call('GET', `/api/mail/rounds/${id}/mailings`)).statusCode, id).toBe(400);
        expect((await call('POST', `/api/mail/mailings/${id}/cancel`)).statusCode, id).toBe(400);
      }
      expect((await call('GET', '/api/mail/rounds/424242/mailings')).statusCode).toBe(404);
      expect((await call('POST', '/api/mail/mailings/424242/cancel')).statusCode).toBe(404);
      expect((await call('PATCH', '/api/mail/mailings/424242', { dueAt: '2026-03-20T08:00:00Z' })).statusCode).toBe(404);
      expect((await call('PATCH', '/api/mail/mailings/1', {})).statusCode).toBe(400);

      const closed = await aMailRound(getDatabase().db, { status: 'closed' });
      const res = await call('POST', `/api/mail/rounds/${closed.id}/mailings`, { kind: 'reminder', target: { status: 'not-completed' }, dueAt: '2026-03-20T08:00:00Z' });
      expect(res.statusCode).toBe(409);
    });

    it('changes the days of a reminder policy, but not its time', async () => {
      const scheduled = await scheduleRoundMailings(getDatabase().db, round.roundId, clock.now());
      const policy = scheduled.find((m) => m.kind === 'reminder')!;
      expect((await call('PATCH', `/api/mail/mailings/${policy.id}`, { dueAt: '2026-03-20T08:00:00Z' })).statusCode).toBe(409);
      const res = await call('PATCH', `/api/mail/mailings/${policy.id}`, { afterDays: 10 });
      expect(res.statusCode).toBe(200);
      expect(res.json().dueAt).toBe('2026-03-12T08:00:00.000Z');
      expect((await call('PATCH', `/api/mail/mailings/${policy.id}`, { afterDays: 0 })).statusCode).toBe(400);
      expect((await call('PATCH', `/api/mail/mailings/${policy.id}`, { afterDays: 400 })).statusCode).toBe(400);
    });
  });

  describe('captured mail, message log and opt-out', () => {
    it('captures the wave in the database and shows each mail as the school sees it', async () => {
      await worker.drain();
      const list = await call('GET', '/api/mail/outbox?status=sent');
      expect(list.statusCode).toBe(200);
      expect(list.json().capture).toBe(true);
      const mine = list.json().rows.filter((r: { to: string }) => r.to.startsWith('admin'));
      expect(mine).toHaveLength(6);
      expect(mine.every((r: { transport: string }) => r.transport === 'capture')).toBe(true);

      const hostile = round.invitations[0]!;
      const row = mine.find((r: { invitationId: number }) => r.invitationId === hostile.id);
      const view = await call('GET', `/api/mail/outbox/${row.id}`);
      expect(view.statusCode).toBe(200);
      const mail = view.json();
      expect(mail.liveLinks).toBe(true);
      expect(mail.text).toContain(`http://meetronde.test/s/${hostile.token}`);
      expect(mail.html).toContain(`href="http://meetronde.test/s/${hostile.token}"`);
      expect(mail.html).not.toContain('<img');
      expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');

      for (const q of ['status=evil', 'limit=0', 'limit=100000', 'offset=-1', 'limit=abc']) {
        expect((await call('GET', `/api/mail/outbox?${q}`)).statusCode, q).toBe(400);
      }
      expect((await call('GET', '/api/mail/outbox/999999')).statusCode).toBe(404);
    });

    it('shows the message log of an invitation: queued, sent, opened', async () => {
      const inv = round.invitations[1]!;
      await getDatabase().db.updateTable('invitations').set({ opened_at: new Date('2026-03-02T09:00:00Z'), status: 'opened' }).where('id', '=', inv.id).execute();
      const res = await call('GET', `/api/mail/invitations/${inv.id}/log`);
      expect(res.statusCode).toBe(200);
      const log = res.json();
      expect(log.invitation).toMatchObject({ id: inv.id, schoolName: inv.schoolName, status: 'opened', hasAddress: true });
      expect(log.messages).toHaveLength(1);
      expect(log.messages[0]).toMatchObject({ mailingKind: 'invitation', status: 'sent', attempts: 1, transport: 'capture' });
      expect(log.events.map((e: { kind: string }) => e.kind)).toEqual(['queued', 'sent', 'opened']);
      expect(JSON.stringify(log)).not.toContain(inv.token);

      const search = await call('GET', `/api/mail/rounds/${round.roundId}/invitations?search=${encodeURIComponent('School 1')}`);
      expect(search.json().rows.map((r: { invitationId: number }) => r.invitationId)).toContain(inv.id);
      const sneaky = await call('GET', `/api/mail/rounds/${round.roundId}/invitations?search=${encodeURIComponent("%' or 1=1 --")}`);
      expect(sneaky.statusCode).toBe(200);
      expect(sneaky.json().total).toBe(0);
      const percent = await call('GET', `/api/mail/rounds/${round.roundId}/invitations?search=%25`);
      expect(percent.json().total).toBe(0);
      expect((await call('GET', `/api/mail/rounds/${round.roundId}/invitations?search=${'x'.repeat(101)}`)).statusCode).toBe(400);
      expect((await call('GET', `/api/mail/invitations/0/log`)).statusCode).toBe(400);
      expect((await call('GET', `/api/mail/invitations/999999/log`)).statusCode).toBe(404);
    });

    it('shows the opt-out page on GET without opting out, and opts out on a one-click POST', async () => {
      const db = getDatabase().db;
      const inv = round.invitations[2]!;
      const view = await call('GET', `/api/mail/outbox/${(await db.selectFrom('outbox_messages').select('id').where('invitation_id', '=', inv.id).executeTakeFirstOrThrow()).id}`);
      const link = /http:\/\/meetronde\.test(\/api\/optout\/[^\s<>"]+)/.exec(view.json().text)![1]!;

      const page = await app.inject({ method: 'GET', url: link });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('<form method="post"');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect((await db.selectFrom('invitations').select('opted_out_at').where('id', '=', inv.id).executeTakeFirstOrThrow()).opted_out_at).toBeNull();

      // RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", no cookie, no CSRF token.
      const post = await app.inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
      expect(post.statusCode).toBe(200);
      expect(post.body).toContain('U bent afgemeld');
      const first = (await db.selectFrom('invitations').select('opted_out_at').where('id', '=', inv.id).executeTakeFirstOrThrow()).opted_out_at;
      expect(first).not.toBeNull();

      // Again, and with other bodies: still fine, first time kept.
      clock.advance(60_000);
      for (const request of [
        { payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        { payload: '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n', headers: { 'content-type': 'multipart/form-data; boundary=b' } },
        { payload: '{"List-Unsubscribe":"One-Click"}', headers: { 'content-type': 'application/json' } },
        { payload: '{ not json', headers: { 'content-type': 'application/json' } },
        { payload: undefined, headers: {} },
      ]) {
        const res = await app.inject({ method: 'POST', url: link, ...request });
        expect(res.statusCode).toBe(200);
      }
      expect((await db.selectFrom('invitations').select('opted_out_at').where('id', '=', inv.id).executeTakeFirstOrThrow()).opted_out_at).toEqual(first);
      const again = await app.inject({ method: 'GET', url: link });
      expect(again.body).toContain('U bent afgemeld');
    });

    it('sends an opted-out school no more mail of that round', async () => {
      const db = getDatabase().db;
      const inv = round.invitations[2]!;
      const wave = await call('POST', `/api/mail/rounds/${round.roundId}/mailings`, { kind: 'reminder', target: { status: 'not-completed' }, dueAt: clock.now().toISOString() });
      expect(wave.statusCode).toBe(201);
      await worker.drain();
      const rows = await db.selectFrom('outbox_messages').select(['invitation_id', 'status']).where('mailing_id', '=', wave.json().id).execute();
      expect(rows.map((r) => r.invitation_id)).not.toContain(inv.id);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.status === 'sent')).toBe(true);
    });

    it('answers every malformed, foreign or forged opt-out token with the same not-found page', async () => {
      const db = getDatabase().db;
      const inv = round.invitations[3]!;
      const other = round.invitations[4]!;
      const { mailLinks } = await import('../../server/mailings/outbox');
      const nonce = (await db.selectFrom('invitations').select('token_nonce').where('id', '=', inv.id).executeTakeFirstOrThrow()).token_nonce;
      const genuine = mailLinks({ secret: 'test-secret-test-secret-test-secret-0123456789', publicUrl: '', mailFrom: '' }, inv.id, nonce).afmelden.split('/').pop()!;
      const mac = genuine.split('-').slice(1).join('-');
      const forged = [
        `${other.id}-${mac}`,
        `${inv.id}-${'A'.repeat(22)}`,
        `${inv.id}-${mac.slice(0, 21)}`,
        `${inv.id}-${mac}x`,
        `0${inv.id}-${mac}`,
        `99999999999-${mac}`,
        `-${mac}`,
        `${inv.id}`,
        inv.token,
        encodeURIComponent("1' or '1'='1"),
        '..%2F..%2Fetc%2Fpasswd',
        encodeURIComponent('<script>alert(1)</script>'),
        '%00',
        'x'.repeat(100),
      ];
      for (const token of forged) {
        for (const method of ['GET', 'POST'] as const) {
          const res = await app.inject({ method, url: `/api/optout/${token}` });
          expect(res.statusCode, `${method} ${token}`).toBe(404);
          expect(res.body).toContain('niet (meer) geldig');
          expect(res.body).not.toContain('<script>alert');
        }
      }
      expect((await app.inject({ method: 'GET', url: `/api/optout/${'x'.repeat(101)}` })).statusCode).toBe(414);
      const big = await app.inject({ method: 'POST', url: `/api/optout/${genuine}`, headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(10_000) });
      expect(big.statusCode).toBe(413);
      const untouched = await db.selectFrom('invitations').select(['id', 'opted_out_at']).where('id', 'in', [inv.id, other.id]).execute();
      expect(untouched.every((r) => r.opted_out_at === null)).toBe(true);
      const ok = await app.inject({ method: 'POST', url: `/api/optout/${genuine}` });
      expect(ok.statusCode).toBe(200);
    });

    it('retries a failed message on request, and only a failed one', async () => {
      const db = getDatabase().db;
      const inv = round.invitations[5]!;
      const failed = await db
        .insertInto('outbox_messages')
        .values({ idempotency_key: `test-failed-${inv.id}`, invitation_id: inv.id, to_address: inv.email!, subject: 's', body_text: 't', next_attempt_at: clock.now(), status: 'failed', attempts: 5 })
        .returning('id')
        .executeTakeFirstOrThrow();
      const res = await call('POST', `/api/mail/outbox/${failed.id}/retry`);
      expect(res.statusCode).toBe(200);
      const row = await db.selectFrom('outbox_messages').select(['status', 'attempts']).where('id', '=', failed.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'pending', attempts: 0 });
      expect((await call('POST', `/api/mail/outbox/${failed.id}/retry`)).statusCode).toBe(409);
      expect((await call('POST', '/api/mail/outbox/999999/retry')).statusCode).toBe(404);
    });
  });

  it('writes neither opt-out tokens nor addresses to the log', async () => {
    const lines: string[] = [];
    const { app: logged } = await makeTestApp(getDatabase(), { clock, config: { logLevel: 'debug' }, deps: { logStream: { write: (line: string) => void lines.push(line) } } });
    const db = getDatabase().db;
    const inv = round.invitations[4]!;
    const { mailLinks } = await import('../../server/mailings/outbox');
    const nonce = (await db.selectFrom('invitations').select('token_nonce').where('id', '=', inv.id).executeTakeFirstOrThrow()).token_nonce;
    const token = mailLinks({ secret: 'test-secret-test-secret-test-secret-0123456789', publicUrl: '', mailFrom: '' }, inv.id, nonce).afmelden.split('/').pop()!;
    expect((await logged.inject({ method: 'GET', url: `/api/optout/${token}` })).statusCode).toBe(200);
    expect((await logged.inject({ method: 'GET', url: `/api/mail/rounds/${round.roundId}/invitations?search=${encodeURIComponent(inv.email!)}`, headers: admin })).statusCode).toBe(200);
    await logged.close();
    const log = lines.join('\n');
    expect(log).toContain('/api/optout/[token]');
    expect(log).not.toContain(token);
    expect(log).not.toContain(inv.email!);
  });

  it('fans out a wave only once however often the workers look', async () => {
    const db = getDatabase().db;
    const r = await aRoundWithSchools(db, { count: 3, prefix: 'once' });
    await scheduleRoundMailings(db, r.roundId, clock.now());
    const results = await Promise.all([fanOutDueMailings(db, clock.now(), 'x <a@b.c>'), fanOutDueMailings(db, clock.now(), 'x <a@b.c>')]);
    expect(results.flat().reduce((n, x) => n + x.queued, 0)).toBe(3);
    const rows = await db.selectFrom('outbox_messages').select('id').where('invitation_id', 'in', r.invitations.map((i) => i.id)).execute();
    expect(rows).toHaveLength(3);
  });
});
