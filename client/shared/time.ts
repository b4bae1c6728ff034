/**
 * The one rule for time on the browser side (docs/DEVELOPING.md, "Time"): the API speaks UTC
 * instants; every page shows them in Dutch time (Europe/Amsterdam), whatever the browser's time
 * zone, and date/time inputs are read as Dutch time too. The shared part (zone, wall time, formats) is
 * contract/time.ts, which server/time.ts builds on too.
 */

import { formatClock as formatClockOf, formatDateTime as formatDateTimeOf, formatDay, formatMoment as formatMomentOf, fromWallTime, lazyFormat, wallTime, ZONE } from '../../contract/time';

export { ZONE, ZONE_LABEL, fromWallTime } from '../../contract/time';

const pad = (n: number) => String(n).padStart(2, '0');
const toDate = (value: string | Date) => (value instanceof Date ? value : new Date(value));

const dateFormat = lazyFormat('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: ZONE });

/** "10 apr 2026 14:30" in Dutch time; a dash without a value. `zone` adds "(Nederlandse tijd)". */
export function formatDateTime(value: string | Date | null | undefined, options: { zone?: boolean } = {}): string {
  if (!value) return '—';
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return '—';
  return formatDateTimeOf(date, options);
}

/** "10 april 2026": the Dutch day of an instant. */
export function formatDate(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const date = toDate(value);
  return Number.isNaN(date.getTime()) ? '—' : dateFormat().format(date);
}

const dayShortFormat = lazyFormat('nl-NL', { weekday: 'short', day: 'numeric', month: 'short', timeZone: ZONE });
/** Noon, Dutch time, of a calendar day given as YYYY-MM-DD: an instant that falls on that day. */
const middayOf = (day: string) => fromWallTime(Number(day.slice(0, 4)), Number(day.slice(5, 7)), Number(day.slice(8, 10)), 12);

/** A calendar day given as YYYY-MM-DD (no instant, so no zone): "10 april 2026". */
export function formatCalendarDay(day: string | null | undefined): string {
  return day ? dateFormat().format(middayOf(day)) : '—';
}

/** A calendar day given as YYYY-MM-DD, short, for chart axes: "ma 2 mrt". */
export function formatCalendarDayShort(day: string): string {
  return dayShortFormat().format(middayOf(day));
}

/** "14:30" in Dutch time. */
export function formatClock(value: string | Date): string {
  return formatClockOf(toDate(value));
}

/** "10 april 2026 om 14:30" (Dutch time), as the respondent's pages say it; empty without a value. */
export function formatMoment(value: string | null | undefined): string {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : formatMomentOf(date);
}

/**
 * A round's closing moment as schools read it: "vrijdag 10 april 2026 (tot en met)" when it
 * closes at the end of a day, else with the time.
 */
export function formatCloseMoment(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const date = toDate(value);
  const w = wallTime(date);
  if (w.hour === 0 && w.minute === 0) return `t/m ${formatDay(new Date(date.getTime() - 1))}`;
  if (w.hour === 23 && w.minute === 59) return `t/m ${formatDay(date)}`;
  return `${formatDay(date)}, ${formatClockOf(date)} uur`;
}

/** The value of a `datetime-local` input for an instant, in Dutch time. */
export function toDateTimeInput(value: string | Date): string {
  const w = wallTime(toDate(value));
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** A `datetime-local` input's value, read as Dutch time; null when it is not a time. */
export function fromDateTimeInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  return fromWallTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).toISOString();
}

/** The value of a `date` input: the Dutch day of an instant. */
export function toDateInput(value: string | Date | null | undefined): string {
  if (!value) return '';
  const w = wallTime(toDate(value));
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** The value of a `time` input (Dutch time). */
export function toTimeInput(value: string | Date | null | undefined): string {
  if (!value) return '';
  const w = wallTime(toDate(value));
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/**
 * A `date` input's day (and optional `time` input) as an instant, read as Dutch time. Opening
 * without a time: 08:00. Closing without a time: the end of that day (the next midnight), the
 * moment the mail's "open tot en met <dag>" promises.
 */
export function fromDateInput(value: string, kind: 'opens' | 'closes', time?: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = time ? /^(\d{2}):(\d{2})/.exec(time) : null;
  if (t) return fromWallTime(year, month, day, Number(t[1]), Number(t[2])).toISOString();
  if (kind === 'opens') return fromWallTime(year, month, day, 8, 0).toISOString();
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return fromWallTime(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()).toISOString();
}

/** The day a closing moment belongs to, for a `date` input: a midnight close belongs to the day before. */
export function closeDayInput(value: string | null | undefined): { day: string; time: string } {
  if (!value) return { day: '', time: '' };
  const date = new Date(value);
  const w = wallTime(date);
  if (w.hour === 0 && w.minute === 0) return { day: toDateInput(new Date(date.getTime() - 1)), time: '' };
  if (w.hour === 23 && w.minute === 59) return { day: toDateInput(date), time: '' };
  return { day: toDateInput(date), time: toTimeInput(date) };
}
