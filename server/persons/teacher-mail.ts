import { sql, type Kysely } from 'kysely';
import type { DB, MailingKind } from '../db/types';
import { enqueueMail, withdrawTeacherMail } from '../mailings/outbox';
import { displayName, formatCloseDate, renderTemplate, resolveLinks, teacherLinkMarker, type TemplateContent } from '../mailings/templates';
import type { PeriodicTask } from '../tasks';
import { personsAtSites } from './joins';
import { TEACHER_TEMPLATES } from './templates';

/**
 * Teacher mail of a person round. A teacher the coordinator registers (a person with a contact
 * address and classes) gets an invitation at once, in the registration's transaction, and a
 * reminder per day count of the round's reminder policy (the same `afterDays` as the schools',
 * counted from the teacher's own invitation) while the teacher has not finished. Everything goes
 * through `enqueueMail`; the stored body holds markers with the teacher's id and link nonce
 * (`teacherLinkMarker`), never a working link: the outbox worker fills in the teacher link and
 * the teacher's own opt-out link (also in List-Unsubscribe) when it sends.
 *
 * Who gets nothing: teachers of a round without a teachers' questionnaire, a teacher who opted out, whose address bounced (the outbox marks it, see
 * `recordFailure`), who said no or finished, a school excluded or erased, a round not open.
 * Pending mail of a teacher who drops out of that set is withdrawn where that happens
 * (`withdrawTeacherMail`); the reminder task only queues mail that is due now.
 *
 * Outbox keys: `teacher:invitation:<person id>`, `teacher:reminder:<person id>:<days>`.
 */

interface TeacherMailRow {
  person_id: number;
  email: string;
  code_nonce: string | null;
  school_name: string | null;
  swv_name: string | null;
  round_name: string;
  closes_at: Date | null;
  study_name: string;
  sender_name: string | null;
}

function teacherRows(db: Kysely<DB>) {
  return personsAtSites(db)
    .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .leftJoin('swvs as w', 'w.id', 'i.swv_id')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .innerJoin('person_rounds as pr', 'pr.round_id', 'r.id')
    .select([
      'pc.person_id',
      'pc.email',
      'p.code_nonce',
      'i.school_name',
      'w.name as swv_name',
      'r.name as round_name',
      'r.closes_at',
      'st.name as study_name',
      'st.sender_name',
    ])
    .where('p.role', '=', 'teacher')
    .where('p.status', 'in', ['issued', 'started'])
    .where('pc.opted_out_at', 'is', null)
    .where('pc.bounced_at', 'is', null)
    .where('i.excluded_at', 'is', null)
    .where('i.erased_at', 'is', null)
    .where('r.status', '=', 'open')
    .where('r.unit_type', '=', 'person')
    // Without a teachers' questionnaire there is nothing to invite teachers to.
    .where('pr.teacher_questionnaire_version_id', 'is not', null);
}

function teacherMail(kind: MailingKind, row: TeacherMailRow, mailFrom: string) {
  const template: TemplateContent = TEACHER_TEMPLATES[kind];
  const rendered = renderTemplate(
    template,
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
  // The generic link markers become the teacher's: resolved by the outbox worker at send time.
  const links = { link: teacherLinkMarker('link', row.person_id, row.code_nonce!), afmelden: teacherLinkMarker('afmelden', row.person_id, row.code_nonce!) };
  return { subject: rendered.subject, text: resolveLinks(rendered.text, links, false), html: resolveLinks(rendered.html, links, false) };
}

/**
 * Queues the invitation of every teacher of this school location who has had none yet. In the
 * caller's transaction (the coordinator's registration). Returns how many were queued.
 */
export async function inviteTeachers(trx: Kysely<DB>, siteId: number, now: Date, mailFrom: string): Promise<number> {
  const rows = await teacherRows(trx).where('p.site_id', '=', siteId).where('pc.invited_at', 'is', null).execute();
  for (const row of rows) {
    if (row.code_nonce === null) continue;
    const mail = teacherMail('invitation', row, mailFrom);
    await enqueueMail(trx, { key: `teacher:invitation:${row.person_id}`, to: row.email, ...mail }, now);
    await trx.updateTable('person_contacts').set({ invited_at: now }).where('person_id', '=', row.person_id).execute();
  }
  return rows.length;
}

const DAY = 86_400_000;

export function reminderDays(raw: unknown): number[] {
  const days = raw && typeof raw === 'object' && Array.isArray((raw as { afterDays?: unknown }).afterDays) ? (raw as { afterDays: unknown[] }).afterDays : [];
  return [...new Set(days.filter((d): d is number => Number.isInteger(d) && (d as number) > 0 && (d as number) <= 365))].sort((a, b) => a - b);
}

/**
 * Queues the reminders that are due now: per teacher the next day count of the round's policy
 * whose time (invitation + days) has come. Bounded per run; returns whether more may be waiting.
 */
export async function queueTeacherReminders(db: Kysely<DB>, now: Date, mailFrom: string, limit = 200): Promise<boolean> {
  const rows = await teacherRows(db)
    .select(['pc.invited_at', 'pc.reminders_sent', 'r.reminder_policy'])
    .where('pc.invited_at', 'is not', null)
    .where('pc.invited_at', '<=', new Date(now.getTime() - DAY))
    .where(sql<boolean>`pc.reminders_sent < coalesce(jsonb_array_length(r.reminder_policy -> 'afterDays'), 0)`)
    .orderBy('pc.person_id')
    .limit(limit)
    .execute();
  let queued = 0;
  for (const row of rows) {
    const days = reminderDays(row.reminder_policy);
    const next = days[row.reminders_sent];
    if (next === undefined || row.code_nonce === null || new Date(row.invited_at!).getTime() + next * DAY > now.getTime()) continue;
    await db.transaction().execute(async (trx) => {
      // Only one worker moves a teacher's count on; the key makes a repeat a no-op anyway.
      const moved = await trx
        .updateTable('person_contacts')
        .set({ reminders_sent: row.reminders_sent + 1 })
        .where('person_id', '=', row.person_id)
        .where('reminders_sent', '=', row.reminders_sent)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return;
      const mail = teacherMail('reminder', row, mailFrom);
      await enqueueMail(trx, { key: `teacher:reminder:${row.person_id}:${next}`, to: row.email, ...mail }, now);
      queued++;
    });
  }
  return rows.length === limit && queued > 0;
}

/** A teacher opted out (their own link), said no, finished or was removed: no more mail. */
export async function stopTeacherMail(trx: Kysely<DB>, personIds: number[], reason: string): Promise<void> {
  await withdrawTeacherMail(trx, personIds, reason);
}

/**
 * A bounce report (DSN) that came back after the relay accepted a teacher's mail: the teacher's
 * address is unreachable if it is still the one the mail went to. 'none' when the message is no
 * teacher mail.
 */
export async function markTeacherBouncedAfterDelivery(trx: Kysely<DB>, outboxId: number, now: Date): Promise<'none' | 'marked' | 'address-changed'> {
  const row = await trx.selectFrom('outbox_messages').select(['idempotency_key', 'to_address']).where('id', '=', outboxId).executeTakeFirst();
  // Professionals' mail (professional-mail.ts) is keyed the same way, 'professional:<kind>:<id>…'.
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

export function teacherMailTasks(deps: { db: Kysely<DB>; config: { mailFrom: string } }): PeriodicTask[] {
  return [
    {
      name: 'teacher-reminders',
      intervalMs: 60_000,
      run: ({ now }) => queueTeacherReminders(deps.db, now, deps.config.mailFrom),
    },
  ];
}
