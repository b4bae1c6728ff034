import { sql, type Transaction } from 'kysely';
import { eraseNominationsOf } from '../snowball/nominations';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/types';
import { conflict, notFound } from '../errors';

/**
 * A school's request to delete its data in one round (GDPR): its answers (the response row),
 * its message log (outbox messages) and its address and personal link are deleted. The invitation
 * row stays as a marker (erased_at, excluded_at), so the school is not invited again in this round
 * and the round's figures keep counting it as invited. In a person round its persons, classes,
 * answers and consent events go too (erasePersonData). The audit entry holds ids and counts only.
 */
export interface SchoolErasure {
  invitationId: number;
  responses: number;
  messages: number;
}

/**
 * In a person round, the school's site (server/persons/) loses everything about its people: the
 * persons (pupils, teachers) with their answers, contact addresses, classes taught and consent
 * events, then the classes with their class-level consent events and wrong-code records. The
 * site row stays (participation only, no personal data), like the invitation row. consent_events
 * is append-only against UPDATE (migration 0018's trigger); a DELETE is allowed, so the GDPR
 * erasure wins over the consent record, and the audit entry keeps the count. Returns the number
 * of persons erased.
 */
async function erasePersonData(trx: Transaction<DB>, invitationId: number): Promise<number> {
  const site = await trx.selectFrom('person_sites').select('id').where('invitation_id', '=', invitationId).executeTakeFirst();
  if (!site) return 0;
  // Explicit rather than left to the cascades, so the list of tables is read here.
  const persons = trx.selectFrom('persons').select('id').where('site_id', '=', site.id);
  const classes = trx.selectFrom('person_classes').select('id').where('site_id', '=', site.id);
  await trx.deleteFrom('consent_events').where((eb) => eb.or([eb('person_id', 'in', persons), eb('class_id', 'in', classes)])).execute();
  await trx.deleteFrom('person_responses').where('person_id', 'in', persons).execute();
  await trx.deleteFrom('person_contacts').where('person_id', 'in', persons).execute();
  await trx.deleteFrom('teacher_classes').where((eb) => eb.or([eb('person_id', 'in', persons), eb('class_id', 'in', classes)])).execute();
  await trx.deleteFrom('person_code_failures').where('class_id', 'in', classes).execute();
  // The teachers' and professionals' mail (server/persons/invited-mail.ts) is
  // keyed 'teacher:<kind>:<person id>[:…]' or 'professional:…', not by invitation.
  await trx
    .deleteFrom('outbox_messages')
    .where((eb) => eb.or([eb('idempotency_key', 'like', 'teacher:%'), eb('idempotency_key', 'like', 'professional:%')]))
    .where(sql<string>`split_part(idempotency_key, ':', 3)`, 'in', trx.selectFrom('persons').select(sql<string>`id::text`.as('id')).where('site_id', '=', site.id))
    .execute();
  const deleted = await trx.deleteFrom('persons').where('site_id', '=', site.id).executeTakeFirst();
  await trx.deleteFrom('person_classes').where('site_id', '=', site.id).execute();
  return Number(deleted.numDeletedRows);
}

/** In the caller's transaction (the invitation row is locked until it commits). */
export async function eraseSchoolData(trx: Transaction<DB>, roundId: number, schoolId: number, actor: Actor, now: Date): Promise<SchoolErasure> {
  const invitation = await trx
    .selectFrom('invitations')
    .select(['id', 'erased_at'])
    .where('round_id', '=', roundId)
    .where('school_id', '=', schoolId)
    .forUpdate()
    .executeTakeFirst();
  if (!invitation) throw notFound('Deze school is niet uitgenodigd voor deze meting.');
  if (invitation.erased_at) throw conflict('already_erased', 'De gegevens van deze school in deze meting zijn al verwijderd.');

  const responses = await trx.deleteFrom('responses').where('invitation_id', '=', invitation.id).executeTakeFirst();
  // The partners it named (issue 20): contact data of others that the school gave us.
  await eraseNominationsOf(trx, invitation.id);
  // What the school mailed back (migration 0016), and its forwarded copy if still unsent or kept.
  const forwarded = await trx.deleteFrom('inbound_messages').where('invitation_id', '=', invitation.id).returning('forwarded_outbox_id').execute();
  const forwardedIds = forwarded.map((r) => r.forwarded_outbox_id).filter((id): id is number => id !== null);
  if (forwardedIds.length) await trx.deleteFrom('outbox_messages').where('id', 'in', forwardedIds).execute();
  const messages = await trx.deleteFrom('outbox_messages').where('invitation_id', '=', invitation.id).executeTakeFirst();
  const persons = await erasePersonData(trx, invitation.id);
  await trx
    .updateTable('invitations')
    .set({
      email: null,
      token_nonce: '',
      token_hash: sql<string>`'erased:' || id`,
      erased_at: now,
      excluded_at: sql<Date>`coalesce(excluded_at, ${now})`,
    })
    .where('id', '=', invitation.id)
    .execute();

  const result = {
    invitationId: invitation.id,
    responses: Number(responses.numDeletedRows),
    messages: Number(messages.numDeletedRows),
  };
  await audit(trx, actor, now, 'privacy.school_erased', `invitation:${invitation.id}`, { roundId, schoolId, ...result, ...(persons ? { persons } : {}) });
  return result;
}

/**
 * A professional's request to delete their data in one person round (GDPR): professionals have no
 * school (server/persons/professionals.ts), so they are found by the keyed hash of their address.
 * Their answers, yes/no, contact address and mail (keyed 'professional:<kind>:<person id>…') go,
 * and the person row itself; the audit entry holds the count only. In the caller's transaction.
 */
export async function eraseProfessional(trx: Transaction<DB>, roundId: number, contactHash: string, actor: Actor, now: Date): Promise<{ persons: number }> {
  const persons = await trx.selectFrom('persons').select('id').where('round_id', '=', roundId).where('role', '=', 'professional').where('contact_hash', '=', contactHash).forUpdate().execute();
  if (persons.length === 0) throw notFound('Dit e-mailadres staat niet bij de professionals van deze meting.');
  const ids = persons.map((p) => p.id);
  await trx
    .deleteFrom('outbox_messages')
    .where('idempotency_key', 'like', 'professional:%')
    .where(sql<string>`split_part(idempotency_key, ':', 3)`, 'in', ids.map(String))
    .execute();
  await trx.deleteFrom('person_responses').where('person_id', 'in', ids).execute();
  await trx.deleteFrom('person_contacts').where('person_id', 'in', ids).execute();
  await trx.deleteFrom('teacher_consents').where('person_id', 'in', ids).execute();
  await trx.deleteFrom('persons').where('id', 'in', ids).execute();
  await audit(trx, actor, now, 'privacy.erase_professional', `round:${roundId}`, { persons: ids.length });
  return { persons: ids.length };
}
