import { sql, type Kysely } from 'kysely';
import type { DB, MailingKind, OutboxStatus } from '../../db/types';
import { notFound } from '../../errors';
import { iso } from './shared';
import type { InvitationMailRow, LogEvent, MessageLog } from '../../../contract/api/mailings';

/** The mail of one invitation: per school what went out, and its message log. */

/** Invitations of a round with their mail state, searchable by school name or location code. */
export async function listInvitationMail(
  db: Kysely<DB>,
  roundId: number,
  options: { search?: string; problem?: 'bounced' | 'opted-out' | 'failed'; offset: number; limit: number },
): Promise<{ total: number; rows: InvitationMailRow[] }> {
  let query = db
    .selectFrom('invitations as i')
    .innerJoin('schools as s', 's.id', 'i.school_id')
    .innerJoin('swvs as w', 'w.id', 'i.swv_id')
    .where('i.round_id', '=', roundId);
  if (options.search) {
    const like = `%${options.search.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    query = query.where((eb) => eb.or([eb('s.name', 'ilike', like), eb('s.location_code', 'ilike', like)]));
  }
  if (options.problem === 'bounced') query = query.where('i.bounced_at', 'is not', null);
  if (options.problem === 'opted-out') query = query.where('i.opted_out_at', 'is not', null);
  if (options.problem === 'failed') {
    query = query.where(({ exists, selectFrom }) =>
      exists(selectFrom('outbox_messages as f').select('f.id').whereRef('f.invitation_id', '=', 'i.id').where('f.status', '=', 'failed')),
    );
  }
  const total = await query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select([
      'i.id',
      's.name as school_name',
      's.location_code',
      'w.name as swv_name',
      'i.status',
      'i.invited_at',
      'i.opted_out_at',
      'i.bounced_at',
      sql<number>`(select count(*)::int from outbox_messages o where o.invitation_id = i.id)`.as('messages'),
      sql<OutboxStatus | null>`(select o.status from outbox_messages o where o.invitation_id = i.id order by o.id desc limit 1)`.as('last_status'),
    ])
    .orderBy('s.name')
    .orderBy('i.id')
    .offset(options.offset)
    .limit(options.limit)
    .execute();
  return {
    total: total.n,
    rows: rows.map((r) => ({
      invitationId: r.id,
      schoolName: r.school_name,
      locationCode: r.location_code,
      swvName: r.swv_name,
      status: r.status,
      invitedAt: iso(r.invited_at),
      optedOutAt: iso(r.opted_out_at),
      bouncedAt: iso(r.bounced_at),
      messages: r.messages,
      lastMessageStatus: r.last_status,
    })),
  };
}

/** Everything that happened with the mail of one invitation, newest last. */
export async function messageLog(db: Kysely<DB>, invitationId: number): Promise<MessageLog> {
  const inv = await db
    .selectFrom('invitations as i')
    .innerJoin('schools as s', 's.id', 'i.school_id')
    .select([
      'i.id',
      'i.round_id',
      'i.status',
      'i.email',
      'i.opened_at',
      'i.opted_out_at',
      'i.bounced_at',
      'i.started_at',
      'i.completed_at',
      'i.refused_at',
      's.name as school_name',
      's.location_code',
    ])
    .where('i.id', '=', invitationId)
    .executeTakeFirst();
  if (!inv) throw notFound('Deze uitnodiging bestaat niet.');
  const messages = await db
    .selectFrom('outbox_messages as o')
    .leftJoin('mailings as m', 'm.id', 'o.mailing_id')
    .select([
      'o.id',
      'o.mailing_id',
      'm.kind as mailing_kind',
      'o.subject',
      'o.status',
      'o.attempts',
      'o.created_at',
      'o.sent_at',
      'o.next_attempt_at',
      'o.last_error',
      'o.smtp_response',
      'o.transport',
      'o.locked_at',
    ])
    .where('o.invitation_id', '=', invitationId)
    .orderBy('o.id')
    .execute();
  const events: LogEvent[] = [];
  for (const m of messages) {
    const base = { messageId: m.id, mailingKind: m.mailing_kind };
    events.push({ ...base, at: iso(m.created_at)!, kind: 'queued', detail: null });
    if (m.status === 'sent' && m.sent_at) events.push({ ...base, at: iso(m.sent_at)!, kind: 'sent', detail: m.smtp_response });
    const lastTry = iso(m.locked_at) ?? iso(m.created_at)!;
    if (m.status === 'bounced') events.push({ ...base, at: lastTry, kind: 'bounced', detail: m.smtp_response ?? m.last_error });
    if (m.status === 'failed') events.push({ ...base, at: lastTry, kind: 'failed', detail: m.last_error });
    if (m.status === 'cancelled') events.push({ ...base, at: lastTry, kind: 'skipped', detail: m.last_error });
    if (m.status === 'pending' && m.attempts > 0) events.push({ ...base, at: lastTry, kind: 'retrying', detail: m.last_error });
  }
  const stamp = (at: Date | null, kind: LogEvent['kind']) => {
    if (at) events.push({ at: iso(at)!, kind, messageId: null, mailingKind: null, detail: null });
  };
  stamp(inv.opened_at, 'opened');
  stamp(inv.started_at, 'started');
  stamp(inv.completed_at, 'completed');
  stamp(inv.refused_at, 'refused');
  stamp(inv.opted_out_at, 'opted-out');
  stamp(inv.bounced_at, 'invitation-bounced');
  events.sort((a, b) => a.at.localeCompare(b.at));
  return {
    invitation: {
      id: inv.id,
      roundId: inv.round_id,
      schoolName: inv.school_name,
      locationCode: inv.location_code,
      status: inv.status,
      hasAddress: Boolean(inv.email),
    },
    messages: messages.map((m) => ({
      id: m.id,
      mailingId: m.mailing_id,
      mailingKind: m.mailing_kind,
      subject: m.subject,
      status: m.status,
      attempts: m.attempts,
      createdAt: iso(m.created_at)!,
      sentAt: iso(m.sent_at),
      nextAttemptAt: iso(m.next_attempt_at)!,
      lastError: m.last_error,
      smtpResponse: m.smtp_response,
      transport: m.transport,
    })),
    events,
  };
}
