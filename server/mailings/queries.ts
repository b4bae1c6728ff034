import { sql, type Kysely } from 'kysely';
import type { DB, MailingKind, MailingStatus, OutboxStatus } from '../db/types';
import { notFound } from '../errors';
import { buildOutgoing, mailLinks } from './outbox';
import { roundSchools } from '../rounds/eligibility';
import { loadCandidates, parseTarget, skipReason, targetedInvitations, type Candidate, type MailingTarget } from './targets';
import { loadTemplate, renderTemplate, resolveAccountLinks, type TemplateContent } from './templates';
import { estimateFinish, recentSends, type RelayLimits } from './throttle';
import { mailContext, placeholderValues } from './waves';

/** What the admin app shows: waves with their counts, estimates, message logs, the outbox. */

export interface MailingView {
  id: number;
  kind: MailingKind;
  status: MailingStatus;
  target: MailingTarget;
  dueAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
  counts: Record<OutboxStatus, number>;
}

const emptyCounts = (): Record<OutboxStatus, number> => ({ pending: 0, sending: 0, sent: 0, failed: 0, bounced: 0, cancelled: 0 });
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export async function listMailings(db: Kysely<DB>, roundId: number): Promise<MailingView[]> {
  const mailings = await db.selectFrom('mailings').selectAll().where('round_id', '=', roundId).orderBy('due_at').orderBy('id').execute();
  const counts = await db
    .selectFrom('outbox_messages as o')
    .innerJoin('mailings as m', 'm.id', 'o.mailing_id')
    .select(['o.mailing_id', 'o.status', sql<number>`count(*)::int`.as('n')])
    .where('m.round_id', '=', roundId)
    .groupBy(['o.mailing_id', 'o.status'])
    .execute();
  return mailings.map((m) => {
    const c = emptyCounts();
    for (const row of counts) if (row.mailing_id === m.id) c[row.status] = row.n;
    return {
      id: m.id,
      kind: m.kind,
      status: m.status,
      target: parseTarget(m.target, m.kind),
      dueAt: iso(m.due_at)!,
      startedAt: iso(m.started_at),
      finishedAt: iso(m.finished_at),
      createdAt: iso(m.created_at)!,
      counts: c,
    };
  });
}

export async function assertRound(db: Kysely<DB>, roundId: number) {
  const round = await db
    .selectFrom('rounds as r')
    .innerJoin('studies as s', 's.id', 'r.study_id')
    .select(['r.id', 'r.name', 'r.status', 'r.opens_at', 'r.closes_at', 'r.reminder_policy', 's.name as study_name'])
    .where('r.id', '=', roundId)
    .executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  return round;
}

export interface Estimate {
  count: number;
  /** Mails already waiting or planned before this wave. */
  ahead: number;
  startsAt: string;
  finishesAt: string;
  limits: RelayLimits;
}

/**
 * How many mails a wave would send if it went now, and when the last would be handed to the
 * relay at its limits, counting the mails queued or planned before it.
 */
export async function estimateMailing(
  db: Kysely<DB>,
  roundId: number,
  kind: MailingKind,
  target: MailingTarget,
  dueAt: Date,
  now: Date,
  limits: RelayLimits,
  excludeMailingId?: number,
): Promise<Estimate> {
  void kind;
  const at = dueAt.getTime() > now.getTime() ? dueAt : now;
  const count = (await plannedRecipients(db, roundId, target, at)).length;
  const ahead = await queueAhead(db, at, excludeMailingId);
  const history = await recentSends(db, now);
  const finish = estimateFinish(at, ahead + count, limits, history);
  return { count, ahead, startsAt: at.toISOString(), finishesAt: finish.toISOString(), limits };
}

/**
 * Who a target reaches at `at`. Before the round opens there are no invitations yet: then the
 * schools that opening will invite are counted, as if the round were open (the admin plans
 * ahead), through the same rule (skipReason) a wave applies when it goes.
 */
export async function plannedRecipients(db: Kysely<DB>, roundId: number, target: MailingTarget, at: Date): Promise<Candidate[]> {
  const round = await assertRound(db, roundId);
  const asOpen = <T extends Candidate>(c: T): T => ({ ...c, round_status: 'open', closes_at: null });
  const invited = (await loadCandidates(db, roundId, { swvIds: target.swvIds })).map(asOpen);
  if (round.status !== 'draft') return invited.filter((c) => skipReason(c, target, at) === null);
  return [...invited, ...(await schoolsToInvite(db, roundId))].filter((c) => skipReason(c, target, at) === null);
}

