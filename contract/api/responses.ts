/**
 * The respondent API (docs/respondent-api.md): what the page at /s/<token> reads and writes.
 * The respondent bundle imports this file as types only.
 */
import { Type, type Static } from 'typebox';
import { Dict, Nullable } from '../helpers';
import { defineApi } from '../http';

// Not a pattern: a malformed token must get the same 404 as an unknown one, not a 400.
const TokenParams = Type.Object({ token: Type.String() });

export const Answers = Dict(Type.Unknown());
export type Answers = Static<typeof Answers>;

const AnswersBody = Type.Object({
  data: Type.Record(Type.String(), Type.Unknown(), { maxProperties: 2000 }),
  currentPage: Type.Integer({ minimum: 0, maximum: 10_000 }),
  revision: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
});

export const SurveyState = Type.Enum(['consent', 'refused', 'open', 'completed']);
export type SurveyState = Static<typeof SurveyState>;

/** The `Survey` of docs/respondent-api.md. */
export const SurveyPayload = Type.Object({
  state: SurveyState,
  study: Type.Object({ name: Type.String() }),
  round: Type.Object({ name: Type.String(), closesAt: Nullable(Type.String()) }),
  school: Type.Object({ name: Type.String() }),
  questionnaire: Dict(Type.Unknown()),
  variables: Dict(Type.String()),
  consent: Type.Object({ question: Type.String(), yes: Type.String(), no: Type.String() }),
  data: Answers,
  currentPage: Type.Integer(),
  revision: Type.Integer(),
  completedAt: Nullable(Type.String()),
});
export type SurveyPayload = Static<typeof SurveyPayload>;

/**
 * The answer to consent and completion: the `Survey` without the questionnaire, which the page
 * already has from `GET /api/s/:token` and which does not change while a round is open (a
 * round's version is pinned). Sending it again cost the server most of these answers (issue 21).
 */
export const SurveyChange = Type.Omit(SurveyPayload, ['questionnaire']);
export type SurveyChange = Static<typeof SurveyChange>;

export const NotOpen = Type.Object({ state: Type.Literal('not_open'), study: Type.Object({ name: Type.String() }), opensAt: Nullable(Type.String()) });
export type NotOpen = Static<typeof NotOpen>;

/** 404 of every link that does not (or no longer) lead to a questionnaire. */
export const Closed = Type.Object({ state: Type.Literal('closed'), message: Type.String() });

export const Saved = Type.Object({ revision: Type.Integer(), savedAt: Type.String() });
export type Saved = Static<typeof Saved>;

/** 409: someone saved in between; the newest answers come back. */
export const Stale = Type.Object({ error: Type.Literal('stale'), message: Type.String(), data: Answers, currentPage: Type.Integer(), revision: Type.Integer() });
export type Stale = Static<typeof Stale>;

export const QuestionError = Type.Object({ question: Nullable(Type.String()), message: Type.String() });
export type QuestionError = Static<typeof QuestionError>;

/**
 * Every refusal of a respondent route: `error` and a Dutch `message`, with the answers' problems
 * (400, 422), the newest answers (409 stale) or the input's problems (400 from validation).
 */
export const Refusal = Type.Object({
  error: Type.String(),
  message: Type.String(),
  errors: Type.Optional(Type.Array(QuestionError)),
  data: Type.Optional(Answers),
  currentPage: Type.Optional(Type.Integer()),
  revision: Type.Optional(Type.Integer()),
  details: Type.Optional(Type.Unknown()),
});
export type Refusal = Static<typeof Refusal>;

const refusals = { 400: Refusal, 403: Refusal, 404: Closed, 409: Refusal, 422: Refusal };

export const responsesApi = defineApi({
  'GET /api/s/:token': { params: TokenParams, response: { 200: Type.Union([SurveyPayload, NotOpen]), 404: Closed } },
  'POST /api/s/:token/consent': { params: TokenParams, body: Type.Object({ answer: Type.String({ maxLength: 200 }) }), response: { 200: SurveyChange, ...refusals } },
  'PUT /api/s/:token/answers': { params: TokenParams, body: AnswersBody, response: { 200: Saved, ...refusals } },
  'POST /api/s/:token/complete': { params: TokenParams, body: AnswersBody, response: { 200: SurveyChange, ...refusals } },
});
