import { addDays, daysBetween, isDateKey } from '../time';

/** The dashboard's timeline: completions per Dutch day (days as in server/time.ts). */

/** Longest timeline drawn; a stray date far in the past must not make a chart of decades. */
export const MAX_TIMELINE_DAYS = 370;

/**
 * Every day from `start` to `end` with its completions and the running total. Completions before
 * a (capped) start are folded into the first day's running total so the total stays right.
 */
export function dailySeries(days: Record<string, number>, start: string, end: string): Array<{ date: string; completed: number; cumulative: number }> {
  let from = start;
  if (daysBetween(from, end) > MAX_TIMELINE_DAYS) from = addDays(end, -MAX_TIMELINE_DAYS);
  if (daysBetween(from, end) < 0) from = end;
  let cumulative = 0;
  for (const [date, n] of Object.entries(days)) if (isDateKey(date) && date < from) cumulative += n;
  const out: Array<{ date: string; completed: number; cumulative: number }> = [];
  for (let date = from; date <= end; date = addDays(date, 1)) {
    const completed = days[date] ?? 0;
    cumulative += completed;
    out.push({ date, completed, cumulative });
  }
  return out;
}
