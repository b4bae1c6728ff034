import { sql, type Kysely } from 'kysely';

/**
 * How a round's target number of respondents was calculated (server/analysis/target.ts): the
 * inputs of the sample-size calculation, the result, and its optional breakdown per SWV or per
 * situation. The result is also written to rounds.target_respondents, which the dashboard reads;
 * this table keeps the reasoning behind it. One row per round.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table round_target_calculations (
    round_id int primary key references rounds (id) on delete cascade,
    population_source text not null check (population_source in ('manual', 'invited')),
    population int not null check (population between 1 and 10000000),
    margin double precision not null check (margin > 0 and margin <= 0.5),
    confidence double precision not null check (confidence > 0 and confidence < 1),
    spread double precision not null check (spread > 0 and spread < 1),
    breakdown text not null default 'none' check (breakdown in ('none', 'swv', 'situation')),
    required int not null check (required >= 1),
    without_correction int not null,
    groups jsonb not null default '[]',
    updated_by int references users (id) on delete set null,
    updated_at timestamptz not null
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists round_target_calculations`.execute(db);
}
