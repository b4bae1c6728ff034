import { sql, type Kysely } from 'kysely';
import type { PartnerReview, SnowballTracking } from '../../contract/api/snowball';
import { NO_SITUATION_LABEL, SITUATION_LABELS, type PartnerState, type PartnerType } from '../../contract/vocabulary';
import type { DB, Situation } from '../db/types';
import { schoolRound } from './nominations';
import { partnerRoundOf } from './partner-round';

/** What the admin reviews: every partner of the round with the schools that named it. */
export async function partnerReview(db: Kysely<DB>, sourceRoundId: number): Promise<PartnerReview> {
  const round = await schoolRound(db, sourceRoundId);
  const partnerRound = await partnerRoundOf(db, sourceRoundId);
  const partners = await db
    .selectFrom('partners as p')
    .leftJoin('invitations as i', 'i.id', 'p.invitation_id')
    .select([
      'p.id',
      'p.organisation',
      'p.partner_type',
      'p.contact_name',
      'p.email',
      'p.state',
      'p.invitation_id',
      'p.purged_at',
      'i.status as invitation_status',
      'i.invited_at',
      'i.opted_out_at',
      'i.bounced_at',
      'i.completed_at',
    ])
    .where('p.source_round_id', '=', sourceRoundId)
    .orderBy(sql`case p.state when 'pending' then 0 when 'approved' then 1 else 2 end`)
    .orderBy('p.organisation')
    .orderBy('p.id')
    .execute();
  const nominations = await db
    .selectFrom('partner_nominations as n')
    .innerJoin('invitations as i', 'i.id', 'n.invitation_id')
    .innerJoin('swvs as w', 'w.id', 'i.swv_id')
    .select(['n.partner_id', 'n.invitation_id', 'n.organisation', 'n.partner_type', 'n.contact_name', 'n.email', 'i.school_name', 'w.name as swv_name'])
    .where('n.source_round_id', '=', sourceRoundId)
    .where('n.partner_id', 'is not', null)
    .orderBy('n.id')
    .execute();
  const byPartner = new Map<number, typeof nominations>();
  for (const n of nominations) {
    const list = byPartner.get(n.partner_id!) ?? [];
    list.push(n);
    byPartner.set(n.partner_id!, list);
  }
  return {
    sourceRoundId,
    roundName: round.name,
    partnerRound: partnerRound ? { roundId: partnerRound.id, name: partnerRound.name, status: partnerRound.status } : null,
    partners: partners.map((p) => ({
      id: p.id,
      organisation: p.organisation,
      partnerType: p.partner_type as PartnerType,
      contactName: p.contact_name,
      email: p.email,
      state: p.state as PartnerState,
      purged: p.purged_at !== null,
      invitation:
        p.invitation_id === null
          ? null
          : {
              id: p.invitation_id,
              status: p.invitation_status ?? 'pending',
              invited: p.invited_at !== null,
              optedOut: p.opted_out_at !== null,
              bounced: p.bounced_at !== null,
              completed: p.completed_at !== null,
            },
      nominatedBy: (byPartner.get(p.id) ?? []).map((n) => ({
        invitationId: n.invitation_id,
        schoolName: n.school_name ?? 'School (gegevens verwijderd)',
        swvName: n.swv_name,
        organisation: n.organisation,
        partnerType: n.partner_type,
        contactName: n.contact_name,
        email: n.email,
      })),
    })),
  };
}

/**
 * Nominated → approved → invited → responded, per SWV and situation of the nominating schools.
 * A partner named by schools of two SWVs counts in both; the total counts each partner once.
 */
export async function snowballTracking(db: Kysely<DB>, sourceRoundId: number): Promise<SnowballTracking> {
  await schoolRound(db, sourceRoundId);
  const rows = await db
    .selectFrom('partners as p')
    .innerJoin('partner_nominations as n', 'n.partner_id', 'p.id')
    .innerJoin('invitations as si', 'si.id', 'n.invitation_id')
    .innerJoin('swvs as w', 'w.id', 'si.swv_id')
    .leftJoin('round_swvs as rs', (join) => join.onRef('rs.round_id', '=', 'si.round_id').onRef('rs.swv_id', '=', 'si.swv_id'))
    .leftJoin('invitations as pi', 'pi.id', 'p.invitation_id')
    .select([
      'si.swv_id',
      'w.name as swv_name',
      'rs.situation',
      sql<number>`count(distinct p.id)::int`.as('nominated'),
      sql<number>`count(distinct p.id) filter (where p.state = 'approved')::int`.as('approved'),
      sql<number>`count(distinct p.id) filter (where p.state = 'rejected')::int`.as('rejected'),
      sql<number>`count(distinct p.id) filter (where pi.invited_at is not null)::int`.as('invited'),
      sql<number>`count(distinct p.id) filter (where pi.completed_at is not null)::int`.as('responded'),
      sql<number>`count(distinct si.id)::int`.as('schools'),
    ])
    .where('p.source_round_id', '=', sourceRoundId)
    .groupBy(['si.swv_id', 'w.name', 'rs.situation'])
    .orderBy('w.name')
    .execute();
  const total = await db
    .selectFrom('partners as p')
    .leftJoin('invitations as pi', 'pi.id', 'p.invitation_id')
    .select([
      sql<number>`count(*)::int`.as('nominated'),
      sql<number>`count(*) filter (where p.state = 'approved')::int`.as('approved'),
      sql<number>`count(*) filter (where p.state = 'rejected')::int`.as('rejected'),
      sql<number>`count(*) filter (where pi.invited_at is not null)::int`.as('invited'),
      sql<number>`count(*) filter (where pi.completed_at is not null)::int`.as('responded'),
      sql<number>`(select count(distinct n.invitation_id)::int from partner_nominations n where n.source_round_id = ${sourceRoundId})`.as('schools'),
    ])
    .where('p.source_round_id', '=', sourceRoundId)
    .executeTakeFirstOrThrow();
  return {
    sourceRoundId,
    total,
    groups: rows.map((r) => ({
      swvId: r.swv_id,
      swvName: r.swv_name,
      situation: r.situation,
      situationLabel: r.situation ? SITUATION_LABELS[r.situation as Situation] : NO_SITUATION_LABEL,
      nominated: r.nominated,
      approved: r.approved,
      rejected: r.rejected,
      invited: r.invited,
      responded: r.responded,
      schools: r.schools,
    })),
  };
}
