import { SCHOOL_KINDS, SITUATIONS } from '../../contract/vocabulary';
import { TARGET_STATUSES, TEXT_FILTER_LIMITS, type MailingTarget, type TargetStatus } from '../../contract/api/mailings';
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DB, InvitationStatus, MailingKind, RoundStatus, SchoolKind, Situation } from '../db/types';
import { invitationsWithSwv } from '../invitations/joins';

/**
 * Who a mailing goes to. Decided when the mail is sent, not when it is planned: the same rule
 * runs when a wave fans out into outbox rows and again when each row is claimed for sending, so
 * a school that completed, refused, opted out or bounced in between gets nothing.
 */
export { TARGET_STATUSES, TEXT_FILTER_LIMITS };

const SECTORS: readonly SchoolKind[] = SCHOOL_KINDS;

function textList(raw: unknown[]): string[] {
  const values = raw
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter((v) => v.length > 0 && v.length <= TEXT_FILTER_LIMITS.length);
  return [...new Set(values)].slice(0, TEXT_FILTER_LIMITS.items);
}

/** Reads a stored target defensively (jsonb written by any version of the code). */
export function parseTarget(raw: unknown, kind: MailingKind): MailingTarget {
  const value = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const status = TARGET_STATUSES.includes(value.status as TargetStatus)
    ? (value.status as TargetStatus)
    : kind === 'invitation'
      ? 'not-invited'
      : 'not-completed';
  const target: MailingTarget = { status };
  if (Array.isArray(value.swvIds)) target.swvIds = value.swvIds.filter((v): v is number => Number.isInteger(v));
  if (Array.isArray(value.situations)) target.situations = value.situations.filter((v): v is Situation => SITUATIONS.includes(v as Situation));
  if (Array.isArray(value.sectors)) target.sectors = value.sectors.filter((v): v is SchoolKind => SECTORS.includes(v as SchoolKind));
  if (Array.isArray(value.provinces)) target.provinces = textList(value.provinces);
  if (Array.isArray(value.denominations)) target.denominations = textList(value.denominations);
  if (typeof value.afterDays === 'number' && Number.isInteger(value.afterDays) && value.afterDays > 0) target.afterDays = value.afterDays;
  return target;
}

/** What the rule needs to know about one invitation. */
export interface TargetFacts {
  email: string | null;
  status: InvitationStatus;
  excluded_at: Date | null;
  opted_out_at: Date | null;
  bounced_at: Date | null;
  invited_at: Date | null;
  completed_at: Date | null;
  refused_at: Date | null;
  swv_id: number;
  situation: Situation | null;
  school_kind: SchoolKind | null;
  /** Needed only by targets that filter on them (null for a purged invitation). */
  school_province?: string | null;
  school_denomination?: string | null;
  round_status: RoundStatus;
  closes_at: Date | null;
}

export type SkipReason =
  | 'round-not-open'
  | 'no-address'
  | 'excluded'
  | 'opted-out'
  | 'bounced'
  | 'completed'
  | 'refused'
  | 'already-invited'
  | 'not-invited-yet'
  | 'started'
  | 'not-started'
  | 'other-swv'
  | 'other-situation'
  | 'other-sector'
  | 'other-province'
  | 'other-denomination'
  | 'too-early'
  | 'mailing-cancelled';

export const SKIP_LABELS: Record<SkipReason, string> = {
  'round-not-open': 'de meting is niet (meer) open',
  'no-address': 'geen e-mailadres',
  excluded: 'school uitgesloten',
  'opted-out': 'afgemeld',
  bounced: 'adres onbestelbaar',
  completed: 'vragenlijst afgerond',
  refused: 'toestemming geweigerd',
  'already-invited': 'al uitgenodigd',
  'not-invited-yet': 'nog niet uitgenodigd',
  started: 'al begonnen',
  'not-started': 'nog niet begonnen',
  'other-swv': 'ander samenwerkingsverband',
  'other-situation': 'andere samenwerkingssituatie',
  'other-sector': 'andere sector',
  'other-province': 'andere provincie',
  'other-denomination': 'andere denominatie',
  'too-early': 'uitnodiging te recent',
  'mailing-cancelled': 'golf geannuleerd',
};

/**
 * The invitations (alias `i`) mail can still reach: with an address, not excluded, opted out or
 * bounced, and not completed or refused. The SQL side of the first checks of `skipReason`.
 */
export function mailableInvitation(eb: ExpressionBuilder<{ i: DB['invitations'] }, 'i'>) {
  return eb.and([
    eb('i.email', 'is not', null),
    eb('i.opted_out_at', 'is', null),
    eb('i.bounced_at', 'is', null),
    eb('i.excluded_at', 'is', null),
    eb('i.status', 'not in', ['completed', 'refused']),
  ]);
}

