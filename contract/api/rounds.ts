import { Type, type Static } from 'typebox';
import { defineApi } from '../http';
import { DateTime, Id, InvitationStatus, Literals, NullableDateTime, RoundStatus } from '../schemas';
import { SCHOOL_KINDS, SITUATIONS, SWV_SECTORS } from '../vocabulary';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** A samenwerkingssituatie code as the API sends it (requests take a string: the domain says what is wrong in Dutch). */
const SituationCode = Literals(SITUATIONS);
const SwvSector = Literals(SWV_SECTORS);
const SchoolKind = Literals(SCHOOL_KINDS);

export const ROUND_SCHOOL_STATES = ['invited', 'to-invite', 'unreachable', 'excluded'] as const;

/** One school of a round and where it stands (server/rounds/eligibility.ts). */
export const RoundSchool = Type.Object({
  schoolId: Type.Number(),
  locationCode: Type.String(),
  name: Type.String(),
  kind: SchoolKind,
  city: Nullable(Type.String()),
  active: Type.Boolean(),
  email: Nullable(Type.String()),
  emailSource: Nullable(Type.String()),
  swvId: Type.Number(),
  swvCode: Type.String(),
  state: Literals(ROUND_SCHOOL_STATES),
  /** For `unreachable`: why, in Dutch; for `excluded`, set when the school's data was erased. */
  reason: Nullable(Type.String()),
  /** Added by an admin rather than through the SWV's school list. */
  added: Type.Boolean(),
  invitationId: Nullable(Type.Number()),
  invitationStatus: Nullable(InvitationStatus),
  /** The address the invitation's mailings go to (may differ from `email` only in a closed round). */
  invitationEmail: Nullable(Type.String()),
});
export type RoundSchool = Static<typeof RoundSchool>;

export const RoundSwvSummary = Type.Object({
  swvId: Type.Number(),
  code: Type.String(),
  name: Type.String(),
  sector: SwvSector,
  situation: Nullable(SituationCode),
  regionLetter: Nullable(Type.String()),
  /** Schools in the round under this SWV (excluded ones not counted). */
  schools: Type.Number(),
  invited: Type.Number(),
  toInvite: Type.Number(),
  unreachable: Type.Number(),
  excluded: Type.Number(),
});
export type RoundSwvSummary = Static<typeof RoundSwvSummary>;

export const RoundPreview = Type.Object({
  roundId: Type.Number(),
  status: Type.String(),
  swvs: Type.Array(RoundSwvSummary),
  totals: Type.Object({ schools: Type.Number(), invited: Type.Number(), toInvite: Type.Number(), unreachable: Type.Number(), excluded: Type.Number() }),
  unreachable: Type.Array(RoundSchool),
  excluded: Type.Array(RoundSchool),
});
export type RoundPreview = Static<typeof RoundPreview>;

/** An SWV in a round, with its samenwerkingssituatie (null: the questionnaire uses none) and region letter. */
export const Assignment = Type.Object({ swvCode: Type.String(), situation: Nullable(SituationCode), regionLetter: Type.String() });
export type Assignment = Static<typeof Assignment>;

export const AssignmentImportReport = Type.Object({
  lines: Type.Number(),
  added: Type.Array(Assignment),
  changed: Type.Array(Assignment),
  unchanged: Type.Number(),
  rejected: Type.Array(Type.Object({ line: Type.Number(), reason: Type.String() })),
  applied: Type.Boolean(),
});
export type AssignmentImportReport = Static<typeof AssignmentImportReport>;

/** A round as stored (the table's columns). */
export const RoundRecord = Type.Object({
  id: Type.Number(),
  study_id: Type.Number(),
  name: Type.String(),
  questionnaire_version_id: Nullable(Type.Number()),
  status: RoundStatus,
  opens_at: Nullable(Type.String()),
  closes_at: Nullable(Type.String()),
  reminder_policy: Type.Object({ afterDays: Type.Array(Type.Number()) }),
  target_respondents: Nullable(Type.Number()),
  retention_until: Nullable(Type.String()),
  previous_round_id: Nullable(Type.Number()),
  purged_at: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type RoundRecord = Static<typeof RoundRecord>;

export const RoundSwv = Type.Object({
  id: Type.Number(),
  code: Type.String(),
  name: Type.String(),
  sector: SwvSector,
  active: Type.Boolean(),
  /** Null: no samenwerkingssituatie (the questionnaire does not use one). */
  situation: Nullable(SituationCode),
  regionLetter: Nullable(Type.String()),
});
export type RoundSwv = Static<typeof RoundSwv>;

export const RoundDetail = Type.Object({
  ...RoundRecord.properties,
  study_name: Type.String(),
  questionnaire_title: Nullable(Type.String()),
  questionnaire_key: Nullable(Type.String()),
  questionnaire_version: Nullable(Type.String()),
  previous_round_name: Nullable(Type.String()),
  swvs: Type.Array(RoundSwv),
  /** The questionnaire uses the samenwerkingssituatie, so every SWV needs one. */
  needsSituation: Type.Boolean(),
});
export type RoundDetail = Static<typeof RoundDetail>;

export const RoundListItem = Type.Object({
  id: Type.Number(),
  name: Type.String(),
  status: RoundStatus,
  opensAt: Nullable(Type.String()),
  closesAt: Nullable(Type.String()),
  previousRoundId: Nullable(Type.Number()),
  studyId: Type.Number(),
  studyName: Type.String(),
  questionnaireTitle: Nullable(Type.String()),
  swvs: Type.Number(),
  invitations: Type.Number(),
});
export type RoundListItem = Static<typeof RoundListItem>;

export const RoundOptions = Type.Object({
  questionnaires: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), usable: Type.Boolean() })),
  situations: Type.Array(Type.Object({ code: SituationCode, label: Type.String() })),
  noSituationLabel: Type.String(),
  defaultRoundDays: Type.Number(),
  defaultReminderDays: Type.Array(Type.Number()),
});
export type RoundOptions = Static<typeof RoundOptions>;

