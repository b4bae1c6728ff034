/**
 * The shapes the tracking API sends (JSON, dates as ISO strings) are defined once, as schemas, in
 * contract/api/tracking.ts; the server's modules take their types from there through this file.
 */
export type {
  DashboardSnapshot,
  Funnel,
  PreviousSwvFigures,
  RoundInfo,
  RoundListItem,
  SectorBlock,
  SectorRow,
  SectorSubtotal,
  SectorTable,
  SituationRow,
  SituationTable,
  SwvLinkInfo,
  SwvRow,
  SwvViewSnapshot,
  Timeline,
  TimelineMailing,
} from '../../contract/api/tracking';
export type { SchoolState, Situation, SwvSector } from '../../contract/vocabulary';
