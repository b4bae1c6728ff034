import { sql, type Kysely } from 'kysely';
import { randomToken, sha256 } from '../crypto';
import type { DB, InvitationStatus } from '../db/types';
import { badRequest } from '../errors';
import { loadCounts } from './counts';
import { amsterdamDate, isDateKey } from '../time';
import { dailySeries } from './timeline';
import { loadRoundInfo } from './dashboard';
import { situationLabel } from '../../contract/vocabulary';
import { factsOfRow, invitationFigures, responseRate } from './definitions';
import { tallyBySwv } from './tally';
import type { SwvLinkInfo, SwvViewSnapshot } from '../../contract/api/tracking';
import type { SchoolState } from '../../contract/vocabulary';

/**
 * Read-only links for an SWV's project leader. The link is /v/<token>; the database keeps only
 * sha256(token), so a database reader cannot open a view. A link shows one SWV in one round and
 * reads nothing but invitation statuses and school names: never answers.
 */

export interface SwvLink {
  id: number;
  roundId: number;
  swvId: number;
}

export function swvViewUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/v/${token}`;
}

/** What to look an incoming token up by; null for anything that cannot be one of our tokens. */
function lookupHash(token: string): string | null {
  return /^[A-Za-z0-9_-]{24}$/.test(token) ? sha256(token) : null;
}

export async function createSwvLink(
  db: Kysely<DB>,
  input: { roundId: number; swvId: number; label: string | null; createdBy: number | null; now: Date },
): Promise<{ id: number; token: string }> {
  const member = await db
    .selectFrom('round_swvs')
    .select('swv_id')
    .where('round_id', '=', input.roundId)
    .where('swv_id', '=', input.swvId)
    .executeTakeFirst();
  if (!member) {
    throw badRequest('swv_not_in_round', 'Dit samenwerkingsverband doet niet mee aan deze meting.');
  }
  const token = randomToken(18);
  const row = await db
    .insertInto('swv_view_links')
    .values({
      round_id: input.roundId,
      swv_id: input.swvId,
      token_hash: sha256(token),
      label: input.label,
      created_by: input.createdBy,
      created_at: input.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

export async function listSwvLinks(db: Kysely<DB>, roundId: number): Promise<SwvLinkInfo[]> {
  const rows = await db
    .selectFrom('swv_view_links as l')
    .innerJoin('swvs as s', 's.id', 'l.swv_id')
    .select(['l.id', 'l.swv_id', 's.code', 's.name', 'l.label', 'l.created_at', 'l.revoked_at', 'l.last_used_at'])
    .where('l.round_id', '=', roundId)
    .orderBy('l.created_at', 'desc')
    .orderBy('l.id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    swvId: r.swv_id,
    swvCode: r.code,
    swvName: r.name,
    label: r.label,
    createdAt: r.created_at.toISOString(),
    revokedAt: r.revoked_at?.toISOString() ?? null,
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
  }));
}

/** Revokes a link (idempotent). Returns its round and SWV, or null when there is no such link. */
export async function revokeSwvLink(db: Kysely<DB>, linkId: number, now: Date): Promise<SwvLink | null> {
  const row = await db
    .updateTable('swv_view_links')
    .set({ revoked_at: now })
    .where('id', '=', linkId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'round_id', 'swv_id'])
    .executeTakeFirst();
  if (row) return { id: row.id, roundId: row.round_id, swvId: row.swv_id };
  const existing = await db.selectFrom('swv_view_links').select(['id', 'round_id', 'swv_id']).where('id', '=', linkId).executeTakeFirst();
  return existing ? { id: existing.id, roundId: existing.round_id, swvId: existing.swv_id } : null;
}

/** The live link a token opens, or null (unknown, malformed and revoked look the same). */
export async function findSwvLink(db: Kysely<DB>, token: string): Promise<SwvLink | null> {
  const hash = lookupHash(token);
  if (!hash) return null;
  const row = await db
    .selectFrom('swv_view_links')
    .select(['id', 'round_id', 'swv_id'])
    .where('token_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, roundId: row.round_id, swvId: row.swv_id } : null;
}

export async function isLinkLive(db: Kysely<DB>, linkId: number): Promise<boolean> {
  const row = await db.selectFrom('swv_view_links').select('id').where('id', '=', linkId).where('revoked_at', 'is', null).executeTakeFirst();
  return !!row;
}

export async function touchSwvLink(db: Kysely<DB>, linkId: number, now: Date): Promise<void> {
  await db.updateTable('swv_view_links').set({ last_used_at: now }).where('id', '=', linkId).execute();
}

function schoolState(row: {
  status: InvitationStatus;
  invited_at: Date | null;
  opted_out_at: Date | null;
  bounced_at: Date | null;
  excluded_at: Date | null;
  erased_at: Date | null;
}): SchoolState {
  const figures = invitationFigures(factsOfRow(row));
  if (figures.completed) return 'completed';
  if (row.status === 'started') return 'started';
  // Why a school does not take part (refused consent, unsubscribed) is its own business.
  if (row.status === 'refused' || row.opted_out_at) return 'declined';
  if (figures.notYetSent) return 'not_invited';
  if (figures.bounced) return 'unreachable';
  return 'invited';
}

/** The SWV view: only the link's SWV, only statuses. Null when the round or SWV is gone. */
export async function swvViewSnapshot(db: Kysely<DB>, link: SwvLink, now: Date): Promise<SwvViewSnapshot | null> {
  const round = await loadRoundInfo(db, link.roundId);
  const swv = await db
    .selectFrom('swvs as s')
    .leftJoin('round_swvs as rs', (join) => join.onRef('rs.swv_id', '=', 's.id').on('rs.round_id', '=', link.roundId))
    .select(['s.code', 's.name', 's.sector', 'rs.situation', 'rs.region_letter'])
    .where('s.id', '=', link.swvId)
    .executeTakeFirst();
  if (!round || !swv) return null;

  const invitations = await db
    .selectFrom('invitations as i')
    .innerJoin('schools as sc', 'sc.id', 'i.school_id')
    // The school as it was when invited (migration 0012).
    .select([
      sql<string>`coalesce(i.school_name, sc.name)`.as('name'),
      sql<string>`coalesce(i.school_location_code, sc.location_code)`.as('location_code'),
      sql<string | null>`case when i.school_name is null then sc.city else i.school_city end`.as('city'),
      'i.status',
      'i.invited_at',
      'i.opted_out_at',
      'i.bounced_at',
      'i.excluded_at',
      'i.erased_at',
    ])
    .where('i.round_id', '=', link.roundId)
    .where('i.swv_id', '=', link.swvId)
    .where('i.excluded_at', 'is', null)
    .orderBy('name')
    .orderBy('location_code')
    .execute();
  const schools = invitations.map((r) => ({ name: r.name, locationCode: r.location_code, city: r.city, state: schoolState(r) }));
  const tally = tallyBySwv(await loadCounts(db, link.roundId, link.swvId)).get(link.swvId);
  // Invited, bounced, completed and the rate as the dashboard counts them (definitions.ts), so
  // that an erased school counts here as it does there.
  const totals = {
    invited: tally?.invited ?? 0,
    bounced: tally?.bounced ?? 0,
    started: 0,
    completed: tally?.completed ?? 0,
    declined: 0,
    responseRate: responseRate(tally?.completed ?? 0, tally?.invited ?? 0),
  };
  for (const s of schools) {
    if (s.state === 'started' || s.state === 'completed') totals.started += 1;
    if (s.state === 'declined') totals.declined += 1;
  }

  const days = tally?.days ?? {};
  const datedKeys = Object.keys(days).filter(isDateKey).sort();
  const start = round.opensAt ? amsterdamDate(new Date(round.opensAt)) : (datedKeys[0] ?? null);
  const today = amsterdamDate(now);
  const closes = round.closesAt ? amsterdamDate(new Date(round.closesAt)) : null;
  let end = closes && closes < today ? closes : today;
  const lastDay = datedKeys.at(-1);
  if (lastDay && lastDay > end) end = lastDay;

  let previous: SwvViewSnapshot['timeline']['previous'] = null;
  if (round.previousRound) {
    const prev = tallyBySwv(await loadCounts(db, round.previousRound.id, link.swvId)).get(link.swvId);
    if (prev) previous = { roundName: round.previousRound.name, completed: prev.completed, invited: prev.invited };
  }

  return {
    round: { name: round.name, studyName: round.studyName, status: round.status, opensAt: round.opensAt, closesAt: round.closesAt },
    swv: {
      code: swv.code,
      name: swv.name,
      sector: swv.sector,
      situationLabel: situationLabel(swv.situation),
      regionLetter: swv.region_letter,
    },
    totals,
    schools,
    timeline: { days: start ? dailySeries(days, start, end < start ? start : end) : [], previous },
  };
}
