import { sql, type Kysely } from 'kysely';
import type { DB, RoundStatus, Situation, SwvSector } from '../db/types';
import { loadCounts } from './counts';
import { amsterdamDate, isDateKey } from '../time';
import { dailySeries } from './timeline';
import { BRANCHES, NO_SITUATION_LABEL as UNKNOWN_SITUATION_LABEL, SECTOR_BLOCKS, SITUATIONS, situationLabel } from '../../contract/vocabulary';
import { addInvitations, countsOf, decodeInvitationKey, emptyTally, responseRate, sumTallies, tallyBySwv, type Tally } from './tally';
import type {
  DashboardSnapshot,
  Funnel,
  RoundInfo,
  RoundListItem,
  SectorBlock,
  SectorRow,
  SectorSubtotal,
  SectorTable,
  SituationRow,
  SituationTable,
  SwvRow,
  Timeline,
  TimelineMailing,
} from '../../contract/api/tracking';

/** A round's dashboard: every aggregate, computed from the summary in a handful of small queries. */

/** What the dashboard and the list of rounds both say about a round. */
function roundHeadline(row: {
  id: number;
  name: string;
  study_name: string;
  status: RoundStatus;
  opens_at: Date | null;
  closes_at: Date | null;
  target_respondents: number | null;
}) {
  return {
    id: row.id,
    name: row.name,
    studyName: row.study_name,
    status: row.status,
    opensAt: row.opens_at?.toISOString() ?? null,
    closesAt: row.closes_at?.toISOString() ?? null,
    target: row.target_respondents,
  };
}

export async function loadRoundInfo(db: Kysely<DB>, roundId: number): Promise<RoundInfo | null> {
  const row = await db
    .selectFrom('rounds as r')
    .innerJoin('studies as s', 's.id', 'r.study_id')
    .leftJoin('rounds as p', 'p.id', 'r.previous_round_id')
    .select([
      'r.id',
      'r.name',
      'r.status',
      'r.opens_at',
      'r.closes_at',
      'r.target_respondents',
      's.name as study_name',
      'p.id as previous_id',
      'p.name as previous_name',
    ])
    .where('r.id', '=', roundId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    ...roundHeadline(row),
    previousRound: row.previous_id !== null && row.previous_name !== null ? { id: row.previous_id, name: row.previous_name } : null,
  };
}

interface SwvMeta {
  swvId: number;
  code: string;
  name: string;
  sector: SwvSector;
  situation: Situation | null;
  regionLetter: string | null;
  /** Assigned to the round (round_swvs); its situation may still be null (no samenwerkingssituatie). */
  assigned: boolean;
}

async function loadAssignedSwvs(db: Kysely<DB>, roundId: number): Promise<SwvMeta[]> {
  const assigned = await db
    .selectFrom('round_swvs as rs')
    .innerJoin('swvs as s', 's.id', 'rs.swv_id')
    .select(['s.id', 's.code', 's.name', 's.sector', 'rs.situation', 'rs.region_letter'])
    .where('rs.round_id', '=', roundId)
    .execute();
  return assigned.map((r) => ({
    swvId: r.id,
    code: r.code,
    name: r.name,
    sector: r.sector,
    situation: r.situation,
    regionLetter: r.region_letter,
    assigned: true,
  }));
}

/** Any SWV that has invitations in the round without being assigned to it is listed too. */
async function addUnassignedSwvs(db: Kysely<DB>, metas: SwvMeta[], swvIds: number[]): Promise<SwvMeta[]> {
  const known = new Set(metas.map((m) => m.swvId));
  const missing = swvIds.filter((id) => !known.has(id));
  if (missing.length === 0) return metas;
  const rows = await db.selectFrom('swvs').select(['id', 'code', 'name', 'sector']).where('id', 'in', missing).execute();
  return [...metas, ...rows.map((r) => ({ swvId: r.id, code: r.code, name: r.name, sector: r.sector, situation: null, regionLetter: null, assigned: false }))];
}

