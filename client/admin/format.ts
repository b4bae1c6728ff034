/** Dates and times as Dutch users read them, always in Dutch time (client/shared/time.ts). */
export { formatDateTime, formatCalendarDay as formatDate } from '../shared/time';
