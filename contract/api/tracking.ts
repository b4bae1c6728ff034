/**
 * Tracking: the researchers' dashboard (JSON, CSV, live over SSE), the round's target, and the SWV
 * view links and the SWV view itself (no account; the token is the key).
 */
import { Type, type Static } from 'typebox';
import { Dict, Nullable } from '../helpers';
import { defineApi } from '../http';
import { FileReply, Id } from '../schemas';
import { ROUND_STATUSES, SCHOOL_STATES, SITUATIONS, SWV_SECTORS } from '../vocabulary';

const Situation = Type.Enum(SITUATIONS);
const SwvSector = Type.Enum(SWV_SECTORS);
const RoundStatus = Type.Enum(ROUND_STATUSES);
const Count = Type.Integer();
const Rate = Nullable(Type.Number());
const IsoTime = Type.String();
const NullableTime = Nullable(IsoTime);

/** What the dashboard and the round list both say of a round. */
const RoundHeading = {
  id: Id,
  name: Type.String(),
  studyName: Type.String(),
  status: RoundStatus,
  opensAt: NullableTime,
  closesAt: NullableTime,
  /** Target number of respondents; null when none is set. */
  target: Nullable(Count),
};

export const RoundInfo = Type.Object({
  ...RoundHeading,
  previousRound: Nullable(Type.Object({ id: Id, name: Type.String() })),
});
export type RoundInfo = Static<typeof RoundInfo>;

/** The steps from the invitation mail to the consent question, as the funnel and each SWV row count them. */
const MailSteps = {
  invited: Count,
  /** invited and not bounced. */
  reached: Count,
  delivered: Count,
  bounced: Count,
  optedOut: Count,
  opened: Count,
  refused: Count,
};

/** invited, reached, bounced, completed and responseRate: see server/tracking/definitions.ts. */
export const Funnel = Type.Object({
  notYetSent: Count,
  ...MailSteps,
  started: Count,
  inProgress: Count,
  completed: Count,
  excluded: Count,
  /** Schools whose data was erased on request; counted as invited, nowhere else. */
  erased: Count,
  /** completed ÷ invited; null before anyone was invited. */
  responseRate: Rate,
  /** completed ÷ target; null without a target. */
  targetProgress: Rate,
});
export type Funnel = Static<typeof Funnel>;

/** Completions per day (YYYY-MM-DD). */
const Days = Dict(Count);

export const PreviousSwvFigures = Type.Object({
  invited: Count,
  completed: Count,
  responseRate: Rate,
  /** Completions per day of the earlier round (YYYY-MM-DD). */
  days: Days,
});
export type PreviousSwvFigures = Static<typeof PreviousSwvFigures>;

export const SwvRow = Type.Object({
  swvId: Id,
  code: Type.String(),
  name: Type.String(),
  sector: SwvSector,
  situation: Nullable(Situation),
  situationLabel: Type.String(),
  regionLetter: Nullable(Type.String()),
  /** Assigned to the round; false for invitations of an SWV that is not (any more). */
  assigned: Type.Boolean(),
  ...MailSteps,
  inProgress: Count,
  completed: Count,
  responseRate: Rate,
  lastActivityAt: NullableTime,
  days: Days,
  /** The same SWV in the round's previous round, if it took part. */
  previous: Nullable(PreviousSwvFigures),
});
export type SwvRow = Static<typeof SwvRow>;

/** One row of Tabel 3: completed responses per situation and branch (mate van samenwerking). */
export const SituationRow = Type.Object({
  situation: Nullable(Situation),
  label: Type.String(),
  wel: Count,
  plannen: Count,
  geen: Count,
  /** Completed responses without one of the three branches. */
  other: Count,
  total: Count,
});
export type SituationRow = Static<typeof SituationRow>;

export const SituationTable = Type.Object({ rows: Type.Array(SituationRow), total: SituationRow });
export type SituationTable = Static<typeof SituationTable>;

/** Tabel B1: completed responses per SWV (letter) and sector, per situation, this round and the previous. */
export const SectorRow = Type.Object({
  swvId: Id,
  regionLetter: Nullable(Type.String()),
  code: Type.String(),
  name: Type.String(),
  sector: SwvSector,
  completed: Count,
  /** null when the SWV did not take part in the previous round ("-" in the report). */
  previousCompleted: Nullable(Count),
});
export type SectorRow = Static<typeof SectorRow>;

export const SectorSubtotal = Type.Object({ completed: Count, previousCompleted: Nullable(Count) });
export type SectorSubtotal = Static<typeof SectorSubtotal>;

export const SectorBlock = Type.Object({
  situation: Nullable(Situation),
  label: Type.String(),
  rows: Type.Array(SectorRow),
  subtotal: SectorSubtotal,
});
export type SectorBlock = Static<typeof SectorBlock>;

export const SectorTable = Type.Object({
  blocks: Type.Array(SectorBlock),
  total: SectorSubtotal,
  bySector: Type.Object({ po: SectorSubtotal, vo: SectorSubtotal }),
});
export type SectorTable = Static<typeof SectorTable>;

