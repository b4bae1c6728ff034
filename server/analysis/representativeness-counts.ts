import { sql, type Kysely } from 'kysely';
import type { DB, SchoolKind, Situation } from '../db/types';
import { completedSql, invitedSql } from '../tracking/definitions';

/** What the representativeness analysis counts (representativeness.ts), in one GROUPING SETS query. */

export interface SwvInfo {
  swvId: number;
  code: string;
  name: string;
  regionLetter: string | null;
  situation: Situation | null;
}

/** Everything the analysis needs, as counted by the query (or built by a test). */
/**
 * `fingerprint` identifies the set of invitations of a group (md5 of their ids), so that groups
 * of different dimensions holding the same schools ("scholen in SWV G" and "scholen in
 * Noord-Holland") are listed once.
 */
export interface RepresentativenessCounts {
  sector: Array<{ value: SchoolKind | null; invited: number; completed: number; fingerprint?: string }>;
  province: Array<{ value: string | null; invited: number; completed: number; fingerprint?: string }>;
  denomination: Array<{ value: string | null; invited: number; completed: number; fingerprint?: string }>;
  swv: Array<{ swvId: number; invited: number; completed: number; fingerprint?: string }>;
  situation: Array<{ value: Situation | null; invited: number; completed: number; fingerprint?: string }>;
  swvSector: Array<{ swvId: number; sector: SchoolKind | null; invited: number; completed: number; fingerprint?: string }>;
  /** Size class 1 (smallest) … 3, null when unknown; absent when no school has a pupil count. */
  size?: Array<{ value: number | null; invited: number; completed: number; fingerprint?: string }>;
  /** The upper bounds (pupils) of the size classes but the last, ascending and distinct. */
  sizeCuts?: number[];
  swvs: SwvInfo[];
}

interface GroupedRow {
  g: number;
  size_class: number | null;
  kind: SchoolKind | null;
  province: string | null;
  denomination: string | null;
  swv_id: number | null;
  situation: Situation | null;
  invited: number;
  completed: number;
  fingerprint: string;
}

/**
 * grouping(kind, province, denomination, swv_id, situation, size_class): a bit is set for each
 * column NOT in the row's grouping set (kind = 32 … situation = 2, size_class = 1).
 */
const SET_BY_GROUPING: Record<number, keyof Omit<RepresentativenessCounts, 'swvs' | 'sizeCuts'>> = {
  31: 'sector',
  47: 'province',
  55: 'denomination',
  59: 'swv',
  61: 'situation',
  27: 'swvSector',
  62: 'size',
};

export async function loadRepresentativenessCounts(db: Kysely<DB>, roundId: number): Promise<RepresentativenessCounts> {
  // The school as it was when invited (migration 0012); the current row only for invitations
  // made before that (none after the migration's backfill) and for a pupil count imported later.
  const base = sql`
      select coalesce(i.school_kind, s.kind) as kind,
        nullif(btrim(case when i.school_name is null then s.province else i.school_province end), '') as province,
        nullif(btrim(case when i.school_name is null then s.denomination else i.school_denomination end), '') as denomination,
        case when i.school_pupils_max is not null then (i.school_pupils_min + i.school_pupils_max + 1) / 2
             when s.pupils_max is not null then (s.pupils_min + s.pupils_max + 1) / 2 end as pupils,
        i.id,
        i.swv_id,
        rs.situation,
        ${completedSql('i')} as done
      from invitations i
      left join schools s on s.id = i.school_id
      left join round_swvs rs on rs.round_id = i.round_id and rs.swv_id = i.swv_id
      where i.round_id = ${roundId}
        and ${invitedSql('i')}`;
  const cutsRow = await sql<{ cuts: number[] | null }>`
    with base as (${base})
    select percentile_disc(array[1.0 / 3, 2.0 / 3]) within group (order by pupils) as cuts from base where pupils is not null
  `.execute(db);
  const sizeCuts = [...new Set((cutsRow.rows[0]?.cuts ?? []).map(Number))].sort((a, b) => a - b);
  const result = await sql<GroupedRow>`
    with base as (${base}),
    sized as (
      select base.*,
        case when pupils is null then null
          else 1 + (select count(*) from unnest(${sizeCuts}::int[]) as c(cut) where base.pupils > c.cut)::int end as size_class
      from base
    )
    select grouping(kind, province, denomination, swv_id, situation, size_class)::int as g,
      kind, province, denomination, swv_id, situation, size_class,
      count(*)::int as invited,
      (count(*) filter (where done))::int as completed,
      md5(string_agg(id::text, ',' order by id)) as fingerprint
    from sized
    group by grouping sets ((kind), (province), (denomination), (swv_id), (situation), (swv_id, kind), (size_class))
  `.execute(db);
  const counts: RepresentativenessCounts = { sector: [], province: [], denomination: [], swv: [], situation: [], swvSector: [], size: [], sizeCuts, swvs: [] };
  for (const r of result.rows) {
    const set = SET_BY_GROUPING[r.g];
    const n = { invited: r.invited, completed: r.completed, fingerprint: r.fingerprint };
    switch (set) {
      case 'sector':
        counts.sector.push({ value: r.kind, ...n });
        break;
      case 'province':
        counts.province.push({ value: r.province, ...n });
        break;
      case 'denomination':
        counts.denomination.push({ value: r.denomination, ...n });
        break;
      case 'swv':
        counts.swv.push({ swvId: r.swv_id!, ...n });
        break;
      case 'situation':
        counts.situation.push({ value: r.situation, ...n });
        break;
      case 'swvSector':
        counts.swvSector.push({ swvId: r.swv_id!, sector: r.kind, ...n });
        break;
      case 'size':
        counts.size!.push({ value: r.size_class === null ? null : Number(r.size_class), ...n });
        break;
    }
  }
  const swvIds = counts.swv.map((r) => r.swvId);
  if (swvIds.length > 0) {
    const rows = await db
      .selectFrom('swvs as w')
      .leftJoin('round_swvs as rs', (join) => join.onRef('rs.swv_id', '=', 'w.id').on('rs.round_id', '=', roundId))
      .select(['w.id', 'w.code', 'w.name', 'rs.region_letter', 'rs.situation'])
      .where('w.id', 'in', swvIds)
      .execute();
    counts.swvs = rows.map((r) => ({ swvId: r.id, code: r.code, name: r.name, regionLetter: r.region_letter, situation: r.situation }));
  }
  return counts;
}

