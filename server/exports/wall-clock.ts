/**
 * Dutch wall-clock time for exports, fast (issue 21): an export of 100,000 responses formats two
 * instants per row, and Intl.DateTimeFormat per value was a visible part of the CSV export's
 * profile. Europe/Amsterdam changes its offset only at whole UTC hours (01:00 UTC, the last Sunday
 * of March and of October, since 1977; before that also at whole hours), so the offset is the same
 * for every instant of a UTC hour: it is asked of Intl once per UTC hour and kept. Instants before
 * 1970 (local mean time before 1940 had an offset of 19 minutes 32 seconds, whose changes fell
 * mid-hour) are still formatted by Intl. tests/unit/wall-clock.test.ts compares both with Intl
 * for every hour of several years, DST changes included.
 */

const ZONE = 'Europe/Amsterdam';
const HOUR_MS = 3_600_000;
const CACHE_SIZE = 200_000; // ~23 years of hours

const parts = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** Milliseconds of the Dutch wall clock minus UTC at `ms`, by Intl (whole seconds). */
function intlWallMs(ms: number): number {
  const p = parts.formatToParts(new Date(ms));
  const get = (type: string) => Number(p.find((x) => x.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

const offsets = new Map<number, number>();

/**
 * The Dutch wall-clock time of an instant, as milliseconds whose UTC fields are that wall-clock
 * time, truncated to the second as Intl does; NaN for an invalid date.
 */
export function amsterdamWallMs(date: Date): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return NaN;
  const seconds = Math.floor(ms / 1000) * 1000;
  if (ms < 0) return intlWallMs(seconds);
  const hour = Math.floor(ms / HOUR_MS);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    const start = hour * HOUR_MS;
    offset = intlWallMs(start) - start;
    if (offsets.size >= CACHE_SIZE) offsets.clear();
    offsets.set(hour, offset);
  }
  return seconds + offset;
}

/** "2026-03-05 14:45:10": the wall-clock time in the Netherlands (as `sv-SE` formats it). */
export function formatAmsterdam(date: Date): string {
  const wall = amsterdamWallMs(date);
  if (Number.isNaN(wall)) throw new RangeError('Invalid time value');
  const d = new Date(wall);
  const year = d.getUTCFullYear();
  if (year < 1000 || year > 9999) {
    return `${String(year).padStart(4, '0')}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
