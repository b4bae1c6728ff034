/** Calendar days as the researchers live them: Europe/Amsterdam, written YYYY-MM-DD. */

const dayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Amsterdam',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export function amsterdamDate(at: Date): string {
  return dayFormat.format(at);
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function isDateKey(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value);
}

/** The day `days` after `date` (both YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

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
