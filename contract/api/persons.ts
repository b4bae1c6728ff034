import { Type, type Static } from 'typebox';
import { defineApi } from '../http';
import { DateTime, FileReply, Id, IdParams, Ok } from '../schemas';
import { EXPORT_FORMATS } from './exports';

/**
 * Person-level rounds (issue 19, server/persons/): the admin's settings and tracking, the
 * coordinator link (/c/<token>), the parent link (/o/<token>), the class link (/l/<token>) and a
 * pupil's session after a code was accepted.
 */
const ConsentMode = Type.Union([Type.Literal('passive'), Type.Literal('active')]);
const Role = Type.String({ minLength: 1, maxLength: 40 });
const Token = Type.String({ minLength: 1, maxLength: 80 });
const TokenParams = Type.Object({ token: Token });
const ClassParams = Type.Object({ token: Token, classId: Id });
const Code = Type.String({ minLength: 1, maxLength: 40 });

export const PersonRoundSettings = Type.Object({
  roundId: Type.Integer(),
  unitType: Type.Union([Type.Literal('school'), Type.Literal('person')]),
  consentMode: Type.Union([ConsentMode, Type.Null()]),
  roles: Type.Array(Type.String()),
  /** The earlier person round this one follows (a second measurement of the same panel), or null. */
  previousRoundId: Type.Union([Type.Integer(), Type.Null()]),
});
export type PersonRoundSettings = Static<typeof PersonRoundSettings>;

const Tally = {
  registered: Type.Integer(),
  objections: Type.Integer(),
  consents: Type.Integer(),
  refused: Type.Integer(),
  started: Type.Integer(),
  completed: Type.Integer(),
  /** completed / registered, in percent with one decimal; null without registered persons. */
  rate: Type.Union([Type.Number(), Type.Null()]),
};

export const PersonTracking = Type.Object({
  roundId: Type.Integer(),
  unitType: Type.String(),
  total: Type.Object(Tally),
  schools: Type.Array(
    Type.Object({
      ...Tally,
      invitationId: Type.Integer(),
      schoolName: Type.String(),
      swvName: Type.String(),
      participation: Type.String(),
      classes: Type.Array(Type.Object({ ...Tally, classId: Type.Integer(), label: Type.String(), grade: Type.String() })),
    }),
  ),
  swvs: Type.Array(Type.Object({ ...Tally, swvId: Type.Integer(), swvName: Type.String(), schools: Type.Integer(), participating: Type.Integer() })),
  roles: Type.Array(Type.Object({ ...Tally, role: Type.String() })),
  /**
   * A follow-up round: panel members who completed the previous measurement, this one, and both
   * (the "239 in both" figure). Null for a first measurement.
   */
  panel: Type.Union([Type.Object({ previousRoundId: Type.Integer(), previous: Type.Integer(), current: Type.Integer(), both: Type.Integer() }), Type.Null()]),
});
export type PersonTracking = Static<typeof PersonTracking>;

export const RegistrationBody = Type.Object({
  participates: Type.Boolean(),
  classes: Type.Array(
    Type.Object({
      label: Type.String({ maxLength: 200 }),
      grade: Type.String({ maxLength: 20 }),
      pupils: Type.Integer({ minimum: -1000, maximum: 1000 }),
    }),
    { maxItems: 200 },
  ),
  teachers: Type.Array(
    Type.Object({
      email: Type.String({ maxLength: 400 }),
      classes: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 }),
    }),
    { maxItems: 200 },
  ),
});
export type RegistrationBody = Static<typeof RegistrationBody>;

export const CoordinatorView = Type.Object({
  schoolName: Type.String(),
  studyName: Type.String(),
  roundName: Type.String(),
  closesAt: Type.Union([DateTime, Type.Null()]),
  consentMode: ConsentMode,
  /** A follow-up measurement: the school re-issues the codes of its key list per class. */
  followUp: Type.Boolean(),
  participation: Type.Union([Type.Literal('unknown'), Type.Literal('yes'), Type.Literal('no')]),
  classes: Type.Array(
    Type.Object({
      id: Type.Integer(),
      label: Type.String(),
      grade: Type.String(),
      pupils: Type.Integer(),
      classLink: Type.String(),
      parentLink: Type.String(),
    }),
  ),
  teachers: Type.Array(Type.Object({ email: Type.String(), classes: Type.Array(Type.String()) })),
});
export type CoordinatorView = Static<typeof CoordinatorView>;

