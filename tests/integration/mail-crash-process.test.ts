import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleRoundMailings } from '../../server/mailings/waves';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { freePort, startServer, type Started } from '../helpers/process';
import { holdAfter, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { aRoundWithSchools, TEST_SECRET } from '../fixtures/mail-rounds';

/**
 * The real thing: the server process sending a wave is killed with SIGKILL while mails are in
 * flight, and a new process finishes the wave. PostgreSQL only: the embedded database belongs to
 * one process and is not meant to survive a SIGKILL of it mid-write.
 */
describe.skipIf(!testDatabaseUrl)('mail: a server process killed in the middle of a wave [postgres]', () => {
  let database: TestDatabase;
  let sink: SmtpSink;
  const children: Started[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await sink?.close();
    await database?.close();
  });

  const start = async () => {
    const child = startServer({
      DATABASE_URL: database.url!,
      SMTP_URL: sink.url,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      SECRET: TEST_SECRET,
      PUBLIC_URL: 'http://meetronde.test',
      RUN_WORKER: 'true',
      MAIL_FROM: 'Meetronde <noreply@meetronde.test>',
      // Short claims, so a dead process's claims run out within seconds (defaults: 30 and 10).
      MAIL_LEASE_SECONDS: '4',
      MAIL_HEARTBEAT_SECONDS: '1',
    });
    children.push(child);
    await child.waitFor(/Meetronde is running/, 120_000);
    return child;
  };

  // Two server starts: generous on a loaded machine; nothing here measures speed.
  it('sends each remaining mail exactly once after a restart', { timeout: 240_000 }, async () => {
    const db = database.db;
    const round = await aRoundWithSchools(db, { count: 30, prefix: 'killed', round: { closesAt: new Date(Date.now() + 30 * 86_400_000) } });
    await scheduleRoundMailings(db, round.roundId, new Date());

    // The relay accepts ten mails, then holds every further one before its final answer, like
    // a slow relay at the moment the process dies. A held mail was never accepted (no 250).
    const relay = holdAfter(sink, 10, { then: 'fail' });

    const first = await start();
    // Kill it while mails are in flight (held by the relay, not accepted), once the ten the relay
    // did accept are recorded. (Between a relay's "250" and the commit of that result there is a
    // window of one database round trip; a crash exactly there resends that one mail, with the
    // same Message-ID. That window is not what this test is about.)
    await expect.poll(() => relay.held(), { timeout: 90_000 }).toBeGreaterThan(0);
    await expect
      .poll(async () => (await db.selectFrom('outbox_messages').select('id').where('status', '=', 'sent').execute()).length, { timeout: 60_000 })
      .toBe(10);
    first.child.kill('SIGKILL');
    await first.exited;
    relay.release();
    expect(sink.received).toHaveLength(10);

    const claimed = await db.selectFrom('outbox_messages').select(['id', 'locked_by']).where('status', '=', 'sending').execute();
    expect(claimed.length).toBeGreaterThan(0);
    // The new process takes the dead one's claims over once their lease (4 s here) has run out.

    sink.options.beforeAccept = undefined;
    const second = await start();
    await sink.waitForCount(30, 90_000);
    const addresses = sink.received.map((m) => m.to).sort();
    expect(addresses).toEqual(round.invitations.map((i) => i.email!).sort());
    expect(new Set(sink.received.map((m) => m.messageId)).size).toBe(30);
    await expect
      .poll(async () => (await db.selectFrom('outbox_messages').select('status').where('status', '!=', 'sent').execute()).length, { timeout: 60_000 })
      .toBe(0);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(sink.received).toHaveLength(30);
  });

  it('keeps the claims of a live process past their lease, and hands them to the other process once it is killed', { timeout: 240_000 }, async () => {
    const db = database.db;
    const round = await aRoundWithSchools(db, { count: 20, prefix: 'twoproc', round: { closesAt: new Date(Date.now() + 30 * 86_400_000) } });
    await scheduleRoundMailings(db, round.roundId, new Date());
    const mine = () => sink.received.filter((m) => m.to.startsWith('twoproc'));

    // The relay accepts five mails, then holds every further one before its final answer.
    const relay = holdAfter(sink, 5, { then: 'fail', only: (mail) => mail.to.startsWith('twoproc') });
    const first = await start();
    await expect.poll(() => relay.held(), { timeout: 90_000 }).toBeGreaterThan(0);
    const sending = async () => db.selectFrom('outbox_messages').select(['locked_by']).where('status', '=', 'sending').execute();
    await expect.poll(async () => (await sending()).length, { timeout: 60_000 }).toBe(15);
    const firstId = (await sending())[0]!.locked_by;

    // A second process runs alongside for well over the lease: the first one's heartbeat keeps
    // its claims, so the second takes none of them.
    const second = await start();
    await second.waitFor(/Meetronde is running/);
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    expect((await sending()).every((r) => r.locked_by === firstId)).toBe(true);
    expect(second.output()).not.toMatch(/taken over/);
    expect(mine()).toHaveLength(5);

    // Killed: the second process takes its claims over and sends each of them once.
    first.child.kill('SIGKILL');
    await first.exited;
    sink.options.beforeAccept = undefined;
    relay.release();
    await expect.poll(() => mine().length, { timeout: 90_000 }).toBe(20);
    await expect
      .poll(async () => (await db.selectFrom('invitations').select('id').where('round_id', '=', round.roundId).where('invited_at', 'is', null).execute()).length, {
        timeout: 60_000,
      })
      .toBe(0);
    expect(mine().map((m) => m.to).sort()).toEqual(round.invitations.map((i) => i.email!).sort());
    expect(new Set(mine().map((m) => m.messageId)).size).toBe(20);
    // The takeover is in the second process's log (main.ts hands the worker its log), without addresses.
    await second.waitFor(/outbox claims taken over after their lease ran out/, 30_000);
    expect(second.output()).not.toMatch(/twoproc\d+@/);
    expect((await db.selectFrom('outbox_messages').select('status').where('status', '!=', 'sent').execute()).length).toBe(0);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(mine()).toHaveLength(20);
  });
});
