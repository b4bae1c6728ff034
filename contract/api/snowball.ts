import { Type, type Static } from 'typebox';
import { Nullable } from '../helpers';
import { defineApi } from '../http';
import { NOMINATION_LIMITS } from '../nominations';
import { FileReply, IdParams, InvitationStatus, Ok, RoundStatus } from '../schemas';
import { PARTNER_STATES, PARTNER_TYPES, SITUATIONS } from '../vocabulary';

/**
 * The snowball round (issue 20, server/snowball/): partners that a school round's schools named,
 * merged across schools, reviewed by an admin, invited in a partner round; its tracking and the
 * export that links partners' answers to the nominating schools. `:id` is the school round.
 */
const PartnerType = Type.Enum(PARTNER_TYPES);
const PartnerState = Type.Enum(PARTNER_STATES);

export const PartnerReview = Type.Object({
  sourceRoundId: Type.Integer(),
  roundName: Type.String(),
  partnerRound: Nullable(Type.Object({ roundId: Type.Integer(), name: Type.String(), status: RoundStatus })),
  partners: Type.Array(
    Type.Object({
      id: Type.Integer(),
      /** Null once purged (retention), like the other contact fields. */
      organisation: Nullable(Type.String()),
      partnerType: PartnerType,
      contactName: Nullable(Type.String()),
      email: Nullable(Type.String()),
      state: PartnerState,
      purged: Type.Boolean(),
      invitation: Nullable(
        Type.Object({
          id: Type.Integer(),
          status: InvitationStatus,
          invited: Type.Boolean(),
          optedOut: Type.Boolean(),
          bounced: Type.Boolean(),
          completed: Type.Boolean(),
        }),
      ),
      /** Each school that named this partner, with what it wrote. */
      nominatedBy: Type.Array(
        Type.Object({
          invitationId: Type.Integer(),
          schoolName: Type.String(),
          swvName: Type.String(),
          organisation: Nullable(Type.String()),
          partnerType: Type.String(),
          contactName: Nullable(Type.String()),
          email: Nullable(Type.String()),
        }),
      ),
    }),
  ),
});
export type PartnerReview = Static<typeof PartnerReview>;

const Counts = {
  nominated: Type.Integer(),
  approved: Type.Integer(),
  rejected: Type.Integer(),
  invited: Type.Integer(),
  responded: Type.Integer(),
  /** Schools that named at least one partner. */
  schools: Type.Integer(),
};

export const SnowballTracking = Type.Object({
  sourceRoundId: Type.Integer(),
  total: Type.Object(Counts),
  groups: Type.Array(
    Type.Object({
      ...Counts,
      swvId: Type.Integer(),
      swvName: Type.String(),
      situation: Nullable(Type.Enum(SITUATIONS)),
      situationLabel: Type.String(),
    }),
  ),
});
export type SnowballTracking = Static<typeof SnowballTracking>;

export const PartnerEditBody = Type.Object({
  organisation: Type.String({ maxLength: 1000 }),
  partnerType: PartnerType,
  contactName: Nullable(Type.String({ maxLength: 1000 })),
  email: Type.String({ maxLength: NOMINATION_LIMITS.email * 2 }),
});

export const snowballApi = defineApi({
  'GET /api/snowball/rounds/:id': { params: IdParams, response: { 200: PartnerReview } },
  'POST /api/snowball/rounds/:id/partner-round': {
    params: IdParams,
    body: Type.Object({ questionnaireId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }),
    response: { 200: Type.Object({ roundId: Type.Integer() }) },
  },
  'POST /api/snowball/rounds/:id/invite': { params: IdParams, response: { 200: Type.Object({ invited: Type.Integer() }) } },
  'GET /api/snowball/rounds/:id/tracking': { params: IdParams, response: { 200: SnowballTracking } },
  'GET /api/snowball/rounds/:id/partners.csv': { params: IdParams, response: { 200: FileReply('text/csv') } },
  'PUT /api/snowball/partners/:id': { params: IdParams, body: PartnerEditBody, response: { 200: Ok } },
  'POST /api/snowball/partners/:id/decision': { params: IdParams, body: Type.Object({ state: PartnerState }), response: { 200: Ok } },
});
