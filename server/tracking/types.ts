/**
 * The shapes the tracking API sends (JSON, dates as ISO strings). The admin app and the SWV
 * view import these as types only.
 */
import type { MailingKind, MailingStatus, RoundStatus, Situation, SwvSector } from '../db/types';

export type { Situation, SwvSector };

export interface RoundInfo {
  id: number;
  name: string;
  studyName: string;
  status: RoundStatus;
  opensAt: string | null;
  closesAt: string | null;
  /** Target number of respondents; null when none is set. */
  target: number | null;
  previousRound: { id: number; name: string } | null;
}

/** invited, reached, bounced, completed and responseRate: see server/tracking/definitions.ts. */
export interface Funnel {
  notYetSent: number;
  invited: number;
  /** invited and not bounced. */
  reached: number;
  delivered: number;
  bounced: number;
  optedOut: number;
  opened: number;
  refused: number;
  started: number;
  inProgress: number;
  completed: number;
  excluded: number;
  /** Schools whose data was erased on request; counted as invited, nowhere else. */
  erased: number;
  /** completed ÷ invited; null before anyone was invited. */
  responseRate: number | null;
  /** completed ÷ target; null without a target. */
  targetProgress: number | null;
}

export interface PreviousSwvFigures {
  invited: number;
  completed: number;
  responseRate: number | null;
  /** Completions per day of the earlier round (YYYY-MM-DD). */
  days: Record<string, number>;
}

export interface SwvRow {
  swvId: number;
  code: string;
  name: string;
  sector: SwvSector;
  situation: Situation | null;
  situationLabel: string;
  regionLetter: string | null;
  /** Assigned to the round; false for invitations of an SWV that is not (any more). */
  assigned: boolean;
  invited: number;
  reached: number;
  delivered: number;
  bounced: number;
  optedOut: number;
  opened: number;
  refused: number;
  inProgress: number;
  completed: number;
  responseRate: number | null;
  lastActivityAt: string | null;
  /** Completions per day (YYYY-MM-DD). */
  days: Record<string, number>;
  /** The same SWV in the round's previous round, if it took part. */
  previous: PreviousSwvFigures | null;
}

/** One row of Tabel 3: completed responses per situation and branch (mate van samenwerking). */
export interface SituationRow {
  situation: Situation | null;
  label: string;
  wel: number;
  plannen: number;
  geen: number;
  /** Completed responses without one of the three branches. */
  other: number;
  total: number;
}

export interface SituationTable {
  rows: SituationRow[];
  total: SituationRow;
}

/** Tabel B1: completed responses per SWV (letter) and sector, per situation, this round and the previous. */
export interface SectorRow {
  swvId: number;
  regionLetter: string | null;
  code: string;
  name: string;
  sector: SwvSector;
  completed: number;
  /** null when the SWV did not take part in the previous round ("-" in the report). */
  previousCompleted: number | null;
}

export interface SectorSubtotal {
  completed: number;
  previousCompleted: number | null;
}

export interface SectorBlock {
  situation: Situation | null;
  label: string;
  rows: SectorRow[];
  subtotal: SectorSubtotal;
}

export interface SectorTable {
  blocks: SectorBlock[];
  total: SectorSubtotal;
  bySector: Record<SwvSector, SectorSubtotal>;
}

export interface TimelineMailing {
  id: number;
  kind: MailingKind;
  status: MailingStatus;
  at: string;
  /** Amsterdam calendar day of `at`. */
  date: string;
}

export interface Timeline {
  /** Every calendar day from the round's start to today (or its close), with completions. */
  days: Array<{ date: string; completed: number; cumulative: number }>;
  /** Completions without a completion time (should not happen; shown so totals add up). */
  undated: number;
  mailings: TimelineMailing[];
  /** First day of the round (opening, else first mailing, else first completion). */
  start: string | null;
  /** First day of the previous round, to line SWVs up by "day N of the round". */
  previousStart: string | null;
}

export interface DashboardSnapshot {
  round: RoundInfo;
  funnel: Funnel;
  swvs: SwvRow[];
  situations: SituationTable;
  sectors: SectorTable;
  timeline: Timeline;
}

export interface RoundListItem {
  id: number;
  name: string;
  studyName: string;
  status: RoundStatus;
  opensAt: string | null;
  closesAt: string | null;
  target: number | null;
  invited: number;
  completed: number;
  responseRate: number | null;
}

/** What an SWV's project leader sees through a read-only link: its own schools, no answers. */
export type SchoolState = 'not_invited' | 'invited' | 'unreachable' | 'started' | 'completed' | 'declined';

export interface SwvViewSnapshot {
  round: { name: string; studyName: string; status: RoundStatus; opensAt: string | null; closesAt: string | null };
  swv: { code: string; name: string; sector: SwvSector; situationLabel: string; regionLetter: string | null };
  totals: { invited: number; bounced: number; started: number; completed: number; declined: number; responseRate: number | null };
  schools: Array<{ name: string; locationCode: string; city: string | null; state: SchoolState }>;
  timeline: { days: Array<{ date: string; completed: number; cumulative: number }>; previous: { roundName: string; completed: number; invited: number } | null };
}

export interface SwvLinkInfo {
  id: number;
  swvId: number;
  swvCode: string;
  swvName: string;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
