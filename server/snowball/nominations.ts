import { sql, type Kysely } from 'kysely';
import { checkNominations, normaliseNominationEmail, normaliseOrganisation, NOMINATION_LIMITS, NOMINATION_MESSAGES, NOMINATION_TYPE } from '../../contract/nominations';
import { PARTNER_TYPES, type PartnerState, type PartnerType } from '../../contract/vocabulary';
import { audit, type Actor } from '../audit';
import { lockRoundWide } from '../db/locks';
import type { DB } from '../db/types';
import { badRequest, conflict, notFound } from '../errors';
import { buildSurvey, type QuestionnaireContent } from '../questionnaires';

/**
 * Nominations (issue 20): the partners a school named in the nomination question of a school
 * round, read from its completed response into `partner_nominations`, and merged across schools
 * into `partners` (same address, or same normalised organisation name). The admin reviews the
 * partners (approve, edit, reject); approved ones are invited in the partner round
 * (partner-round.ts). Contact data never go to logs or the audit log (counts and ids only).
 */

/** The names of the nomination questions of a questionnaire version. */
export function nominationQuestions(content: unknown): string[] {
  const survey = buildSurvey(content as QuestionnaireContent);
  return survey
    .getAllQuestions(false)
    .filter((q) => q.getType() === NOMINATION_TYPE)
    .map((q) => q.name);
}

export async function schoolRound(db: Kysely<DB>, roundId: number) {
  const round = await db
    .selectFrom('rounds as r')
    .leftJoin('questionnaire_versions as qv', 'qv.id', 'r.questionnaire_version_id')
    .select(['r.id', 'r.name', 'r.unit_type', 'r.purged_at', 'qv.content'])
    .where('r.id', '=', roundId)
    .executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  if (round.unit_type !== 'school') throw badRequest('not_school_round', 'Alleen in een meting onder scholen kunnen scholen partners noemen.');
  return round;
}

/**
 * Reads the nominations of every completed response of the round that has not been read yet,
 * and merges them into partners. Idempotent; one at a time per round (advisory lock). In the
 * caller's transaction. Returns the number of nominations added.
 */
export async function syncNominations(trx: Kysely<DB>, sourceRoundId: number, now: Date): Promise<number> {
  const round = await schoolRound(trx, sourceRoundId);
  if (round.purged_at || !round.content) return 0;
  const questions = nominationQuestions(round.content);
  if (questions.length === 0) return 0;
  await lockRoundWide(trx, 'snowball', sourceRoundId);
  const completed = await trx
    .selectFrom('invitations as i')
    .innerJoin('responses as resp', 'resp.invitation_id', 'i.id')
    .select(['i.id', 'resp.data'])
    .where('i.round_id', '=', sourceRoundId)
    .where('resp.completed_at', 'is not', null)
    .where('i.erased_at', 'is', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('partner_nominations as n').select('n.id').whereRef('n.invitation_id', '=', 'i.id'))))
    .orderBy('i.id')
    .execute();
  let added = 0;
  for (const row of completed) {
    const data = (row.data ?? {}) as Record<string, unknown>;
    let position = 0;
    for (const question of questions) {
      // Stored answers passed the same check at completion; an older or odd row is skipped, not trusted.
      const checked = checkNominations(data[question]);
      if (!checked.ok) continue;
      for (const nomination of checked.rows) {
        position += 1;
        const partnerId = await mergeInto(trx, sourceRoundId, nomination, now);
        await trx
          .insertInto('partner_nominations')
          .values({
            source_round_id: sourceRoundId,
            invitation_id: row.id,
            position,
            partner_id: partnerId,
            organisation: nomination.organisatie,
            partner_type: nomination.soort,
            contact_name: nomination.contactpersoon ?? null,
            email: nomination.email,
            created_at: now,
          })
          .execute();
        added += 1;
      }
    }
  }
  return added;
}

