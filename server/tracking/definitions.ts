import { sql, type RawBuilder } from 'kysely';
import type { InvitationStatus } from '../db/types';

/**
 * The one definition of the response figures. Every place that shows how many schools were
 * invited, reached, bounced or responded uses this module: the dashboard and its CSV
 * (tally.ts), the SWV view (swv-view.ts), the report tables (exports/report-tables.ts) and the
 * representativeness panel (analysis/representativeness.ts). docs/response-figures.md explains
 * the choices.
 *
 * - excluded: excluded_at set and not erased. Counts nowhere else.
 * - erased: the school's data was deleted on request (GDPR). It was invited and did not respond
 *   (its answers are gone), so it counts as invited and nowhere else.
 * - invited: not excluded, and an invitation mail was attempted: the relay accepted it
 *   (invited_at, or a status past 'pending') or refused it for good (bounced_at). A school whose
 *   invitation is still queued (a throttled wave) or that has no address is "not yet sent".
 * - bounced: invited and bounced_at set (the relay refused, or a later DSN said the address
 *   does not exist). Bounced schools stay in the denominator: they belong to the sample and did
 *   not respond; the figure is shown beside the rate, not subtracted from it.
 * - reached: invited and not bounced (so reached + bounced = invited, erased schools included).
 * - completed: not excluded, not erased, status 'completed'.
 * - response rate: completed ÷ invited.
 */

export interface InvitationFacts {
  status: InvitationStatus;
  invited: boolean;
  bounced: boolean;
  excluded: boolean;
  erased: boolean;
}

export interface InvitationFigures {
  /** Counted in the round at all (not excluded, or erased). */
  counted: boolean;
  excluded: boolean;
  erased: boolean;
  notYetSent: boolean;
  invited: boolean;
  bounced: boolean;
  reached: boolean;
  completed: boolean;
}

/** Where one invitation counts. */
export function invitationFigures(f: InvitationFacts): InvitationFigures {
  if (f.erased) {
    return { counted: true, excluded: false, erased: true, notYetSent: false, invited: true, bounced: false, reached: true, completed: false };
  }
  if (f.excluded) {
    return { counted: false, excluded: true, erased: false, notYetSent: false, invited: false, bounced: false, reached: false, completed: false };
  }
  const invited = f.invited || f.bounced || f.status !== 'pending';
  const bounced = invited && f.bounced;
  return {
    counted: true,
    excluded: false,
    erased: false,
    notYetSent: !invited,
    invited,
    bounced,
    reached: invited && !bounced,
    completed: f.status === 'completed',
  };
}

/** The facts of an invitation row. */
export function factsOfRow(row: {
  status: InvitationStatus;
  invited_at: Date | null;
  bounced_at: Date | null;
  excluded_at: Date | null;
  erased_at: Date | null;
}): InvitationFacts {
  return {
    status: row.status,
    invited: row.invited_at !== null,
    bounced: row.bounced_at !== null,
    excluded: row.excluded_at !== null,
    erased: row.erased_at !== null,
  };
}

/** completed ÷ invited, or null before anyone was invited. */
export function responseRate(completed: number, invited: number): number | null {
  return invited > 0 ? completed / invited : null;
}

/**
 * The same definitions as SQL boolean expressions over an `invitations` row under `alias`, for
 * queries that count the core table directly (report tables, representativeness).
 */
export function invitedSql(alias: string): RawBuilder<boolean> {
  const a = sql.ref(alias);
  return sql<boolean>`(${a}.erased_at is not null or (${a}.excluded_at is null and (${a}.invited_at is not null or ${a}.bounced_at is not null or ${a}.status <> 'pending')))`;
}

export function completedSql(alias: string): RawBuilder<boolean> {
  const a = sql.ref(alias);
  return sql<boolean>`(${a}.erased_at is null and ${a}.excluded_at is null and ${a}.status = 'completed')`;
}
