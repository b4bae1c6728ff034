/** Questionnaire files (read-only), their preview as a school sees it, and the comparison of two versions. */
import { Type, type Static } from 'typebox';
import { Dict, Nullable } from '../helpers';
import { defineApi } from '../http';
import { SITUATIONS } from '../vocabulary';

const FileId = Type.String({ pattern: '^[a-z][a-z0-9-]*[a-z0-9]$', maxLength: 100 });
/** A SurveyJS questionnaire as JSON. */
export const QuestionnaireJson = Dict(Type.Unknown());

export const QuestionnaireMeta = Type.Object({
  key: Type.String(),
  version: Type.String(),
  variables: Type.Array(Type.String()),
  consent: Type.Object({ question: Type.String(), yes: Type.String(), no: Type.String() }),
  branch: Nullable(Type.Object({ question: Type.String(), values: Type.Array(Type.String()) })),
});

export const LintIssue = Type.Object({ rule: Type.String(), where: Type.String(), message: Type.String() });
export type LintIssue = Static<typeof LintIssue>;

export const QuestionnaireListItem = Type.Object({
  id: Type.String(),
  key: Nullable(Type.String()),
  version: Nullable(Type.String()),
  title: Type.String(),
  sha256: Type.String(),
  problems: Type.Integer(),
});
export type QuestionnaireListItem = Static<typeof QuestionnaireListItem>;

// ---- The comparison of two questionnaires (server/questionnaires/questionnaire-diff.ts)

const Option = Type.Object({ value: Type.String(), text: Type.String() });

export const QuestionShape = Type.Object({
  name: Type.String(),
  type: Type.String(),
  title: Type.String(),
  page: Type.String(),
  choices: Type.Array(Option),
  rows: Type.Array(Option),
  columns: Type.Array(Option),
  conditions: Dict(Type.String()),
  required: Type.Optional(Type.Boolean()),
});
export type QuestionShape = Static<typeof QuestionShape>;

/** same: identical; comparable: only wording or routing changed; partly: options differ; not: type or scale changed. */
export const Comparability = Type.Enum(['same', 'comparable', 'partly', 'not']);
export type Comparability = Static<typeof Comparability>;

export const QuestionChange = Type.Object({
  name: Type.String(),
  title: Type.String(),
  changes: Type.Array(Type.String()),
  comparability: Comparability,
});
export type QuestionChange = Static<typeof QuestionChange>;

export const QuestionnaireDiff = Type.Object({
  added: Type.Array(QuestionShape),
  removed: Type.Array(QuestionShape),
  changed: Type.Array(QuestionChange),
  unchanged: Type.Array(Type.String()),
  /** Variables that can be compared across the two versions (same and comparable). */
  comparable: Type.Array(Type.String()),
});
export type QuestionnaireDiff = Static<typeof QuestionnaireDiff>;

export const questionnairesApi = defineApi({
  'GET /api/questionnaires': { response: { 200: Type.Array(QuestionnaireListItem) } },
  'GET /api/questionnaires/:id': {
    params: Type.Object({ id: FileId }),
    response: {
      200: Type.Object({
        id: Type.String(),
        title: Type.String(),
        sha256: Type.String(),
        meta: Nullable(QuestionnaireMeta),
        content: Nullable(QuestionnaireJson),
        issues: Type.Array(LintIssue),
      }),
    },
  },
  /** The questionnaire as a school in a situation and sector sees it; stores nothing. */
  'GET /api/preview/:questionnaireId': {
    params: Type.Object({ questionnaireId: FileId }),
    querystring: Type.Object({
      situation: Type.Optional(Type.Enum(['', ...SITUATIONS])),
      sector: Type.Optional(Type.Union([Type.Literal(''), Type.Literal('po'), Type.Literal('vo')])),
    }),
    response: { 200: Type.Object({ questionnaire: QuestionnaireJson, variables: Dict(Type.String()) }) },
  },
});
