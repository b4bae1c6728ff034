import { sql, type Kysely } from 'kysely';
import { eraseNominationsOf } from '../snowball/nominations';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/types';
import { conflict, notFound } from '../errors';

/**
 * A school's request to delete its data in one round (GDPR): its answers (the response row),
 * its message log (outbox messages) and its address and personal link are deleted. The invitation
 * row stays as a marker (erased_at, excluded_at), so the school is not invited again in this round
 * and the round's figures keep counting it as invited. The audit entry holds ids and counts only.
 */
export interface SchoolErasure {
  invitationId: number;
  responses: number;
  messages: number;
}

export async function eraseSchoolData(db: Kysely<DB>, roundId: number, schoolId: number, actor: Actor, now: Date): Promise<SchoolErasure> {
  return db.transaction().execute(async (trx) => {
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
    await audit(trx, actor, now, 'privacy.school_erased', `invitation:${invitation.id}`, { roundId, schoolId, ...result });
    return result;
  });
}
