import type { Kysely } from 'kysely';
import type { DB } from '../db/types';
import type { PeriodicTask } from '../tasks';
import { dueReminder, PROFESSIONAL_MAIL, queueReminder, reminderCandidates, TEACHER_MAIL, type MailRole } from './invited-mail';

/**
 * The person rounds' worker tasks: the reminders of persons invited by e-mail
 * (`invited-mail.ts`). A transaction per reminder, so one that fails undoes no other and a large
 * run commits as it goes.
 */

/** Queues the reminders that are due now, at most `limit` candidates a run; returns whether more may be waiting. */
export async function queueReminders(db: Kysely<DB>, role: MailRole, now: Date, mailFrom: string, limit = 200): Promise<boolean> {
  const rows = await reminderCandidates(db, role, now, limit);
  let queued = 0;
  for (const row of rows) {
    const days = dueReminder(row, now);
    if (days === undefined) continue;
    if (await db.transaction().execute((trx) => queueReminder(trx, role, row, days, now, mailFrom))) queued++;
  }
  return rows.length === limit && queued > 0;
}

export const queueTeacherReminders = (db: Kysely<DB>, now: Date, mailFrom: string, limit?: number) => queueReminders(db, TEACHER_MAIL, now, mailFrom, limit);
export const queueProfessionalReminders = (db: Kysely<DB>, now: Date, mailFrom: string, limit?: number) => queueReminders(db, PROFESSIONAL_MAIL, now, mailFrom, limit);

export function personMailTasks(deps: { db: Kysely<DB>; config: { mailFrom: string } }): PeriodicTask[] {
  return [
    { name: 'teacher-reminders', intervalMs: 60_000, run: ({ now }) => queueTeacherReminders(deps.db, now, deps.config.mailFrom) },
    { name: 'professional-reminders', intervalMs: 60_000, run: ({ now }) => queueProfessionalReminders(deps.db, now, deps.config.mailFrom) },
  ];
}
