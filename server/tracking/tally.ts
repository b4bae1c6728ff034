import type { InvitationStatus } from '../db/types';
import type { CountRow } from './counts';
import { invitationFigures, responseRate as sharedResponseRate } from './definitions';

/**
 * What the figures mean. Everything is counted per SWV from the summary rows; excluded
 * invitations count nowhere except in `excluded`. notYetSent, invited, bounced, reached,
 * completed, erased and the response rate are defined once, in `definitions.ts`.
 *
 * - delivered: at least one message to the school has outbox status 'sent'.
 * - optedOut: opted_out_at set.
 * - opened: opened_at set, or a status that needs the link opened (opened, refused, started, completed).
 * - refused: consent refused (status refused).
 * - started: consent given (status started or completed); inProgress: started, not completed.
 * - completed: status completed.
 * - erased: the school's data was deleted on request (GDPR); it stays counted as invited (it was
 *   invited and did not respond) and counts nowhere else, whatever its status was.
 */
export interface Tally {
  notYetSent: number;
  invited: number;
  /** invited and not bounced. */
  reached: number;
  delivered: number;
  bounced: number;
  optedOut: number;
  opened: number;
  refused: number;
  started: number;
  inProgress: number;
  completed: number;
  excluded: number;
  erased: number;
  /** Completed responses per branch ('' when the response has none). */
  branches: Record<string, number>;
  /** Completions per Amsterdam calendar day (YYYY-MM-DD, or 'onbekend'). */
  days: Record<string, number>;
}

/** The counting figures of a tally, in the order the funnel shows them. */
export const TALLY_COUNTS = [
  'notYetSent',
  'invited',
  'reached',
  'delivered',
  'bounced',
  'optedOut',
  'opened',
  'refused',
  'started',
  'inProgress',
  'completed',
  'excluded',
  'erased',
] as const;
export type TallyCounts = Pick<Tally, (typeof TALLY_COUNTS)[number]>;

/** Only the counting figures (no branches, no days). */
export function countsOf(t: TallyCounts): TallyCounts {
  return Object.fromEntries(TALLY_COUNTS.map((k) => [k, t[k]])) as TallyCounts;
}

export function emptyTally(): Tally {
  return { ...(Object.fromEntries(TALLY_COUNTS.map((k) => [k, 0])) as TallyCounts), branches: {}, days: {} };
}

const STATUSES = new Set<string>(['pending', 'invited', 'opened', 'refused', 'started', 'completed']);
const OPENED_STATUSES = new Set<string>(['opened', 'refused', 'started', 'completed']);

export interface InvitationKey {
  status: InvitationStatus;
  invited: boolean;
  excluded: boolean;
  bounced: boolean;
  optedOut: boolean;
  opened: boolean;
  erased: boolean;
}

/** Decodes `status:ixbuoe` as written by tracking_invitation_key() (a '-' for each unset flag). */
export function decodeInvitationKey(key: string): InvitationKey | null {
  const match = /^([a-z]+):([i-])([x-])([b-])([u-])([o-])([e-])$/.exec(key);
  if (!match || !STATUSES.has(match[1]!)) return null;
  return {
    status: match[1] as InvitationStatus,
    invited: match[2] === 'i',
    excluded: match[3] === 'x',
    bounced: match[4] === 'b',
    optedOut: match[5] === 'u',
    opened: match[6] === 'o',
    erased: match[7] === 'e',
  };
}

export function addInvitations(tally: Tally, key: InvitationKey, n: number): void {
  const f = invitationFigures(key);
  if (f.erased) {
    tally.invited += n;
    tally.reached += n;
    tally.erased += n;
    return;
  }
  if (f.excluded) {
    tally.excluded += n;
    return;
  }
  const { status } = key;
  if (f.notYetSent) tally.notYetSent += n;
  if (f.invited) tally.invited += n;
  if (f.reached) tally.reached += n;
  if (f.bounced) tally.bounced += n;
  if (key.optedOut) tally.optedOut += n;
  if (key.opened || OPENED_STATUSES.has(status)) tally.opened += n;
  if (status === 'refused') tally.refused += n;
  if (status === 'started' || status === 'completed') tally.started += n;
  if (status === 'started') tally.inProgress += n;
  if (f.completed) tally.completed += n;
}

/** Per-SWV tallies from a round's summary rows. */
export function tallyBySwv(rows: CountRow[]): Map<number, Tally> {
  const bySwv = new Map<number, Tally>();
  const get = (swvId: number) => {
    let tally = bySwv.get(swvId);
    if (!tally) bySwv.set(swvId, (tally = emptyTally()));
    return tally;
  };
  for (const row of rows) {
    const tally = get(row.swvId);
    switch (row.facet) {
      case 'invitation': {
        const key = decodeInvitationKey(row.key);
        if (key) addInvitations(tally, key, row.n);
        break;
      }
      // Keys ending in ':x' belong to excluded invitations, which count nowhere.
      case 'delivery':
        if (row.key === 'sent') tally.delivered += row.n;
        break;
      case 'response':
        if (!row.key.endsWith(':x')) tally.branches[row.key] = (tally.branches[row.key] ?? 0) + row.n;
        break;
      case 'day':
        if (!row.key.endsWith(':x')) tally.days[row.key] = (tally.days[row.key] ?? 0) + row.n;
        break;
    }
  }
  return bySwv;
}

export function sumTallies(tallies: Iterable<Tally>): Tally {
  const total = emptyTally();
  for (const t of tallies) {
    total.notYetSent += t.notYetSent;
    total.invited += t.invited;
    total.reached += t.reached;
    total.delivered += t.delivered;
    total.bounced += t.bounced;
    total.optedOut += t.optedOut;
    total.opened += t.opened;
    total.refused += t.refused;
    total.started += t.started;
    total.inProgress += t.inProgress;
    total.completed += t.completed;
    total.excluded += t.excluded;
    total.erased += t.erased;
    for (const [k, n] of Object.entries(t.branches)) total.branches[k] = (total.branches[k] ?? 0) + n;
    for (const [k, n] of Object.entries(t.days)) total.days[k] = (total.days[k] ?? 0) + n;
  }
  return total;
}

/** completed ÷ invited (definitions.ts). */
export const responseRate = sharedResponseRate;
