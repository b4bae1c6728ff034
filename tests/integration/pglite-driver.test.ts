import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notify, openPGliteMemory, type Database } from '../../server/db/database';

/**
 * The in-house PGlite driver exists because kysely-pglite lets a query issued during another
 * caller's open transaction join that transaction (and be rolled back with it).
 */
describe('PGlite driver', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openPGliteMemory();
    await sql`create table t (id int primary key, note text)`.execute(database.db);
  });
  afterAll(async () => database.close());

  it('lets timers and I/O run while a long chain of queries is under way', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      for (let i = 0; i < 300; i++) await sql`select ${i}::int as n`.execute(database.db);
    } finally {
      clearInterval(timer);
    }
    // Without a yield per query the interval never fires until the chain ends.
    expect(ticks).toBeGreaterThan(0);
  });

  it('keeps a write made outside a transaction that is rolled back meanwhile', async () => {
    const db = database.db as any;
    let releaseTransaction!: () => void;
    const transactionHolds = new Promise<void>((resolve) => (releaseTransaction = resolve));
    let transactionStarted!: () => void;
    const started = new Promise<void>((resolve) => (transactionStarted = resolve));

    const rolledBack = db
      .transaction()
      .execute(async (trx: any) => {
        await trx.insertInto('t').values({ id: 1, note: 'inside' }).execute();
        transactionStarted();
        await transactionHolds;
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');

    await started;
    // Issued while the transaction is open; must wait for it, not join it.
    const outside = db.insertInto('t').values({ id: 2, note: 'outside' }).execute();
    await new Promise((r) => setTimeout(r, 20));
    releaseTransaction();
    expect(await rolledBack).toBe('rolled back');
    await outside;

    const rows = await db.selectFrom('t').select(['id', 'note']).orderBy('id').execute();
    expect(rows).toEqual([{ id: 2, note: 'outside' }]);
  });

  it('runs concurrent transactions one after the other without interleaving', async () => {
    const db = database.db as any;
    await db.deleteFrom('t').execute();
    const order: string[] = [];
    await Promise.all(
      [10, 20, 30].map((base) =>
        db.transaction().execute(async (trx: any) => {
          order.push(`begin ${base}`);
          await trx.insertInto('t').values({ id: base, note: 'a' }).execute();
          await new Promise((r) => setTimeout(r, 5));
          await trx.insertInto('t').values({ id: base + 1, note: 'b' }).execute();
          order.push(`end ${base}`);
        }),
      ),
    );
    expect(order).toEqual(['begin 10', 'end 10', 'begin 20', 'end 20', 'begin 30', 'end 30']);
    const { count } = await db.selectFrom('t').select(sql<number>`count(*)`.as('count')).executeTakeFirst();
    expect(count).toBe(6);
  });

  it('reports affected rows and returns counts as numbers', async () => {
    const db = database.db as any;
    const result = await db.updateTable('t').set({ note: 'x' }).where('id', '>=', 20).executeTakeFirst();
    expect(result.numUpdatedRows).toBe(4n);
  });

  it('delivers NOTIFY after commit and not after rollback', async () => {
    const received: string[] = [];
    const unlisten = await database.listen('mr_test_channel', (payload) => received.push(payload));
    await database.db.transaction().execute(async (trx) => notify(trx, 'mr_test_channel', 'committed'));
    await database.db
      .transaction()
      .execute(async (trx) => {
        await notify(trx, 'mr_test_channel', 'rolled-back');
        throw new Error('no');
      })
      .catch(() => {});
    await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual(['committed']);
    await unlisten();
  });

  it('recovers after a failing statement inside a transaction', async () => {
    const db = database.db as any;
    await expect(
      db.transaction().execute(async (trx: any) => {
        await trx.insertInto('t').values({ id: 500, note: 'dup' }).execute();
        await trx.insertInto('t').values({ id: 500, note: 'dup' }).execute();
      }),
    ).rejects.toThrow();
    const row = await db.selectFrom('t').select('id').where('id', '=', 500).executeTakeFirst();
    expect(row).toBeUndefined();
    await db.insertInto('t').values({ id: 501, note: 'after' }).execute();
  });
});
