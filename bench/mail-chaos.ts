import { openPostgres } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { scheduleRoundMailings } from '../server/mailings/waves';
import { aRoundWithSchools, TEST_SECRET } from '../tests/fixtures/mail-rounds';
import { freePort, startServer, type Started } from '../tests/helpers/process';
import { startSmtpSink } from '../tests/helpers/smtp-sink';
import { createBenchDatabase, recordResults, table, runBench } from './lib';

/**
 * Chaos: the server process sending an invitation wave is killed with SIGKILL and started again,
 * with the shipped defaults for the claim lease and heartbeat (MAIL_LEASE_SECONDS=30,
 * MAIL_HEARTBEAT_SECONDS=10), against an SMTP server with a 300 ms relay latency. Measures how
 * long after the kill the wave is done (before issue 28: 10.5 to 11 minutes, the fixed lease), and
 * how many mails arrived twice (at most 2 × the pool's 5 connections per kill; each with the same
 * Message-ID). The faults themselves are tested in tests/integration/mail-*.test.ts; this records
 * the figures at a realistic size and latency.
 */
const MAILS = Number(process.env.BENCH_CHAOS_MAILS ?? 300);
const LATENCY_MS = Number(process.env.BENCH_CHAOS_LATENCY_MS ?? 300);
const LEASE = process.env.MAIL_LEASE_SECONDS ?? '30';
const HEARTBEAT = process.env.MAIL_HEARTBEAT_SECONDS ?? '10';

async function main() {
  const bench = await createBenchDatabase('chaos');
  const database = openPostgres(bench.url, { max: 4 });
  const sink = await startSmtpSink({ beforeAccept: () => new Promise((resolve) => setTimeout(resolve, LATENCY_MS)) });
  const children: Started[] = [];
  try {
    await migrateToLatest(database.db);
    const db = database.db;
    const round = await aRoundWithSchools(db, { count: MAILS, prefix: 'chaos', round: { closesAt: new Date(Date.now() + 30 * 86_400_000) } });
    await scheduleRoundMailings(db, round.roundId, new Date());

    const start = async () => {
      const child = startServer({
        DATABASE_URL: bench.url,
        SMTP_URL: sink.url,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        SECRET: TEST_SECRET,
        PUBLIC_URL: 'http://meetronde.test',
        RUN_WORKER: 'true',
        MAIL_FROM: 'Meetronde <noreply@meetronde.test>',
        MAIL_LEASE_SECONDS: LEASE,
        MAIL_HEARTBEAT_SECONDS: HEARTBEAT,
      });
      children.push(child);
      await child.waitFor(/Meetronde is running/, 180_000);
      return child;
    };
    const waitUntil = async (check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) => {
      const until = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const unsent = async () => (await db.selectFrom('outbox_messages').select('id').where('status', '!=', 'sent').execute()).length;

    const first = await start();
    const sendingFrom = Date.now();
    await waitUntil(() => sink.received.length >= Math.ceil(MAILS / 3), 600_000, 'a third of the wave');
    const rate = sink.received.length / ((Date.now() - sendingFrom) / 1000);
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    const atKill = sink.received.length;
    const claimed = (await db.selectFrom('outbox_messages').select('id').where('status', '=', 'sending').execute()).length;

    const second = await start();
    const upAt = Date.now();
    await waitUntil(async () => (await unsent()) === 0, 900_000, 'the wave to finish');
    const doneAt = Date.now();
    const takeover = second.output().includes('outbox claims taken over after their lease ran out');
    second.child.kill('SIGTERM');
    await second.exited;

    const byAddress = new Map<string, string[]>();
    for (const m of sink.received) byAddress.set(m.to, [...(byAddress.get(m.to) ?? []), m.messageId]);
    const doubled = [...byAddress.values()].filter((ids) => ids.length > 1);
    const missing = round.invitations.filter((i) => !byAddress.has(i.email!)).length;
    const sameId = doubled.every((ids) => new Set(ids).size === 1);
    const notInvited = (await db.selectFrom('invitations').select('id').where('round_id', '=', round.roundId).where('invited_at', 'is', null).execute()).length;
    const remaining = MAILS - atKill;

    recordResults(`Mail chaos: kill -9 mid-wave, ${MAILS.toLocaleString('en')} mails (bench/mail-chaos.ts)`, [
      `SMTP sink on loopback with ${LATENCY_MS} ms relay latency per mail; PostgreSQL; pool of 5 connections; MAIL_LEASE_SECONDS=${LEASE}, MAIL_HEARTBEAT_SECONDS=${HEARTBEAT}.`,
      `The first process is killed (SIGKILL) after a third of the wave arrived; a new process is started at once.`,
      '',
      ...table(
        ['mails', 'rate before the kill (mails/s)', 'claims left by the killed process', 'new process up after kill (s)', 'kill → wave done (s)', 'remaining mails at steady rate (s)', 'doubled', 'missing', 'not invited', 'same Message-ID on repeats', 'takeover logged'],
        [
          [
            MAILS,
            rate.toFixed(1),
            claimed,
            ((upAt - killedAt) / 1000).toFixed(1),
            ((doneAt - killedAt) / 1000).toFixed(1),
            (remaining / rate).toFixed(1),
            doubled.length,
            missing,
            notInvited,
            sameId ? 'yes' : 'NO',
            takeover ? 'yes' : 'NO',
          ],
        ],
      ),
      '',
      `Before issue 28 the killed process's claims waited a fixed 10 minutes (the wave finished 10.5–11 minutes late). Now they are taken over once their lease has run out and the new process has reached the database for two heartbeats.`,
    ]);
    if (missing > 0 || notInvited > 0 || !sameId) process.exitCode = 1;
  } finally {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await sink.close();
    await database.close();
    await bench.drop();
  }
}

runBench(main);