/** Why this invitation gets no mail of this target now, or null when it does. */
export function skipReason(f: TargetFacts, target: MailingTarget, now: Date): SkipReason | null {
  if (f.round_status !== 'open' || (f.closes_at && f.closes_at.getTime() <= now.getTime())) return 'round-not-open';
  if (!f.email || !f.email.trim()) return 'no-address';
  if (f.excluded_at) return 'excluded';
  if (f.opted_out_at) return 'opted-out';
  if (f.bounced_at) return 'bounced';
  if (f.status === 'completed' || f.completed_at) return 'completed';
  if (f.status === 'refused' || f.refused_at) return 'refused';
  switch (target.status) {
    case 'not-invited':
      if (f.invited_at) return 'already-invited';
      break;
    case 'not-started':
      if (f.status === 'started') return 'started';
      break;
    case 'started-not-completed':
      if (f.status !== 'started') return 'not-started';
      break;
    case 'not-completed':
      break;
  }
  if (target.swvIds?.length && !target.swvIds.includes(f.swv_id)) return 'other-swv';
  if (target.situations?.length && (!f.situation || !target.situations.includes(f.situation))) return 'other-situation';
  if (target.sectors?.length && (!f.school_kind || !target.sectors.includes(f.school_kind))) return 'other-sector';
  if (target.provinces?.length && !target.provinces.includes(f.school_province?.trim() ?? '')) return 'other-province';
  if (target.denominations?.length && !target.denominations.includes(f.school_denomination?.trim() ?? '')) return 'other-denomination';
  if (target.afterDays !== undefined) {
    if (!f.invited_at) return 'not-invited-yet';
    if (f.invited_at.getTime() + target.afterDays * 86_400_000 > now.getTime()) return 'too-early';
  }
  return null;
}

export interface Candidate extends TargetFacts {
  id: number;
  token_nonce: string;
  school_name: string;
  swv_name: string;
  /** In a partner round (server/snowball/): the names of the schools that named this partner, for {{genoemd_door}}. */
  named_by: string | null;
}

/**
 * The invitations of a round with what rendering and the rule need. `onlyWithoutMailing` leaves
 * out those that already have a row of that mailing (a reminder policy fans out repeatedly).
 */
export async function loadCandidates(
  db: Kysely<DB>,
  roundId: number,
  options: { swvIds?: number[]; onlyWithoutMailing?: number; invitedBefore?: Date; invitationId?: number } = {},
): Promise<Candidate[]> {
  let query = invitationsWithSwv(db)
    .innerJoin('rounds as r', 'r.id', 'i.round_id')
    // A partner round's invitations have no school (server/snowball/); a purged school
    // invitation has no address and is left out below.
    .leftJoin('schools as s', 's.id', 'i.school_id')
    .select([
      'i.id',
      'i.token_nonce',
      'i.email',
      'i.status',
      'i.excluded_at',
      'i.opted_out_at',
      'i.bounced_at',
      'i.invited_at',
      'i.completed_at',
      'i.refused_at',
      'i.swv_id',
      'rs.situation',
      's.kind as school_kind',
      's.province as school_province',
      's.denomination as school_denomination',
      sql<string>`coalesce(s.name, i.school_name, '')`.as('school_name'),
      'w.name as swv_name',
      sql<string | null>`(select string_agg(distinct ni.school_name, ', ' order by ni.school_name)
        from partners p join partner_nominations n on n.partner_id = p.id join invitations ni on ni.id = n.invitation_id
        where p.invitation_id = i.id)`.as('named_by'),
      'r.status as round_status',
      'r.closes_at',
    ])
    .where('i.round_id', '=', roundId)
    .where((eb) => eb.or([eb('i.school_id', 'is not', null), eb('r.unit_type', '=', 'partner')]))
    // Never-mailable rows are left out here already; skipReason() says the same.
    .where(mailableInvitation)
    .orderBy('i.id');
  if (options.swvIds?.length) query = query.where('i.swv_id', 'in', options.swvIds);
  if (options.invitationId !== undefined) query = query.where('i.id', '=', options.invitationId);
  if (options.invitedBefore) query = query.where('i.invited_at', '<=', options.invitedBefore);
  if (options.onlyWithoutMailing !== undefined) {
    const mailingId = options.onlyWithoutMailing;
    query = query.where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('outbox_messages as o').select('o.id').where('o.mailing_id', '=', mailingId).whereRef('o.invitation_id', '=', 'i.id'))),
    );
  }
  return query.execute();
}

/** The invitations this target reaches right now. */
export async function targetedInvitations(db: Kysely<DB>, roundId: number, target: MailingTarget, now: Date): Promise<Candidate[]> {
  const candidates = await loadCandidates(db, roundId, { swvIds: target.swvIds });
  return candidates.filter((c) => skipReason(c, target, now) === null);
}
