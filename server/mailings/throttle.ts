import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types';
import type { RelayLimits } from '../../contract/api/mailings';

/**
 * The relay's limits (SURFmailfilter 500 an hour, Microsoft 365 30 a minute and 10,000 a day).
 * They are sliding windows over the attempts recorded in the outbox (`locked_at` is when a row
 * was last claimed for sending, or its claim last renewed by the worker's heartbeat while the
 * mail was in hand: seconds later at most), so several workers share one budget.
 */

export const WINDOWS = [
  { key: 'perMinute', ms: 60_000 },
  { key: 'perHour', ms: 3_600_000 },
  { key: 'perDay', ms: 86_400_000 },
] as const;

export function hasLimits(limits: RelayLimits): boolean {
  return limits.perMinute > 0 || limits.perHour > 0 || limits.perDay > 0;
}

/** How many mails may be claimed now; Infinity without limits. */
export async function sendBudget(db: Kysely<DB>, limits: RelayLimits, now: Date): Promise<number> {
  if (!hasLimits(limits)) return Infinity;
  const minute = new Date(now.getTime() - 60_000);
  const hour = new Date(now.getTime() - 3_600_000);
  const day = new Date(now.getTime() - 86_400_000);
  const row = await db
    .selectFrom('outbox_messages')
    .select([
      sql<number>`count(*) filter (where locked_at > ${minute})::int`.as('minute'),
      sql<number>`count(*) filter (where locked_at > ${hour})::int`.as('hour'),
      sql<number>`count(*)::int`.as('day'),
    ])
    .where('locked_at', '>', day)
    .where('locked_at', '<=', now)
    .executeTakeFirstOrThrow();
  let budget = Infinity;
  if (limits.perMinute > 0) budget = Math.min(budget, limits.perMinute - row.minute);
  if (limits.perHour > 0) budget = Math.min(budget, limits.perHour - row.hour);
  if (limits.perDay > 0) budget = Math.min(budget, limits.perDay - row.day);
  return Math.max(0, budget);
}

/** Attempts of the last day, per minute: the history an estimate starts from. */
export async function recentSends(db: Kysely<DB>, now: Date): Promise<Array<{ at: Date; count: number }>> {
  const day = new Date(now.getTime() - 86_400_000);
  const rows = await sql<{ at: Date; count: number }>`
    select date_trunc('minute', locked_at) as at, count(*)::int as count
    from outbox_messages where locked_at > ${day} and locked_at <= ${now}
    group by 1 order by 1
  `.execute(db);
  return rows.rows.map((r) => ({ at: new Date(r.at), count: r.count }));
}

/**
 * When the last of `count` mails will have been handed to the relay if sending starts at `start`
 * and the relay allows `limits`, given the sends already made (`history`). Simulates the same
 * sliding windows the worker obeys: it sends as many as every window allows, then waits until
 * the oldest send in a full window drops out. Without limits the answer is `start`; the real
 * speed is then the relay's.
 */
export function estimateFinish(start: Date, count: number, limits: RelayLimits, history: Array<{ at: Date; count: number }> = []): Date {
  if (count <= 0 || !hasLimits(limits)) return start;
  const active = WINDOWS.filter((w) => limits[w.key] > 0).map((w) => ({ ms: w.ms, limit: limits[w.key] }));
  const events = history.map((h) => ({ t: h.at.getTime(), n: h.count })).sort((a, b) => a.t - b.t);
  let t = start.getTime();
  let remaining = count;
  let guard = 0;
  while (remaining > 0) {
    if (++guard > 1_000_000) throw new Error('estimateFinish did not converge');
    let capacity = Infinity;
    let wakeAt = Infinity;
    for (const w of active) {
      let used = 0;
      let oldest = Infinity;
      for (const e of events) {
        if (e.t > t - w.ms && e.t <= t) {
          used += e.n;
          if (e.t < oldest) oldest = e.t;
        }
      }
      const free = w.limit - used;
      if (free < capacity) capacity = free;
      if (free <= 0) wakeAt = Math.min(wakeAt, oldest + w.ms);
    }
    if (capacity > 0) {
      const n = Math.min(capacity, remaining);
      events.push({ t, n });
      remaining -= n;
      if (remaining === 0) break;
      // Every window with room left is no longer the constraint; the next chance is when a
      // full window frees up.
      continue;
    }
    t = wakeAt;
  }
  return new Date(t);
}