export const Study = Type.Object({
  id: Type.Number(),
  name: Type.String(),
  slug: Type.String(),
  description: Nullable(Type.String()),
  senderName: Nullable(Type.String()),
});
export type Study = Static<typeof Study>;

const StudyRecord = Type.Object({
  id: Type.Number(),
  name: Type.String(),
  slug: Type.String(),
  description: Nullable(Type.String()),
  sender_name: Nullable(Type.String()),
  created_at: Type.String(),
});

const RoundParams = Type.Object({ id: Id });
const SwvParams = Type.Object({ id: Id, code: Type.String({ minLength: 2, maxLength: 12 }) });
const SchoolParams = Type.Object({ id: Id, schoolId: Id });
const ReminderDays = Type.Array(Type.Integer({ minimum: 1, maximum: 90 }), { maxItems: 5 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const QuestionnaireId = Type.Optional(Nullable(Type.String({ maxLength: 120 })));

const RoundBody = {
  name: Name,
  questionnaireId: QuestionnaireId,
  opensAt: Type.Optional(NullableDateTime),
  closesAt: Type.Optional(NullableDateTime),
  reminderDays: Type.Optional(ReminderDays),
  targetRespondents: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 }))),
};

/**
 * Studies and rounds (metingen): setup, SWV assignment, the preview of who will be invited,
 * opening, per-school corrections and copying into the next measurement.
 */
export const roundsApi = defineApi({
  'GET /api/studies': { response: { 200: Type.Array(Study) } },
  'POST /api/studies': {
    body: Type.Object({
      name: Name,
      description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
      senderName: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    }),
    response: { 201: StudyRecord },
  },
  'GET /api/rounds/options': { response: { 200: RoundOptions } },
  'GET /api/rounds': { response: { 200: Type.Array(RoundListItem) } },
  'POST /api/rounds': { body: Type.Object({ studyId: Id, ...RoundBody }), response: { 201: RoundRecord } },
  'GET /api/rounds/:id': { params: RoundParams, response: { 200: RoundDetail } },
  'PATCH /api/rounds/:id': { params: RoundParams, body: Type.Partial(Type.Object(RoundBody)), response: { 200: RoundRecord } },
  'PUT /api/rounds/:id/swvs/:code': {
    params: SwvParams,
    body: Type.Object({ situation: Type.String({ maxLength: 60 }), regionLetter: Type.String({ maxLength: 4 }) }),
    response: { 200: Assignment },
  },
  'DELETE /api/rounds/:id/swvs/:code': { params: SwvParams, response: { 204: Type.Null() } },
  'POST /api/rounds/:id/swvs/import': {
    params: RoundParams,
    querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
    response: { 200: AssignmentImportReport },
  },
  'GET /api/rounds/:id/preview': { params: RoundParams, response: { 200: RoundPreview } },
  'GET /api/rounds/:id/schools': {
    params: RoundParams,
    querystring: Type.Object({
      state: Type.Optional(Literals(ROUND_SCHOOL_STATES)),
      swv: Type.Optional(Type.String({ maxLength: 12 })),
    }),
    response: { 200: Type.Array(RoundSchool) },
  },
  'POST /api/rounds/:id/open': {
    params: RoundParams,
    // When the invitations go: null or absent is "now" (or the round's opening time, if later).
    // A body of null (what a caller sends for 'no options') is the same as none.
    body: Type.Optional(Nullable(Type.Object({ invitationsAt: Type.Optional(NullableDateTime) }, { additionalProperties: false }))),
    response: {
      200: Type.Object({
        roundId: Type.Number(),
        opensAt: DateTime,
        closesAt: DateTime,
        invited: Type.Number(),
        unreachable: Type.Number(),
        excluded: Type.Number(),
        invitationsAt: NullableDateTime,
        queued: Type.Number(),
      }),
    },
  },
  'POST /api/rounds/:id/close': {
    params: RoundParams,
    response: {
      200: Type.Object({ roundId: Type.Number(), closesAt: Nullable(Type.String()), cancelledWaves: Type.Number(), cancelledMessages: Type.Number() }),
    },
  },
  'POST /api/rounds/:id/invite': {
    params: RoundParams,
    body: Type.Object({ schoolIds: Type.Optional(Type.Array(Id, { maxItems: 10_000 })) }),
    response: { 200: Type.Object({ invited: Type.Number() }) },
  },
  'POST /api/rounds/:id/copy': {
    params: RoundParams,
    body: Type.Object({
      name: Name,
      opensAt: Type.Optional(NullableDateTime),
      closesAt: Type.Optional(NullableDateTime),
      questionnaireId: QuestionnaireId,
    }),
    response: { 201: RoundRecord },
  },
  'POST /api/rounds/:id/schools/:schoolId/exclude': { params: SchoolParams, response: { 200: RoundSchool } },
  'POST /api/rounds/:id/schools/:schoolId/include': {
    params: SchoolParams,
    body: Type.Object({ swvId: Type.Optional(Nullable(Id)) }),
    response: { 200: RoundSchool },
  },
});
