import { Type, type Static } from 'typebox';
import { defineApi } from '../http';
import { Id, InvitationStatus, RoundStatus } from '../schemas';

/** A calendar date, yyyy-mm-dd (Amsterdam). */
const DateString = Type.String({ maxLength: 10 });
const RoundParams = Type.Object({ roundId: Id });
const SchoolParams = Type.Object({ roundId: Id, schoolId: Id });

export const AuditEntry = Type.Object({
  id: Type.Number(),
  at: Type.String(),
  actor: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  target: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const PrivacyRound = Type.Object({
  id: Type.Number(),
  name: Type.String(),
  studyName: Type.String(),
  status: RoundStatus,
  closesOn: Type.Union([Type.String(), Type.Null()]),
  retentionUntil: Type.Union([Type.String(), Type.Null()]),
  purgedAt: Type.Union([Type.String(), Type.Null()]),
  invitations: Type.Number(),
  erased: Type.Number(),
});
export type PrivacyRound = Static<typeof PrivacyRound>;

export const PrivacySchool = Type.Object({
  invitationId: Type.Number(),
  schoolId: Type.Number(),
  name: Type.String(),
  locationCode: Type.String(),
  city: Type.Union([Type.String(), Type.Null()]),
  status: InvitationStatus,
  erasedAt: Type.Union([Type.String(), Type.Null()]),
});
export type PrivacySchool = Static<typeof PrivacySchool>;

/**
 * The protection of research data, for admins: the audit log (read-only), the retention date of a
 * round, the retention purge, and deleting one school's data in a round.
 */
export const privacyApi = defineApi({
  /** A professional's data in a person round, found by the address (never stored in the audit log). */
  'POST /api/privacy/rounds/:roundId/professionals/erase': {
    params: Type.Object({ roundId: Type.Integer({ minimum: 1 }) }),
    body: Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }) }),
    response: { 200: Type.Object({ persons: Type.Integer() }) },
  },
  'GET /api/audit': {
    querystring: Type.Object({
      action: Type.Optional(Type.String({ maxLength: 100 })),
      actor: Type.Optional(Type.String({ maxLength: 254 })),
      target: Type.Optional(Type.String({ maxLength: 200 })),
      from: Type.Optional(DateString),
      to: Type.Optional(DateString),
      page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
    }),
    response: {
      200: Type.Object({
        entries: Type.Array(AuditEntry),
        total: Type.Number(),
        page: Type.Number(),
        pageSize: Type.Number(),
        actions: Type.Array(Type.String()),
      }),
    },
  },
  'GET /api/privacy/rounds': {
    response: { 200: Type.Object({ today: Type.String(), rounds: Type.Array(PrivacyRound) }) },
  },
  'PUT /api/privacy/rounds/:roundId/retention': {
    params: RoundParams,
    body: Type.Object({ retentionUntil: Type.Union([DateString, Type.Null()]) }),
    response: { 200: Type.Object({ retentionUntil: Type.Union([Type.String(), Type.Null()]) }) },
  },
  'POST /api/privacy/purge': {
    response: {
      200: Type.Object({
        purged: Type.Array(Type.Object({ roundId: Type.Number(), invitations: Type.Number(), messages: Type.Number() })),
      }),
    },
  },
  'GET /api/privacy/rounds/:roundId/schools': {
    params: RoundParams,
    querystring: Type.Object({ q: Type.String({ minLength: 2, maxLength: 100 }) }),
    response: { 200: Type.Object({ schools: Type.Array(PrivacySchool) }) },
  },
  'DELETE /api/privacy/rounds/:roundId/schools/:schoolId': {
    params: SchoolParams,
    response: { 200: Type.Object({ invitationId: Type.Number(), responses: Type.Number(), messages: Type.Number() }) },
  },
});
