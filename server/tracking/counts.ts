import { tryRoundLockSql } from '../db/locks';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/types';

/**
 * Reading the trigger-kept summary of migrations/0007_tracking.ts. Rows are
 * (swv, facet, key, n); `tally.ts` turns them into figures.
 */
export type Facet = 'invitation' | 'day' | 'response' | 'delivery';

export interface CountRow {
  swvId: number;
  facet: Facet;
  key: string;
  n: number;
}

/** The NOTIFY channel the tracking triggers send a round id on, for every change of a round. */
export const ROUND_CHANNEL = 'meetronde_round_changes';

/**
 * Folds a round's deltas into its counts, in one statement (so atomically). Concurrent writers
 * keep appending deltas meanwhile; the ones not yet committed stay for the next fold. Skips
 * (rather than waits) when another session is folding the same round: reading counts + deltas is
 * correct either way. Rows that fold to zero stay (their number is bounded by the keys); readers
 * leave them out.
 */
export async function compactRound(db: Kysely<DB>, roundId: number): Promise<void> {
  await sql`
    with got_lock as (
      select ${tryRoundLockSql('trackingCompaction', roundId)} as ok
    ),
    moved as (
      delete from tracking_deltas
      where round_id = ${roundId} and (select ok from got_lock)
      returning swv_id, facet, key, n
    )
    insert into tracking_counts as c (round_id, swv_id, facet, key, n)
    select ${roundId}::int, swv_id, facet, key, sum(n)::int from moved group by swv_id, facet, key
    on conflict (round_id, swv_id, facet, key) do update set n = c.n + excluded.n
  `.execute(db);
}

/** The round's counts per SWV, facet and key (zero rows left out); of one SWV when given. */
export async function readCounts(db: Kysely<DB>, roundId: number, swvId?: number): Promise<CountRow[]> {
  const oneSwv = swvId === undefined ? sql`` : sql` and swv_id = ${swvId}`;
  const result = await sql<{ swv_id: number; facet: Facet; key: string; n: number }>`
    select swv_id, facet, key, sum(n)::int as n
    from (
      select swv_id, facet, key, n from tracking_counts where round_id = ${roundId}${oneSwv}
      union all
      select swv_id, facet, key, n from tracking_deltas where round_id = ${roundId}${oneSwv}
    ) t
    group by swv_id, facet, key
    having sum(n) <> 0
  `.execute(db);
  return result.rows.map((r) => ({ swvId: r.swv_id, facet: r.facet, key: r.key, n: r.n }));
}

/** Compacts and reads; what every aggregate starts from. */
export async function loadCounts(db: Kysely<DB>, roundId: number, swvId?: number): Promise<CountRow[]> {
  await compactRound(db, roundId);
  return readCounts(db, roundId, swvId);
}

/** Recounts a round from the core tables (after a bulk load with triggers off), in the caller's transaction. */
export async function rebuildRound(trx: Transaction<DB>, roundId: number): Promise<void> {
  await sql`select tracking_rebuild(${roundId}::int)`.execute(trx);
}