/** The partner this nomination is (same address first, else the same organisation), or a new one. */
async function mergeInto(
  trx: Kysely<DB>,
  sourceRoundId: number,
  n: { organisatie: string; soort: PartnerType; contactpersoon?: string; email: string },
  now: Date,
): Promise<number> {
  const orgKey = normaliseOrganisation(n.organisatie);
  const match = await trx
    .selectFrom('partners')
    .select('id')
    .where('source_round_id', '=', sourceRoundId)
    .where('purged_at', 'is', null)
    .where((eb) => eb.or([eb(sql`lower(email)`, '=', n.email.toLowerCase()), ...(orgKey ? [eb('org_key', '=', orgKey)] : [])]))
    .orderBy(sql`case when lower(email) = ${n.email.toLowerCase()} then 0 else 1 end`)
    .orderBy('id')
    .executeTakeFirst();
  if (match) return match.id;
  const created = await trx
    .insertInto('partners')
    .values({
      source_round_id: sourceRoundId,
      organisation: n.organisatie,
      org_key: orgKey || null,
      partner_type: n.soort,
      contact_name: n.contactpersoon ?? null,
      email: n.email,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return created.id;
}

export interface PartnerEdit {
  organisation: string;
  partnerType: PartnerType;
  contactName: string | null;
  email: string;
}

async function lockPartner(trx: Kysely<DB>, partnerId: number) {
  const partner = await trx.selectFrom('partners').selectAll().where('id', '=', partnerId).forUpdate().executeTakeFirst();
  if (!partner || partner.purged_at) throw notFound('Deze partner bestaat niet (meer).');
  return partner;
}

/** The admin corrects a partner's details (before it is invited). Dutch errors, nothing stored on one. */
export async function editPartner(trx: Kysely<DB>, partnerId: number, edit: PartnerEdit, now: Date, actor: Actor): Promise<void> {
  const partner = await lockPartner(trx, partnerId);
  if (partner.invitation_id !== null) throw conflict('partner_invited', 'Deze partner is al uitgenodigd; de gegevens kunnen niet meer worden gewijzigd.');
  const organisation = edit.organisation.trim();
  if (!organisation) throw badRequest('invalid_partner', NOMINATION_MESSAGES.organisation);
  if (organisation.length > NOMINATION_LIMITS.organisation) throw badRequest('invalid_partner', NOMINATION_MESSAGES.organisationLong);
  if (!(PARTNER_TYPES as readonly string[]).includes(edit.partnerType)) throw badRequest('invalid_partner', NOMINATION_MESSAGES.type);
  const contact = edit.contactName?.trim() ?? '';
  if (contact.length > NOMINATION_LIMITS.contact) throw badRequest('invalid_partner', NOMINATION_MESSAGES.contactLong);
  const email = normaliseNominationEmail(edit.email);
  if (!email) throw badRequest('invalid_partner', NOMINATION_MESSAGES.email);
  if (/[\u0000-\u001F\u007F]/.test(organisation + contact)) throw badRequest('invalid_partner', NOMINATION_MESSAGES.characters);
  await trx
    .updateTable('partners')
    .set({ organisation, org_key: normaliseOrganisation(organisation) || null, partner_type: edit.partnerType, contact_name: contact || null, email, updated_at: now })
    .where('id', '=', partnerId)
    .execute();
  await audit(trx, actor, now, 'snowball.partner_edit', `partner:${partnerId}`, {});
}

/** The admin's decision. A partner that is already invited cannot be rejected or reset. */
export async function decidePartner(trx: Kysely<DB>, partnerId: number, state: PartnerState, userId: number | null, now: Date, actor: Actor): Promise<void> {
  const partner = await lockPartner(trx, partnerId);
  if (partner.invitation_id !== null && state !== 'approved') {
    throw conflict('partner_invited', 'Deze partner is al uitgenodigd. Wilt u geen mail meer sturen, sluit de partner dan uit op de pagina van de partnerronde.');
  }
  await trx.updateTable('partners').set({ state, reviewed_by: userId, reviewed_at: now, updated_at: now }).where('id', '=', partnerId).execute();
  await audit(trx, actor, now, 'snowball.partner_decision', `partner:${partnerId}`, { state });
}

/**
 * A school's data erased on request (server/privacy/erase.ts): what it named goes, and a partner
 * nobody else named and that was not invited goes with it. In the caller's transaction.
 */
export async function eraseNominationsOf(trx: Kysely<DB>, invitationId: number): Promise<number> {
  const removed = await trx.deleteFrom('partner_nominations').where('invitation_id', '=', invitationId).returning('partner_id').execute();
  const partnerIds = [...new Set(removed.map((r) => r.partner_id).filter((id): id is number => id !== null))];
  if (partnerIds.length) {
    await trx
      .deleteFrom('partners')
      .where('id', 'in', partnerIds)
      .where('invitation_id', 'is', null)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('partner_nominations as n').select('n.id').whereRef('n.partner_id', '=', 'partners.id'))))
      .execute();
  }
  return removed.length;
}

/**
 * The retention purge of a round (server/privacy/retention.ts): every contact field of the
 * nominations its schools made and of the partners merged from them, and of partners invited in
 * it (a partner round), is emptied; which schools named which partner stays, pseudonymised with
 * the invitations. In the caller's transaction. Returns the number of partners purged.
 */
export async function purgeSnowballData(trx: Kysely<DB>, roundId: number, now: Date): Promise<number> {
  await trx
    .updateTable('partner_nominations')
    .set({ organisation: null, contact_name: null, email: null })
    .where((eb) =>
      eb.or([
        eb('source_round_id', '=', roundId),
        eb('partner_id', 'in', eb.selectFrom('partners as p').innerJoin('invitations as i', 'i.id', 'p.invitation_id').select('p.id').where('i.round_id', '=', roundId)),
      ]),
    )
    .execute();
  const partners = await trx
    .updateTable('partners')
    .set({ organisation: null, org_key: null, contact_name: null, email: null, purged_at: sql<Date>`coalesce(purged_at, ${now})`, updated_at: now })
    .where((eb) =>
      eb.or([eb('source_round_id', '=', roundId), eb('invitation_id', 'in', eb.selectFrom('invitations').select('id').where('round_id', '=', roundId))]),
    )
    .executeTakeFirst();
  return Number(partners.numUpdatedRows);
}

/** The partner round that follows a school round (for the retention purge: they go together). */
export async function partnerRoundsDueWith(db: Kysely<DB>, now: Date): Promise<number[]> {
  const rows = await db
    .selectFrom('partner_rounds as pr')
    .innerJoin('rounds as s', 's.id', 'pr.source_round_id')
    .innerJoin('rounds as r', 'r.id', 'pr.round_id')
    .select('pr.round_id')
    .where('s.retention_until', '<=', now)
    .where('r.purged_at', 'is', null)
    .execute();
  return rows.map((r) => r.round_id);
}
