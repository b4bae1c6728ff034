import { sql, type Kysely } from 'kysely';

/**
 * Person-level rounds (issue 19; design in ../shared/person-level-rounds.md §6): a round whose
 * unit is a person within a school (pupil, teacher, …) beside today's school rounds.
 *
 * - `rounds.unit_type`: 'school' (every existing round, unchanged) or 'person'.
 * - `person_rounds`: a person round's consent mode (passive = parents may object, active =
 *   parents must agree) and the roles it asks.
 * - `person_sites`: one school location in a person round, tied to the school's invitation of
 *   that round. The invitation is the coordinator's: its nonce gives the coordinator link (a
 *   separate HMAC purpose, see server/persons/links.ts), so waves, reminders, opt-out and bounces
 *   of today's invitations reach coordinators unchanged.
 * - `person_classes`: the classes a coordinator registers (grade, number of pupils); the class
 *   link and the parent link are derived from `link_nonce` with the server secret.
 * - `persons`: pupils and teachers, with a pseudonymous `panel_id` (UUID, never shown to the
 *   pupil). No names anywhere. A pupil's personal code is HMAC(secret, code_nonce) mapped onto an
 *   unambiguous alphabet: the database keeps the nonce (so the school can print the sheet again)
 *   and a keyed hash of the code (to find the pupil), not the code itself, so a database reader
 *   cannot start as a pupil, like the school links.
 * - `person_contacts`: a teacher's contact address, apart from the person (own retention).
 * - `teacher_classes`: which classes a teacher teaches in this round.
 * - `consent_events`: append-only (UPDATE refused by a trigger): parent objection/consent,
 *   letter sent, pupil assent/refusal, erasure, with time and source.
 * - `person_responses`: a person's answers (one row per person per round).
 * - `person_code_failures`: wrong codes typed on a class link (throttled per class, not per IP).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table rounds add column unit_type text not null default 'school' check (unit_type in ('school', 'person'))`.execute(db);
  await sql`create table person_rounds (
    round_id int primary key references rounds (id) on delete cascade,
    consent_mode text not null check (consent_mode in ('passive', 'active')),
    roles jsonb not null default '["pupil"]',
    created_at timestamptz not null,
    updated_at timestamptz not null
  )`.execute(db);
  await sql`create table person_sites (
    id int generated always as identity primary key,
    round_id int not null references rounds (id) on delete cascade,
    invitation_id int not null unique references invitations (id) on delete cascade,
    participation text not null default 'unknown' check (participation in ('unknown', 'yes', 'no')),
    decided_at timestamptz,
    created_at timestamptz not null
  )`.execute(db);
  await sql`create index person_sites_round_idx on person_sites (round_id)`.execute(db);
  await sql`create table person_classes (
    id int generated always as identity primary key,
    round_id int not null references rounds (id) on delete cascade,
    site_id int not null references person_sites (id) on delete cascade,
    label text not null,
    grade text not null,
    pupils int not null check (pupils between 1 and 60),
    link_nonce text not null,
    created_at timestamptz not null,
    unique (site_id, label)
  )`.execute(db);
  await sql`create index person_classes_round_idx on person_classes (round_id)`.execute(db);
  await sql`create table persons (
    id int generated always as identity primary key,
    round_id int not null references rounds (id) on delete cascade,
    site_id int not null references person_sites (id) on delete cascade,
    class_id int references person_classes (id) on delete set null,
    role text not null check (role in ('pupil', 'teacher', 'coordinator', 'school_leader', 'professional', 'parent')),
    panel_id uuid not null,
    seq int,
    code_nonce text,
    code_hash text,
    status text not null default 'issued' check (status in ('issued', 'started', 'completed', 'refused', 'excluded')),
    started_at timestamptz,
    completed_at timestamptz,
    created_at timestamptz not null,
    unique (round_id, code_hash)
  )`.execute(db);
  await sql`create index persons_class_idx on persons (class_id)`.execute(db);
  await sql`create index persons_site_idx on persons (site_id)`.execute(db);
  await sql`create index persons_panel_idx on persons (panel_id)`.execute(db);
  await sql`create table person_contacts (
    person_id int primary key references persons (id) on delete cascade,
    email text not null
  )`.execute(db);
  await sql`create table teacher_classes (
    person_id int not null references persons (id) on delete cascade,
    class_id int not null references person_classes (id) on delete cascade,
    primary key (person_id, class_id)
  )`.execute(db);
  await sql`create table consent_events (
    id bigint generated always as identity primary key,
    round_id int not null references rounds (id) on delete cascade,
    class_id int references person_classes (id) on delete cascade,
    person_id int references persons (id) on delete cascade,
    kind text not null check (kind in ('info_sent', 'objection', 'consent', 'assent', 'assent_refused', 'erased')),
    source text not null check (source in ('parent_online', 'school', 'pupil', 'researcher', 'system')),
    at timestamptz not null
  )`.execute(db);
  await sql`create index consent_events_person_idx on consent_events (person_id, at)`.execute(db);
  await sql`create index consent_events_class_idx on consent_events (class_id)`.execute(db);
  await sql`create function consent_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'consent_events is append-only';
    end $$`.execute(db);
  await sql`create trigger consent_events_no_update before update on consent_events
    for each row execute function consent_events_append_only()`.execute(db);
  await sql`create table person_responses (
    person_id int primary key references persons (id) on delete cascade,
    data jsonb not null default '{}',
    revision int not null default 0,
    current_page int not null default 0,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    completed_at timestamptz
  )`.execute(db);
  await sql`create table person_code_failures (
    id bigint generated always as identity primary key,
    class_id int not null references person_classes (id) on delete cascade,
    at timestamptz not null
  )`.execute(db);
  await sql`create index person_code_failures_idx on person_code_failures (class_id, at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['person_code_failures', 'person_responses', 'consent_events', 'teacher_classes', 'person_contacts', 'persons', 'person_classes', 'person_sites', 'person_rounds']) {
    await sql`drop table if exists ${sql.raw(table)}`.execute(db);
  }
  await sql`drop function if exists consent_events_append_only()`.execute(db);
  await sql`alter table rounds drop column if exists unit_type`.execute(db);
}
