import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, renewClaims, ResultRecorder } from '../../server/mailings/outbox';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { aRoundWithSchools } from '../fixtures/mail-rounds';

/**
 * The outbox worker writes its results (ResultRecorder, one statement per batch of sent mails)
 * while its heartbeat renews the claims it holds (renewClaims), on other connections and on the
 * same rows: a batch's rows are still held until their result is written. Both must lock those
 * rows in one order, or they deadlock; PostgreSQL then aborts one of them, and when that was the
 * result write the worker stops sending for the rest of its run (bench/mail-wave.ts: 12,208 of
 * 20,000 mails at load 12). The interleaving is forced here with two blocking transactions.
 *
 * PostgreSQL only: PGlite has one connection, so nothing there runs at the same time.
 */
describe.skipIf(!testDatabaseUrl)('outbox: result writes and claim renewals lock rows in one order [postgres]', () => {
  let database: TestDatabase;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => {});
    await database?.close();
  });

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    clients.push(client);
    return client;
  }

  /** Waits until `n` connections to this database wait for a lock. */
  async function waitersReach(observer: pg.Client, n: number): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const { rows } = await observer.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (rows[0]!.n >= n) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`never ${n} waiting lock requests`);
  }

  it('a batch recorded out of id order while the heartbeat renews the same claims: both succeed, no deadlock', async () => {
    const db = database.db;
    const round = await aRoundWithSchools(db, { count: 3, swvCount: 1 });
    const now = new Date();
    const rows = await db
      .insertInto('outbox_messages')
      .values(
        round.invitations.map((inv, k) => ({
          idempotency_key: `lock-order:${k}`,
          invitation_id: inv.id,
          to_address: inv.email!,
          subject: 'Uitnodiging',
          body_text: 'Beste school',
          headers: JSON.stringify({}),
          status: 'sending',
          locked_by: 'worker-1',
          locked_at: now,
          next_attempt_at: now,
          created_at: now,
        })),
      )
      .returning('id')
      .execute();
    const [a, b, x] = rows.map((r) => r.id).sort((p, q) => p - q) as [number, number, number];
    // A wave's worth of other rows in hand (another worker's), so both statements are planned as
    // in a busy outbox: primary-key lookups in the order of their input, not a scan of the few
    // 'sending' rows in index order (which happens to lock in one order).
    await sql`
      insert into outbox_messages (idempotency_key, to_address, subject, body_text, status, locked_by, locked_at, next_attempt_at)
      select 'lock-order-filler:' || g, 'filler' || g || '@scholen.test', 'Uitnodiging', 'Beste school', 'sending', 'worker-2', now(), now()
      from generate_series(1, 20000) g`.execute(db);
    await sql`analyze outbox_messages`.execute(db);

    const observer = await connect();
    const holdsA = await connect();
    const holdsX = await connect();
    await holdsA.query('begin');
    await holdsA.query('select id from outbox_messages where id = $1 for update', [a]);
    await holdsX.query('begin');
    await holdsX.query('select id from outbox_messages where id = $1 for update', [x]);

    // The heartbeat renews a and b (waits for a).
    const renewed = renewClaims(db, 'worker-1', [a, b], new Date());
    await waitersReach(observer, 1);
    // A result write in progress (x, waits), so the next two results form one batch: b, then a.
    const recorder = new ResultRecorder(db, 'worker-1', 'smtp', DEFAULT_RETRY);
    const sent = (id: number) => recorder.record({ kind: 'sent', id, response: '250 OK', at: new Date() });
    const first = sent(x);
    await waitersReach(observer, 2);
    const later = [sent(b), sent(a)];
    await holdsX.query('commit');
    expect(await first).toBe(true);
    // The batch (b, a) now waits for a too, behind the heartbeat.
    await waitersReach(observer, 2);
    await holdsA.query('commit');

    // Without one lock order the heartbeat takes a, the batch holds b, each waits for the other,
    // and PostgreSQL aborts one of them after deadlock_timeout.
    await expect(renewed).resolves.toBeInstanceOf(Array);
    expect(await Promise.all(later)).toEqual([true, true]);
    expect(recorder.kept).toBe(0);
    const statuses = await db.selectFrom('outbox_messages').select(['id', 'status']).where('id', 'in', [a, b, x]).orderBy('id').execute();
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'sent', 'sent']);
  });
});
