import { sql, type Kysely } from 'kysely';

/**
 * An admin's choices about single schools in a round, made before or after it opens: a school
 * added outside the assigned SWVs' lists (counted under one of the round's SWVs), or a school
 * excluded. Before opening they shape the preview and the invitations; after opening the
 * invitations themselves carry the effect (a new invitation, `excluded_at`), and the choice
 * stays as the record of why.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table round_school_choices (
    round_id int not null references rounds (id) on delete cascade,
    school_id int not null references schools (id),
    choice text not null check (choice in ('include', 'exclude')),
    swv_id int references swvs (id),
    created_by int references users (id) on delete set null,
    created_at timestamptz not null,
    primary key (round_id, school_id),
    check (choice = 'exclude' or swv_id is not null)
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists round_school_choices`.execute(db);
}
