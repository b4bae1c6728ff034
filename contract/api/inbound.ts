/** The admin's "Berichten": mail that came back (replies, auto-replies, bounces, complaints). */
import { Type, type Static } from 'typebox';
import { Nullable } from '../helpers';
import { defineApi } from '../http';
import { Id } from '../schemas';

export const INBOUND_KINDS = ['reply', 'auto-reply', 'bounce', 'complaint', 'delivered'] as const;
export type InboundKind = (typeof INBOUND_KINDS)[number];

export const InboundMessage = Type.Object({
  id: Id,
  kind: Type.Enum(INBOUND_KINDS),
  receivedAt: Type.String(),
  permanent: Nullable(Type.Boolean()),
  statusCode: Nullable(Type.String()),
  /** What processing did: 'unreachable', 'soft-bounce', 'opted-out', 'noted', 'listed', 'ignored', 'unmatched'. */
  effect: Type.String(),
  reason: Type.String(),
  subject: Nullable(Type.String()),
  from: Nullable(Type.String()),
  fromName: Nullable(Type.String()),
  text: Nullable(Type.String()),
  handledAt: Nullable(Type.String()),
  forwarded: Type.Boolean(),
  invitationId: Nullable(Id),
  round: Nullable(Type.Object({ id: Id, name: Type.String() })),
  school: Nullable(Type.Object({ id: Id, name: Type.String(), locationCode: Nullable(Type.String()) })),
  unreachable: Type.Boolean(),
  softBounces: Type.Integer(),
});
export type InboundMessage = Static<typeof InboundMessage>;

export const inboundApi = defineApi({
  'GET /api/inbound/messages': {
    querystring: Type.Object({
      kind: Type.Optional(Type.Enum([...INBOUND_KINDS, 'all'])),
      roundId: Type.Optional(Id),
      open: Type.Optional(Type.Boolean()),
      offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    }),
    response: { 200: Type.Object({ total: Type.Integer(), messages: Type.Array(InboundMessage) }) },
  },
  'POST /api/inbound/messages/:id/handled': {
    params: Type.Object({ id: Id }),
    body: Type.Object({ handled: Type.Boolean() }),
    response: { 200: Type.Object({ id: Id, handledAt: Nullable(Type.String()) }) },
  },
});
