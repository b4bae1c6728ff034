/**
 * EXPLAIN (ANALYZE, BUFFERS) of the person queries that grow with the round: tracking (per class,
 * teachers, "in both") and the export's aggregates and row query, on a database seeded by
 * `PERSONS_SEED_ONLY=1 PERSONS_SCALE=1100000 npx tsx bench/persons-scale.ts` (which prints its URL).
 *
 * Run: `npx tsx bench/_persons-explain.ts <database url>` (the database is left as it is; drop it
 * yourself). Not part of `npm run bench` (a `_` helper).
 */
import { sql, type Compilable, type Kysely } from 'kysely';
import { openPostgres } from '../server/db/database';
import type { DB } from '../server/db/types';
import { measurementChain, measurementColumns, measurementWidthsQuery, panelMembersQuery, personRowsQuery } from '../server/persons/export';

const url = process.argv[2];
if (!url) throw new Error('usage: npx tsx bench/_persons-explain.ts <database url>');
const database = openPostgres(url);
const db: Kysely<DB> = database.db;

async function explain(title: string, query: Compilable | { sql: string; parameters: readonly unknown[] }) {
  const compiled = 'compile' in query ? query.compile() : query;
  const plan = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers) ${sql.raw(inline(compiled.sql, compiled.parameters))}`.execute(db);
  console.log(`\n### ${title}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
}

/** The statement with its parameters written in (EXPLAIN takes no bind parameters here). */
function inline(text: string, parameters: readonly unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const v = parameters[Number(n) - 1];
    if (typeof v === 'number') return String(v);
    if (v === null || v === undefined) return 'null';
    return `'${String(v).replace(/'/g, "''")}'`;
  });
}

try {
  const [r1, r2] = (await db.selectFrom('rounds').select('id').where('unit_type', '=', 'person').orderBy('id').execute()).map((r) => r.id) as [number, number];
  await explain(
    'tracking: per school, class and role',
    sql`
    with latest as (
      select distinct on (e.person_id) e.person_id, e.kind
      from consent_events e
      where e.round_id = ${r2} and e.kind in ('objection', 'consent')
      order by e.person_id, e.at desc, e.id desc
    )
    select i.id as invitation_id, i.school_name, i.swv_id, w.name as swv_name, s.participation,
      p.class_id, c.label as class_label, c.grade, p.role,
      count(p.id)::int as registered,
      count(p.id) filter (where l.kind = 'objection')::int as objections,
      count(p.id) filter (where l.kind = 'consent')::int as consents,
      count(p.id) filter (where p.status = 'refused')::int as refused,
      count(p.id) filter (where p.status in ('started', 'completed'))::int as started,
      count(p.id) filter (where p.status = 'completed')::int as completed
    from invitations i
    join swvs w on w.id = i.swv_id
    left join person_sites s on s.invitation_id = i.id
    left join persons p on p.site_id = s.id
    left join person_classes c on c.id = p.class_id
    left join latest l on l.person_id = p.id
    where i.round_id = ${r2}
    group by i.id, i.school_name, i.swv_id, w.name, s.participation, p.class_id, c.label, c.grade, p.role
    order by i.school_name, c.label nulls last`.compile(db),
  );
  await explain(
    'tracking: teachers',
    db
      .selectFrom('persons as p')
      .innerJoin('person_sites as s', 's.id', 'p.site_id')
      .leftJoin('person_contacts as pc', 'pc.person_id', 'p.id')
      .select((eb) => ['s.invitation_id', eb.fn.countAll<number>().as('registered')])
      .where('p.round_id', '=', r2)
      .where('p.role', '=', 'teacher')
      .groupBy('s.invitation_id'),
  );
  await explain(
    'tracking: in both',
    sql`
    with a as (select distinct panel_id from persons where round_id = ${r1} and status = 'completed'),
         b as (select distinct panel_id from persons where round_id = ${r2} and status = 'completed')
    select (select count(*) from a)::int as previous, (select count(*) from b)::int as current,
      (select count(*) from a join b using (panel_id))::int as both`.compile(db),
  );
  // The export's own query builders (server/persons/export.ts), so these plans are the export's.
  const chain = await measurementChain(db, r2);
  const roundIds = chain.map((m) => m.roundId);
  await explain('export: widths of one measurement', measurementWidthsQuery(db, r2, measurementColumns(chain.at(-1)!)));
  await explain('export: panel members (wide case count)', panelMembersQuery(db, roundIds));
  await explain('export: the row query', personRowsQuery(db, roundIds));
} finally {
  await database.close();
}