/** The schools opening the round will invite, as candidates without an invitation yet. */
async function schoolsToInvite(db: Kysely<DB>, roundId: number): Promise<Candidate[]> {
  const schools = (await roundSchools(db, roundId)).filter((s) => s.state === 'to-invite');
  if (schools.length === 0) return [];
  const swvs = await db
    .selectFrom('round_swvs as rs')
    .innerJoin('swvs as w', 'w.id', 'rs.swv_id')
    .select(['rs.swv_id', 'rs.situation', 'w.name'])
    .where('rs.round_id', '=', roundId)
    .execute();
  const swvById = new Map(swvs.map((s) => [s.swv_id, s]));
  const details = new Map<number, { province: string | null; denomination: string | null }>();
  for (let i = 0; i < schools.length; i += 5000) {
    const rows = await db
      .selectFrom('schools')
      .select(['id', 'province', 'denomination'])
      .where('id', 'in', schools.slice(i, i + 5000).map((s) => s.schoolId))
      .execute();
    for (const row of rows) details.set(row.id, row);
  }
  return schools.map((s) => ({
    id: 0,
    token_nonce: '',
    school_name: s.name,
    swv_name: swvById.get(s.swvId)?.name ?? '',
    email: s.email,
    status: 'pending',
    excluded_at: null,
    opted_out_at: null,
    bounced_at: null,
    invited_at: null,
    completed_at: null,
    refused_at: null,
    swv_id: s.swvId,
    situation: swvById.get(s.swvId)?.situation ?? null,
    school_kind: s.kind,
    school_province: details.get(s.schoolId)?.province ?? null,
    school_denomination: details.get(s.schoolId)?.denomination ?? null,
    round_status: 'open',
    closes_at: null,
  }));
}

/** Mails waiting in the outbox by `at`, plus those of one-off waves planned before it (they go first). */
async function queueAhead(db: Kysely<DB>, at: Date, excludeMailingId?: number): Promise<number> {
  const queued = await db
    .selectFrom('outbox_messages')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('status', 'in', ['pending', 'sending'])
    .where('next_attempt_at', '<=', at)
    .executeTakeFirstOrThrow();
  let ahead = queued.n;
  let earlier = db
    .selectFrom('mailings')
    .selectAll()
    .where('status', '=', 'scheduled')
    .where('due_at', '<=', at)
    .where(sql<boolean>`(target->>'afterDays') is null`);
  if (excludeMailingId !== undefined) earlier = earlier.where('id', '!=', excludeMailingId);
  for (const m of await earlier.execute()) {
    ahead += (await targetedInvitations(db, m.round_id, parseTarget(m.target, m.kind), at)).length;
  }
  return ahead;
}

export interface OpeningPlan {
  /** Invitation mails opening sends: one per school with a usable address. */
  invitations: number;
  /** Schools without a usable address, which get none. */
  unreachable: number;
  swvs: number;
  /** Per SWV of the round: how many of its schools get the invitation. */
  perSwv: Array<{ code: string; name: string; count: number }>;
  sendAt: string;
  /** Mails already waiting before these. */
  ahead: number;
  finishesAt: string;
  limits: RelayLimits;
  capture: boolean;
  reminders: Array<{ afterDays: number; firstAt: string; lastAt: string; beforeClose: boolean }>;
  opensAt: string | null;
  closesAt: string | null;
}

/**
 * What opening a round will do, before the admin confirms: how many invitation mails go to
 * which schools, from when, at the relay's pace (when the last is handed over), and when each
 * reminder of the round's policy follows (each school that many days after its own invitation).
 */
