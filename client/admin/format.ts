/** Dates and times as Dutch users read them, always in Dutch time. */
const dateTime = new Intl.DateTimeFormat('nl-NL', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Amsterdam' });
const dateOnly = new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeZone: 'Europe/Amsterdam' });

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** A calendar date given as YYYY-MM-DD. */
export function formatDate(day: string | null | undefined): string {
  return day ? dateOnly.format(new Date(`${day}T12:00:00Z`)) : '—';
}
