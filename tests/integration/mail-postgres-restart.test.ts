import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { openPostgres, type Database } from '../../server/db/database';
import { migrateToLatest } from '../../server/db/migrator';
import { LATE_RECORD_NOTE } from '../../server/mailings/outbox';
import { fanOutDueMailings, scheduleRoundMailings } from '../../server/mailings/waves';
import type { WorkerLog } from '../../server/worker';
import { makeTestWorker } from '../helpers/mail';
import { ownClusterUnavailable, startOwnCluster, type OwnCluster } from '../helpers/pg-cluster';
import { holdAfter, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { aRoundWithSchools } from '../fixtures/mail-rounds';

/**
 * The database goes away in the middle of a wave: a PostgreSQL cluster of the test's own is
 * stopped while mails are at the relay, and started again (far) past the claims' lease. The
 * wave must finish by itself: every result that could not be written is written, nothing stays
 * claimed, every invitation gets invited_at, and nothing is sent twice.
 */
const unavailable = ownClusterUnavailable();
if (unavailable) {
  const line = '!'.repeat(78);
  console.warn(`\n${line}\n!! mail-postgres-restart.test.ts is SKIPPED: ${unavailable}.\n!! It needs PostgreSQL's initdb and pg_ctl to start a cluster of its own.\n${line}\n`);
}

const MINUTE = 60_000;

function captureLog(): { log: WorkerLog; lines: Array<{ message: string; fields: Record<string, unknown>; level: string }> } {
  const lines: Array<{ message: string; fields: Record<string, unknown>; level: string }> = [];
  return { lines, log: (message, fields = {}, level = 'error') => lines.push({ message, fields, level }) };
}

describe.skipIf(unavailable !== null)('mail: PostgreSQL restarted in the middle of a wave [own PostgreSQL cluster]', () => {
  let cluster: OwnCluster;
  let database: Database;
  let sink: SmtpSink;

  beforeAll(async () => {
    cluster = await startOwnCluster();
    database = openPostgres(cluster.url, { max: 6 });
    await migrateToLatest(database.db);
    sink = await startSmtpSink();
  }, 120_000);
  afterAll(async () => {
    await sink?.close();
    await database?.close().catch(() => {});
    await cluster?.destroy();
  });

  it('finishes the wave by itself once the database is back: nothing stuck, every invitation invited, nothing sent twice', { timeout: 180_000 }, async () => {
    const db = database.db;
    const clock = new ManualClock(new Date(Date.UTC(2026, 2, 2, 8)));
    const round = await aRoundWithSchools(db, { round: { closesAt: new Date(clock.now().getTime() + 20 * 86_400_000) }, count: 24, prefix: 'pgrestart' });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    await fanOutDueMailings(db, clock.now(), 'x <noreply@meetronde.test>');

    // The relay takes six mails at once, then holds every further one before its answer.
    const relay = holdAfter(sink, 6, { then: 'accept' });

    const a = captureLog();
    const b = captureLog();
    const workerA = makeTestWorker(database, { clock, id: 'pg-a', config: { smtpUrl: sink.url }, mail: { leaseMs: 30_000, heartbeatMs: 100, log: a.log } });
    const workerB = makeTestWorker(database, { clock, id: 'pg-b', config: { smtpUrl: sink.url }, mail: { leaseMs: 30_000, heartbeatMs: 100, log: b.log } });
    const runA = workerA.worker.runAll();
    const sent = async () => (await db.selectFrom('outbox_messages').select('id').where('status', '=', 'sent').execute()).length;
    await expect.poll(sent, { timeout: 60_000 }).toBe(6);
    await expect.poll(() => relay.held(), { timeout: 60_000 }).toBeGreaterThan(0);
    // A has claimed the whole wave; B, also running, finds nothing to do.
    await workerB.worker.drain();
    expect(sink.received).toHaveLength(6);

    // The database goes down while mails are at the relay; then the relay accepts them.
    await cluster.stop();
    relay.release();
    sink.options.beforeAccept = undefined;
    await runA;
    const acceptedDuringOutage = sink.received.length - 6;
    expect(acceptedDuringOutage).toBeGreaterThan(0);
    expect(a.lines.some((l) => l.message.startsWith('outbox result not recorded') && l.level === 'error')).toBe(true);
    // Nothing more is sent while results cannot be recorded.
    await workerA.worker.runAll();
    await workerB.worker.runAll();
    expect(b.lines.some((l) => l.message === 'outbox claim failed')).toBe(true);
    expect(sink.received).toHaveLength(6 + acceptedDuringOutage);

    // Back up far past the lease. B gets the first turn, yet takes over nothing of A's: it has
    // just lost the database itself, so A gets the chance to renew first.
    clock.advance(10 * MINUTE);
    await cluster.start();
    await workerB.worker.drain();
    expect(b.lines.some((l) => l.message.includes('taken over'))).toBe(false);
    await workerA.worker.drain();
    await workerA.worker.runAll();

    const addresses = sink.received.map((m) => m.to).sort();
    expect(addresses).toEqual(round.invitations.map((i) => i.email!).sort());
    const rows = await db.selectFrom('outbox_messages').select(['status', 'last_error', 'locked_by']).execute();
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    // The results recorded late say so to the admin.
    expect(rows.filter((r) => r.last_error === LATE_RECORD_NOTE)).toHaveLength(acceptedDuringOutage);
    const invitations = await db.selectFrom('invitations').select(['invited_at', 'status']).where('round_id', '=', round.roundId).execute();
    expect(invitations.every((i) => i.invited_at !== null && i.status === 'invited')).toBe(true);
    const wave = await db.selectFrom('mailings').select('status').where('round_id', '=', round.roundId).where('kind', '=', 'invitation').executeTakeFirstOrThrow();
    expect(wave.status).toBe('sent');

    const recovered = a.lines.find((l) => l.message === 'outbox results recorded after the database came back');
    expect(recovered?.fields.results).toBeGreaterThanOrEqual(acceptedDuringOutage);
    const logged = JSON.stringify([...a.lines, ...b.lines]);
    expect(logged).not.toContain('@');
    await workerA.worker.stop();
    await workerB.worker.stop();
  });
});
