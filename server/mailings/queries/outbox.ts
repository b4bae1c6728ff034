import { sql, type Kysely } from 'kysely';
import type { DB, MailingKind, OutboxStatus } from '../../db/types';
import { notFound } from '../../errors';
import { buildOutgoing, mailLinks } from '../outbox';
import { resolveAccountLinks, resolveTeacherLinks, type PersonLinkKind } from '../templates';
import { estimateFinish, recentSends } from '../throttle';
import type { RelayLimits } from '../../../contract/api/mailings';
import { iso } from './shared';
import type { OutboxRow, OutboxMessageView } from '../../../contract/api/mailings';

/** The outbox page: messages a page at a time, and one message as it goes out. */

export async function listOutbox(
  db: Kysely<DB>,
  options: { status?: OutboxStatus; offset: number; limit: number; now?: Date; limits?: RelayLimits },
): Promise<{ total: number; rows: OutboxRow[] }> {
  let query = db.selectFrom('outbox_messages as o').leftJoin('mailings as m', 'm.id', 'o.mailing_id');
  if (options.status) query = query.where('o.status', '=', options.status);
  const total = await query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select([
      'o.id',
      'o.to_address',
      'o.subject',
      'o.status',
      'o.attempts',
      'o.created_at',
      'o.sent_at',
      'o.transport',
      'm.kind',
      'o.invitation_id',
      'o.last_error',
      'o.next_attempt_at',
    ])
    .orderBy('o.id', 'desc')
    .offset(options.offset)
    .limit(options.limit)
    .execute();
  const planned = new Map<number, string>();
  const waiting = rows.filter((r) => r.status === 'pending' || r.status === 'sending');
  if (options.now && waiting.length) {
    const now = options.now;
    // Each waiting mail's place in the queue, in the order the worker claims them.
    const places = await sql<{ id: number; place: number }>`
      select id, place::int as place from (
        select id, row_number() over (order by next_attempt_at, id) as place
        from outbox_messages where status in ('pending', 'sending')
      ) q where id in (${sql.join(waiting.map((r) => r.id))})
    `.execute(db);
    const history = await recentSends(db, now);
    for (const { id, place } of places.rows) {
      const row = waiting.find((r) => r.id === id)!;
      const notBefore = new Date(Math.max(now.getTime(), new Date(row.next_attempt_at).getTime()));
      const at = options.limits ? estimateFinish(now, place, options.limits, history) : now;
      planned.set(id, new Date(Math.max(at.getTime(), notBefore.getTime())).toISOString());
    }
  }
  return {
    total: total.n,
    rows: rows.map((r) => ({
      id: r.id,
      to: r.to_address,
      subject: r.subject,
      status: r.status,
      attempts: r.attempts,
      createdAt: iso(r.created_at)!,
      sentAt: iso(r.sent_at),
      transport: r.transport,
      mailingKind: r.kind,
      invitationId: r.invitation_id,
      lastError: r.last_error,
      nextAttemptAt: iso(r.next_attempt_at)!,
      plannedAt: planned.get(r.id) ?? null,
    })),
  };
}

/**
 * Whether the viewer may see the working account link of a user-invitation mail: only with
 * captured mail (no relay, so this page is the only way the link reaches anyone), only the admin
 * who issued it, and only while it is open. Everyone else sees it masked, so no admin can take
 * over another's account with a link somebody else asked for.
 */
async function mayViewAccountLink(db: Kysely<DB>, key: string, viewerId: number | null, capture: boolean): Promise<boolean> {
  const match = /^user-invite:\d+:(\d+)$/.exec(key);
  if (!capture || !match || viewerId === null) return false;
  const invite = await db
    .selectFrom('user_invites')
    .select('id')
    .where('id', '=', Number(match[1]))
    .where('created_by', '=', viewerId)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return invite !== undefined;
}

/**
 * One message as the school sees it. Captured mail (no relay) shows the working school links, so a
 * newcomer can follow the whole flow; mail that went to a relay shows them masked. Account links
 * (user invitations, password resets) are masked unless `mayViewAccountLink`.
 */
export async function outboxMessage(
  db: Kysely<DB>,
  id: number,
  who: { secret: string; publicUrl: string; mailFrom: string },
  capture: boolean,
  viewerId: number | null = null,
): Promise<OutboxMessageView> {
  const row = await db
    .selectFrom('outbox_messages as o')
    .leftJoin('invitations as i', 'i.id', 'o.invitation_id')
    .leftJoin('rounds as r', 'r.id', 'i.round_id')
    .select([
      'o.id',
      'o.idempotency_key',
      'o.invitation_id',
      'r.unit_type',
      'o.to_address',
      'o.subject',
      'o.body_text',
      'o.body_html',
      'o.headers',
      'o.status',
      'o.sent_at',
      'o.attempts',
      'o.next_attempt_at',
      'o.last_error',
      'o.smtp_response',
      'i.token_nonce',
    ])
    .where('o.id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Dit bericht bestaat niet.');
  const masked = { link: `${who.publicUrl}/s/[verborgen]`, afmelden: `${who.publicUrl}/api/optout/[verborgen]` };
  const links = row.invitation_id === null || row.token_nonce === null ? null : capture ? mailLinks(who, row.invitation_id, row.token_nonce, row.unit_type) : masked;
  if (!(await mayViewAccountLink(db, row.idempotency_key, viewerId, capture))) {
    const hidden = () => `${who.publicUrl}/u/[verborgen]`;
    row.body_text = resolveAccountLinks(row.body_text, hidden, false);
    if (row.body_html !== null) row.body_html = resolveAccountLinks(row.body_html, hidden, true);
  }
  if (!capture) {
    // Teacher and professional links of person rounds: shown masked, like the personal links.
    const hidden = (kind: PersonLinkKind) =>
      kind === 'link' ? `${who.publicUrl}/t/[verborgen]` : kind === 'professional' ? `${who.publicUrl}/pr/[verborgen]` : `${who.publicUrl}/api/persons/a/[verborgen]`;
    row.body_text = resolveTeacherLinks(row.body_text, hidden, false);
    if (row.body_html !== null) row.body_html = resolveTeacherLinks(row.body_html, hidden, true);
  }
  const outgoing = buildOutgoing(row, who, links);
  return {
    id: row.id,
    from: who.mailFrom,
    to: row.to_address,
    subject: row.subject,
    text: outgoing.text,
    html: outgoing.html ?? null,
    headers: outgoing.headers,
    status: row.status,
    sentAt: iso(row.sent_at),
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at)!,
    lastError: row.last_error,
    smtpResponse: row.smtp_response,
    liveLinks: capture,
  };
}
