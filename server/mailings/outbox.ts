import { sql, type Kysely, type RawBuilder } from 'kysely';
import { sha256 } from '../crypto';
import type { DB, InvitationStatus, MailingKind, MailingStatus, OutboxStatus } from '../db/types';
import { accountLink, accountToken, invitationToken, personalLink } from '../invitations/tokens';
import { optOutLink, optOutToken } from './optout';
import { parseTarget, skipReason, SKIP_LABELS, type SkipReason, type TargetFacts } from './targets';
import { hasLinkMarkers, mailAddress, resolveAccountLinks, resolveLinks, resolveTeacherLinks, teacherOptOutOf, type PersonLinkKind } from './templates';
import type { OutgoingMail, SendOutcome } from './transport';
import { verpAddress } from './verp';
import { coordinatorLink, professionalLink, teacherLink, teacherOptOutLink } from '../invitations/person-links';

/**
 * The durable outbox. Every mail is a row before it is sent, unique by its idempotency key; a
 * worker claims due rows with FOR UPDATE SKIP LOCKED, sends them and records the outcome on the
 * row it still holds. A live worker renews its claims (`renewClaims`, the heartbeat); a claim that
 * is not renewed within its lease (the process died) is taken over by another worker, or taken
 * back by its own worker if that worker no longer has the row in hand.
 *
 * Delivery is at least once: a mail can go out twice only if the relay may have it (it was sent,
 * or accepted) while its result is not yet recorded, and the worker then dies. See README.md.
 */

export interface NewMail {
  /** Unique per mail: enqueueing the same key twice gives one mail (e.g. `user-invite:42`). */
  key: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  /** Extra headers (e.g. Reply-To). */
  headers?: Record<string, string>;
  /** Not before this time (default: now). */
  notBefore?: Date;
  mailingId?: number | null;
  invitationId?: number | null;
}

/**
 * Puts a mail in the outbox; the worker sends it. Use inside the caller's transaction so the mail
 * exists exactly when the change that causes it does. Returns the row id and whether it is new.
 */
export async function enqueueMail(db: Kysely<DB>, mail: NewMail, now: Date): Promise<{ id: number; created: boolean }> {
  const inserted = await db
    .insertInto('outbox_messages')
    .values(outboxRow(mail, now))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, created: true };
  const existing = await db.selectFrom('outbox_messages').select('id').where('idempotency_key', '=', mail.key).executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

function outboxRow(mail: NewMail, now: Date) {
  return {
    idempotency_key: mail.key,
    mailing_id: mail.mailingId ?? null,
    invitation_id: mail.invitationId ?? null,
    to_address: mail.to,
    subject: mail.subject,
    body_text: mail.text,
    body_html: mail.html ?? null,
    headers: JSON.stringify(mail.headers ?? {}),
    next_attempt_at: mail.notBefore ?? now,
    created_at: now,
  };
}

/**
 * Puts many mails in the outbox in one statement (a wave's fan-out); a key already there is
 * skipped. In the caller's transaction. Returns how many rows are new.
 */
