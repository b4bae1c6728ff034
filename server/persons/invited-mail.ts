import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely';
import type { DB, MailingKind } from '../db/types';
import { conflict, notFound } from '../errors';
import { enqueueMail, withdrawTeacherMail } from '../mailings/outbox';
import { displayName, formatCloseDate, renderTemplate, resolveLinks, teacherLinkMarker, type PersonLinkKind, type TemplateContent } from '../mailings/templates';
import { personsAtSites } from './joins';
import { PROFESSIONAL_TEMPLATES, TEACHER_TEMPLATES } from './templates';

/**
 * Mail of persons invited by e-mail (teachers and professionals of a person round): one
 * invitation each, then a reminder per day count of the round's reminder policy (the same
 * `afterDays` as the schools', counted from the person's own invitation) while they have not
 * finished (worker tasks `teacher-reminders` and `professional-reminders`, `tasks.ts`).
 * Everything goes through `enqueueMail` in the caller's transaction; the stored body holds
 * markers with the person's id and link nonce (`teacherLinkMarker`), never a working link: the
 * outbox worker fills in the person's link (`/t/…`, `/pr/…`) and their own opt-out link
 * `/api/persons/a/…` (also in List-Unsubscribe) when it sends.
 *
 * Teachers are registered by their school's coordinator and invited at once, in the
 * registration's transaction; professionals come from a list and are invited when an admin sends
 * the invitations ("Uitnodigingen versturen").
 *
 * Who gets nothing: who opted out, whose address bounced (the outbox marks it, see
 * `recordFailure`, or a DSN in server/inbound/process.ts), who said no or finished, a round not
 * open or without a questionnaire for them, and for teachers a school excluded or erased. Pending
 * mail of a person who drops out of that set is withdrawn where that happens (`stopInvitedMail`);
 * the reminder task only queues mail that is due now.
 *
 * Outbox keys: `<role>:invitation:<person id>`, `<role>:reminder:<person id>:<days>`, role
 * `teacher` or `professional`.
 */

export interface MailRow {
  person_id: number;
  email: string;
  code_nonce: string | null;
  school_name?: string | null;
  swv_name?: string | null;
  round_name: string;
  closes_at: Date | null;
  study_name: string;
  sender_name: string | null;
  invited_at: Date | null;
  reminders_sent: number;
  reminder_policy: unknown;
}

/** A role's mailable persons, ordered by id; the shared code narrows it down. */
interface MailRowsQuery {
  where(expression: Expression<SqlBool>): MailRowsQuery;
  limit(limit: number): MailRowsQuery;
  execute(): Promise<MailRow[]>;
}

export interface MailRole {
  /** The first part of the outbox keys. */
  key: 'teacher' | 'professional';
  templates: Record<MailingKind, TemplateContent>;
  /** The marker kind of the person's own link (`{{link}}`). */
  link: PersonLinkKind;
  rows(db: Kysely<DB>): MailRowsQuery;
}

/** Who may still get mail: has not said no or finished, not opted out, not bounced, in an open person round. */
const MAILABLE = sql<boolean>`p.status in ('issued', 'started') and pc.opted_out_at is null and pc.bounced_at is null and r.status = 'open' and r.unit_type = 'person'`;

function teacherRows(db: Kysely<DB>) {
  return personsAtSites(db)
    .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .leftJoin('swvs as w', 'w.id', 'i.swv_id')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .innerJoin('person_rounds as pr', 'pr.round_id', 'r.id')
    .select(['pc.person_id', 'pc.email', 'p.code_nonce', 'i.school_name', 'w.name as swv_name', 'r.name as round_name', 'r.closes_at', 'st.name as study_name', 'st.sender_name'])
    .select(['pc.invited_at', 'pc.reminders_sent', 'r.reminder_policy'])
    .where('p.role', '=', 'teacher')
    .where(MAILABLE)
    .where('i.excluded_at', 'is', null)
    .where('i.erased_at', 'is', null)
    // Without a teachers' questionnaire there is nothing to invite teachers to.
    .where('pr.teacher_questionnaire_version_id', 'is not', null)
    .orderBy('pc.person_id');
}

