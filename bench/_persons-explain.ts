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
import { trackingQuery, teacherTallyQuery } from '../server/persons/tracking';
import { inBothQuery, measurementChain, measurementColumns, measurementWidthsQuery, panelMembersQuery, personRowsQuery } from '../server/persons/export';

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
  // The app's own query builders (server/persons/tracking.ts, export.ts), so these plans are the app's.
  await explain('tracking: per school, class and role', trackingQuery(r2).compile(db));
  await explain('tracking: teachers', teacherTallyQuery(db, r2));
  await explain('tracking: in both', inBothQuery(r1, r2).compile(db));
  const chain = await measurementChain(db, r2);
  const roundIds = chain.map((m) => m.roundId);
  await explain('export: widths of one measurement', measurementWidthsQuery(db, r2, measurementColumns(chain.at(-1)!)));
  await explain('export: panel members (wide case count)', panelMembersQuery(db, roundIds));
  await explain('export: the row query', personRowsQuery(db, roundIds));
} finally {
  await database.close();
}
