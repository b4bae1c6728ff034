import { sql, type Kysely } from 'kysely';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/types';
import { badRequest, conflict } from '../errors';
import { insertPartnerInvitation } from '../invitations/create';
import { saveTemplate } from '../mailings/templates';
import { fanOutMailing, scheduleInvitationWave, scheduleRoundMailings } from '../mailings/waves';
import { createPartnerRound } from '../rounds/rounds';
import { schoolRound, syncNominations } from './nominations';
import { PARTNER_TEMPLATES } from './templates';

/** The questionnaire a partner round uses unless the admin picks another. */
export const DEFAULT_PARTNER_QUESTIONNAIRE = 'image-partners-2022';

export async function partnerRoundOf(db: Kysely<DB>, sourceRoundId: number) {
  return db
    .selectFrom('partner_rounds as pr')
    .innerJoin('rounds as r', 'r.id', 'pr.round_id')
    .select(['r.id', 'r.name', 'r.status', 'r.closes_at', 'r.purged_at'])
    .where('pr.source_round_id', '=', sourceRoundId)
    .executeTakeFirst();
}

/**
 * Starts the snowball round of a school round: a partner round (rounds.unit_type 'partner'),
 * open at once, with the partner templates (which say where the address came from) and the
 * round's reminder policy. In the caller's transaction; refused when it already exists.
 */
export async function startPartnerRound(trx: Kysely<DB>, sourceRoundId: number, questionnaireId: string, userId: number | null, now: Date, actor: Actor) {
  const source = await schoolRound(trx, sourceRoundId);
  if (source.purged_at) throw conflict('round_purged', 'De gegevens van deze meting zijn al verwijderd (bewaartermijn verstreken).');
  if (await partnerRoundOf(trx, sourceRoundId)) throw conflict('partner_round_exists', 'Deze meting heeft al een partnerronde.');
  const round = await createPartnerRound(trx, sourceRoundId, questionnaireId, now, actor);
  await trx.insertInto('partner_rounds').values({ round_id: round.id, source_round_id: sourceRoundId, created_at: now }).execute();
  await saveTemplate(trx, round.id, 'invitation', PARTNER_TEMPLATES.invitation, userId, now);
  await saveTemplate(trx, round.id, 'reminder', PARTNER_TEMPLATES.reminder, userId, now);
  await scheduleRoundMailings(trx, round.id, now, userId);
  return round;
}

/**
 * Invites every approved partner that has no invitation yet: one invitation per partner in the
 * partner round (however many schools named it), and the invitation wave fanned out into the
 * outbox at once, like opening a round. In the caller's transaction. Returns how many were invited.
 */
export async function invitePartners(trx: Kysely<DB>, sourceRoundId: number, now: Date, userId: number | null, actor: Actor, secret: string, mailFrom: string): Promise<number> {
  await syncNominations(trx, sourceRoundId, now);
  const round = await partnerRoundOf(trx, sourceRoundId);
  if (!round) throw badRequest('no_partner_round', 'Start eerst de partnerronde.');
  if (round.status !== 'open' || round.purged_at || (round.closes_at && new Date(round.closes_at).getTime() <= now.getTime())) {
    throw conflict('partner_round_closed', 'De partnerronde is gesloten; er kunnen geen partners meer worden uitgenodigd.');
  }
  const approved = await trx
    .selectFrom('partners as p')
    .select([
      'p.id',
      'p.email',
      'p.organisation',
      // The SWV of the first school that named it (the invitation needs one; tracking counts every nominating school's SWV).
      sql<number | null>`(select i.swv_id from partner_nominations n join invitations i on i.id = n.invitation_id where n.partner_id = p.id order by n.id limit 1)`.as('swv_id'),
    ])
    .where('p.source_round_id', '=', sourceRoundId)
    .where('p.state', '=', 'approved')
    .where('p.invitation_id', 'is', null)
    .where('p.purged_at', 'is', null)
    .orderBy('p.id')
    .forUpdate()
    .execute();
  let invited = 0;
  for (const partner of approved) {
    if (!partner.email || !partner.organisation || partner.swv_id === null) continue;
    const invitationId = await insertPartnerInvitation(trx, round.id, { swvId: partner.swv_id, email: partner.email, organisation: partner.organisation }, secret);
    await trx.updateTable('partners').set({ invitation_id: invitationId, updated_at: now }).where('id', '=', partner.id).execute();
    invited += 1;
  }
  if (invited > 0) {
    const wave = await scheduleInvitationWave(trx, round.id, now, userId);
    await fanOutMailing(trx, wave.id, now, mailFrom);
  }
  await audit(trx, actor, now, 'snowball.invite', `round:${round.id}`, { sourceRoundId, invited });
  return invited;
}
