import { sql, type Kysely } from 'kysely';

/**
 * Teachers and linked data in person rounds (issue 19; server/persons/README.md).
 *
 * - `person_rounds.teacher_questionnaire_version_id`: the questionnaire teachers answer, once per
 *   class they teach (`teacher_responses`).
 * - `person_rounds.linked_school_round_id`: a school round of the same schools whose completed
 *   responses come onto pupil rows as the school's answers (`sch_` columns).
 * - `person_contacts`: the teacher's mail state (invitation queued, reminders queued, opted out,
 *   bounced), so waves of teacher mail follow the same rules as a school's.
 * - `teacher_consents`: a teacher's yes or no on the first screen, append-only.
 * - `teacher_responses`: one row per teacher per class, with the optimistic revision of autosave.
 * - `person_external_scores`: scores a researcher imported by pupil code (e.g. LVS), one row per
 *   pupil and variable; a numeric value or a text value.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table person_rounds add column teacher_questionnaire_version_id int references questionnaire_versions (id)`.execute(db);
  await sql`alter table person_rounds add column linked_school_round_id int references rounds (id) on delete set null`.execute(db);
  await sql`alter table person_contacts add column invited_at timestamptz`.execute(db);
  await sql`alter table person_contacts add column reminders_sent int not null default 0`.execute(db);
  await sql`alter table person_contacts add column opted_out_at timestamptz`.execute(db);
  await sql`alter table person_contacts add column bounced_at timestamptz`.execute(db);
  await sql`create table teacher_consents (
    id bigint generated always as identity primary key,
    person_id int not null references persons (id) on delete cascade,
    consent boolean not null,
    at timestamptz not null
  )`.execute(db);
  await sql`create index teacher_consents_person_idx on teacher_consents (person_id, at)`.execute(db);
  await sql`create function teacher_consents_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'teacher_consents is append-only';
    end $$`.execute(db);
  await sql`create trigger teacher_consents_no_update before update on teacher_consents
    for each row execute function teacher_consents_append_only()`.execute(db);
  await sql`create table teacher_responses (
    person_id int not null references persons (id) on delete cascade,
    class_id int not null references person_classes (id) on delete cascade,
    data jsonb not null default '{}',
    revision int not null default 0,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    completed_at timestamptz,
    primary key (person_id, class_id)
  )`.execute(db);
  await sql`create index teacher_responses_class_idx on teacher_responses (class_id)`.execute(db);
  await sql`create table person_external_scores (
    person_id int not null references persons (id) on delete cascade,
    round_id int not null references rounds (id) on delete cascade,
    variable text not null,
    value_number double precision,
    value_text text,
    imported_at timestamptz not null,
    primary key (person_id, variable),
    check ((value_number is null) <> (value_text is null))
  )`.execute(db);
  await sql`create index person_external_scores_round_idx on person_external_scores (round_id, variable)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['person_external_scores', 'teacher_responses', 'teacher_consents']) {
    await sql`drop table if exists ${sql.raw(table)}`.execute(db);
  }
  await sql`drop function if exists teacher_consents_append_only()`.execute(db);
  for (const column of ['invited_at', 'reminders_sent', 'opted_out_at', 'bounced_at']) {
    await sql`alter table person_contacts drop column if exists ${sql.raw(column)}`.execute(db);
  }
  await sql`alter table person_rounds drop column if exists linked_school_round_id`.execute(db);
  await sql`alter table person_rounds drop column if exists teacher_questionnaire_version_id`.execute(db);
}