export async function openingPlan(
  db: Kysely<DB>,
  roundId: number,
  sendAt: Date | null,
  now: Date,
  limits: RelayLimits,
  capture: boolean,
): Promise<OpeningPlan> {
  const round = await assertRound(db, roundId);
  // As opening schedules it: the chosen moment, else the round's opening time, never before now.
  const chosen = sendAt ?? (round.opens_at ? new Date(round.opens_at) : now);
  const at = chosen.getTime() > now.getTime() ? chosen : now;
  const schools = await roundSchools(db, roundId);
  const toInvite = schools.filter((s) => s.state === 'to-invite');
  const swvs = await db
    .selectFrom('round_swvs as rs')
    .innerJoin('swvs as w', 'w.id', 'rs.swv_id')
    .select(['w.id', 'w.code', 'w.name'])
    .where('rs.round_id', '=', roundId)
    .orderBy('rs.region_letter')
    .orderBy('w.code')
    .execute();
  const perSwv = swvs.map((w) => ({ code: w.code, name: w.name, count: toInvite.filter((s) => s.swvId === w.id).length }));
  const ahead = await queueAhead(db, at);
  const history = await recentSends(db, now);
  const finish = estimateFinish(at, ahead + toInvite.length, limits, history);
  const policy = round.reminder_policy as { afterDays?: unknown } | null;
  const days = Array.isArray(policy?.afterDays) ? (policy!.afterDays as unknown[]).filter((d): d is number => Number.isInteger(d) && (d as number) > 0) : [];
  const closesAt = round.closes_at ? new Date(round.closes_at) : null;
  const DAY = 86_400_000;
  return {
    invitations: toInvite.length,
    unreachable: schools.filter((s) => s.state === 'unreachable').length,
    swvs: swvs.length,
    perSwv,
    sendAt: at.toISOString(),
    ahead,
    finishesAt: finish.toISOString(),
    limits,
    capture,
    reminders: [...new Set(days)]
      .sort((a, b) => a - b)
      .map((d) => {
        const firstAt = new Date(at.getTime() + d * DAY);
        return { afterDays: d, firstAt: firstAt.toISOString(), lastAt: new Date(finish.getTime() + d * DAY).toISOString(), beforeClose: !closesAt || firstAt < closesAt };
      }),
    opensAt: round.opens_at ? new Date(round.opens_at).toISOString() : null,
    closesAt: closesAt ? closesAt.toISOString() : null,
  };
}

export interface Preview {
  subject: string;
  text: string;
  html: string;
  /** The school the preview is for; `invitationId` is null for a school opening will invite. */
  school: { invitationId: number | null; name: string } | null;
}

/**
 * A template rendered for a real school of the round. The links are shown as examples: the
 * admin app does not need a working personal link to judge a text.
 */
export async function previewTemplate(
  db: Kysely<DB>,
  roundId: number,
  template: TemplateContent,
  invitationId: number | undefined,
  publicUrl: string,
  mailFrom: string,
): Promise<Preview> {
  const ctx = await mailContext(db, roundId, mailFrom);
  let school: { id: number; school_name: string; swv_name: string } | undefined;
  let query = db
    .selectFrom('invitations as i')
    .innerJoin('schools as s', 's.id', 'i.school_id')
    .innerJoin('swvs as w', 'w.id', 'i.swv_id')
    .select(['i.id', 's.name as school_name', 'w.name as swv_name'])
    .where('i.round_id', '=', roundId)
    .orderBy('s.name')
    .orderBy('i.id');
  if (invitationId !== undefined) query = query.where('i.id', '=', invitationId);
  school = await query.executeTakeFirst();
  if (invitationId !== undefined && !school) throw notFound('Deze school hoort niet bij deze meting.');
  // Before opening there are no invitations: the first school (by name) opening will invite.
  let planned: Candidate | undefined;
  if (!school) planned = (await schoolsToInvite(db, roundId)).sort((a, b) => a.school_name.localeCompare(b.school_name, 'nl'))[0];
  const links = { link: `${publicUrl}/s/voorbeeld-persoonlijke-link`, afmelden: `${publicUrl}/api/optout/voorbeeld-afmeldlink` };
  const values = placeholderValues(school ?? planned ?? { school_name: 'Voorbeeldschool', swv_name: 'Voorbeeld-samenwerkingsverband' }, ctx, links);
  const mail = renderTemplate(template, values);
  return {
    ...mail,
    school: school ? { invitationId: school.id, name: school.school_name } : planned ? { invitationId: null, name: planned.school_name } : null,
  };
}

export async function templateFor(db: Kysely<DB>, roundId: number, kind: MailingKind) {
  return loadTemplate(db, roundId, kind);
}

export interface InvitationMailRow {
  invitationId: number;
  schoolName: string;
  locationCode: string;
  swvName: string;
  status: string;
  invitedAt: string | null;
  optedOutAt: string | null;
  bouncedAt: string | null;
  messages: number;
  lastMessageStatus: OutboxStatus | null;
}

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

