import { sql, type Kysely } from 'kysely';

/**
 * Indexes for person rounds at the national size (issue 19: 1.1 million pupils a measurement;
 * plans in bench/RESULTS.md, measured with bench/_persons-explain.ts):
 *
 * - `persons (round_id, status, panel_id)`: "in both" (tracking) reads each measurement's
 *   completed panel ids in order from the index alone and merges them (no sort, no hash of a
 *   million ids); the person export finds a measurement's completed persons through it.
 * - `consent_events (round_id, person_id, at desc, id desc) where kind in (objection, consent)`:
 *   the parents' latest word per pupil in tracking, read in order from the index, without the
 *   pupils' own assent events (one per pupil) that make up most of the table.
 * - `persons (round_id, role)`, which tracking's teacher counts also need (the few teachers among a
 *   million pupils), is created by 0024_professionals.ts already.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index persons_round_status_panel_idx on persons (round_id, status, panel_id)`.execute(db);
  await sql`create index consent_events_parent_word_idx on consent_events (round_id, person_id, at desc, id desc) where kind in ('objection', 'consent')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists consent_events_parent_word_idx`.execute(db);
  await sql`drop index if exists persons_round_status_panel_idx`.execute(db);
}
