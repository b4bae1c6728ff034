/** Dutch number and date formats for the tracking pages: 1.380, 17,3%, ma 2 mrt. */

const count = new Intl.NumberFormat('nl-NL');
const percent = new Intl.NumberFormat('nl-NL', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const dayShort = new Intl.DateTimeFormat('nl-NL', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayLong = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
export function formatCount(n: number): string {
  return count.format(n);
}

/** A share as a Dutch percentage with one decimal (17,3%); a dash when there is nothing to divide by. */
export function formatRate(rate: number | null): string {
  return rate === null ? '–' : percent.format(rate);
}

/** A calendar day (YYYY-MM-DD) as "ma 2 mrt". */
export function formatDay(date: string): string {
  return dayShort.format(new Date(`${date}T00:00:00Z`));
}

export function formatDayLong(date: string): string {
  return dayLong.format(new Date(`${date}T00:00:00Z`));
}
