import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { fanOutDueMailings, scheduleRoundMailings } from '../../server/mailings/waves';
import { smtpTransport, type MailTransport, type SendOutcome } from '../../server/mailings/transport';
import { estimateFinish } from '../../server/mailings/throttle';
import { listOutbox } from '../../server/mailings/queries';
import type { WorkerLog } from '../../server/worker';
import { describeEachDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { aRoundWithSchools } from '../fixtures/mail-rounds';

const MINUTE = 60_000;

/** A WorkerLog that keeps its lines, to check what is logged (and that it holds no addresses). */
function captureLog(): { log: WorkerLog; lines: Array<{ message: string; fields: Record<string, unknown>; level: string }> } {
  const lines: Array<{ message: string; fields: Record<string, unknown>; level: string }> = [];
  return { lines, log: (message, fields = {}, level = 'error') => lines.push({ message, fields, level }) };
}

/** The personal link in a received mail's text. */
const linkIn = (text: string) => text.match(/http:\/\/meetronde\.test\/s\/\S+/)?.[0];

describeEachDatabase('mail outbox under crashes, outages and refusals', (getDatabase) => {
  let sink: SmtpSink;
  let clock: ManualClock;

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  let counter = 0;
  beforeEach(() => {
    // Every test starts a month later, so the throttle windows of one never see another's sends.
    clock = new ManualClock(new Date(Date.UTC(2026, counter++, 2, 8)));
    sink.options.onRecipient = undefined;
    sink.options.onSender = undefined;
    sink.options.beforeAccept = undefined;
    sink.options.dropAfterData = undefined;
  });
  afterAll(async () => {
    await sink?.close();
  });

  // Rounds close before the next test's clock starts, so no test sees another's reminders.
  const closingIn20Days = () => ({ closesAt: new Date(clock.now().getTime() + 20 * 86_400_000) });
  const mailsFor = (prefix: string) => sink.received.filter((m) => m.to.startsWith(prefix));
  const expectEachOnce = (prefix: string, emails: Array<string | null>) => {
    const got = mailsFor(prefix).map((m) => m.to).sort();
    expect(got).toEqual(emails.filter((e): e is string => e !== null).sort());
  };
  const statuses = async (roundId: number) => {
    const rows = await getDatabase()
      .db.selectFrom('outbox_messages as o')
      .innerJoin('invitations as i', 'i.id', 'o.invitation_id')
      .select(['o.status', 'o.attempts', 'o.last_error', 'o.locked_by', 'i.email'])
      .where('i.round_id', '=', roundId)
      .orderBy('o.id')
      .execute();
    return rows;
  };

  it('hands the claims of a worker that died mid-wave to another worker, which sends each remaining mail exactly once', { timeout: 90_000 }, async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 20, prefix: 'crash-a' });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    await fanOutDueMailings(db, clock.now(), 'x <noreply@meetronde.test>');

    // Worker A delivers five mails, then its process "dies": every send it has in flight from
    // then on never finishes, and the rows it claimed stay claimed.
    const real = smtpTransport(sink.url);
    let delivered = 0;
    let release: (() => void) | undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const dying: MailTransport = {
      kind: 'smtp',
      concurrency: 10,
      async send(mail) {
        if (delivered < 5) {
          delivered++;
          return real.send(mail);
        }
        await released;
        return { ok: false, permanent: false, connection: true, response: null, error: 'ECONNECTION: process died' } satisfies SendOutcome;
      },
      close: () => real.close(),
    };
    // A dead process renews nothing: no heartbeat for A.
    const a = makeTestWorker(getDatabase(), { clock, id: 'worker-a', mail: { transport: dying, concurrency: 10, heartbeatMs: 3_600_000 } });
    const aRun = a.worker.runAll();
    await expect.poll(async () => (await statuses(round.roundId)).filter((s) => s.status === 'sent').length, { timeout: 30_000 }).toBe(5);
    // A refills its ten slots after the five that went; then all ten hang.
    await expect.poll(async () => (await statuses(round.roundId)).filter((s) => s.status === 'sending').length, { timeout: 30_000 }).toBe(10);
    const held = (await statuses(round.roundId)).filter((s) => s.status === 'sending');
    expect(held.every((s) => s.locked_by === 'worker-a')).toBe(true);
    expect(mailsFor('crash-a')).toHaveLength(5);

    // Worker B sends everything not held by A, and leaves A's claims alone while they are fresh.
    const b = makeTestWorker(getDatabase(), { clock, id: 'worker-b', config: { smtpUrl: sink.url } });
    await b.worker.drain();
    expect(mailsFor('crash-a')).toHaveLength(20 - held.length);

    // After the lease, B takes A's claims over and sends each of them once.
    clock.advance(11 * MINUTE);
    await b.worker.drain();
    expectEachOnce('crash-a', round.invitations.map((i) => i.email));
    const after = await statuses(round.roundId);
    expect(after.every((s) => s.status === 'sent')).toBe(true);
    expect(after.filter((s) => s.attempts === 2)).toHaveLength(held.length);

    // A's sends finally fail; its stale results must not touch the rows B has finished.
    release!();
    await aRun;
    expect((await statuses(round.roundId)).every((s) => s.status === 'sent')).toBe(true);
    await b.worker.drain();
    expectEachOnce('crash-a', round.invitations.map((i) => i.email));
    await a.worker.stop();
    await b.worker.stop();
  });

  it('keeps the claims of a live worker alive with its heartbeat, long past the lease, so no other worker takes them over', { timeout: 90_000 }, async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 6, prefix: 'heartbeat' });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    await fanOutDueMailings(db, clock.now(), 'x <noreply@meetronde.test>');

    // A slow relay: worker A's sends hang until the test lets them through.
    const real = smtpTransport(sink.url);
    let letThrough: (() => void) | undefined;
    const open = new Promise<void>((resolve) => (letThrough = resolve));
    const slow: MailTransport = {
      kind: 'smtp',
      concurrency: 10,
      async send(mail) {
        await open;
        return real.send(mail);
      },
      close: () => real.close(),
    };
    const a = makeTestWorker(getDatabase(), { clock, id: 'beat-a', mail: { transport: slow, leaseMs: 30_000, heartbeatMs: 20 } });
    const b = makeTestWorker(getDatabase(), { clock, id: 'beat-b', config: { smtpUrl: sink.url }, mail: { leaseMs: 30_000, heartbeatMs: 1000 } });
    const aRun = a.worker.runAll();
    const claims = () => db.selectFrom('outbox_messages').select(['status', 'locked_by', 'locked_at']).where('mailing_id', 'is not', null).where('to_address', 'like', 'heartbeat%').execute();
    await expect.poll(async () => (await claims()).filter((c) => c.status === 'sending' && c.locked_by === 'beat-a').length, { timeout: 30_000 }).toBe(6);
    await b.worker.drain();

    // Three times two thirds of the lease: A's heartbeat renews its claims each time, and B,
    // which would take over any claim older than the lease, leaves them alone.
    for (let i = 0; i < 3; i++) {
      clock.advance(20_000);
      const now = clock.now().getTime();
      await expect.poll(async () => (await claims()).every((c) => c.locked_at?.getTime() === now), { timeout: 30_000 }).toBe(true);
      await b.worker.drain();
      expect((await claims()).every((c) => c.status === 'sending' && c.locked_by === 'beat-a')).toBe(true);
    }
    letThrough!();
    await aRun;
    expectEachOnce('heartbeat', round.invitations.map((i) => i.email));
    expect((await claims()).every((c) => c.status === 'sent')).toBe(true);
    await a.worker.stop();
    await b.worker.stop();
  });

  it('takes back its own claims that it no longer has in hand once their lease has run out, and logs it', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 3, prefix: 'own-claim' });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    await fanOutDueMailings(db, clock.now(), 'x <noreply@meetronde.test>');
    // Claimed by this very worker, whose claim's answer never reached it (the connection broke
    // right after the commit): the rows are its own, but it does not know them.
    const ids = round.invitations.map((i) => i.id);
    await db
      .updateTable('outbox_messages')
      .set({ status: 'sending', locked_by: 'self', locked_at: new Date(clock.now().getTime() - 10_000), attempts: 1 })
      .where('invitation_id', 'in', ids)
      .execute();
    const { log, lines } = captureLog();
    const w = makeTestWorker(getDatabase(), { clock, id: 'self', config: { smtpUrl: sink.url }, mail: { leaseMs: 30_000, log } });
    await w.worker.drain();
    expect(mailsFor('own-claim')).toHaveLength(0);
    clock.advance(21_000);
    await w.worker.drain();
    expectEachOnce('own-claim', round.invitations.map((i) => i.email));
    expect((await statuses(round.roundId)).map((s) => [s.status, s.attempts])).toEqual([
      ['sent', 2],
      ['sent', 2],
      ['sent', 2],
    ]);
    const takeover = lines.find((l) => l.message.includes('taken over'));
    expect(takeover?.fields).toMatchObject({ claims: 3, own: 3, from: ['self'] });
    expect(takeover?.level).toBe('warn');
    // The admin sees why the row was tried again.
    const outbox = await listOutbox(db, { offset: 0, limit: 200 });
    const rows = outbox.rows.filter((r) => r.to.startsWith('own-claim'));
    expect(rows.every((r) => r.status === 'sent' && /Opnieuw opgepakt/.test(r.lastError ?? ''))).toBe(true);
    await w.worker.stop();
  });

  it('sends a mail again when the relay dropped the connection after taking it, with the same Message-ID and link, and logs and shows why', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 5, prefix: 'dropped' });
    const unlucky = new Set([round.invitations[1]!.email!, round.invitations[3]!.email!]);
    const dropped = new Set<string>();
    // The relay keeps the mail but the connection breaks before its 250 reaches the sender.
    sink.options.dropAfterData = (mail) => {
      if (!unlucky.has(mail.to) || dropped.has(mail.to)) return false;
      dropped.add(mail.to);
      return true;
    };
    await scheduleRoundMailings(db, round.roundId, clock.now());
    const { log, lines } = captureLog();
    const w = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url }, mail: { log } });
    await w.worker.drain();
    let rows = await statuses(round.roundId);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(3);
    const waiting = rows.filter((r) => r.status === 'pending');
    expect(waiting.map((r) => r.email).sort()).toEqual([...unlucky].sort());

    clock.advance(2 * MINUTE);
    await w.worker.drain();
    rows = await statuses(round.roundId);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    // At least once: the two whose acknowledgement was lost arrived twice, identical where it
    // matters: one Message-ID, one personal link, one opt-out link.
    for (const invitation of round.invitations) {
      const copies = sink.to(invitation.email!);
      expect(copies).toHaveLength(unlucky.has(invitation.email!) ? 2 : 1);
      if (copies.length === 2) {
        const [first, second] = copies as [(typeof copies)[0], (typeof copies)[0]];
        expect(second.messageId).toBe(first.messageId);
        expect(linkIn(second.text)).toBeDefined();
        expect(linkIn(second.text)).toBe(linkIn(first.text));
        expect(second.headers.get('list-unsubscribe')).toEqual(first.headers.get('list-unsubscribe'));
      }
    }
    const failures = lines.filter((l) => l.message === 'outbox delivery failed, will retry');
    expect(failures).toHaveLength(2);
    expect(failures.every((l) => l.level === 'warn' && typeof l.fields.message === 'number' && l.fields.attempt === 1)).toBe(true);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain('@');
    expect(logged).not.toContain('/s/');
    // The outbox shows the admin why those two took a second attempt.
    const outbox = await listOutbox(db, { offset: 0, limit: 200 });
    const retried = outbox.rows.filter((r) => r.to.startsWith('dropped') && r.attempts === 2);
    expect(retried).toHaveLength(2);
    expect(retried.every((r) => r.status === 'sent' && /ECONNECTION|ESOCKET|Connection/i.test(r.lastError ?? ''))).toBe(true);
    await w.worker.stop();
  });

  it('sends every mail exactly once when two workers work the same wave at the same time', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 40, prefix: 'twin' });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    const a = makeTestWorker(getDatabase(), { clock, id: 'twin-a', config: { smtpUrl: sink.url }, mail: { concurrency: 4 } });
    const b = makeTestWorker(getDatabase(), { clock, id: 'twin-b', config: { smtpUrl: sink.url }, mail: { concurrency: 4 } });
    await Promise.all([a.worker.drain(), b.worker.drain(), a.worker.drain()]);
    expectEachOnce('twin', round.invitations.map((i) => i.email));
    // The wave is marked sent by whichever worker looks next.
    await b.worker.runAll();
    const waves = await db.selectFrom('mailings').select(['kind', 'status']).where('round_id', '=', round.roundId).orderBy('id').execute();
    expect(waves).toEqual([
      { kind: 'invitation', status: 'sent' },
      { kind: 'reminder', status: 'scheduled' },
    ]);
    await a.worker.stop();
    await b.worker.stop();
  });

  it('delays but loses nothing while the SMTP server refuses connections', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 30, prefix: 'outage' });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    const w = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url }, mail: { concurrency: 10 } });
    await sink.pause();
    try {
      await w.worker.drain();
      let rows = await statuses(round.roundId);
      expect(rows).toHaveLength(30);
      // The first batch found the relay unreachable; the rest was not even tried.
      const tried = rows.filter((r) => r.attempts > 0);
      expect(tried.length).toBeGreaterThan(0);
      expect(tried.length).toBeLessThanOrEqual(10);
      expect(rows.every((r) => r.status === 'pending')).toBe(true);
      expect(tried.every((r) => /ECONNECTION|ESOCKET|ECONNREFUSED/.test(r.last_error ?? ''))).toBe(true);
      expect(tried.every((r) => !(r.last_error ?? '').includes('@'))).toBe(true);

      // Within the pause nothing is tried again.
      clock.advance(10_000);
      await w.worker.drain();
      expect((await statuses(round.roundId)).filter((r) => r.attempts > 0)).toHaveLength(tried.length);

      // Still down a few minutes later: a probe now and then, nothing lost, nothing sent.
      for (let i = 0; i < 3; i++) {
        clock.advance(5 * MINUTE);
        await w.worker.drain();
      }
      rows = await statuses(round.roundId);
      expect(rows.every((r) => r.status === 'pending')).toBe(true);
      expect(mailsFor('outage')).toHaveLength(0);
    } finally {
      await sink.resume();
    }
    clock.advance(11 * MINUTE);
    await w.worker.drain();
    expectEachOnce('outage', round.invitations.map((i) => i.email));
    expect((await statuses(round.roundId)).every((r) => r.status === 'sent')).toBe(true);
    await w.worker.stop();
  });

  it('retries a 451 with backoff and delivers exactly once when the server accepts', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 6, prefix: 'greylist' });
    const refusals = new Map<string, number>();
    sink.options.onRecipient = (address) => {
      if (!address.startsWith('greylist')) return null;
      const n = refusals.get(address) ?? 0;
      refusals.set(address, n + 1);
      return n < 2 ? 451 : null;
    };
    await scheduleRoundMailings(db, round.roundId, clock.now());
    const w = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url } });
    await w.worker.drain();
    let rows = await statuses(round.roundId);
    expect(rows.every((r) => r.status === 'pending' && r.attempts === 1 && /451/.test(r.last_error ?? ''))).toBe(true);

    // Not due again before the backoff has passed.
    clock.advance(30_000);
    await w.worker.drain();
    expect((await statuses(round.roundId)).every((r) => r.attempts === 1)).toBe(true);

    clock.advance(MINUTE);
    await w.worker.drain();
    rows = await statuses(round.roundId);
    expect(rows.every((r) => r.status === 'pending' && r.attempts === 2)).toBe(true);
    clock.advance(2 * MINUTE);
    await w.worker.drain();
    expectEachOnce('greylist', round.invitations.map((i) => i.email));
    expect((await statuses(round.roundId)).every((r) => r.status === 'sent' && r.attempts === 3)).toBe(true);
    await w.worker.stop();
  });

  it('marks the address bounced on a 550, sends the rest, and sends that school no reminder', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 4, prefix: 'bounce' });
    const dead = round.invitations[2]!;
    sink.options.onRecipient = (address) => (address === dead.email ? 550 : null);
    await scheduleRoundMailings(db, round.roundId, clock.now());
    const w = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url } });
    await w.worker.drain();
    expect(mailsFor('bounce')).toHaveLength(3);
    const inv = await db.selectFrom('invitations').select(['bounced_at', 'status', 'invited_at']).where('id', '=', dead.id).executeTakeFirstOrThrow();
    expect(inv.bounced_at).not.toBeNull();
    expect(inv.invited_at).toBeNull();
    const row = (await statuses(round.roundId)).find((r) => r.email === dead.email)!;
    expect(row.status).toBe('bounced');
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/550/);
    const stored = await db.selectFrom('outbox_messages').select(['smtp_response', 'last_error']).where('invitation_id', '=', dead.id).executeTakeFirstOrThrow();
    expect(stored.smtp_response).toMatch(/^550/);
    expect(JSON.stringify(stored)).not.toContain(dead.email!);
    const wave = await db.selectFrom('mailings').select('status').where('round_id', '=', round.roundId).where('kind', '=', 'invitation').executeTakeFirstOrThrow();
    expect(wave.status).toBe('sent');

    clock.advanceDays(15);
    await w.worker.drain();
    expect(mailsFor('bounce')).toHaveLength(6);
    expect(sink.to(dead.email!)).toHaveLength(0);
    await w.worker.stop();
  });

  it('does not bounce addresses when the relay refuses the sender (our configuration, not theirs)', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 2, prefix: 'badsender' });
    sink.options.onSender = () => 553;
    await scheduleRoundMailings(db, round.roundId, clock.now());
    const w = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url } });
    await w.worker.drain();
    const rows = await statuses(round.roundId);
    expect(rows.every((r) => r.status === 'pending' && /553/.test(r.last_error ?? ''))).toBe(true);
    const bounced = await db.selectFrom('invitations').select('id').where('round_id', '=', round.roundId).where('bounced_at', 'is not', null).execute();
    expect(bounced).toHaveLength(0);
    sink.options.onSender = undefined;
    clock.advance(2 * MINUTE);
    await w.worker.drain();
    expectEachOnce('badsender', round.invitations.map((i) => i.email));
    await w.worker.stop();
  });

  it('skips a school that completed or opted out after the wave was planned but before its mail went', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 3, prefix: 'late-change' });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    await fanOutDueMailings(db, clock.now(), 'x <noreply@meetronde.test>');
    const [done, gone] = round.invitations;
    await db.updateTable('invitations').set({ status: 'completed', completed_at: clock.now() }).where('id', '=', done!.id).execute();
    await db.updateTable('invitations').set({ opted_out_at: clock.now() }).where('id', '=', gone!.id).execute();
    const w = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url } });
    await w.worker.drain();
    expectEachOnce('late-change', [round.invitations[2]!.email]);
    const rows = await statuses(round.roundId);
    expect(rows.map((r) => [r.status, r.last_error])).toEqual([
      ['cancelled', 'Niet verstuurd: vragenlijst afgerond'],
      ['cancelled', 'Niet verstuurd: afgemeld'],
      ['sent', null],
    ]);
    await w.worker.stop();
  });

  it('keeps to the relay limits per minute and hour, as the estimate said', async () => {
    const db = getDatabase().db;
    const round = await aRoundWithSchools(db, { round: closingIn20Days(), count: 20, prefix: 'throttle' });
    const limits = { mailPerMinute: 5, mailPerHour: 12, mailPerDay: 0 };
    const start = clock.now();
    await scheduleRoundMailings(db, round.roundId, start);
    const w = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url, ...limits } });
    const other = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url, ...limits } });
    const sentAfter = async () => {
      await w.worker.drain();
      return mailsFor('throttle').length;
    };
    // Two workers at once share one budget.
    await fanOutDueMailings(db, clock.now(), 'x <noreply@meetronde.test>');
    await Promise.all([w.worker.drain(), other.worker.drain()]);
    await other.worker.stop();
    expect(mailsFor('throttle')).toHaveLength(5);
    expect(await sentAfter()).toBe(5);
    clock.advance(MINUTE);
    expect(await sentAfter()).toBe(10);
    clock.advance(MINUTE);
    expect(await sentAfter()).toBe(12);
    clock.advance(30 * MINUTE);
    expect(await sentAfter()).toBe(12);
    clock.set(new Date(start.getTime() + 60 * MINUTE));
    expect(await sentAfter()).toBe(17);
    clock.set(new Date(start.getTime() + 61 * MINUTE));
    expect(await sentAfter()).toBe(20);
    const estimate = estimateFinish(start, 20, { perMinute: 5, perHour: 12, perDay: 0 });
    expect(estimate.getTime() - start.getTime()).toBe(61 * MINUTE);
    expectEachOnce('throttle', round.invitations.map((i) => i.email));
    await w.worker.stop();
  });
});
