import { sql, type Kysely } from 'kysely';
import type { DB, MailingKind } from '../db/types';
import { conflict, notFound } from '../errors';
import { enqueueMail } from '../mailings/outbox';
import { displayName, formatCloseDate, renderTemplate, resolveLinks, teacherLinkMarker, type TemplateContent } from '../mailings/templates';
import type { PeriodicTask } from '../tasks';
import { reminderDays } from './teacher-mail';
import { PROFESSIONAL_TEMPLATES } from './templates';

/**
 * Professionals' mail of a person round: the teachers' machinery (teacher-mail.ts) for persons
 * invited from a list. An admin sends the invitations ("Uitnodigingen versturen"): one per
 * professional not yet invited, through `enqueueMail` in one transaction; reminders follow the
 * round's reminder policy from each professional's own invitation (worker task
 * `professional-reminders`). The stored body holds markers (the professional's id and link
 * nonce), never a working link: the outbox worker fills in `/pr/<token>` and the opt-out link
 * `/api/persons/a/<token>` (also List-Unsubscribe) when it sends, and resolves the address then.
 *
 * Who gets nothing: a professional who opted out, whose address bounced (`recordFailure`, or a
 * DSN in server/inbound/process.ts), who said no or finished (pending mail is withdrawn there),
 * and anyone in a round that is not open or has no questionnaire.
 *
 * Outbox keys: `professional:invitation:<person id>`, `professional:reminder:<person id>:<days>`.
 */

function professionalRows(db: Kysely<DB>) {
  return db
    .selectFrom('persons as p')
    .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .innerJoin('rounds as r', 'r.id', 'p.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .select(['pc.person_id', 'pc.email', 'p.code_nonce', 'r.name as round_name', 'r.closes_at', 'st.name as study_name', 'st.sender_name'])
    .where('p.role', '=', 'professional')
    .where('p.status', 'in', ['issued', 'started'])
    .where('p.code_nonce', 'is not', null)
    .where('pc.opted_out_at', 'is', null)
    .where('pc.bounced_at', 'is', null)
    .where('r.status', '=', 'open')
    .where('r.unit_type', '=', 'person')
    .where('r.questionnaire_version_id', 'is not', null);
}

interface ProfessionalMailRow {
  person_id: number;
  code_nonce: string | null;
  round_name: string;
  closes_at: Date | null;
  study_name: string;
  sender_name: string | null;
}

function professionalMail(kind: MailingKind, row: ProfessionalMailRow, mailFrom: string) {
  const template: TemplateContent = PROFESSIONAL_TEMPLATES[kind];
  const rendered = renderTemplate(
    template,
    {
      school: '',
      swv: '',
      sluitingsdatum: formatCloseDate(row.closes_at ? new Date(row.closes_at) : null),
      onderzoek: row.study_name,
      meting: row.round_name,
      afzender: row.sender_name?.trim() || displayName(mailFrom),
    },
    { deferLinks: true },
  );
  const links = { link: teacherLinkMarker('professional', row.person_id, row.code_nonce!), afmelden: teacherLinkMarker('afmelden', row.person_id, row.code_nonce!) };
  return { subject: rendered.subject, text: resolveLinks(rendered.text, links, false), html: resolveLinks(rendered.html, links, false) };
}

/**
 * Queues the invitation of every professional of the round who has had none yet, in the caller's
 * transaction. Refused (Dutch) when the round is not open or has no questionnaire. Returns how
 * many were queued.
 */
export async function inviteProfessionals(trx: Kysely<DB>, roundId: number, now: Date, mailFrom: string): Promise<number> {
  const round = await trx.selectFrom('rounds').select(['status', 'unit_type', 'questionnaire_version_id']).where('id', '=', roundId).forUpdate().executeTakeFirst();
  if (!round || round.unit_type !== 'person') throw notFound('Deze meting is geen meting per persoon.');
  if (round.status !== 'open') throw conflict('round_not_open', 'Uitnodigingen gaan pas uit als de meting open is.');
  if (round.questionnaire_version_id === null) throw conflict('no_questionnaire', 'Deze meting heeft nog geen vragenlijst.');
  const rows = await professionalRows(trx).where('p.round_id', '=', roundId).where('pc.invited_at', 'is', null).orderBy('pc.person_id').execute();
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    for (const row of chunk) {
      await enqueueMail(trx, { key: `professional:invitation:${row.person_id}`, to: row.email, ...professionalMail('invitation', row, mailFrom) }, now);
    }
    await trx.updateTable('person_contacts').set({ invited_at: now }).where('person_id', 'in', chunk.map((r) => r.person_id)).execute();
  }
  return rows.length;
}

const DAY = 86_400_000;

/** Queues the reminders that are due now (as `queueTeacherReminders`); returns whether more may be waiting. */
export async function queueProfessionalReminders(db: Kysely<DB>, now: Date, mailFrom: string, limit = 200): Promise<boolean> {
  const rows = await professionalRows(db)
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
    if (next === undefined || new Date(row.invited_at!).getTime() + next * DAY > now.getTime()) continue;
    await db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('person_contacts')
        .set({ reminders_sent: row.reminders_sent + 1 })
        .where('person_id', '=', row.person_id)
        .where('reminders_sent', '=', row.reminders_sent)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return;
      await enqueueMail(trx, { key: `professional:reminder:${row.person_id}:${next}`, to: row.email, ...professionalMail('reminder', row, mailFrom) }, now);
      queued++;
    });
  }
  return rows.length === limit && queued > 0;
}

export function professionalMailTasks(deps: { db: Kysely<DB>; config: { mailFrom: string } }): PeriodicTask[] {
  return [{ name: 'professional-reminders', intervalMs: 60_000, run: ({ now }) => queueProfessionalReminders(deps.db, now, deps.config.mailFrom) }];
}
