import { sql, type Kysely } from 'kysely';
import type { DB, Mailing, MailingKind, ReminderPolicy } from '../db/types';
import { conflict, notFound } from '../errors';
import { enqueueMails, mailingKey, withdrawQueuedMail, type NewMail } from './outbox';
import { loadCandidates, mailableInvitation, parseTarget, skipReason, type Candidate } from './targets';
import type { MailingTarget } from '../../contract/api/mailings';
import { displayName, formatCloseDate, loadTemplate, renderTemplate, type PlaceholderValues, type TemplateContent } from './templates';

/**
 * Waves (mailings): one kind, one target filter, one due time. At its due time a wave fans out
 * into outbox rows, one per targeted invitation, in one transaction. A reminder-policy wave
 * (`target.afterDays`) fans out again and again: each school gets it that many days after its
 * own invitation, until the round closes.
 */

const DAY = 86_400_000;

export async function createMailing(
  db: Kysely<DB>,
  m: { roundId: number; kind: MailingKind; target: MailingTarget; dueAt: Date; createdBy: number | null; now?: Date },
): Promise<Mailing> {
  return db
    .insertInto('mailings')
    .values({ round_id: m.roundId, kind: m.kind, target: JSON.stringify(m.target), due_at: m.dueAt, created_by: m.createdBy, created_at: m.now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function lockMailing(trx: Kysely<DB>, id: number): Promise<Mailing> {
  const mailing = await trx.selectFrom('mailings').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!mailing) throw notFound('Deze golf bestaat niet.');
  return mailing;
}

/**
 * Moves a wave that has not gone out yet; for a reminder policy, changes its number of days. In
 * the caller's transaction (it locks the wave).
 */
export async function moveMailing(trx: Kysely<DB>, id: number, change: { dueAt?: Date; afterDays?: number }, now: Date): Promise<Mailing> {
  const mailing = await lockMailing(trx, id);
  const target = parseTarget(mailing.target, mailing.kind);
  if (mailing.status === 'cancelled' || mailing.status === 'sent') {
    throw conflict('mailing_closed', 'Deze golf is al verstuurd of geannuleerd en kan niet meer worden verplaatst.');
  }
  if (target.afterDays !== undefined) {
    if (change.afterDays === undefined) throw conflict('mailing_is_policy', 'Geef voor deze herinnering het aantal dagen na de uitnodiging op.');
    const dueAt = await policyDueAt(trx, mailing.round_id, change.afterDays, now);
    return trx
      .updateTable('mailings')
      .set({ target: JSON.stringify({ ...target, afterDays: change.afterDays }), due_at: dueAt })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  if (mailing.status !== 'scheduled') throw conflict('mailing_started', 'Deze golf wordt al verstuurd en kan niet meer worden verplaatst.');
  if (!change.dueAt) throw conflict('mailing_needs_time', 'Geef een nieuw tijdstip op.');
  return trx.updateTable('mailings').set({ due_at: change.dueAt }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** Cancels a wave; what it still had waiting in the outbox is not sent. In the caller's transaction. */
export async function cancelMailing(trx: Kysely<DB>, id: number, now: Date): Promise<{ mailing: Mailing; cancelledMessages: number }> {
  const mailing = await lockMailing(trx, id);
  if (mailing.status === 'cancelled') throw conflict('mailing_cancelled', 'Deze golf is al geannuleerd.');
  if (mailing.status === 'sent') throw conflict('mailing_sent', 'Deze golf is al helemaal verstuurd.');
  const updated = await trx
    .updateTable('mailings')
    .set({ status: 'cancelled', finished_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { mailing: updated, cancelledMessages: await withdrawQueuedMail(trx, [id], 'Niet verstuurd: golf geannuleerd') };
}

/**
 * Cancels the round's waves that are still waiting or sending and withdraws their queued
 * messages (the round closes). In the caller's transaction.
 */
export async function cancelRoundWaves(trx: Kysely<DB>, roundId: number, now: Date, reason: string): Promise<{ waves: number; messages: number }> {
  const waves = await trx
    .updateTable('mailings')
    .set({ status: 'cancelled', finished_at: now })
    .where('round_id', '=', roundId)
    .where('status', 'in', ['scheduled', 'sending'])
    .returning('id')
    .execute();
  const messages = await withdrawQueuedMail(
    trx,
    waves.map((w) => w.id),
    reason,
  );
  return { waves: waves.length, messages };
}

async function policyDueAt(db: Kysely<DB>, roundId: number, afterDays: number, now: Date): Promise<Date> {
  const first = await db
    .selectFrom('mailings')
    .select(({ fn }) => fn.min('due_at').as('due_at'))
    .where('round_id', '=', roundId)
    .where('kind', '=', 'invitation')
    .where('status', '!=', 'cancelled')
    .executeTakeFirst();
  const base = first?.due_at ? new Date(first.due_at) : now;
  return new Date(base.getTime() + afterDays * DAY);
}

function policyDays(raw: unknown): number[] {
  const policy = (raw && typeof raw === 'object' ? raw : {}) as Partial<ReminderPolicy>;
  const days = Array.isArray(policy.afterDays) ? policy.afterDays : [];
  return [...new Set(days.filter((d): d is number => Number.isInteger(d) && d > 0 && d <= 365))].sort((a, b) => a - b);
}

/**
 * An invitation wave for the round's invitations that have had no invitation mail yet (for
 * schools invited after opening: a corrected address, an added school). Reuses a wave of that
 * kind that is still waiting instead of planning a second one. Run it in the transaction that
 * creates the invitations.
 */
export async function scheduleInvitationWave(db: Kysely<DB>, roundId: number, now: Date, createdBy: number | null = null, dueAt: Date = now): Promise<Mailing> {
  const waiting = await db
    .selectFrom('mailings')
    .selectAll()
    .where('round_id', '=', roundId)
    .where('kind', '=', 'invitation')
    .where('status', '=', 'scheduled')
    .where(sql<boolean>`target = ${JSON.stringify({ status: 'not-invited' })}::jsonb`)
    .orderBy('due_at')
    .executeTakeFirst();
  // A wave still waiting will reach these invitations too (targets are decided when it goes);
  // it keeps its time, which may be the round's opening.
  if (waiting) return waiting;
  return createMailing(db, { roundId, kind: 'invitation', target: { status: 'not-invited' }, dueAt, createdBy, now });
}

/**
 * For a school whose invitations became mailable after opening (an address corrected after a
 * bounce, a school added or taken back): an invitation wave in each open round where its
 * invitation has had no invitation mail yet. In the caller's transaction. Returns the waves.
 */
export async function scheduleInvitationsForSchool(
  db: Kysely<DB>,
  schoolId: number,
  now: Date,
  createdBy: number | null = null,
  roundId?: number,
): Promise<Mailing[]> {
  let query = db
    .selectFrom('invitations as i')
    .innerJoin('rounds as r', 'r.id', 'i.round_id')
    .select('i.round_id')
    .distinct()
    .where('i.school_id', '=', schoolId)
    .where('r.status', '=', 'open')
    .where('i.invited_at', 'is', null)
    .where(mailableInvitation);
  if (roundId !== undefined) query = query.where('i.round_id', '=', roundId);
  const waves: Mailing[] = [];
  for (const row of await query.execute()) waves.push(await scheduleInvitationWave(db, row.round_id, now, createdBy));
  return waves;
}

/**
 * What opening a round schedules, in the caller's transaction (with openRound): the invitation
 * wave (at the moment the admin chose, else at the round's opening time, or now) and one reminder
 * per day count of the round's reminder policy (default: 14 days after each school's
 * invitation). Calling it again adds nothing twice. Returns the waves it created.
 */
export async function scheduleRoundMailings(
  db: Kysely<DB>,
  roundId: number,
  now: Date,
  createdBy: number | null = null,
  invitationsAt?: Date,
): Promise<Mailing[]> {
  const round = await db.selectFrom('rounds').select(['id', 'opens_at', 'reminder_policy']).where('id', '=', roundId).executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  const existing = await db.selectFrom('mailings').selectAll().where('round_id', '=', roundId).where('status', '!=', 'cancelled').execute();
  const created: Mailing[] = [];
  const hasInvitationWave = existing.some((m) => m.kind === 'invitation' && parseTarget(m.target, m.kind).status === 'not-invited');
  const chosen = invitationsAt ?? (round.opens_at ? new Date(round.opens_at) : now);
  const invitationDue = chosen.getTime() > now.getTime() ? chosen : now;
  if (!hasInvitationWave) created.push(await scheduleInvitationWave(db, roundId, now, createdBy, invitationDue));
  for (const days of policyDays(round.reminder_policy)) {
    const present = existing.some((m) => m.kind === 'reminder' && parseTarget(m.target, m.kind).afterDays === days);
    if (present) continue;
    created.push(
      await createMailing(db, {
        roundId,
        kind: 'reminder',
        target: { status: 'not-completed', afterDays: days },
        dueAt: new Date(invitationDue.getTime() + days * DAY),
        createdBy,
        now,
      }),
    );
  }
  return created;
}

export interface MailContext {
  studyName: string;
  roundName: string;
  senderName: string;
  closeDate: string;
}

export async function mailContext(db: Kysely<DB>, roundId: number, mailFrom: string): Promise<MailContext> {
  const row = await db
    .selectFrom('rounds as r')
    .innerJoin('studies as s', 's.id', 'r.study_id')
    .select(['r.name as round_name', 'r.closes_at', 's.name as study_name', 's.sender_name'])
    .where('r.id', '=', roundId)
    .executeTakeFirst();
  if (!row) throw notFound('Deze meting bestaat niet.');
  return {
    studyName: row.study_name,
    roundName: row.round_name,
    senderName: row.sender_name?.trim() || displayName(mailFrom),
    closeDate: formatCloseDate(row.closes_at ? new Date(row.closes_at) : null),
  };
}

export function placeholderValues(
  c: Pick<Candidate, 'school_name' | 'swv_name'> & { named_by?: string | null },
  ctx: MailContext,
  links: { link: string; afmelden: string },
): PlaceholderValues {
  return {
    school: c.school_name,
    genoemd_door: c.named_by ?? '',
    swv: c.swv_name,
    link: links.link,
    sluitingsdatum: ctx.closeDate,
    onderzoek: ctx.studyName,
    meting: ctx.roundName,
    afzender: ctx.senderName,
    afmelden: links.afmelden,
  };
}

const INSERT_CHUNK = 500;

async function insertRows(trx: Kysely<DB>, mailing: Mailing, template: TemplateContent, ctx: MailContext, targets: Candidate[], now: Date): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < targets.length; i += INSERT_CHUNK) {
    const mails = targets.slice(i, i + INSERT_CHUNK).map((c): NewMail => {
      const mail = renderTemplate(template, placeholderValues(c, ctx, { link: '', afmelden: '' }), { deferLinks: true });
      return { key: mailingKey(mailing.id, c.id), mailingId: mailing.id, invitationId: c.id, to: c.email!.trim(), subject: mail.subject, text: mail.text, html: mail.html };
    });
    inserted += await enqueueMails(trx, mails, now);
  }
  return inserted;
}

export interface FanOutResult {
  mailingId: number;
  queued: number;
}

/**
 * Turns every due wave into outbox rows. Each wave is taken with SKIP LOCKED, so several workers
 * never fan out the same wave, and rows are unique per (wave, invitation), so a repeat adds
 * nothing. Waves of a round that is closed end; waves of a round not yet open wait.
 */
export async function fanOutDueMailings(db: Kysely<DB>, now: Date, mailFrom: string, maxWaves = 5): Promise<FanOutResult[]> {
  const results: FanOutResult[] = [];
  const due = await db
    .selectFrom('mailings')
    .select('id')
    .where((eb) => eb.or([eb('status', '=', 'scheduled'), eb.and([eb('status', '=', 'sending'), sql<boolean>`(target->>'afterDays') is not null`])]))
    .where('due_at', '<=', now)
    .orderBy('due_at')
    .orderBy('id')
    .execute();
  for (const { id } of due) {
    if (results.length >= maxWaves) break;
    // Owns its transactions on purpose, one per wave: a wave's rows go into the outbox together,
    // and a large or failing wave neither holds back nor undoes the others (docs/DEVELOPING.md).
    const result = await db.transaction().execute((trx) => fanOutMailing(trx, id, now, mailFrom));
    if (result) results.push(result);
  }
  return results;
}

/**
 * Fans out one wave if it is due (or ends it when its round closed); null when there was nothing
 * to do or another worker holds it. The worker calls it through fanOutDueMailings; opening a
 * round calls it for the invitation wave straight away, so the outbox shows every queued mail
 * the moment the admin confirms, instead of after the worker's next round. In the caller's
 * transaction, which should hold just this wave.
 */
export async function fanOutMailing(trx: Kysely<DB>, id: number, now: Date, mailFrom: string): Promise<FanOutResult | null> {
  // (A wave another worker holds is skipped, not waited for.)
  const result = await fanOutLocked(trx, id, now, mailFrom);
  return result?.changed ? { mailingId: result.mailingId, queued: result.queued } : null;
}

/** fanOutMailing's work; `changed` says whether anything was written. */
async function fanOutLocked(trx: Kysely<DB>, id: number, now: Date, mailFrom: string) {
  const mailing = await trx
    .selectFrom('mailings')
    .selectAll()
    .where('id', '=', id)
    .where('status', 'in', ['scheduled', 'sending'])
    .where('due_at', '<=', now)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (!mailing) return null;
  const round = await trx.selectFrom('rounds').select(['status', 'closes_at']).where('id', '=', mailing.round_id).executeTakeFirstOrThrow();
  const closed = round.status === 'closed' || (round.closes_at !== null && new Date(round.closes_at).getTime() <= now.getTime());
  const target = parseTarget(mailing.target, mailing.kind);
  const policy = target.afterDays !== undefined;
  if (closed) {
    // A policy reminder has done its work when the round closes; a one-off wave that never
    // went out is cancelled.
    await trx
      .updateTable('mailings')
      .set({ status: policy && mailing.status === 'sending' ? 'sent' : 'cancelled', finished_at: now })
      .where('id', '=', mailing.id)
      .execute();
    return { mailingId: mailing.id, queued: 0, changed: true };
  }
  if (round.status !== 'open') return null;
  const template = await loadTemplate(trx, mailing.round_id, mailing.kind);
  const ctx = await mailContext(trx, mailing.round_id, mailFrom);
  const candidates = await loadCandidates(trx, mailing.round_id, {
    swvIds: target.swvIds,
    ...(policy ? { onlyWithoutMailing: mailing.id, invitedBefore: new Date(now.getTime() - target.afterDays! * DAY) } : {}),
  });
  // A reminder never reaches a school whose invitation mail has not gone out yet (a wave still
  // being throttled): that school gets its invitation first, and the policy's reminder after it.
  // Planning estimates do count such schools, so this rule lives here and not in skipReason.
  const reminder = mailing.kind === 'reminder';
  const targets = candidates.filter((c) => skipReason(c, target, now) === null && (!reminder || c.invited_at !== null));
  const queued = await insertRows(trx, mailing, template, ctx, targets, now);
  const starting = mailing.status === 'scheduled';
  if (starting) {
    await trx.updateTable('mailings').set({ status: 'sending', started_at: now }).where('id', '=', mailing.id).execute();
  }
  return { mailingId: mailing.id, queued, changed: starting || queued > 0 };
}

/** One-off waves whose every row has an outcome are done. */
export async function finishMailings(db: Kysely<DB>, now: Date): Promise<number> {
  const result = await db
    .updateTable('mailings as m')
    .set({ status: 'sent', finished_at: now })
    .where('m.status', '=', 'sending')
    .where(sql<boolean>`(m.target->>'afterDays') is null`)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('outbox_messages as o').select('o.id').whereRef('o.mailing_id', '=', 'm.id').where('o.status', 'in', ['pending', 'sending']))),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
