/** Dutch number formats for the tracking pages: 1.380, 17,3% (days: client/shared/time.ts). */

const count = new Intl.NumberFormat('nl-NL');
const percent = new Intl.NumberFormat('nl-NL', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
export function formatCount(n: number): string {
  return count.format(n);
}

/** A share as a Dutch percentage with one decimal (17,3%); a dash when there is nothing to divide by. */
export function formatRate(rate: number | null): string {
  return rate === null ? '–' : percent.format(rate);
}

