import { Type, type Static } from 'typebox';
import { defineApi } from '../http';
import { DateTime, FileReply, Id, IdParams, Ok } from '../schemas';
import { EXPORT_FORMATS } from './exports';

/**
 * Person-level rounds (issue 19, server/persons/): the admin's settings and tracking, the
 * coordinator link (/c/<token>), the parent link (/o/<token>), the class link (/l/<token>), a
 * pupil's session after a code was accepted, the teacher link (/t/<token>) with the teacher's
 * opt-out (/api/persons/a/<token>), and the external scores import.
 */
const ConsentMode = Type.Union([Type.Literal('passive'), Type.Literal('active')]);
const Role = Type.String({ minLength: 1, maxLength: 40 });
const Token = Type.String({ minLength: 1, maxLength: 80 });
const TokenParams = Type.Object({ token: Token });
const ClassParams = Type.Object({ token: Token, classId: Id });
const Code = Type.String({ minLength: 1, maxLength: 40 });

export const PersonRoundSettings = Type.Object({
  roundId: Type.Integer(),
  unitType: Type.Union([Type.Literal('school'), Type.Literal('person'), Type.Literal('partner')]),
  consentMode: Type.Union([ConsentMode, Type.Null()]),
  roles: Type.Array(Type.String()),
  /** The earlier person round this one follows (a second measurement of the same panel), or null. */
  previousRoundId: Type.Union([Type.Integer(), Type.Null()]),
  /** The teachers' questionnaire (migration 0022), as its title; null when none is chosen. */
  teacherQuestionnaire: Type.Union([Type.Object({ versionId: Type.Integer(), title: Type.String() }), Type.Null()]),
  /** A school round of the same schools whose answers come onto pupil rows (`sch_` columns). */
  linkedSchoolRoundId: Type.Union([Type.Integer(), Type.Null()]),
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

/** Persons invited by e-mail: registered, invited (mail queued), started, completed, said no, opted out, bounced. */
const InvitedTally = {
  registered: Type.Integer(),
  invited: Type.Integer(),
  started: Type.Integer(),
  completed: Type.Integer(),
  refused: Type.Integer(),
  optedOut: Type.Integer(),
  bounced: Type.Integer(),
};

/** Teachers: registered by the coordinator; completed = every class. */
const TeacherTally = Type.Object(InvitedTally);

/** Professionals (imported from a list): as teachers, plus how many continue the previous measurement. */
export const ProfessionalTally = Type.Object({ ...InvitedTally, continued: Type.Integer() });
export type ProfessionalTally = Static<typeof ProfessionalTally>;

export const PersonTracking = Type.Object({
  roundId: Type.Integer(),
  unitType: Type.String(),
  total: Type.Object(Tally),
  teachers: TeacherTally,
  professionals: ProfessionalTally,
  schools: Type.Array(
    Type.Object({
      ...Tally,
      invitationId: Type.Integer(),
      schoolName: Type.String(),
      swvName: Type.String(),
      participation: Type.String(),
      teachers: TeacherTally,
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
      /** The parent questionnaire link (issue 20), when the round asks parents; null otherwise. */
      parentSurveyLink: Type.Union([Type.String(), Type.Null()]),
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

export const ParentView = Type.Object({
  state: Type.Union([Type.Literal('open'), Type.Literal('completed')]),
  questionnaire: Type.Unknown(),
  /** The variables the questionnaire runs with: `actor` = 'parent' and the parents' texts. */
  variables: Type.Record(Type.String(), Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
  revision: Type.Integer(),
});
export type ParentView = Static<typeof ParentView>;

const Answers = Type.Object({ data: Type.Record(Type.String(), Type.Unknown()), revision: Type.Integer({ minimum: 0 }) });
/** What a save of answers replies: the revision to send with the next one. */
const Saved = Type.Object({ revision: Type.Integer() });

/**
 * Persons invited by e-mail (teachers, professionals; server/persons/invited.ts): their page
 * shows the study and round, then their progress; their questionnaire comes with its stored
 * answers. Each role adds its own fields, in the order of its reply.
 */
const InvitedState = Type.Union([Type.Literal('consent'), Type.Literal('open'), Type.Literal('refused'), Type.Literal('completed')]);
const InvitedHeading = { studyName: Type.String(), roundName: Type.String() };
const InvitedProgress = { closesAt: Type.Union([DateTime, Type.Null()]), state: InvitedState, hasQuestionnaire: Type.Boolean() };
const InvitedSurvey = {
  state: Type.Union([Type.Literal('open'), Type.Literal('completed')]),
  questionnaire: Type.Unknown(),
  /** The variables the questionnaire runs with (`actor` = the role when it declares actor groups). */
  variables: Type.Record(Type.String(), Type.String()),
  consentQuestion: Type.String(),
  consentYes: Type.Unknown(),
  data: Type.Record(Type.String(), Type.Unknown()),
  revision: Type.Integer(),
};
const ConsentBody = Type.Object({ consent: Type.Boolean() });
const ConsentReply = Type.Object({ state: InvitedState });

export const TeacherView = Type.Object({
  schoolName: Type.String(),
  ...InvitedHeading,
  ...InvitedProgress,
  classes: Type.Array(
    Type.Object({
      classId: Type.Integer(),
      label: Type.String(),
      grade: Type.String(),
      state: Type.Union([Type.Literal('new'), Type.Literal('started'), Type.Literal('completed')]),
    }),
  ),
});
export type TeacherView = Static<typeof TeacherView>;

export const TeacherClassSurvey = Type.Object({ classLabel: Type.String(), ...InvitedSurvey });
export type TeacherClassSurvey = Static<typeof TeacherClassSurvey>;

export const ExternalScoresReport = Type.Object({
  dryRun: Type.Boolean(),
  applied: Type.Boolean(),
  lines: Type.Integer(),
  pupils: Type.Integer(),
  skipped: Type.Integer(),
  values: Type.Integer(),
  variables: Type.Array(Type.Object({ name: Type.String(), kind: Type.Union([Type.Literal('numeric'), Type.Literal('string')]) })),
  problems: Type.Array(Type.Object({ line: Type.Union([Type.Integer(), Type.Null()]), problem: Type.String() })),
  moreProblems: Type.Integer(),
});
export type ExternalScoresReport = Static<typeof ExternalScoresReport>;

/** The professional's page (/pr/<token>): the yes/no first, then the round's questionnaire once. */
export const ProfessionalView = Type.Object({ ...InvitedHeading, swvName: Type.String(), ...InvitedProgress });
export type ProfessionalView = Static<typeof ProfessionalView>;

/** One questionnaire of a person invited by e-mail with its stored answers: a professional's reply as it is. */
export const InvitedSurveyView = Type.Object(InvitedSurvey);
export type InvitedSurveyView = Static<typeof InvitedSurveyView>;
export const ProfessionalSurvey = InvitedSurveyView;
export type ProfessionalSurvey = InvitedSurveyView;

export const ProfessionalsImportReport = Type.Object({
  dryRun: Type.Boolean(),
  applied: Type.Boolean(),
  lines: Type.Integer(),
  added: Type.Integer(),
  continued: Type.Integer(),
  existing: Type.Integer(),
  problems: Type.Array(Type.Object({ line: Type.Union([Type.Integer(), Type.Null()]), problem: Type.String() })),
  moreProblems: Type.Integer(),
});
export type ProfessionalsImportReport = Static<typeof ProfessionalsImportReport>;

export const CopyPreviousReport = Type.Object({ dryRun: Type.Boolean(), copied: Type.Integer(), existing: Type.Integer(), skipped: Type.Integer() });
export type CopyPreviousReport = Static<typeof CopyPreviousReport>;

const TeacherSaved = Type.Object({ revision: Type.Integer(), allDone: Type.Boolean() });
const Html = FileReply('text/html');

export const personsApi = defineApi({
  'GET /api/persons/rounds/:id/settings': { params: IdParams, response: { 200: PersonRoundSettings } },
  'PUT /api/persons/rounds/:id/settings': {
    params: IdParams,
    body: Type.Object({
      consentMode: ConsentMode,
      roles: Type.Array(Role, { minItems: 1, maxItems: 6 }),
      previousRoundId: Type.Optional(Type.Union([Id, Type.Null()])),
      /** As in GET /api/rounds/options: a questionnaire file id or 'v<version id>'; null clears it. */
      teacherQuestionnaireId: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Null()])),
      linkedSchoolRoundId: Type.Optional(Type.Union([Id, Type.Null()])),
    }),
    response: { 200: PersonRoundSettings },
  },
  'GET /api/persons/rounds/:id/tracking': { params: IdParams, response: { 200: PersonTracking } },
  /** External scores by pupil code (multipart, one CSV or XLSX file): a dry run first, then apply. */
  'POST /api/persons/rounds/:id/external-scores': {
    params: IdParams,
    querystring: Type.Object({
      dryRun: Type.Optional(Type.Boolean()),
      /** Variables that hold text, comma-separated; every other variable must be numeric. */
      text: Type.Optional(Type.String({ maxLength: 2000 })),
    }),
    response: { 200: ExternalScoresReport },
  },
  /** Professionals (multipart, one CSV or XLSX file: e-mail, optional swv code and functie): a dry run first, then apply. */
  'POST /api/persons/rounds/:id/professionals': {
    params: IdParams,
    querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
    response: { 200: ProfessionalsImportReport },
  },
  /** A follow-up round: the previous measurement's professionals invited again, with their panel ids. */
  'POST /api/persons/rounds/:id/professionals/copy-previous': {
    params: IdParams,
    querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
    response: { 200: CopyPreviousReport },
  },
  'GET /api/persons/rounds/:id/professionals': { params: IdParams, response: { 200: ProfessionalTally } },
  /** A follow-up measurement: per role, how many of the previous one continue, completed, and are in both. */
  'GET /api/persons/rounds/:id/match-report': {
    params: IdParams,
    response: {
      200: Type.Object({
        previousRoundId: Type.Union([Type.Integer(), Type.Null()]),
        roles: Type.Array(
          Type.Object({
            role: Type.String(),
            previous: Type.Integer(),
            previousCompleted: Type.Integer(),
            continued: Type.Integer(),
            current: Type.Integer(),
            completed: Type.Integer(),
            both: Type.Integer(),
            notContinued: Type.Integer(),
            continuedNotCompleted: Type.Integer(),
          }),
        ),
      }),
    },
  },
  /** Queues the invitation of every professional not yet invited (the round must be open). */
  'POST /api/persons/rounds/:id/professionals/invite': { params: IdParams, response: { 200: Type.Object({ queued: Type.Integer() }) } },
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

  'GET /api/persons/ov/:token': { params: TokenParams, response: { 200: ClassInfo } },
  'POST /api/persons/ov/:token/start': { params: TokenParams, response: { 200: Type.Object({ session: Type.String() }) } },
  'GET /api/persons/q/:token': { params: TokenParams, response: { 200: ParentView } },
  'PUT /api/persons/q/:token/answers': { params: TokenParams, body: Answers, response: { 200: Saved } },
  'POST /api/persons/q/:token/complete': { params: TokenParams, body: Answers, response: { 200: Saved } },

  'GET /api/persons/l/:token': { params: TokenParams, response: { 200: ClassInfo } },
  'POST /api/persons/l/:token/start': {
    params: TokenParams,
    body: Type.Object({ code: Code }),
    response: { 200: Type.Object({ session: Type.String(), state: PupilState }) },
  },
  'GET /api/persons/p/:token': { params: TokenParams, response: { 200: PupilView } },
  'POST /api/persons/p/:token/assent': { params: TokenParams, body: Type.Object({ assent: Type.Boolean() }), response: { 200: Type.Object({ state: Type.String() }) } },
  'PUT /api/persons/p/:token/answers': { params: TokenParams, body: Answers, response: { 200: Saved } },
  'POST /api/persons/p/:token/complete': { params: TokenParams, body: Answers, response: { 200: Saved } },

  'GET /api/persons/t/:token': { params: TokenParams, response: { 200: TeacherView } },
  'POST /api/persons/t/:token/consent': { params: TokenParams, body: ConsentBody, response: { 200: ConsentReply } },
  'GET /api/persons/t/:token/classes/:classId': { params: ClassParams, response: { 200: TeacherClassSurvey } },
  'PUT /api/persons/t/:token/classes/:classId/answers': { params: ClassParams, body: Answers, response: { 200: TeacherSaved } },
  'POST /api/persons/t/:token/classes/:classId/complete': { params: ClassParams, body: Answers, response: { 200: TeacherSaved } },
  'GET /api/persons/pr/:token': { params: TokenParams, response: { 200: ProfessionalView } },
  'POST /api/persons/pr/:token/consent': { params: TokenParams, body: ConsentBody, response: { 200: ConsentReply } },
  'GET /api/persons/pr/:token/survey': { params: TokenParams, response: { 200: ProfessionalSurvey } },
  'PUT /api/persons/pr/:token/answers': { params: TokenParams, body: Answers, response: { 200: Saved } },
  'POST /api/persons/pr/:token/complete': { params: TokenParams, body: Answers, response: { 200: Saved } },
  /** The teacher's (and professional's) opt-out link: GET shows the page, POST (also RFC 8058 one-click) opts out. */
  'GET /api/persons/a/:token': { params: TokenParams, response: { 200: Html, 404: Html } },
  'POST /api/persons/a/:token': { params: TokenParams, response: { 200: Html, 404: Html } },
});