/** Latest activity per SWV: one index probe each (invitations_round_swv_activity_idx). */
export async function loadLastActivity(db: Kysely<DB>, roundId: number, swvIds: number[]): Promise<Map<number, Date>> {
  if (swvIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('swvs as s')
    .select((eb) => [
      's.id',
      eb
        .selectFrom('invitations as i')
        .select((e) => e.fn.max('i.last_activity_at').as('m'))
        .whereRef('i.swv_id', '=', 's.id')
        .where('i.round_id', '=', roundId)
        .where('i.excluded_at', 'is', null)
        .as('last_activity_at'),
    ])
    .where('s.id', 'in', swvIds)
    .execute();
  const out = new Map<number, Date>();
  for (const r of rows) if (r.last_activity_at) out.set(r.id, new Date(r.last_activity_at));
  return out;
}

async function loadMailings(db: Kysely<DB>, roundId: number): Promise<TimelineMailing[]> {
  const rows = await db
    .selectFrom('mailings')
    .select(['id', 'kind', 'status', 'due_at', 'started_at'])
    .where('round_id', '=', roundId)
    .where('status', '<>', 'cancelled')
    .execute();
  return rows
    .map((r) => {
      const at = r.started_at ?? r.due_at;
      return { id: r.id, kind: r.kind, status: r.status, at: at.toISOString(), date: amsterdamDate(at) };
    })
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id));
}

function funnelOf(total: Tally, target: number | null): Funnel {
  return {
    ...countsOf(total),
    responseRate: responseRate(total.completed, total.invited),
    targetProgress: target && target > 0 ? total.completed / target : null,
  };
}

function situationRow(situation: Situation | null, label: string, branches: Record<string, number>): SituationRow {
  const row: SituationRow = { situation, label, wel: 0, plannen: 0, geen: 0, other: 0, total: 0 };
  for (const [branch, n] of Object.entries(branches)) {
    if ((BRANCHES as readonly string[]).includes(branch)) row[branch as (typeof BRANCHES)[number]] += n;
    else row.other += n;
    row.total += n;
  }
  return row;
}

/** Tabel 3: per situation, completed responses by branch. */
export function situationTable(swvs: SwvMeta[], tallies: Map<number, Tally>): SituationTable {
  const bySituation = new Map<Situation | null, Record<string, number>>();
  for (const meta of swvs) {
    const tally = tallies.get(meta.swvId);
    if (!tally) continue;
    const acc = bySituation.get(meta.situation) ?? {};
    for (const [k, n] of Object.entries(tally.branches)) acc[k] = (acc[k] ?? 0) + n;
    bySituation.set(meta.situation, acc);
  }
  // A round without situations (an SWV's own monitor) gets no IMAGE situation rows, only its total.
  const anySituation = swvs.some((s) => s.situation !== null);
  const rows = anySituation ? SITUATIONS.map((s) => situationRow(s, situationLabel(s), bySituation.get(s) ?? {})) : [];
  const unassigned = bySituation.get(null);
  if (anySituation && unassigned && Object.values(unassigned).some((n) => n !== 0)) rows.push(situationRow(null, UNKNOWN_SITUATION_LABEL, unassigned));
  const all: Record<string, number> = {};
  for (const acc of bySituation.values()) for (const [k, n] of Object.entries(acc)) all[k] = (all[k] ?? 0) + n;
  return { rows, total: situationRow(null, 'Totaal', all) };
}

function addSubtotal(into: SectorSubtotal, completed: number, previous: number | null): void {
  into.completed += completed;
  if (previous !== null) into.previousCompleted = (into.previousCompleted ?? 0) + previous;
}