export async function enqueueMails(db: Kysely<DB>, mails: NewMail[], now: Date): Promise<number> {
  if (mails.length === 0) return 0;
  const result = await db
    .insertInto('outbox_messages')
    .values(mails.map((mail) => outboxRow(mail, now)))
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/** Withdraws the messages of these waves that are still waiting in the outbox; returns how many. */
export async function withdrawQueuedMail(db: Kysely<DB>, mailingIds: number[], reason: string): Promise<number> {
  if (mailingIds.length === 0) return 0;
  const result = await db
    .updateTable('outbox_messages')
    .set({ status: 'cancelled', last_error: reason })
    .where('mailing_id', 'in', mailingIds)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Withdraws what is still waiting in the outbox for one invitation (it opted out). */
export async function withdrawInvitationMail(db: Kysely<DB>, invitationId: number, reason: string): Promise<void> {
  await db
    .updateTable('outbox_messages')
    .set({ status: 'cancelled', last_error: reason })
    .where('invitation_id', '=', invitationId)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Withdraws what is still waiting in the outbox for these teachers or professionals of person
 * rounds (removed by their coordinator, opted out, said no, or done): rows keyed
 * 'teacher:<kind>:<person id>…' or 'professional:<kind>:<person id>…'.
 */
export async function withdrawTeacherMail(db: Kysely<DB>, personIds: number[], reason: string): Promise<void> {
  if (personIds.length === 0) return;
  await sql`
    update outbox_messages set status = 'cancelled', last_error = ${reason}
    where status = 'pending' and invitation_id is null and (idempotency_key like 'teacher:%' or idempotency_key like 'professional:%')
      and split_part(idempotency_key, ':', 3) = any(${personIds.map(String)}::text[])
  `.execute(db);
}

/** Sends a failed message again (from the outbox page); false when it is not (or no longer) failed. */
export async function retryFailedMessage(db: Kysely<DB>, id: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('outbox_messages')
    .set({ status: 'pending', next_attempt_at: now, attempts: 0 })
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .returning('id')
    .executeTakeFirst();
  return result !== undefined;
}

/** A message the relay accepted came back as a permanent bounce (a DSN after delivery). */
export async function markBouncedAfterDelivery(db: Kysely<DB>, id: number, smtpResponse: string): Promise<void> {
  await db.updateTable('outbox_messages').set({ status: 'bounced', smtp_response: smtpResponse }).where('id', '=', id).where('status', '=', 'sent').execute();
}

export function mailingKey(mailingId: number, invitationId: number): string {
  return `mailing:${mailingId}:invitation:${invitationId}`;
}

/** What the send-time re-check (targets.ts) reads of the invitation: each null for mail without one. */
type InvitationFactsOrNone = { [K in Exclude<keyof TargetFacts, 'status'>]-?: TargetFacts[K] | null };

/** A claimed row with what is needed to decide and build the mail. */
export interface ClaimedMessage extends InvitationFactsOrNone {
  id: number;
  idempotency_key: string;
  mailing_id: number | null;
  invitation_id: number | null;
  to_address: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  headers: Record<string, string>;
  attempts: number;
  token_nonce: string | null;
  inv_status: InvitationStatus | null;
  /** 'person' rounds mail the coordinator link instead of the questionnaire link (server/persons/). */
  unit_type: 'school' | 'person' | 'partner' | null;
  mailing_kind: MailingKind | null;
  mailing_status: MailingStatus | null;
  target: unknown;
  /** Set when this claim was taken over after its lease ran out: the worker that held it. */
  taken_from: string | null;
}

export interface ClaimOptions {
  workerId: string;
  limit: number;
  now: Date;
  /** A claim not renewed for this long is considered abandoned (its worker died). */
  leaseMs: number;
  /**
   * Rows this worker still has in hand (in flight, or a result it has not been able to record):
   * never taken back, whatever their lease says. Its other expired claims it takes back.
   */
  held?: number[];
  /**
   * Whether claims of other workers may be taken over. False right after this worker started or
   * lost the database: the other workers may not have had the chance to renew theirs yet.
   */
  takeOverOthers?: boolean;
}

/** What the admin sees on a row whose claim was taken over. */
export const TAKEOVER_NOTE =
  'Opnieuw opgepakt: de vorige verzendpoging is niet afgemaakt (de verzender reageerde niet meer). Als die poging toch is aangekomen, krijgt de school dit bericht twee keer, met dezelfde Message-ID.';
/** What the admin sees on a row whose result could only be recorded after the database came back. */
export const LATE_RECORD_NOTE = 'Verstuurd; het resultaat is later vastgelegd omdat de database even niet bereikbaar was.';

/**
 * Claims up to `limit` due rows for this worker in one statement: pending rows whose time has
 * come, and rows another worker claimed and abandoned. Each claim counts as an attempt.
 */
export async function claimDue(db: Kysely<DB>, o: ClaimOptions): Promise<ClaimedMessage[]> {
  const leaseCutoff = new Date(o.now.getTime() - o.leaseMs);
  const held = o.held ?? [];
  const others = o.takeOverOthers ?? true;
  // Two index scans (abandoned claims first, then due rows) rather than one OR, which would
  // read and sort the whole table on every claim; the lateral joins stay index lookups.
  const result = await sql<ClaimedMessage>`
    with abandoned as (
      select id, locked_by as previous from outbox_messages
      where status = 'sending' and locked_at < ${leaseCutoff}
        and case when locked_by = ${o.workerId} then not (id = any(${held}::int[])) else ${others}::boolean end
      order by locked_at
      limit ${o.limit}
      for update skip locked
    ), pending as (
      select id from outbox_messages
      where status = 'pending' and next_attempt_at <= ${o.now}
      order by next_attempt_at
      limit ${o.limit}
      for update skip locked
    ), due as (
      select id, previous from (
        select id, previous, 0 as rank from abandoned union all select id, null::text, 1 from pending
      ) d
      order by rank
      limit ${o.limit}
    ), claimed as (
      update outbox_messages m
      set status = 'sending', locked_at = ${o.now}, locked_by = ${o.workerId}, attempts = m.attempts + 1,
        last_error = case when due.previous is null then m.last_error else ${TAKEOVER_NOTE} end
      from due where m.id = due.id
      returning m.id, m.idempotency_key, m.mailing_id, m.invitation_id, m.to_address, m.subject,
        m.body_text, m.body_html, m.headers, m.attempts, m.next_attempt_at, due.previous as taken_from
    )
    select c.id, c.idempotency_key, c.mailing_id, c.invitation_id, c.to_address, c.subject, c.body_text,
      c.body_html, c.headers, c.attempts, c.taken_from, x.*, y.*
    from claimed c
    left join lateral (
      select i.token_nonce, i.email, i.status as inv_status, i.excluded_at, i.opted_out_at, i.bounced_at,
        i.invited_at, i.completed_at, i.refused_at, i.swv_id, rs.situation, s.kind as school_kind,
        s.province as school_province, s.denomination as school_denomination, r.status as round_status, r.closes_at,
        r.unit_type
      from invitations i
      join rounds r on r.id = i.round_id
      left join schools s on s.id = i.school_id
      left join round_swvs rs on rs.round_id = i.round_id and rs.swv_id = i.swv_id
      where i.id = c.invitation_id
    ) x on true
    left join lateral (
      select ml.kind as mailing_kind, ml.status as mailing_status, ml.target from mailings ml where ml.id = c.mailing_id
    ) y on true
    order by c.next_attempt_at, c.id
  `.execute(db);
  return result.rows;
}

/** Why a claimed row must not be sent any more, or null. */
export function claimedSkipReason(m: ClaimedMessage, now: Date): SkipReason | null {
  if (m.mailing_status === 'cancelled') return 'mailing-cancelled';
  if (m.invitation_id === null) return null;
  if (m.inv_status === null || m.round_status === null || m.swv_id === null) return 'round-not-open';
  const target = m.mailing_kind ? parseTarget(m.target, m.mailing_kind) : { status: 'not-completed' as const };
  // The wave's own time condition was checked when it fanned out; what can change in between is
  // the school's state.
  const { afterDays: _afterDays, ...rest } = target;
  void _afterDays;
  return skipReason(
    {
      email: m.email,
      status: m.inv_status,
      excluded_at: m.excluded_at,
      opted_out_at: m.opted_out_at,
      bounced_at: m.bounced_at,
      invited_at: m.invited_at,
      completed_at: m.completed_at,
      refused_at: m.refused_at,
      swv_id: m.swv_id,
      situation: m.situation,
      school_kind: m.school_kind,
      school_province: m.school_province,
      school_denomination: m.school_denomination,
      round_status: m.round_status,
      closes_at: m.closes_at,
    },
    rest,
    now,
  );
}

export interface MailIdentity {
  secret: string;
  publicUrl: string;
  mailFrom: string;
  /** Base of the VERP envelope sender (verp.ts); the From address when absent. */
  bounceAddress?: string;
}

function messageIdDomain(mailFrom: string): string {
  const address = mailAddress(mailFrom);
  const domain = address.split('@')[1];
  return domain && /^[A-Za-z0-9.-]+$/.test(domain) ? domain : 'meetronde.localhost';
}

/**
 * The mail exactly as it leaves: links filled in from the invitation's nonce, the opt-out
 * headers of RFC 8058, and a Message-ID fixed by the row, so a resend after a crash carries the
 * same id and receiving systems can recognise it.
 */
export function mailLinks(who: MailIdentity, invitationId: number, nonce: string, unitType: 'school' | 'person' | 'partner' | null = 'school'): { link: string; afmelden: string } {
  return {
    link:
      unitType === 'person'
        ? coordinatorLink(who.publicUrl, who.secret, invitationId, nonce)
        : personalLink(who.publicUrl, invitationToken(who.secret, nonce)),
    afmelden: optOutLink(who.publicUrl, optOutToken(who.secret, invitationId, nonce)),
  };
}

function teacherMailLink(who: MailIdentity, kind: PersonLinkKind, personId: number, nonce: string): string {
  if (kind === 'professional') return professionalLink(who.publicUrl, who.secret, personId, nonce);
  return kind === 'link' ? teacherLink(who.publicUrl, who.secret, personId, nonce) : teacherOptOutLink(who.publicUrl, who.secret, personId, nonce);
}

export function buildOutgoing(
  m: Pick<ClaimedMessage, 'id' | 'idempotency_key' | 'invitation_id' | 'token_nonce' | 'to_address' | 'subject' | 'body_text' | 'body_html' | 'headers'> & { unit_type?: ClaimedMessage['unit_type'] },
  who: MailIdentity,
  links: { link: string; afmelden: string } | null = m.invitation_id !== null && m.token_nonce !== null ? mailLinks(who, m.invitation_id, m.token_nonce, m.unit_type ?? 'school') : null,
): OutgoingMail {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (typeof value === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(name) && !/[\r\n]/.test(value)) headers[name] = value;
  }
  let text = m.body_text;
  let html = m.body_html ?? undefined;
  if (links) {
    if (hasLinkMarkers(text)) text = resolveLinks(text, links, false);
    if (html !== undefined && hasLinkMarkers(html)) html = resolveLinks(html, links, true);
    headers['List-Unsubscribe'] = `<${links.afmelden}>`;
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  // Account links (user invitation, password reset) are stored as a nonce marker too.
  const accountLinkOf = (nonce: string) => accountLink(who.publicUrl, accountToken(who.secret, nonce));
  if (hasLinkMarkers(text)) text = resolveAccountLinks(text, accountLinkOf, false);
  if (html !== undefined && hasLinkMarkers(html)) html = resolveAccountLinks(html, accountLinkOf, true);
  // Teacher links of person rounds: a marker with the teacher's id and nonce, and the teacher's
  // own opt-out link in the one-click headers (the mail has no invitation of its own).
  if (hasLinkMarkers(text)) {
    const optOut = teacherOptOutOf(text);
    if (optOut && !links) {
      headers['List-Unsubscribe'] = `<${teacherOptOutLink(who.publicUrl, who.secret, optOut[0], optOut[1])}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    text = resolveTeacherLinks(text, (kind, id, nonce) => teacherMailLink(who, kind, id, nonce), false);
  }
  if (html !== undefined && hasLinkMarkers(html)) html = resolveTeacherLinks(html, (kind, id, nonce) => teacherMailLink(who, kind, id, nonce), true);
  return {
    from: who.mailFrom,
    to: m.to_address,
    subject: m.subject,
    text,
    ...(html !== undefined ? { html } : {}),
    messageId: `<mr.${m.id}.${sha256(m.idempotency_key).slice(0, 12)}@${messageIdDomain(who.mailFrom)}>`,
    headers,
    envelopeFrom: verpAddress(who.bounceAddress ?? who.mailFrom, who.secret, m.id),
  };
}

export interface RetryPolicy {
  /** First retry after this long; doubles per attempt. */
  baseMs: number;
  maxMs: number;
  /** After this many attempts a transient failure is final ('failed'). */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 60_000, maxMs: 3_600_000, maxAttempts: 30 };

export function retryDelay(attempts: number, policy: RetryPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
}

/** Records a skipped row: not sent, and not counted against the relay's limits. */
export async function recordSkipped(db: Kysely<DB>, id: number, workerId: string, reason: SkipReason): Promise<void> {
  await db
    .updateTable('outbox_messages')
    .set({ status: 'cancelled', locked_at: null, locked_by: null, last_error: `Niet verstuurd: ${SKIP_LABELS[reason]}` })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('locked_by', '=', workerId)
    .execute();
}

/**
 * Gives a claimed row back unsent (the worker stopped sending because it could not record
 * results): due again at once, and neither an attempt nor a send for the relay's limits.
 */
export async function releaseClaim(db: Kysely<DB>, id: number, workerId: string): Promise<void> {
  await sql`
    update outbox_messages set status = 'pending', locked_at = null, locked_by = null, attempts = greatest(attempts - 1, 0)
    where id = ${id} and status = 'sending' and locked_by = ${workerId}
  `.execute(db);
}

/**
 * The heartbeat: renews this worker's claims on the rows it still has in hand, so no other
 * worker takes them over while it works on them. Returns the rows whose claim it renewed (a row
 * missing from it is no longer this worker's).
 */
export async function renewClaims(db: Kysely<DB>, workerId: string, ids: number[], now: Date): Promise<number[]> {
  if (ids.length === 0) return [];
  // The rows are locked in id order before any is changed, as ResultRecorder does: the two run
  // at the same time on the same rows (see lockedInIdOrder).
  const result = await sql<{ id: number }>`
    update outbox_messages set locked_at = ${now}
    where id = any(${lockedInIdOrder(ids, sql`status = 'sending' and locked_by = ${workerId}`)})
      and status = 'sending' and locked_by = ${workerId}
    returning id
  `.execute(db);
  return result.rows.map((r) => r.id);
}

/**
 * The ids of these outbox rows that meet `condition`, each locked (FOR UPDATE) in id order before
 * the array is complete: an expression for `id = any(…)` in a statement that then changes them.
 * A worker's heartbeat (renewClaims) and its result writes (ResultRecorder) change the same
 * rows at the same time from different connections; locking row by row in the order of their
 * input (a batch's results come in the order the relay answered) they deadlocked, PostgreSQL
 * aborted one, and an aborted result write stopped the worker's run with the wave unsent
 * (bench/mail-wave.ts, 12,208 of 20,000 at load 12; tests/integration/mail-lock-order.test.ts).
 * The aggregate takes every lock before the statement touches a row (the cast makes `any(…)`
 * read it as one array, not as a subquery of arrays).
 */
function lockedInIdOrder(ids: number[], condition: RawBuilder<unknown>): RawBuilder<number[]> {
  return sql<number[]>`(
    select coalesce(array_agg(l.id), '{}') from (
      select id from outbox_messages where id = any(${ids}::int[]) and ${condition} order by id for update
    ) l
  )::int[]`;
}

/**
 * Records a failed send on the row this worker still holds (a row taken over by another worker
 * is left to that one): a permanent refusal marks the row bounced and the address too, if it is
 * still the invitation's address; anything else is retried with backoff, until the attempts run
 * out. Successes go through ResultRecorder.
 */
export async function recordFailure(
  db: Kysely<DB>,
  m: Pick<ClaimedMessage, 'id' | 'attempts'>,
  outcome: SendFailure,
  o: { workerId: string; now: Date; transport: 'smtp' | 'capture'; retry: RetryPolicy },
): Promise<void> {
  if (outcome.permanent) {
    await sql`
      with bounced as (
        update outbox_messages set status = 'bounced', smtp_response = ${outcome.response}, last_error = ${outcome.error},
          transport = ${o.transport}
        where id = ${m.id} and status = 'sending' and locked_by = ${o.workerId}
        returning invitation_id, to_address, idempotency_key
      ), teacher as (
        -- A teacher's or professional's mail of a person round (key 'teacher:<kind>:<person id>…',
        -- 'professional:…'): the person's
        -- address is unreachable, if it is still the teacher's.
        update person_contacts pc set bounced_at = coalesce(pc.bounced_at, ${o.now})
        from bounced b
        where b.invitation_id is null and (b.idempotency_key like 'teacher:%' or b.idempotency_key like 'professional:%')
          and pc.person_id = (case when split_part(b.idempotency_key, ':', 3) ~ '^[0-9]{1,9}$' then split_part(b.idempotency_key, ':', 3)::int end)
          and lower(pc.email) = lower(b.to_address)
        returning pc.person_id
      )
      update invitations i set bounced_at = coalesce(i.bounced_at, ${o.now})
      from bounced b where i.id = b.invitation_id and lower(i.email) = lower(b.to_address)
    `.execute(db);
    return;
  }
  const final = m.attempts >= o.retry.maxAttempts;
  await db
    .updateTable('outbox_messages')
    .set({
      status: final ? 'failed' : 'pending',
      next_attempt_at: new Date(o.now.getTime() + retryDelay(m.attempts, o.retry)),
      smtp_response: outcome.response,
      last_error: outcome.error,
      transport: o.transport,
    })
    .where('id', '=', m.id)
    .where('status', '=', 'sending')
    .where('locked_by', '=', o.workerId)
    .execute();
}

export type SendFailure = Exclude<SendOutcome, { ok: true }>;

/** The outcome of one claimed row, as the worker records it. */
export type DeliveryResult =
  | { kind: 'sent'; id: number; response: string; at: Date }
  | { kind: 'failed'; id: number; attempts: number; outcome: SendFailure; at: Date }
  | { kind: 'skipped'; id: number; reason: SkipReason }
  | { kind: 'released'; id: number };

interface Waiting {
  result: DeliveryResult;
  resolve: (recorded: boolean) => void;
}

/**
 * Records the results of a worker's deliveries. Successes go with group commit: while one write
 * is in progress, results that come in wait and go together in the next write; each caller's
 * promise resolves only once its row is recorded, so nothing is acknowledged earlier than with
 * one write per mail. Only rows this worker still holds are touched, and an invitation mail marks
 * its invitation invited.
 *
 * A result that cannot be written (the database is unreachable) is not lost: it is kept in
 * memory, the caller's promise resolves with `false`, and `retryKept()` writes it later. The row
 * stays claimed by this worker meanwhile (the worker keeps renewing it and never takes it back),
 * so a mail the relay accepted is recorded as sent later, not sent again.
 */
export class ResultRecorder {
  #queue: Waiting[] = [];
  #writing: Promise<void> | null = null;
  readonly #kept = new Map<number, DeliveryResult>();
  #retrying: Promise<number> | null = null;
  /** The error of the last failed write (for the log: name and code only). */
  lastError: unknown = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly workerId: string,
    private readonly transport: 'smtp' | 'capture',
    private readonly retry: RetryPolicy,
  ) {}

  /** Results waiting for `retryKept()`. */
  get kept(): number {
    return this.#kept.size;
  }

  keptIds(): number[] {
    return [...this.#kept.keys()];
  }

  /** Writes the result; resolves true once written, false when it was kept for a retry. */
  record(result: DeliveryResult): Promise<boolean> {
    return new Promise((resolve) => {
      this.#queue.push({ result, resolve });
      if (!this.#writing) this.#writing = this.#drain();
    });
  }

  /** Writes the kept results (one attempt); returns how many, or throws and keeps them. */
  retryKept(): Promise<number> {
    if (!this.#retrying) {
      this.#retrying = (async () => {
        const results = [...this.#kept.values()];
        if (results.length === 0) return 0;
        await this.#write(results, true);
        for (const r of results) if (this.#kept.get(r.id) === r) this.#kept.delete(r.id);
        return results.length;
      })().finally(() => {
        this.#retrying = null;
      });
    }
    return this.#retrying;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length) {
      const batch = this.#queue.splice(0, 1000);
      let recorded = true;
      try {
        await this.#write(
          batch.map((w) => w.result),
          false,
        );
      } catch (error) {
        this.lastError = error;
        recorded = false;
        for (const w of batch) this.#kept.set(w.result.id, w.result);
      }
      for (const w of batch) w.resolve(recorded);
    }
    this.#writing = null;
  }

  /**
   * One write per batch of successes plus one per other result. Every statement only changes a
   * row still in the state it left it in, so writing a result twice (a retry after a write whose
   * answer was lost) changes nothing the second time.
   */
  async #write(results: DeliveryResult[], late: boolean): Promise<void> {
    const sent = results.filter((r): r is Extract<DeliveryResult, { kind: 'sent' }> => r.kind === 'sent');
    if (sent.length) await this.#writeSent(sent, late);
    for (const r of results) {
      if (r.kind === 'skipped') await recordSkipped(this.db, r.id, this.workerId, r.reason);
      else if (r.kind === 'released') await releaseClaim(this.db, r.id, this.workerId);
      else if (r.kind === 'failed') {
        await recordFailure(this.db, r, r.outcome, { workerId: this.workerId, now: r.at, transport: this.transport, retry: this.retry });
      }
    }
  }

  async #writeSent(batch: Array<Extract<DeliveryResult, { kind: 'sent' }>>, late: boolean): Promise<void> {
    const ids = batch.map((r) => r.id);
    const responses = batch.map((r) => r.response);
    const ats = batch.map((r) => r.at.toISOString());
    // On time, only the row this worker still holds. Late (recorded after the database came
    // back), the mail went out whatever happened to the claim meanwhile: 'sent' then also wins
    // over a claim another worker took over and has not finished, which keeps that worker from
    // sending it once more if it has not started yet.
    const held = late ? sql`o.status in ('sending', 'pending')` : sql`o.status = 'sending' and o.locked_by = ${this.workerId}`;
    // Locked in id order first: the heartbeat renews the same rows meanwhile (lockedInIdOrder).
    const heldRow = late ? sql`status in ('sending', 'pending')` : sql`status = 'sending' and locked_by = ${this.workerId}`;
    await sql`
      with v as (
        select * from unnest(${ids}::int[], ${responses}::text[], ${ats}::timestamptz[]) as t(id, response, at)
      ), sent as (
        update outbox_messages o set status = 'sent', sent_at = v.at, smtp_response = v.response,
          transport = ${this.transport}, last_error = ${late ? LATE_RECORD_NOTE : sql`o.last_error`}
        from v where o.id = v.id and o.id = any(${lockedInIdOrder(ids, heldRow)}) and ${held}
        returning o.invitation_id, o.mailing_id, v.at
      ), invited as (
        select s.invitation_id, min(s.at) as at from sent s join mailings m on m.id = s.mailing_id
        where m.kind = 'invitation' and s.invitation_id is not null group by s.invitation_id
      )
      update invitations i set invited_at = coalesce(i.invited_at, invited.at),
        status = case when i.status = 'pending' then 'invited' else i.status end
      from invited where i.id = invited.invitation_id
    `.execute(this.db);
  }
}

export { OUTBOX_STATUS_LABELS } from '../../contract/vocabulary';
