import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types';
import { notFound } from '../errors';
import { inBoth } from './export';
import { INVITED_TALLY_COLUMNS, invitedTally, type InvitedTally } from './invited';
import { professionalTally } from './professionals';

/**
 * Tracking of a person round: per class (pupils), school, SWV and role: places issued, parents'
 * objections and consents (latest word per pupil), pupils who said no, started, completed, and
 * the response rate (completed / issued, for teachers completed / registered).
 */
export interface Tally {
  registered: number;
  objections: number;
  consents: number;
  refused: number;
  started: number;
  completed: number;
  rate: number | null;
}

/** Teachers of a school (or the round): the mail and the questionnaire per class. */
export type TeacherTally = InvitedTally;

const empty = (): Tally => ({ registered: 0, objections: 0, consents: 0, refused: 0, started: 0, completed: 0, rate: null });

function add(t: Tally, r: { registered: number; objections: number; consents: number; refused: number; started: number; completed: number }) {
  t.registered += r.registered;
  t.objections += r.objections;
  t.consents += r.consents;
  t.refused += r.refused;
  t.started += r.started;
  t.completed += r.completed;
}

const withRate = <T extends Tally>(t: T): T => ({ ...t, rate: t.registered > 0 ? Math.round((1000 * t.completed) / t.registered) / 10 : null });

/** personTracking's query of the round's persons per school, class and role (exported for bench/_persons-explain.ts). */
export function trackingQuery(roundId: number) {
  return sql<
    {
      invitation_id: number;
      school_name: string | null;
      swv_id: number;
      swv_name: string;
      participation: string | null;
      class_id: number | null;
      class_label: string | null;
      grade: string | null;
      role: string | null;
    } & Omit<Tally, 'rate'>
  >`
    with latest as (
      select distinct on (e.person_id) e.person_id, e.kind
      from consent_events e
      where e.round_id = ${roundId} and e.kind in ('objection', 'consent')
      order by e.person_id, e.at desc, e.id desc
    ),
    counts as (
      -- The round's persons counted per site, class and role first (integer keys), then joined
      -- to the schools: at a million pupils this halves the time of grouping the joined rows.
      select p.site_id, p.class_id, p.role,
        count(*)::int as registered,
        count(*) filter (where l.kind = 'objection')::int as objections,
        count(*) filter (where l.kind = 'consent')::int as consents,
        count(*) filter (where p.status = 'refused')::int as refused,
        count(*) filter (where p.status in ('started', 'completed'))::int as started,
        count(*) filter (where p.status = 'completed')::int as completed
      from persons p
      left join latest l on l.person_id = p.id
      where p.round_id = ${roundId}
      group by p.site_id, p.class_id, p.role
    )
    select i.id as invitation_id, i.school_name, i.swv_id, w.name as swv_name, s.participation,
      k.class_id, c.label as class_label, c.grade, k.role,
      coalesce(k.registered, 0) as registered, coalesce(k.objections, 0) as objections, coalesce(k.consents, 0) as consents,
      coalesce(k.refused, 0) as refused, coalesce(k.started, 0) as started, coalesce(k.completed, 0) as completed
    from invitations i
    join swvs w on w.id = i.swv_id
    left join person_sites s on s.invitation_id = i.id
    left join counts k on k.site_id = s.id
    left join person_classes c on c.id = k.class_id
    where i.round_id = ${roundId}
    order by i.school_name, c.label nulls last
  `;
}

/** personTracking's query of the teachers per school (exported for bench/_persons-explain.ts). */
export function teacherTallyQuery(db: Kysely<DB>, roundId: number) {
  return db
    .selectFrom('persons as p')
    .innerJoin('person_sites as s', 's.id', 'p.site_id')
    .leftJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .select(['s.invitation_id', ...INVITED_TALLY_COLUMNS])
    .where('p.round_id', '=', roundId)
    .where('p.role', '=', 'teacher')
    .groupBy('s.invitation_id');
}