export const ClassInfo = Type.Object({
  schoolName: Type.String(),
  studyName: Type.String(),
  roundName: Type.String(),
  classLabel: Type.String(),
  consentMode: ConsentMode,
});
export type ClassInfo = Static<typeof ClassInfo>;

const PupilState = Type.Union([Type.Literal('assent'), Type.Literal('open'), Type.Literal('completed')]);

export const PupilView = Type.Object({
  state: PupilState,
  questionnaire: Type.Unknown(),
  data: Type.Record(Type.String(), Type.Unknown()),
  revision: Type.Integer(),
});
export type PupilView = Static<typeof PupilView>;

const Answers = Type.Object({ data: Type.Record(Type.String(), Type.Unknown()), revision: Type.Integer({ minimum: 0 }) });

export const personsApi = defineApi({
  'GET /api/persons/rounds/:id/settings': { params: IdParams, response: { 200: PersonRoundSettings } },
  'PUT /api/persons/rounds/:id/settings': {
    params: IdParams,
    body: Type.Object({
      consentMode: ConsentMode,
      roles: Type.Array(Role, { minItems: 1, maxItems: 6 }),
      previousRoundId: Type.Optional(Type.Union([Id, Type.Null()])),
    }),
    response: { 200: PersonRoundSettings },
  },
  'GET /api/persons/rounds/:id/tracking': { params: IdParams, response: { 200: PersonTracking } },
  /** Answers of this round and the measurements it follows: long (a row per person per measurement) or wide (a row per panel member, T1_/T2_). */
  'GET /api/persons/rounds/:id/export': {
    params: IdParams,
    querystring: Type.Object({ shape: Type.Union([Type.Literal('long'), Type.Literal('wide')]), format: Type.Enum(EXPORT_FORMATS) }),
    response: { 200: FileReply('text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/x-spss-sav') },
  },

  'GET /api/persons/c/:token': { params: TokenParams, response: { 200: CoordinatorView } },
  'PUT /api/persons/c/:token/registration': { params: TokenParams, body: RegistrationBody, response: { 200: CoordinatorView } },
  'GET /api/persons/c/:token/classes/:classId/codes': { params: ClassParams, response: { 200: FileReply('text/html') } },
  'GET /api/persons/c/:token/classes/:classId/key-list': {
    params: ClassParams,
    response: { 200: FileReply('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') },
  },
  'GET /api/persons/c/:token/classes/:classId/letter': { params: ClassParams, response: { 200: FileReply('text/html') } },
  'POST /api/persons/c/:token/classes/:classId/letter-sent': { params: ClassParams, response: { 200: Ok } },
  /** Follow-up round: round-1 codes for this class, pasted (one a line) or as the key list (.xlsx, base64). */
  'POST /api/persons/c/:token/classes/:classId/reissue': {
    params: ClassParams,
    body: Type.Object({
      codes: Type.Optional(Type.String({ maxLength: 20_000 })),
      keyList: Type.Optional(Type.String({ maxLength: 1_500_000, pattern: '^[A-Za-z0-9+/=\\s]*$' })),
    }),
    response: { 200: Type.Object({ reissued: Type.Integer(), pupils: Type.Integer() }) },
  },

  'GET /api/persons/o/:token': { params: TokenParams, response: { 200: ClassInfo } },
  'POST /api/persons/o/:token': {
    params: TokenParams,
    body: Type.Object({ code: Code, decision: Type.Union([Type.Literal('objection'), Type.Literal('consent')]) }),
    response: { 200: Type.Object({ decision: Type.String() }) },
  },

  'GET /api/persons/l/:token': { params: TokenParams, response: { 200: ClassInfo } },
  'POST /api/persons/l/:token/start': {
    params: TokenParams,
    body: Type.Object({ code: Code }),
    response: { 200: Type.Object({ session: Type.String(), state: PupilState }) },
  },
  'GET /api/persons/p/:token': { params: TokenParams, response: { 200: PupilView } },
  'POST /api/persons/p/:token/assent': { params: TokenParams, body: Type.Object({ assent: Type.Boolean() }), response: { 200: Type.Object({ state: Type.String() }) } },
  'PUT /api/persons/p/:token/answers': { params: TokenParams, body: Answers, response: { 200: Type.Object({ revision: Type.Integer() }) } },
  'POST /api/persons/p/:token/complete': { params: TokenParams, body: Answers, response: { 200: Type.Object({ revision: Type.Integer() }) } },
});
