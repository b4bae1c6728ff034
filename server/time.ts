/**
 * The one rule for time (docs/DEVELOPING.md, "Time"): instants are stored in UTC; everything a
 * person reads (pages, mails, exports, admin-facing logs) shows them in Dutch time,
 * Europe/Amsterdam, whatever the server's TZ. This is the server's only formatter for that;
 * contract/time.ts holds the part it shares with the browser's client/shared/time.ts. Nothing
 * here reads the process time zone.
 */

import { formatClock, formatDay, fromWallTime, wallTime } from '../contract/time';

export { ZONE, ZONE_LABEL, wallTime, fromWallTime, formatDay, formatDateTime, formatClock, type WallTime } from '../contract/time';

/** Whether an instant is a Dutch midnight (or 23:59, how older rounds stored "end of day"). */
export function isEndOfDay(date: Date): boolean {
  const w = wallTime(date);
  return (w.hour === 0 && w.minute === 0) || (w.hour === 23 && w.minute === 59);
}

/**
 * The end of the Dutch day an instant falls on: the next Dutch midnight (a midnight itself
 * stays). A round's default closing moment: the whole day the mail names is open.
 */
export function endOfDay(date: Date): Date {
  const w = wallTime(date);
  if (w.hour === 0 && w.minute === 0 && w.second === 0 && date.getUTCMilliseconds() === 0) return date;
  const next = new Date(Date.UTC(w.year, w.month - 1, w.day + 1));
  return fromWallTime(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate());
}

/**
 * A round's closing moment as a mail names it after "open tot en met": a round that closes at
 * the end of a day ("vrijdag 10 april 2026"), one the admin gave a time ("vrijdag 10 april 2026,
 * 17:00 uur").
 */
export function formatCloseMoment(closesAt: Date | null): string {
  if (!closesAt) return 'het einde van de meting';
  const w = wallTime(closesAt);
  if (w.hour === 0 && w.minute === 0) return formatDay(new Date(closesAt.getTime() - 1));
  if (w.hour === 23 && w.minute === 59) return formatDay(closesAt);
  return `${formatDay(closesAt)}, ${formatClock(closesAt)} uur`;
}