/** Tabel B1: per situation block, a row per SWV (letter and sector) with this and the previous round. */
export function sectorTable(swvs: SwvMeta[], tallies: Map<number, Tally>, previous: Map<number, Tally> | null): SectorTable {
  const blocks: SectorBlock[] = [];
  const total: SectorSubtotal = { completed: 0, previousCompleted: previous ? 0 : null };
  const bySector: Record<SwvSector, SectorSubtotal> = {
    po: { completed: 0, previousCompleted: previous ? 0 : null },
    vo: { completed: 0, previousCompleted: previous ? 0 : null },
  };
  const order: Array<{ situation: Situation | null; label: string }> = [...SECTOR_BLOCKS];
  if (swvs.some((s) => s.situation === null)) order.push({ situation: null, label: UNKNOWN_SITUATION_LABEL });
  for (const { situation, label } of order) {
    const members = swvs.filter((s) => s.situation === situation);
    if (members.length === 0) continue;
    const rows: SectorRow[] = members
      .map((m) => {
        const prev = previous?.get(m.swvId);
        return {
          swvId: m.swvId,
          regionLetter: m.regionLetter,
          code: m.code,
          name: m.name,
          sector: m.sector,
          completed: tallies.get(m.swvId)?.completed ?? 0,
          previousCompleted: prev ? prev.completed : null,
        };
      })
      .sort(
        (a, b) =>
          a.sector.localeCompare(b.sector) ||
          (a.regionLetter ?? '~').localeCompare(b.regionLetter ?? '~') ||
          a.code.localeCompare(b.code),
      );
    const subtotal: SectorSubtotal = { completed: 0, previousCompleted: null };
    for (const row of rows) {
      addSubtotal(subtotal, row.completed, row.previousCompleted);
      addSubtotal(total, row.completed, row.previousCompleted);
      addSubtotal(bySector[row.sector], row.completed, row.previousCompleted);
    }
    blocks.push({ situation, label, rows, subtotal });
  }
  return { blocks, total, bySector };
}

function roundStart(info: { opensAt: string | null }, mailings: TimelineMailing[], days: Record<string, number>): string | null {
  if (info.opensAt) return amsterdamDate(new Date(info.opensAt));
  const candidates = [...mailings.map((m) => m.date), ...Object.keys(days).filter(isDateKey)].sort();
  return candidates[0] ?? null;
}

export function timelineOf(
  info: RoundInfo,
  total: Tally,
  mailings: TimelineMailing[],
  now: Date,
  previousStart: string | null,
): Timeline {
  const start = roundStart(info, mailings, total.days);
  const dated = Object.keys(total.days).filter(isDateKey).sort();
  const undated = Object.entries(total.days)
    .filter(([k]) => !isDateKey(k))
    .reduce((sum, [, n]) => sum + n, 0);
  if (!start) return { days: [], undated, mailings, start: null, previousStart };
  const today = amsterdamDate(now);
  const closes = info.closesAt ? amsterdamDate(new Date(info.closesAt)) : null;
  let end = closes && closes < today ? closes : today;
  const lastData = [dated.at(-1), mailings.at(-1)?.date].filter((d): d is string => !!d).sort().at(-1);
  if (lastData && lastData > end) end = lastData;
  if (end < start) end = start;
  return { days: dailySeries(total.days, start, end), undated, mailings, start, previousStart };
}