function professionalRows(db: Kysely<DB>) {
  return db
    .selectFrom('persons as p')
    .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .select(['pc.person_id', 'pc.email', 'p.code_nonce', 'r.name as round_name', 'r.closes_at', 'st.name as study_name', 'st.sender_name'])
    .select(['pc.invited_at', 'pc.reminders_sent', 'r.reminder_policy'])
    .where('p.role', '=', 'professional')
    .where(MAILABLE)
    .where('p.code_nonce', 'is not', null)
    .where('r.questionnaire_version_id', 'is not', null)
    .orderBy('pc.person_id');
}

export const TEACHER_MAIL: MailRole = { key: 'teacher', templates: TEACHER_TEMPLATES, link: 'link', rows: teacherRows };
export const PROFESSIONAL_MAIL: MailRole = { key: 'professional', templates: PROFESSIONAL_TEMPLATES, link: 'professional', rows: professionalRows };

function renderMail(role: MailRole, kind: MailingKind, row: MailRow, mailFrom: string) {
  const rendered = renderTemplate(
    role.templates[kind],
    {
      school: row.school_name ?? '',
      swv: row.swv_name ?? '',
      sluitingsdatum: formatCloseDate(row.closes_at ? new Date(row.closes_at) : null),
      onderzoek: row.study_name,
      meting: row.round_name,
      afzender: row.sender_name?.trim() || displayName(mailFrom),
    },
    { deferLinks: true },
  );
  // The generic link markers become the person's: resolved by the outbox worker at send time.
  const links = { link: teacherLinkMarker(role.link, row.person_id, row.code_nonce!), afmelden: teacherLinkMarker('afmelden', row.person_id, row.code_nonce!) };
  return { subject: rendered.subject, text: resolveLinks(rendered.text, links, false), html: resolveLinks(rendered.html, links, false) };
}

/** Queues the invitations of these persons (not yet invited), in the caller's transaction. Returns how many rows there were. */
async function queueInvitations(trx: Transaction<DB>, role: MailRole, rows: MailRow[], now: Date, mailFrom: string): Promise<number> {
  const mailable = rows.filter((row) => row.code_nonce !== null);
  for (let i = 0; i < mailable.length; i += 500) {
    const chunk = mailable.slice(i, i + 500);
    for (const row of chunk) await enqueueMail(trx, { key: `${role.key}:invitation:${row.person_id}`, to: row.email, ...renderMail(role, 'invitation', row, mailFrom) }, now);
    await trx.updateTable('person_contacts').set({ invited_at: now }).where('person_id', 'in', chunk.map((r) => r.person_id)).execute();
  }
  return rows.length;
}

/**
 * Queues the invitation of every teacher of this school location who has had none yet, in the
 * caller's transaction (the coordinator's registration). Returns how many were queued.
 */
export async function inviteTeachers(trx: Transaction<DB>, siteId: number, now: Date, mailFrom: string): Promise<number> {
  const rows = await teacherRows(trx).where('p.site_id', '=', siteId).where('pc.invited_at', 'is', null).execute();
  return queueInvitations(trx, TEACHER_MAIL, rows, now, mailFrom);
}

/**
 * Queues the invitation of every professional of the round who has had none yet, in the caller's
 * transaction. Refused (Dutch) when the round is not open or has no questionnaire. Returns how
 * many were queued.
 */
export async function inviteProfessionals(trx: Transaction<DB>, roundId: number, now: Date, mailFrom: string): Promise<number> {
  const round = await trx.selectFrom('rounds').select(['status', 'unit_type', 'questionnaire_version_id']).where('id', '=', roundId).forUpdate().executeTakeFirst();
  if (!round || round.unit_type !== 'person') throw notFound('Deze meting is geen meting per persoon.');
  if (round.status !== 'open') throw conflict('round_not_open', 'Uitnodigingen gaan pas uit als de meting open is.');
  if (round.questionnaire_version_id === null) throw conflict('no_questionnaire', 'Deze meting heeft nog geen vragenlijst.');
  const rows = await professionalRows(trx).where('p.round_id', '=', roundId).where('pc.invited_at', 'is', null).execute();
  return queueInvitations(trx, PROFESSIONAL_MAIL, rows, now, mailFrom);
}

