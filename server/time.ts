/**
 * The one rule for time (docs/DEVELOPING.md, "Time"): instants are stored in UTC; everything a
 * person reads (pages, mails, exports, admin-facing logs) shows them in Dutch time,
 * Europe/Amsterdam, whatever the server's TZ. This is the server's only formatter for that;
 * contract/time.ts holds the part it shares with the browser's client/shared/time.ts. Nothing
 * here reads the process time zone.
 */

import { badRequest } from './errors';
import { formatClock, formatDay, fromWallTime, wallClockMs, wallTime, ZONE } from '../contract/time';

export { ZONE, ZONE_LABEL, wallTime, wallClockMs, fromWallTime, formatDay, formatDateTime, formatClock, formatMoment, type WallTime } from '../contract/time';

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

// Wall-clock time of many instants (exports, issue 21): an export of 100,000 responses formats two
// instants per row, and Intl per value was a visible part of its profile. Europe/Amsterdam changes
// its offset only at whole UTC hours (01:00 UTC, the last Sunday of March and of October, since
// 1977; before that also at whole hours), so the offset is the same for every instant of a UTC
// hour: it is asked of Intl (wallClockMs) once per UTC hour and kept. Instants before 1970 (local
// mean time before 1940 had an offset of 19 minutes 32 seconds, whose changes fell mid-hour) are
// asked of Intl each time. tests/unit/wall-clock.test.ts compares both with Intl for every hour of
// several years, DST changes included.

const HOUR_MS = 3_600_000;
const OFFSET_CACHE_SIZE = 200_000; // ~23 years of hours
const offsets = new Map<number, number>();

/** wallClockMs, the same to the millisecond, with Intl asked once per UTC hour (from 1970). */
export function amsterdamWallMs(date: Date): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return NaN;
  const seconds = Math.floor(ms / 1000) * 1000;
  if (ms < 0) return wallClockMs(new Date(seconds));
  const hour = Math.floor(ms / HOUR_MS);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    const start = hour * HOUR_MS;
    offset = wallClockMs(new Date(start)) - start;
    if (offsets.size >= OFFSET_CACHE_SIZE) offsets.clear();
    offsets.set(hour, offset);
  }
  return seconds + offset;
}

/**
 * "2026-03-05 14:45:10": the wall-clock time in the Netherlands (as `sv-SE` formats it), for exports.
 * An export formats two instants per row (issue 21): the date part is kept for the day last
 * formatted and the time is put together from two-digit strings, instead of an ISO string per call.
 */
export function formatAmsterdam(date: Date): string {
  const wall = amsterdamWallMs(date);
  if (Number.isNaN(wall)) throw new RangeError('Invalid time value');
  const day = Math.floor(wall / DAY_MS);
  if (day !== formattedDay) {
    const d = new Date(day * DAY_MS);
    const year = d.getUTCFullYear();
    if (year < 1000 || year > 9999) {
      const t = new Date(wall);
      return `${String(year).padStart(4, '0')}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
    }
    formattedDayText = `${d.toISOString().slice(0, 10)} `;
    formattedDay = day;
  }
  const second = Math.floor((wall - day * DAY_MS) / 1000);
  return formattedDayText + TWO_DIGITS[Math.floor(second / 3600)]! + ':' + TWO_DIGITS[Math.floor(second / 60) % 60]! + ':' + TWO_DIGITS[second % 60]!;
}

let formattedDay = NaN;
let formattedDayText = '';
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => (n < 10 ? `0${n}` : String(n)));
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
