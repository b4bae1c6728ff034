import type { MailingTarget, MailingView, OutboxRow, TargetStatus } from '../../../../contract/api/mailings';
import { SCHOOL_KINDS, SITUATION_IN_TEXT } from '../../../../contract/vocabulary';
export { OUTBOX_STATUS_LABELS } from '../../../../contract/vocabulary';
/** Dutch labels and date formatting for the mail pages. */

export type MailingKind = MailingView['kind'];
export type MailingStatus = MailingView['status'];
export type OutboxStatus = OutboxRow['status'];
export type { TargetStatus };

export const KIND_LABELS: Record<MailingKind, string> = { invitation: 'Uitnodiging', reminder: 'Herinnering' };
export const MAILING_STATUS_LABELS: Record<MailingStatus, string> = {
  scheduled: 'gepland',
  sending: 'wordt verstuurd',
  sent: 'verstuurd',
  cancelled: 'geannuleerd',
};
export const TARGET_LABELS: Record<TargetStatus, string> = {
  'not-invited': 'nog niet uitgenodigd',
  'not-started': 'nog niet begonnen',
  'started-not-completed': 'begonnen, niet afgerond',
  'not-completed': 'iedereen die nog niet heeft afgerond',
};
export const SITUATION_LABELS: Record<string, string> = SITUATION_IN_TEXT;
export const SECTORS = SCHOOL_KINDS;


/** The relay's throttle in words: "500 per uur, 10000 per dag". */
export function limitsText(l: { perMinute: number; perHour: number; perDay: number }): string {
  const n = (v: number) => v.toLocaleString('nl-NL');
  const parts = [l.perMinute ? `${n(l.perMinute)} per minuut` : '', l.perHour ? `${n(l.perHour)} per uur` : '', l.perDay ? `${n(l.perDay)} per dag` : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : 'geen limiet ingesteld: zo snel als de mailserver ze aanneemt';
}

/** A wave's target as the server sends it. */
export type Target = MailingTarget;

export function describeTarget(target: Target, swvNames: Map<number, string>): string {
  const parts = [TARGET_LABELS[target.status] ?? target.status];
  if (target.swvIds?.length) parts.push(`SWV: ${target.swvIds.map((id) => swvNames.get(id) ?? `#${id}`).join(', ')}`);
  if (target.situations?.length) parts.push(`situatie: ${target.situations.map((s) => SITUATION_LABELS[s] ?? s).join(', ')}`);
  if (target.sectors?.length) parts.push(`sector: ${target.sectors.join(', ')}`);
  if (target.provinces?.length) parts.push(`provincie: ${target.provinces.join(', ')}`);
  if (target.denominations?.length) parts.push(`denominatie: ${target.denominations.join(', ')}`);
  return parts.join('; ');
}