/** The whole dashboard of a round, or null when the round does not exist. */
export async function dashboardSnapshot(db: Kysely<DB>, roundId: number, now: Date): Promise<DashboardSnapshot | null> {
  const info = await loadRoundInfo(db, roundId);
  if (!info) return null;
  // Independent reads at once (a pool runs them side by side; PGlite one after the other).
  const previousId = info.previousRound?.id ?? null;
  const [rows, assigned, mailings, previousRows, previousInfo, previousMailings] = await Promise.all([
    loadCounts(db, roundId),
    loadAssignedSwvs(db, roundId),
    loadMailings(db, roundId),
    previousId ? loadCounts(db, previousId) : Promise.resolve(null),
    previousId ? loadRoundInfo(db, previousId) : Promise.resolve(null),
    previousId ? loadMailings(db, previousId) : Promise.resolve([]),
  ]);
  const tallies = tallyBySwv(rows);
  const previous = previousRows ? tallyBySwv(previousRows) : null;
  const previousStart =
    previous && previousInfo ? roundStart(previousInfo, previousMailings, sumTallies(previous.values()).days) : null;
  const metas = await addUnassignedSwvs(db, assigned, [...tallies.keys()]);
  const lastActivity = await loadLastActivity(db, roundId, metas.map((m) => m.swvId));
  const total = sumTallies(metas.map((m) => tallies.get(m.swvId)).filter((t): t is Tally => !!t));

  const swvs: SwvRow[] = metas.map((m) => {
    const t = tallies.get(m.swvId);
    const prev = previous?.get(m.swvId);
    return {
      swvId: m.swvId,
      code: m.code,
      name: m.name,
      sector: m.sector,
      situation: m.situation,
      situationLabel: situationLabel(m.situation),
      regionLetter: m.regionLetter,
      assigned: m.assigned,
      invited: t?.invited ?? 0,
      reached: t?.reached ?? 0,
      delivered: t?.delivered ?? 0,
      bounced: t?.bounced ?? 0,
      optedOut: t?.optedOut ?? 0,
      opened: t?.opened ?? 0,
      refused: t?.refused ?? 0,
      inProgress: t?.inProgress ?? 0,
      completed: t?.completed ?? 0,
      responseRate: responseRate(t?.completed ?? 0, t?.invited ?? 0),
      lastActivityAt: lastActivity.get(m.swvId)?.toISOString() ?? null,
      days: t?.days ?? {},
      previous: prev
        ? { invited: prev.invited, completed: prev.completed, responseRate: responseRate(prev.completed, prev.invited), days: prev.days }
        : null,
    };
  });
  swvs.sort(
    (a, b) =>
      (a.regionLetter ?? '~').localeCompare(b.regionLetter ?? '~') || a.sector.localeCompare(b.sector) || a.code.localeCompare(b.code),
  );

  return {
    round: info,
    funnel: funnelOf(total, info.target),
    swvs,
    situations: situationTable(metas, tallies),
    sectors: sectorTable(metas, tallies, previous),
    timeline: timelineOf(info, total, mailings, now, previousStart),
  };
}

/** Rounds with their headline figures, newest first. */
export async function listRounds(db: Kysely<DB>): Promise<RoundListItem[]> {
  const rounds = await db
    .selectFrom('rounds as r')
    .innerJoin('studies as s', 's.id', 'r.study_id')
    .select(['r.id', 'r.name', 'r.status', 'r.opens_at', 'r.closes_at', 'r.target_respondents', 's.name as study_name'])
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(500)
    .execute();
  if (rounds.length === 0) return [];
  // One read over all rounds' summaries (no folding: this is only the headline).
  const counts = await sql<{ round_id: number; key: string; n: number }>`
    select round_id, key, sum(n)::int as n
    from (
      select round_id, key, n from tracking_counts where facet = 'invitation'
      union all
      select round_id, key, n from tracking_deltas where facet = 'invitation'
    ) t
    group by round_id, key
    having sum(n) <> 0
  `.execute(db);
  const totals = new Map<number, Tally>();
  for (const row of counts.rows) {
    const key = decodeInvitationKey(row.key);
    if (!key) continue;
    let tally = totals.get(row.round_id);
    if (!tally) totals.set(row.round_id, (tally = emptyTally()));
    addInvitations(tally, key, row.n);
  }
  return rounds.map((r) => {
    const total = totals.get(r.id) ?? emptyTally();
    return {
      ...roundHeadline(r),
      invited: total.invited,
      completed: total.completed,
      responseRate: responseRate(total.completed, total.invited),
    };
  });
}
