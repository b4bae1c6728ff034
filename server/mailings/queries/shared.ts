import type { OutboxStatus } from '../../db/types';

export const emptyCounts = (): Record<OutboxStatus, number> => ({ pending: 0, sending: 0, sent: 0, failed: 0, bounced: 0, cancelled: 0 });
export const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
