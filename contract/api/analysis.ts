/** Analysis: the round's target (sample-size calculation), representativeness, and comparing questionnaires. */
import { Type, type Static } from 'typebox';
import { Nullable } from '../helpers';
import { defineApi } from '../http';
import { Id } from '../schemas';
import { SCHOOL_KINDS, SITUATIONS } from '../vocabulary';
import { QuestionnaireDiff } from './questionnaires';

const Count = Type.Integer();
const Rate = Nullable(Type.Number());

// ---- Target (server/analysis/target.ts)

export const PopulationSource = Type.Enum(['manual', 'invited']);
export type PopulationSource = Static<typeof PopulationSource>;
export const Breakdown = Type.Enum(['none', 'swv', 'situation']);
export type Breakdown = Static<typeof Breakdown>;

export const SampleSizeParams = Type.Object({ population: Type.Number(), margin: Type.Number(), confidence: Type.Number(), spread: Type.Number() });
export type SampleSizeParams = Static<typeof SampleSizeParams>;

export const SampleSizeAnswer = Type.Object({
  ...SampleSizeParams.properties,
  required: Count,
  withoutCorrection: Type.Number(),
  z: Type.Number(),
});
export type SampleSizeAnswer = Static<typeof SampleSizeAnswer>;

export const TargetGroup = Type.Object({
  key: Type.String(),
  label: Type.String(),
  swvId: Type.Optional(Id),
  situation: Type.Optional(Nullable(Type.Enum(SITUATIONS))),
  /** The group's invited schools, on which its share is based. */
  invited: Count,
  target: Count,
});
export type TargetGroup = Static<typeof TargetGroup>;

export const TargetCalculation = Type.Object({
  ...SampleSizeAnswer.properties,
  populationSource: PopulationSource,
  breakdown: Breakdown,
  groups: Type.Array(TargetGroup),
  updatedAt: Type.String(),
});
export type TargetCalculation = Static<typeof TargetCalculation>;

export const TargetView = Type.Object({
  roundId: Id,
  /** rounds.target_respondents: what the dashboard shows (also when set by hand). */
  target: Nullable(Count),
  calculation: Nullable(TargetCalculation),
  /** The round's invited schools now (for 'from invited' and to see whether they changed). */
  invited: Count,
});
export type TargetView = Static<typeof TargetView>;

// ---- Representativeness (server/analysis/representativeness*.ts)

export const DimensionKey = Type.Enum(['sector', 'province', 'denomination', 'size', 'swv', 'situation']);
export type DimensionKey = Static<typeof DimensionKey>;

/** A wave filter (server/mailings/targets.ts MailingTarget without status) that reaches one group. */
export const GroupFilter = Type.Object({
  swvIds: Type.Optional(Type.Array(Id)),
  situations: Type.Optional(Type.Array(Type.Enum(SITUATIONS))),
  sectors: Type.Optional(Type.Array(Type.Enum(SCHOOL_KINDS))),
  provinces: Type.Optional(Type.Array(Type.String())),
  denominations: Type.Optional(Type.Array(Type.String())),
});
export type GroupFilter = Static<typeof GroupFilter>;

export const CategoryCount = Type.Object({
  key: Type.String(),
  label: Type.String(),
  invited: Count,
  completed: Count,
  /** Null for a group no wave can target (an unknown value). */
  filter: Nullable(GroupFilter),
});
export type CategoryCount = Static<typeof CategoryCount>;

export const CategoryResult = Type.Object({
  ...CategoryCount.properties,
  invitedShare: Rate,
  completedShare: Rate,
  expected: Type.Number(),
  responseRate: Rate,
});
export type CategoryResult = Static<typeof CategoryResult>;

export const TestResult = Type.Object({
  statistic: Type.Number(),
  df: Type.Integer(),
  pValue: Type.Number(),
  /** Labels of the groups merged into one for the test (empty when none). */
  merged: Type.Array(Type.String()),
  groupsTested: Count,
});
export type TestResult = Static<typeof TestResult>;

export const DimensionResult = Type.Object({
  key: DimensionKey,
  title: Type.String(),
  available: Type.Boolean(),
  categories: Type.Array(CategoryResult),
  invited: Count,
  completed: Count,
  test: Nullable(TestResult),
  /** Plain Dutch: what the figures mean, or why there is no test. */
  summary: Type.String(),
  /** Plain Dutch, when categories were merged for the test. */
  mergeNote: Nullable(Type.String()),
});
export type DimensionResult = Static<typeof DimensionResult>;

export const LaggingGroup = Type.Object({
  key: Type.String(),
  /** "vo-scholen in SWV G" */
  label: Type.String(),
  /** "vo-scholen in SWV G: 3 van 40" */
  name: Type.String(),
  dimension: Type.Union([DimensionKey, Type.Literal('swv-sector')]),
  invited: Count,
  completed: Count,
  expected: Type.Number(),
  shortfall: Type.Number(),
  responseRate: Rate,
  filter: GroupFilter,
});
export type LaggingGroup = Static<typeof LaggingGroup>;

export const Representativeness = Type.Object({
  roundId: Id,
  invited: Count,
  completed: Count,
  responseRate: Rate,
  minGroupSize: Count,
  dimensions: Type.Array(DimensionResult),
  lagging: Type.Array(LaggingGroup),
});
export type Representativeness = Static<typeof Representativeness>;

const RoundParams = Type.Object({ id: Id });
const Ref = Type.String({ minLength: 3, maxLength: 120, pattern: '^(file|version):[A-Za-z0-9._-]+$' });

export const analysisApi = defineApi({
  // Ranges are checked in the handler (assertSampleSizeParams), each with its own Dutch message.
  'POST /api/analysis/sample-size': {
    body: Type.Object(
      { population: Type.Number(), margin: Type.Number(), confidence: Type.Number(), spread: Type.Optional(Type.Number()) },
      { additionalProperties: false },
    ),
    response: { 200: SampleSizeAnswer },
  },
  'GET /api/analysis/rounds/:id/target': { params: RoundParams, response: { 200: TargetView } },
  'PUT /api/analysis/rounds/:id/target': {
    params: RoundParams,
    body: Type.Object(
      {
        populationSource: PopulationSource,
        population: Type.Optional(Type.Number()),
        margin: Type.Number(),
        confidence: Type.Number(),
        spread: Type.Optional(Type.Number()),
        breakdown: Type.Optional(Breakdown),
      },
      { additionalProperties: false },
    ),
    response: { 200: Type.Object({ roundId: Id, target: Count, calculation: TargetCalculation }) },
  },
  'GET /api/analysis/rounds/:id/representativeness': { params: RoundParams, response: { 200: Representativeness } },
  'GET /api/analysis/compare/sources': {
    response: { 200: Type.Object({ sources: Type.Array(Type.Object({ ref: Type.String(), label: Type.String() })) }) },
  },
  'GET /api/analysis/compare': {
    querystring: Type.Object({ from: Ref, to: Ref }),
    response: { 200: Type.Object({ from: Type.String(), to: Type.String(), diff: QuestionnaireDiff }) },
  },
});
