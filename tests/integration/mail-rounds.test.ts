import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import type { Worker } from '../../server/worker';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { loadDataset } from '../../server/demo/data/duo-load';
import { aSchool, anSwv } from '../../server/demo/data/duo';

/**
 * The rounds area and the mail area together, through the admin API: opening a round schedules
 * its invitation wave and reminder in the same transaction; schools that become reachable later
 * get their invitation; the worker sends it all to a real SMTP server.
 */
const swvs = [anSwv({ code: 'PO2691' }), anSwv({ code: 'PO2692' })];
const schools = [
  aSchool({ locationCode: '96MA00', name: 'Basisschool De Linde', swvCodes: ['PO2691'], email: 'linde@scholen.example' }),
  aSchool({ locationCode: '96MB00', name: 'Basisschool ’t Kompas', swvCodes: ['PO2691'], email: 'kompas@scholen.example' }),
  aSchool({ locationCode: '96MC00', name: 'Basisschool Mozaïek', swvCodes: ['PO2692'], email: 'mozaiek@scholen.example' }),
  aSchool({ locationCode: '96MD00', name: 'Basisschool De Bron', swvCodes: ['PO2692'], email: 'weg@scholen.example' }),
  aSchool({ locationCode: '96ME00', name: 'Basisschool Zonder Adres', swvCodes: ['PO2692'], email: null }),
  aSchool({ locationCode: '96MF00', name: 'Basisschool Later Erbij', swvCodes: ['PO2692'], email: 'later@scholen.example' }),
];

describeEachDatabase('mail and rounds: opening a round sends its invitations', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let worker: Worker;
  let sink: SmtpSink;
  let admin: Record<string, string>;
  let roundId: number;

  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => {
    const res = await app.inject({ method, url, headers: admin, ...(body !== undefined ? { payload: body as object } : {}) });
    return { status: res.statusCode, body: res.body ? res.json() : undefined };
  };
  const mailings = () => getDatabase().db.selectFrom('mailings').selectAll().where('round_id', '=', roundId).orderBy('id').execute();
  const schoolId = async (locationCode: string) =>
    (await getDatabase().db.selectFrom('schools').select('id').where('location_code', '=', locationCode).executeTakeFirstOrThrow()).id;

  beforeAll(async () => {
    clock = new ManualClock('2026-03-09T07:00:00Z');
    sink = await startSmtpSink({ onRecipient: (address) => (address === 'weg@scholen.example' ? 550 : null) });
    ({ app } = await makeTestApp(getDatabase(), { clock, config: { smtpUrl: sink.url } }));
    ({ worker } = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url } }));
    admin = (await loginAs(getDatabase().db, 'admin', clock.now())).headers;
    await loadDataset(getDatabase().db, { schools, swvs }, { now: clock.now() });
  });
  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await sink?.close();
  });

  it('schedules nothing when opening fails, and the invitation wave and the reminder when it succeeds', async () => {
    const study = await call('POST', '/api/studies', { name: 'IMAGE samenwerking', senderName: 'Het IMAGE-team' });
    const round = await call('POST', '/api/rounds', { studyId: study.body.id, name: 'Meting 2026', questionnaireId: 'image-samenwerking-2023', opensAt: clock.now().toISOString() });
    expect(round.status).toBe(201);
    roundId = round.body.id;

    // No SWVs yet: opening is refused, and with it every wave it would have planned.
    expect((await call('POST', `/api/rounds/${roundId}/open`)).status).toBe(400);
    expect(await mailings()).toEqual([]);

    expect((await call('PUT', `/api/rounds/${roundId}/swvs/PO2691`, { situation: 'po-po', regionLetter: 'A' })).status).toBe(200);
    expect((await call('PUT', `/api/rounds/${roundId}/swvs/PO2692`, { situation: 'po-po', regionLetter: 'B' })).status).toBe(200);
    expect((await call('POST', `/api/rounds/${roundId}/schools/${await schoolId('96MF00')}/exclude`)).status).toBe(200);
    const opened = await call('POST', `/api/rounds/${roundId}/open`);
    expect(opened.status).toBe(200);
    expect(opened.body.invited).toBe(4);
    const waves = await mailings();
    expect(waves.map((m) => [m.kind, m.status, m.target])).toEqual([
      // A wave due at opening goes into the outbox at once.
      ['invitation', 'sending', { status: 'not-invited' }],
      ['reminder', 'scheduled', { status: 'not-completed', afterDays: 14 }],
    ]);
    expect(new Date(waves[0]!.due_at).toISOString()).toBe(clock.now().toISOString());
    expect(waves.every((m) => m.created_by !== null)).toBe(true);
  });

  it('sends every invited school its invitation once, and marks the address that bounces', async () => {
    await worker.drain();
    expect(sink.received.map((m) => m.to).sort()).toEqual(['kompas@scholen.example', 'linde@scholen.example', 'mozaiek@scholen.example']);
    expect(sink.received.every((m) => m.text.includes('Het IMAGE-team'))).toBe(true);
    const bron = await getDatabase().db.selectFrom('invitations').select(['bounced_at', 'invited_at']).where('school_id', '=', await schoolId('96MD00')).executeTakeFirstOrThrow();
    expect(bron.bounced_at).not.toBeNull();
    expect(bron.invited_at).toBeNull();
  });

  it('invites a school whose address is corrected after a bounce, and one that gets an address at last', async () => {
    clock.advanceDays(2);
    // (Sessions end after 12 idle hours; the clock just moved two days.)
    admin = (await loginAs(getDatabase().db, 'admin', clock.now())).headers;
    expect((await call('PUT', `/api/schools/${await schoolId('96MD00')}/email`, { email: 'directie@debron.example' })).status).toBe(200);
    await worker.drain();
    expect(sink.to('directie@debron.example')).toHaveLength(1);

    const zonder = await schoolId('96ME00');
    expect((await call('PUT', `/api/schools/${zonder}/email`, { email: 'info@zonderadres.example' })).status).toBe(200);
    // Reachable now, but not yet invited in this round: the admin invites it.
    const invited = await call('POST', `/api/rounds/${roundId}/invite`, {});
    expect(invited.body.invited).toBe(1);
    await worker.drain();
    expect(sink.to('info@zonderadres.example')).toHaveLength(1);

    // A school left out before opening is taken back in: invited, and mailed.
    expect((await call('POST', `/api/rounds/${roundId}/schools/${await schoolId('96MF00')}/include`, {})).status).toBe(200);
    await worker.drain();
    expect(sink.to('later@scholen.example')).toHaveLength(1);

    // Nothing more on a second look, and no school twice.
    await worker.drain();
    expect(sink.received).toHaveLength(6);
    expect(new Set(sink.received.map((m) => m.to)).size).toBe(6);
  });

  it('sends the reminder 14 days after each school\'s own invitation', async () => {
    clock.advanceDays(12);
    clock.advance(60_000);
    await worker.drain();
    const reminders = () => sink.received.filter((m) => m.subject.startsWith('Herinnering')).map((m) => m.to).sort();
    expect(reminders()).toEqual(['kompas@scholen.example', 'linde@scholen.example', 'mozaiek@scholen.example']);
    clock.advanceDays(2);
    await worker.drain();
    expect(reminders()).toEqual(['directie@debron.example', 'info@zonderadres.example', 'kompas@scholen.example', 'later@scholen.example', 'linde@scholen.example', 'mozaiek@scholen.example']);
  });
});
