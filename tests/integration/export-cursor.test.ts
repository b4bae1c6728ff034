import { sql, type Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { openPostgres, type Database } from '../../server/db/database';
import type { DB } from '../../server/db/types';
import { queryBatches } from '../../server/exports/export';
import { describeEachDatabase } from '../helpers/db';

/**
 * An export reads its rows through a cursor that reads one batch ahead (queryBatches). A download
 * broken off, or an export that fails half-way, must still close that cursor and give its
 * connection back: otherwise every broken download holds one of the pool's connections for good.
 * On PostgreSQL the pool here has one connection, so a connection not given back makes the next
 * query wait for ever (PGlite has one connection anyway).
 */
describeEachDatabase('export cursor', (getDatabase, kind) => {
  const numbers = (db: Kysely<DB>, count: number) => ({
    compile: () => sql<{ n: number }>`select g::int as n from generate_series(1, ${count}::int) g`.compile(db),
  });
  /** The answer to a query on the same pool, or a failure after 5 s (the connection was not given back). */
  const stillAnswers = async (db: Kysely<DB>) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the connection was not given back')), 5_000);
    });
    try {
      return await Promise.race([sql<{ one: number }>`select 1::int as one`.execute(db).then((r) => r.rows), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const withOneConnection = async (run: (db: Kysely<DB>) => Promise<void>) => {
    const base = getDatabase();
    const database: Database = kind === 'postgres' ? openPostgres(base.url!, { max: 1 }) : base;
    try {
      await run(database.db);
    } finally {
      if (database !== base) await database.close();
    }
  };

  it('gives every row in batches of the asked size, in order', async () => {
    await withOneConnection(async (db) => {
      const sizes: number[] = [];
      let last = 0;
      let ordered = true;
      for await (const batch of queryBatches(db, numbers(db, 1_050), 100)) {
        sizes.push(batch.length);
        for (const row of batch) ordered &&= row.n === ++last;
      }
      expect(ordered).toBe(true);
      expect(last).toBe(1_050);
      expect(sizes).toEqual([...Array(10).fill(100), 50]);
      expect(await stillAnswers(db)).toEqual([{ one: 1 }]);
    });
  });

  it('closes the cursor and gives the connection back when the reader stops half-way (a download broken off)', async () => {
    await withOneConnection(async (db) => {
      let seen = 0;
      for await (const batch of queryBatches(db, numbers(db, 5_000), 100)) {
        seen += batch.length;
        if (seen >= 300) break;
      }
      expect(seen).toBe(300);
      expect(await stillAnswers(db)).toEqual([{ one: 1 }]);
    });
  });

  it('closes the cursor and gives the connection back when writing the file fails half-way', async () => {
    await withOneConnection(async (db) => {
      let seen = 0;
      await expect(
        (async () => {
          for await (const batch of queryBatches(db, numbers(db, 5_000), 100)) {
            seen += batch.length;
            if (seen >= 200) throw new Error('the file could not be written');
          }
        })(),
      ).rejects.toThrow('the file could not be written');
      expect(seen).toBe(200);
      expect(await stillAnswers(db)).toEqual([{ one: 1 }]);
    });
  });
});