export interface LogEvent {
  at: string;
  kind: 'queued' | 'sent' | 'failed' | 'bounced' | 'skipped' | 'retrying' | 'opened' | 'opted-out' | 'invitation-bounced' | 'started' | 'completed' | 'refused';
  messageId: number | null;
  mailingKind: MailingKind | null;
  detail: string | null;
}

export interface MessageLog {
  invitation: {
    id: number;
    roundId: number;
    schoolName: string;
    locationCode: string;
    status: string;
    hasAddress: boolean;
  };
  messages: Array<{
    id: number;
    mailingId: number | null;
    mailingKind: MailingKind | null;
    subject: string;
    status: OutboxStatus;
    attempts: number;
    createdAt: string;
    sentAt: string | null;
    nextAttemptAt: string;
    lastError: string | null;
    smtpResponse: string | null;
    transport: string | null;
  }>;
  events: LogEvent[];
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

export interface OutboxRow {
  id: number;
  to: string;
  subject: string;
  status: OutboxStatus;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  transport: string | null;
  mailingKind: MailingKind | null;
  invitationId: number | null;
  /** Why the last attempt failed, was retried or taken over (also kept once the mail went). */
  lastError: string | null;
  nextAttemptAt: string;
  /** For a mail still waiting: when it is due to go at the relay's pace (an estimate). */
  plannedAt: string | null;
}

export interface PlannedWave {
  mailingId: number;
  roundId: number;
  roundName: string;
  kind: MailingKind;
  target: MailingTarget;
  dueAt: string;
  /** How many mails it would send if it went now (decided again when it goes). */
  count: number;
}

/**
 * Waves that have not fanned out into the outbox yet, with their planned moment and size, so the
 * outbox shows every mail that is coming, not only the rows already written.
 */
export async function listPlannedWaves(db: Kysely<DB>, now: Date): Promise<PlannedWave[]> {
  const waves = await db
    .selectFrom('mailings as m')
    .innerJoin('rounds as r', 'r.id', 'm.round_id')
    .select(['m.id', 'm.round_id', 'r.name as round_name', 'm.kind', 'm.target', 'm.due_at'])
    .where('m.status', '=', 'scheduled')
    .where('r.status', '!=', 'closed')
    .orderBy('m.due_at')
    .orderBy('m.id')
    .limit(50)
    .execute();
  const out: PlannedWave[] = [];
  for (const w of waves) {
    const target = parseTarget(w.target, w.kind);
    const due = new Date(w.due_at);
    const at = due.getTime() > now.getTime() ? due : now;
    // A reminder policy goes to each school days after its own invitation: count who it will reach.
    const probe = target.afterDays !== undefined ? { ...target, afterDays: undefined } : target;
    out.push({
      mailingId: w.id,
      roundId: w.round_id,
      roundName: w.round_name,
      kind: w.kind,
      target,
      dueAt: due.toISOString(),
      count: (await plannedRecipients(db, w.round_id, probe, at)).length,
    });
  }
  return out;
}

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

export interface OutboxMessageView {
  id: number;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  status: OutboxStatus;
  sentAt: string | null;
  attempts: number;
  nextAttemptAt: string;
  /** Why the last attempt failed, was retried or taken over; the relay's last answer. */
  lastError: string | null;
  smtpResponse: string | null;
  /** True when the links are the real ones (captured mail); with a relay they are masked. */
  liveLinks: boolean;
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

export interface MailRoundRow {
  id: number;
  name: string;
  studyName: string;
  status: string;
  invitations: number;
  mailings: number;
}

export async function listMailRounds(db: Kysely<DB>): Promise<MailRoundRow[]> {
  const rows = await db
    .selectFrom('rounds as r')
    .innerJoin('studies as s', 's.id', 'r.study_id')
    .select([
      'r.id',
      'r.name',
      'r.status',
      's.name as study_name',
      sql<number>`(select count(*)::int from invitations i where i.round_id = r.id)`.as('invitations'),
      sql<number>`(select count(*)::int from mailings m where m.round_id = r.id)`.as('mailings'),
    ])
    .orderBy('r.id', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, studyName: r.study_name, status: r.status, invitations: r.invitations, mailings: r.mailings }));
}