const DAY = 86_400_000;

export function reminderDays(raw: unknown): number[] {
  const days = raw && typeof raw === 'object' && Array.isArray((raw as { afterDays?: unknown }).afterDays) ? (raw as { afterDays: unknown[] }).afterDays : [];
  return [...new Set(days.filter((d): d is number => Number.isInteger(d) && (d as number) > 0 && (d as number) <= 365))].sort((a, b) => a - b);
}

/** Persons of the role with a reminder of the round's policy still to come (due or not yet), at most `limit`. */
export function reminderCandidates(db: Kysely<DB>, role: MailRole, now: Date, limit: number): Promise<MailRow[]> {
  return role
    .rows(db)
    .where(sql<boolean>`pc.invited_at is not null and pc.invited_at <= ${new Date(now.getTime() - DAY)}`)
    .where(sql<boolean>`pc.reminders_sent < coalesce(jsonb_array_length(r.reminder_policy -> 'afterDays'), 0)`)
    .limit(limit)
    .execute();
}

/** The day count of the person's next reminder when it is due now (invitation + days), else undefined. */
export function dueReminder(row: MailRow, now: Date): number | undefined {
  const next = reminderDays(row.reminder_policy)[row.reminders_sent];
  if (next === undefined || row.code_nonce === null || new Date(row.invited_at!).getTime() + next * DAY > now.getTime()) return undefined;
  return next;
}

/** Queues one due reminder in the caller's transaction; false when another worker moved the count on first. */
export async function queueReminder(trx: Transaction<DB>, role: MailRole, row: MailRow, days: number, now: Date, mailFrom: string): Promise<boolean> {
  // Only one worker moves a person's count on; the key makes a repeat a no-op anyway.
  const moved = await trx
    .updateTable('person_contacts')
    .set({ reminders_sent: row.reminders_sent + 1 })
    .where('person_id', '=', row.person_id)
    .where('reminders_sent', '=', row.reminders_sent)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) === 0) return false;
  await enqueueMail(trx, { key: `${role.key}:reminder:${row.person_id}:${days}`, to: row.email, ...renderMail(role, 'reminder', row, mailFrom) }, now);
  return true;
}

/** A person opted out (their own link), said no, finished or was removed: no more mail. */
export async function stopInvitedMail(trx: Kysely<DB>, personIds: number[], reason: string): Promise<void> {
  await withdrawTeacherMail(trx, personIds, reason);
}

/**
 * A bounce report (DSN) that came back after the relay accepted a teacher's or professional's
 * mail: their address is unreachable if it is still the one the mail went to. 'none' when the
 * message is no such mail.
 */
export async function markInvitedBouncedAfterDelivery(trx: Kysely<DB>, outboxId: number, now: Date): Promise<'none' | 'marked' | 'address-changed'> {
  const row = await trx.selectFrom('outbox_messages').select(['idempotency_key', 'to_address']).where('id', '=', outboxId).executeTakeFirst();
  const match = row ? /^(?:teacher|professional):(?:invitation|reminder):([1-9][0-9]{0,9})(?::|$)/.exec(row.idempotency_key) : null;
  if (!row || !match) return 'none';
  const updated = await trx
    .updateTable('person_contacts')
    .set({ bounced_at: now })
    .where('person_id', '=', Number(match[1]))
    .where(sql<boolean>`lower(email) = ${row.to_address.toLowerCase()}`)
    .where('bounced_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) await withdrawTeacherMail(trx, [Number(match[1])], 'Niet verstuurd: adres onbereikbaar');
  const contact = await trx.selectFrom('person_contacts').select('bounced_at').where('person_id', '=', Number(match[1])).executeTakeFirst();
  return contact?.bounced_at ? 'marked' : 'address-changed';
}
