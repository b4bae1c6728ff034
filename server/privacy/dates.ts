import { badRequest } from '../errors';

/**
 * Calendar dates the admin picks (retention date, audit filters) are days in the Netherlands:
 * a date means 00:00 Europe/Amsterdam of that day.
 */
const ZONE = 'Europe/Amsterdam';

const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' });
const dateFormat = new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** Minutes Amsterdam is ahead of UTC at `at` (60 or 120). */
function amsterdamOffsetMinutes(at: Date): number {
  const name = offsetFormat.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/** 00:00 in Amsterdam on `date` (YYYY-MM-DD); throws a Dutch error for anything else. */
export function amsterdamDayStart(date: string, field = 'De datum'): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const year = Number(match?.[1]);
  const month = Number(match?.[2]);
  const day = Number(match?.[3]);
  const utcMidnight = Date.UTC(year, month - 1, day);
  const check = new Date(utcMidnight);
  if (!match || year < 2000 || year > 2200 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw badRequest('invalid_date', `${field} is geen geldige datum (gebruik jjjj-mm-dd).`);
  }
  // Amsterdam changes its clock at 02:00/03:00, never around midnight, so one lookup suffices.
  return new Date(utcMidnight - amsterdamOffsetMinutes(new Date(utcMidnight)) * 60_000);
}

/** The Amsterdam calendar date (YYYY-MM-DD) of an instant. */
export function amsterdamDate(at: Date): string {
  return dateFormat.format(at);
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