export const TimelineMailing = Type.Object({
  id: Id,
  kind: Type.Enum(['invitation', 'reminder']),
  status: Type.Enum(['scheduled', 'sending', 'sent', 'cancelled']),
  at: IsoTime,
  /** Amsterdam calendar day of `at`. */
  date: Type.String(),
});
export type TimelineMailing = Static<typeof TimelineMailing>;

const Day = Type.Object({ date: Type.String(), completed: Count, cumulative: Count });

export const Timeline = Type.Object({
  /** Every calendar day from the round's start to today (or its close), with completions. */
  days: Type.Array(Day),
  /** Completions without a completion time (should not happen; shown so totals add up). */
  undated: Count,
  mailings: Type.Array(TimelineMailing),
  /** First day of the round (opening, else first mailing, else first completion). */
  start: Nullable(Type.String()),
  /** First day of the previous round, to line SWVs up by "day N of the round". */
  previousStart: Nullable(Type.String()),
});
export type Timeline = Static<typeof Timeline>;

export const DashboardSnapshot = Type.Object({
  round: RoundInfo,
  funnel: Funnel,
  swvs: Type.Array(SwvRow),
  situations: SituationTable,
  sectors: SectorTable,
  timeline: Timeline,
});
export type DashboardSnapshot = Static<typeof DashboardSnapshot>;

export const RoundListItem = Type.Object({
  ...RoundHeading,
  invited: Count,
  completed: Count,
  responseRate: Rate,
});
export type RoundListItem = Static<typeof RoundListItem>;

/** What an SWV's project leader sees through a read-only link: its own schools, no answers. */
export const SwvViewSnapshot = Type.Object(
  {
    round: Type.Object({ name: Type.String(), studyName: Type.String(), status: RoundStatus, opensAt: NullableTime, closesAt: NullableTime }),
    swv: Type.Object({ code: Type.String(), name: Type.String(), sector: SwvSector, situationLabel: Type.String(), regionLetter: Nullable(Type.String()) }),
    totals: Type.Object({ invited: Count, bounced: Count, started: Count, completed: Count, declined: Count, responseRate: Rate }),
    schools: Type.Array(Type.Object({ name: Type.String(), locationCode: Type.String(), city: Nullable(Type.String()), state: Type.Enum(SCHOOL_STATES) })),
    timeline: Type.Object({
      days: Type.Array(Day),
      previous: Nullable(Type.Object({ roundName: Type.String(), completed: Count, invited: Count })),
    }),
  },
  { additionalProperties: false },
);
export type SwvViewSnapshot = Static<typeof SwvViewSnapshot>;

export const SwvLinkInfo = Type.Object({
  id: Id,
  swvId: Id,
  swvCode: Type.String(),
  swvName: Type.String(),
  label: Nullable(Type.String()),
  createdAt: IsoTime,
  revokedAt: NullableTime,
  lastUsedAt: NullableTime,
});
export type SwvLinkInfo = Static<typeof SwvLinkInfo>;

const RoundParams = Type.Object({ roundId: Id });
const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
const TargetReply = Type.Object({ target: Nullable(Count) });

export const trackingApi = defineApi({
  'GET /api/tracking/rounds': { response: { 200: Type.Object({ rounds: Type.Array(RoundListItem) }) } },
  'GET /api/tracking/rounds/:roundId': { params: RoundParams, response: { 200: DashboardSnapshot } },
  /** Server-sent events: `snapshot` with a DashboardSnapshot, `gone` when the round is. */
  'GET /api/tracking/rounds/:roundId/events': { params: RoundParams, response: { 200: FileReply('text/event-stream') } },
  'GET /api/tracking/rounds/:roundId/swvs.csv': { params: RoundParams, response: { 200: FileReply('text/csv') } },
  'PUT /api/tracking/rounds/:roundId/target': {
    params: RoundParams,
    body: Type.Object({ target: Type.Integer({ minimum: 1, maximum: 10_000_000 }) }, { additionalProperties: false }),
    response: { 200: TargetReply },
  },
  'DELETE /api/tracking/rounds/:roundId/target': { params: RoundParams, response: { 200: TargetReply } },
  'GET /api/tracking/rounds/:roundId/swv-links': { params: RoundParams, response: { 200: Type.Object({ links: Type.Array(SwvLinkInfo) }) } },
  'POST /api/tracking/rounds/:roundId/swv-links': {
    params: RoundParams,
    body: Type.Object({ swvId: Id, label: Type.Optional(Nullable(Type.String({ maxLength: 200 }))) }, { additionalProperties: false }),
    response: { 200: Type.Object({ id: Id, url: Type.String() }) },
  },
  'POST /api/tracking/swv-links/:linkId/revoke': { params: Type.Object({ linkId: Id }), response: { 200: Type.Object({ revoked: Type.Boolean() }) } },
  'GET /api/v/:token': { params: TokenParams, response: { 200: SwvViewSnapshot } },
  /** Server-sent events: `snapshot` with a SwvViewSnapshot, `gone` when the link is. */
  'GET /api/v/:token/events': { params: TokenParams, response: { 200: FileReply('text/event-stream') } },
});
