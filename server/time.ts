/**
 * The one rule for time (docs/DEVELOPING.md, "Time"): instants are stored in UTC; everything a
 * person reads (pages, mails, exports, admin-facing logs) shows them in Dutch time,
 * Europe/Amsterdam, whatever the server's TZ. This is the server's only formatter for that;
 * client/shared/time.ts is the browser's. Nothing here reads the process time zone.
 */

import { badRequest } from './errors';

export const ZONE = 'Europe/Amsterdam';

const partsFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The Dutch wall-clock time of an instant. */
export function wallTime(date: Date): WallTime {
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(partsFormat.formatToParts(date).find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

function offsetAt(ms: number): number {
  const w = wallTime(new Date(ms));
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a Dutch wall-clock time (month 1–12). A time skipped by DST moves forward. */
export function fromWallTime(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  let t = asUtc - offsetAt(asUtc);
  const second = asUtc - offsetAt(t);
  if (second !== t) t = Math.min(t, second);
  return new Date(t);
}

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

const dayFormat = new Intl.DateTimeFormat('nl-NL', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: ZONE });
const dateTimeFormat = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: ZONE });
const clockFormat = new Intl.DateTimeFormat('nl-NL', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: ZONE });

/** "vrijdag 10 april 2026" (Dutch day). */
export function formatDay(date: Date): string {
  return dayFormat.format(date);
}

/** "10 apr 2026 14:30", with " (Nederlandse tijd)" when `zone` is set. */
export function formatDateTime(date: Date, options: { zone?: boolean } = {}): string {
  return dateTimeFormat.format(date) + (options.zone ? ' (Nederlandse tijd)' : '');
}

/** "14:30" in Dutch time. */
export function formatClock(date: Date): string {
  return clockFormat.format(date);
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

// Calendar days as people in the Netherlands live them, written YYYY-MM-DD ("date keys"): the
// dashboard's days, dates an admin picks (retention date, audit filters).

const DAY_MS = 24 * 60 * 60 * 1000;
const dateKeyFormat = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The Dutch calendar date (YYYY-MM-DD) of an instant. */
export function amsterdamDate(at: Date): string {
  return dateKeyFormat.format(at);
}

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

/** 00:00 Dutch time on `date` (YYYY-MM-DD), as an admin means a date; a Dutch error for anything else. */
export function amsterdamDayStart(date: string, field = 'De datum'): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (!match || year < 2000 || year > 2200 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw badRequest('invalid_date', `${field} is geen geldige datum (gebruik jjjj-mm-dd).`);
  }
  return fromWallTime(year, month, day);
}