export async function personTracking(db: Kysely<DB>, roundId: number) {
  const round = await db.selectFrom('rounds').select(['id', 'name', 'unit_type']).where('id', '=', roundId).executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  const rows = await trackingQuery(roundId).execute(db);

  // Teachers per school: registered by the coordinator, invitation queued, started (said yes),
  // completed (every class), said no, opted out of mail, address bounced.
  const teacherRows = await teacherTallyQuery(db, roundId).execute();
  const teachersOf = new Map(teacherRows.map((t) => [t.invitation_id, invitedTally(t)]));
  const teacherTotal = { registered: 0, invited: 0, started: 0, completed: 0, refused: 0, optedOut: 0, bounced: 0 };
  for (const t of teachersOf.values()) for (const key of Object.keys(teacherTotal) as Array<keyof typeof teacherTotal>) teacherTotal[key] += t[key];

  const schools = new Map<number, Tally & { invitationId: number; schoolName: string; swvName: string; participation: string; teachers: TeacherTally; classes: Array<Tally & { classId: number; label: string; grade: string }> }>();
  const swvs = new Map<number, Tally & { swvId: number; swvName: string; schools: number; participating: number }>();
  const roles = new Map<string, Tally & { role: string }>();
  const total = empty();
  for (const r of rows.rows) {
    let school = schools.get(r.invitation_id);
    if (!school) {
      school = {
        ...empty(),
        invitationId: r.invitation_id,
        schoolName: r.school_name ?? '',
        swvName: r.swv_name,
        participation: r.participation ?? 'unknown',
        teachers: teachersOf.get(r.invitation_id) ?? { registered: 0, invited: 0, started: 0, completed: 0, refused: 0, optedOut: 0, bounced: 0 },
        classes: [],
      };
      schools.set(r.invitation_id, school);
      const swv = swvs.get(r.swv_id) ?? { ...empty(), swvId: r.swv_id, swvName: r.swv_name, schools: 0, participating: 0 };
      swv.schools += 1;
      if (r.participation === 'yes') swv.participating += 1;
      swvs.set(r.swv_id, swv);
    }
    if (r.role === null || r.role === 'professional') continue;
    const role = roles.get(r.role) ?? { ...empty(), role: r.role };
    add(role, r);
    roles.set(r.role, role);
    if (r.role !== 'pupil') continue;
    add(school, r);
    add(swvs.get(r.swv_id)!, r);
    add(total, r);
    if (r.class_id !== null) school.classes.push(withRate({ ...empty(), ...pick(r), classId: r.class_id, label: r.class_label ?? '', grade: r.grade ?? '' }));
  }
  // Professionals have no school (professionals.ts): counted for the round, and as a role.
  const professionals = await professionalTally(db, roundId);
  if (professionals.registered > 0)
    roles.set('professional', { ...empty(), role: 'professional', registered: professionals.registered, refused: professionals.refused, started: professionals.started, completed: professionals.completed });
  return {
    roundId,
    unitType: round.unit_type,
    total: withRate(total),
    teachers: teacherTotal,
    professionals,
    schools: [...schools.values()].map(withRate),
    swvs: [...swvs.values()].map(withRate),
    roles: [...roles.values()].map(withRate),
    panel: await inBoth(db, roundId),
  };
}

function pick(r: { registered: number; objections: number; consents: number; refused: number; started: number; completed: number }) {
  return { registered: r.registered, objections: r.objections, consents: r.consents, refused: r.refused, started: r.started, completed: r.completed };
}

/**
 * The match report of a follow-up measurement (../shared/person-level-rounds.md §5.2), per role:
 * persons of the previous measurement and how many completed it; how many continue in this one
 * (a re-issued code, the same address: `previous_person_id`); this measurement's persons and
 * completions; the panel members who completed both; the previous completers not continued
 * (not re-issued or not invited again); and the continued who did not complete (yet). The
 * reasons for a non-match (moved, left, objection, absent) are not recorded, so not broken down.
 */
export interface MatchRow {
  role: string;
  previous: number;
  previousCompleted: number;
  continued: number;
  current: number;
  completed: number;
  both: number;
  notContinued: number;
  continuedNotCompleted: number;
}

export async function matchReport(db: Kysely<DB>, roundId: number): Promise<{ previousRoundId: number | null; roles: MatchRow[] }> {
  const round = await db.selectFrom('person_rounds').select('previous_round_id').where('round_id', '=', roundId).executeTakeFirst();
  if (!round) throw notFound('Deze meting is geen meting per persoon.');
  const previousRoundId = round.previous_round_id;
  if (previousRoundId === null) return { previousRoundId: null, roles: [] };
  const rows = await sql<MatchRow>`
    with a as (select id, role, panel_id, status from persons where round_id = ${previousRoundId}),
         b as (select id, role, panel_id, status, previous_person_id from persons where round_id = ${roundId}),
         roles as (select role from a union select role from b)
    select r.role,
      (select count(*) from a where a.role = r.role)::int as "previous",
      (select count(*) from a where a.role = r.role and a.status = 'completed')::int as "previousCompleted",
      (select count(*) from b join a on a.id = b.previous_person_id where b.role = r.role)::int as "continued",
      (select count(*) from b where b.role = r.role)::int as "current",
      (select count(*) from b where b.role = r.role and b.status = 'completed')::int as "completed",
      (select count(distinct b.panel_id) from b join a on a.panel_id = b.panel_id and a.role = b.role
        where b.role = r.role and a.status = 'completed' and b.status = 'completed')::int as "both",
      (select count(*) from a where a.role = r.role and a.status = 'completed'
        and not exists (select 1 from b where b.previous_person_id = a.id))::int as "notContinued",
      (select count(*) from b join a on a.id = b.previous_person_id where b.role = r.role and b.status <> 'completed')::int as "continuedNotCompleted"
    from roles r
    order by r.role
  `.execute(db);
  return {
    previousRoundId,
    roles: rows.rows.map((r) => ({
      role: r.role,
      previous: Number(r.previous),
      previousCompleted: Number(r.previousCompleted),
      continued: Number(r.continued),
      current: Number(r.current),
      completed: Number(r.completed),
      both: Number(r.both),
      notContinued: Number(r.notContinued),
      continuedNotCompleted: Number(r.continuedNotCompleted),
    })),
  };
}
