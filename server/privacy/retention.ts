import { sql, type Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import { partnerRoundsDueWith, purgeSnowballData } from '../snowball/nominations';
import type { DB, OutboxStatus } from '../db/types';

/**
 * The retention purge. When a round's retention date (rounds.retention_until) has passed, its
 * contact data are removed and its answers are kept only pseudonymised:
 * - invitations: e-mail address removed, token hash and nonce replaced (the link is dead and can
 *   never be rebuilt), and the link to the school cut (school_id null; the invitation id is the
 *   pseudonym; SWV, situation and answers stay for analysis);
 * - outbox messages of the round: address, subject, bodies, headers (they hold the personal link)
 *   and error texts emptied; mail not yet sent is cancelled, as are the round's open mailings;
 * - a person round's teacher addresses, pupil codes, class links and wrong-code records
 *   (purgePersonContacts); the persons' answers stay pseudonymised under their panel id;
 * - the round is marked purged (rounds.purged_at) and the purge is audit-logged with counts only.
 *
 * - nominated partners (server/snowball/): their names, contacts and addresses, with the school
 *   round that named them; a partner round is purged with its school round.
 *
 * A table added later that holds contact data of a round's schools must be purged here too.
 * Safe to run often and from several instances: each round is purged once, under a row lock.
 */
export interface RoundPurge {
  roundId: number;
  invitations: number;
  messages: number;
}

export const RETENTION_ACTOR: Actor = { system: 'retention' };

export async function purgeExpiredRounds(db: Kysely<DB>, now: Date, actor: Actor = RETENTION_ACTOR): Promise<RoundPurge[]> {
  const due = await db
    .selectFrom('rounds')
    .select('id')
    .where('retention_until', '<=', now)
    .where('purged_at', 'is', null)
    .orderBy('id')
    .execute();
  // A partner round (server/snowball/) goes with the school round whose schools named the partners.
  const ids = [...new Set([...due.map((r) => r.id), ...(await partnerRoundsDueWith(db, now))])].sort((a, b) => a - b);
  const purged: RoundPurge[] = [];
  for (const id of ids) {
    // Owns its transactions on purpose, one per round: a national purge commits round by round (docs/DEVELOPING.md).
    const result = await purgeRound(db, id, now, actor);
    if (result) purged.push(result);
  }
  return purged;
}

/**
 * A person round's part of the purge: what reaches or identifies a person goes (teachers' contact
 * addresses, the pupils' code hashes and nonces, so no code sheet can be printed again and no
 * code works; the class links' nonces; the record of wrong codes), while the answers stay
 * pseudonymised under the panel id, like a school round's answers under the invitation id.
 * Returns the number of persons whose codes were removed.
 */
async function purgePersonContacts(trx: Kysely<DB>, roundId: number): Promise<number> {
  const persons = trx.selectFrom('persons').select('id').where('round_id', '=', roundId);
  await trx.deleteFrom('person_contacts').where('person_id', 'in', persons).execute();
  // The teachers' and professionals' mail (server/persons/invited-mail.ts) is
  // keyed 'teacher:<kind>:<person id>[:…]' or 'professional:…', not by invitation.
  await trx
    .updateTable('outbox_messages')
    .set({ to_address: '', subject: '', body_text: '', body_html: null, headers: '{}', last_error: null, status: sql<OutboxStatus>`case when status in ('pending', 'sending') then 'cancelled' else status end` })
    .where((eb) => eb.or([eb('idempotency_key', 'like', 'teacher:%'), eb('idempotency_key', 'like', 'professional:%')]))
    .where(sql<string>`split_part(idempotency_key, ':', 3)`, 'in', trx.selectFrom('persons').select(sql<string>`id::text`.as('id')).where('round_id', '=', roundId))
    .execute();
  await trx.deleteFrom('person_code_failures').where('class_id', 'in', trx.selectFrom('person_classes').select('id').where('round_id', '=', roundId)).execute();
  await trx.updateTable('person_classes').set({ link_nonce: '' }).where('round_id', '=', roundId).execute();
  const codes = await trx.updateTable('persons').set({ code_nonce: null, code_hash: null }).where('round_id', '=', roundId).executeTakeFirst();
  return Number(codes.numUpdatedRows);
}

async function purgeRound(db: Kysely<DB>, roundId: number, now: Date, actor: Actor): Promise<RoundPurge | null> {
  return db.transaction().execute(async (trx) => {
    const round = await trx.selectFrom('rounds').select(['id', 'purged_at']).where('id', '=', roundId).forUpdate().executeTakeFirst();
    if (!round || round.purged_at) return null;

    const messages = await trx
      .updateTable('outbox_messages')
      .set({
        to_address: '',
        subject: '',
        body_text: '',
        body_html: null,
        headers: '{}',
        last_error: null,
        status: sql<OutboxStatus>`case when status in ('pending', 'sending') then 'cancelled' else status end`,
      })
      .where((eb) =>
        eb.or([
          eb('invitation_id', 'in', eb.selectFrom('invitations').select('id').where('round_id', '=', roundId)),
          eb('mailing_id', 'in', eb.selectFrom('mailings').select('id').where('round_id', '=', roundId)),
        ]),
      )
      .executeTakeFirst();
    await trx
      .updateTable('mailings')
      .set({ status: 'cancelled' })
      .where('round_id', '=', roundId)
      .where('status', 'in', ['scheduled', 'sending'])
      .execute();
    const invitations = await trx
      .updateTable('invitations')
      // The school as invited (migration 0012) goes too, except what the analysis groups by.
      .set({ email: null, token_nonce: '', token_hash: sql<string>`'purged:' || id`, school_id: null, school_location_code: null, school_brin: null, school_name: null, school_street: null, school_house_number: null, school_postcode: null, school_city: null })
      .where('round_id', '=', roundId)
      .executeTakeFirst();
    // Mail that came back from the round's schools (replies, bounces: migration 0016), and the
    // replies forwarded to the researchers (outbox rows of no mailing or invitation).
    await trx
      .updateTable('outbox_messages')
      .set({ to_address: '', subject: '', body_text: '', body_html: null, headers: '{}', last_error: null, status: sql<OutboxStatus>`case when status in ('pending', 'sending') then 'cancelled' else status end` })
      .where('id', 'in', (eb) => eb.selectFrom('inbound_messages').select('forwarded_outbox_id').where('round_id', '=', roundId).where('forwarded_outbox_id', 'is not', null))
      .execute();
    await trx.deleteFrom('inbound_messages').where('round_id', '=', roundId).execute();
    const persons = await purgePersonContacts(trx, roundId);
    // Partners its schools named, or invited in it (issue 20): names and addresses of people
    // who are not on a public list.
    await purgeSnowballData(trx, roundId, now);
    await trx.updateTable('rounds').set({ purged_at: now, updated_at: now }).where('id', '=', roundId).execute();

    const result = { roundId, invitations: Number(invitations.numUpdatedRows), messages: Number(messages.numUpdatedRows) };
    await audit(trx, actor, now, 'privacy.round_purged', `round:${roundId}`, { invitations: result.invitations, messages: result.messages, ...(persons ? { persons } : {}) });
    return result;
  });
}
