import { Type, type Static } from 'typebox';
import { defineApi } from '../http';

/**
 * Questionnaire versions that researchers bring themselves (issue 27): list, check (lint, diff,
 * hostile content; the routing check as a background job the client polls), save (immutable,
 * audited), preview variables and the printable questionnaire. A version is referred to by `ref`:
 * a built-in file's id ('image-samenwerking-2023') or a stored version's `v<id>`.
 */

const Ref = Type.String({ pattern: '^(v[1-9][0-9]{0,9}|[a-z][a-z0-9.-]*[a-z0-9])$', maxLength: 120 });
const RefParams = Type.Object({ ref: Ref });
const Situation = Type.Union([Type.Literal('po-ko'), Type.Literal('po-vo'), Type.Literal('po-po'), Type.Literal('vo-vo'), Type.Literal('vso-vo'), Type.Literal('ow-jh')]);
/** The questionnaire as text: the server checks size (1 MiB) and nesting itself, with a Dutch message. */
const QuestionnaireText = Type.String({ maxLength: 2 * 1024 * 1024 });

export const VersionEntry = Type.Object({
  ref: Type.String(),
  key: Type.Union([Type.String(), Type.Null()]),
  version: Type.Union([Type.String(), Type.Null()]),
  title: Type.String(),
  sha256: Type.String(),
  source: Type.Union([Type.Literal('file'), Type.Literal('upload')]),
  createdAt: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  basedOn: Type.Union([Type.String(), Type.Null()]),
  problems: Type.Integer(),
});
export type VersionEntry = Static<typeof VersionEntry>;

export const Problem = Type.Object({
  rule: Type.String(),
  where: Type.String(),
  message: Type.String(),
  detail: Type.Optional(Type.String()),
});
export type Problem = Static<typeof Problem>;

const Named = Type.Object({ name: Type.String(), title: Type.String() });
export const DiffSummary = Type.Object({
  previous: Type.Object({ ref: Type.String(), title: Type.String(), version: Type.String() }),
  added: Type.Array(Named),
  removed: Type.Array(Named),
  changed: Type.Array(Type.Object({ name: Type.String(), title: Type.String(), changes: Type.Array(Type.String()), comparability: Type.String() })),
  unchanged: Type.Integer(),
  comparable: Type.Array(Type.String()),
  notComparable: Type.Array(Type.String()),
});
export type DiffSummary = Static<typeof DiffSummary>;

export const RoutingCheck = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('passed'), Type.Literal('failed'), Type.Literal('error')]),
  done: Type.Integer(),
  total: Type.Integer(),
  message: Type.String(),
  failure: Type.Union([Type.String(), Type.Null()]),
});
export type RoutingCheck = Static<typeof RoutingCheck>;

export const CheckReply = Type.Object({
  ok: Type.Boolean(),
  problems: Type.Array(Problem),
  key: Type.Union([Type.String(), Type.Null()]),
  version: Type.Union([Type.String(), Type.Null()]),
  title: Type.String(),
  sha256: Type.String(),
  diff: Type.Union([DiffSummary, Type.Null()]),
  diffNote: Type.Union([Type.String(), Type.Null()]),
  /** Null when the candidate is refused before the routing can be checked. */
  routingCheck: Type.Union([RoutingCheck, Type.Null()]),
  /** For the preview: the branch question and its values (meetronde.branch), and the consent. */
  branch: Type.Union([Type.Object({ question: Type.String(), values: Type.Array(Type.String()) }), Type.Null()]),
  consent: Type.Union([Type.Object({ question: Type.String(), yes: Type.String() }), Type.Null()]),
  usesSituation: Type.Boolean(),
});
export type CheckReply = Static<typeof CheckReply>;

const PrintItem = Type.Object({ value: Type.String(), text: Type.String() });
export const PrintModel = Type.Object({
  title: Type.String(),
  key: Type.String(),
  version: Type.String(),
  situation: Type.Union([Type.String(), Type.Null()]),
  variables: Type.Record(Type.String(), Type.String()),
  pages: Type.Array(
    Type.Object({
      name: Type.String(),
      title: Type.String(),
      description: Type.String(),
      shownTo: Type.String(),
      elements: Type.Array(
        Type.Object({
          kind: Type.Union([Type.Literal('question'), Type.Literal('html')]),
          name: Type.String(),
          number: Type.Union([Type.Integer(), Type.Null()]),
          type: Type.String(),
          typeLabel: Type.String(),
          title: Type.String(),
          description: Type.String(),
          required: Type.Boolean(),
          choices: Type.Array(PrintItem),
          rows: Type.Array(PrintItem),
          columns: Type.Array(PrintItem),
          other: Type.Union([Type.String(), Type.Null()]),
          none: Type.Union([Type.String(), Type.Null()]),
          shownTo: Type.String(),
        }),
      ),
    }),
  ),
});
export type PrintModel = Static<typeof PrintModel>;

export const questionnairesAuthoringApi = defineApi({
  'GET /api/questionnaire-versions': { response: { 200: Type.Object({ versions: Type.Array(VersionEntry) }) } },
  'GET /api/questionnaire-versions/variables': {
    querystring: Type.Object({
      situation: Type.Optional(Situation),
      sector: Type.Optional(Type.Union([Type.Literal('po'), Type.Literal('vo')])),
      schoolKind: Type.Optional(Type.Union([Type.Literal('po'), Type.Literal('sbo'), Type.Literal('so'), Type.Literal('vso'), Type.Literal('vo')])),
    }),
    response: { 200: Type.Object({ variables: Type.Record(Type.String(), Type.String()) }) },
  },
  'GET /api/questionnaire-versions/:ref': {
    params: RefParams,
    response: {
      200: Type.Object({
        ref: Type.String(),
        key: Type.String(),
        version: Type.String(),
        title: Type.String(),
        /** The questionnaire JSON, formatted, for the editor. */
        text: Type.String(),
      }),
    },
  },
  'POST /api/questionnaire-versions/check': {
    body: Type.Object({ text: QuestionnaireText }),
    response: { 200: CheckReply },
  },
  'GET /api/questionnaire-versions/checks/:id': {
    params: Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }),
    response: { 200: RoutingCheck },
  },
  'POST /api/questionnaire-versions': {
    body: Type.Object({ text: QuestionnaireText, routingCheck: Type.String({ maxLength: 36 }), basedOn: Type.Optional(Type.Union([Ref, Type.Null()])) }),
    response: { 201: Type.Object({ ref: Type.String(), key: Type.String(), version: Type.String(), sha256: Type.String() }) },
  },
  'GET /api/questionnaire-versions/:ref/print': {
    params: RefParams,
    querystring: Type.Object({ situation: Type.Optional(Situation) }),
    response: { 200: PrintModel },
  },
});
