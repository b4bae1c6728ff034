/**
 * Dutch time, the part server and browser share (docs/DEVELOPING.md, "Time"): instants are UTC;
 * what a person reads shows them in Europe/Amsterdam, whatever the TZ of the server or browser.
 * server/time.ts and client/shared/time.ts build on this; nothing here reads the local zone.
 * Plain code, no imports.
 */

export const ZONE = 'Europe/Amsterdam';
/** Said next to times and inputs where a reader abroad (or a machine on UTC) could misread them. */
export const ZONE_LABEL = 'Nederlandse tijd';

/**
 * A formatter made on first use: building an Intl.DateTimeFormat with a time zone loads ICU data
 * (about 70 ms of a cold phone's main thread for this module's formats, which the respondent
 * page's first question does not need; issue 21).
 */
export function lazyFormat(locale: string, options: Intl.DateTimeFormatOptions): () => Intl.DateTimeFormat {
  let made: Intl.DateTimeFormat | undefined;
  return () => (made ??= new Intl.DateTimeFormat(locale, options));
}

const partsFormat = lazyFormat('en-US', {
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
  const parts = partsFormat().formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/**
 * The Dutch wall-clock time of an instant as milliseconds whose UTC fields are that wall-clock
 * time, truncated to the second as Intl does (NaN for an invalid date). Exact but slow (Intl per
 * call): server/time.ts keeps the offset per UTC hour for exports of many instants.
 */
export function wallClockMs(date: Date): number {
  if (Number.isNaN(date.getTime())) return NaN;
  const w = wallTime(date);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

function offsetAt(ms: number): number {
  return wallClockMs(new Date(ms)) - Math.floor(ms / 1000) * 1000;
}

/** The instant of a Dutch wall-clock time (month 1–12). A time skipped by DST moves forward. */
export function fromWallTime(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  let t = asUtc - offsetAt(asUtc);
  const second = asUtc - offsetAt(t);
  if (second !== t) t = Math.min(t, second);
  return new Date(t);
}

const dayFormat = lazyFormat('nl-NL', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: ZONE });
const dateTimeFormat = lazyFormat('nl-NL', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: ZONE });
const clockFormat = lazyFormat('nl-NL', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: ZONE });
const momentFormat = lazyFormat('nl-NL', { dateStyle: 'long', timeStyle: 'short', timeZone: ZONE });

/** "vrijdag 10 april 2026" (Dutch day). */
export function formatDay(date: Date): string {
  return dayFormat().format(date);
}

/** "10 apr 2026 14:30", with " (Nederlandse tijd)" when `zone` is set. */
export function formatDateTime(date: Date, options: { zone?: boolean } = {}): string {
  return dateTimeFormat().format(date) + (options.zone ? ` (${ZONE_LABEL})` : '');
}

/** "14:30" in Dutch time. */
export function formatClock(date: Date): string {
  return clockFormat().format(date);
}

/** "10 april 2026 om 14:30" in Dutch time, as running text says it (a link valid until, a respondent's page). */
export function formatMoment(date: Date): string {
  return momentFormat().format(date);
}
