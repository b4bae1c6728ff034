import { sql, type Kysely } from 'kysely';

/**
 * The core model of shared/DESIGN.md. Every time is timestamptz; ids are int identities
 * (int4 is plenty and reads back as a number on both drivers).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`create table studies (
      id int generated always as identity primary key,
      name text not null,
      slug text not null unique,
      description text,
      sender_name text,
      created_at timestamptz not null default now()
    )`,
    sql`create table questionnaire_versions (
      id int generated always as identity primary key,
      questionnaire_key text not null,
      version text not null,
      title text not null,
      content jsonb not null,
      sha256 text not null,
      created_at timestamptz not null default now(),
      unique (questionnaire_key, sha256)
    )`,
    sql`create table users (
      id int generated always as identity primary key,
      email text not null,
      name text not null,
      role text not null check (role in ('admin', 'researcher')),
      password_hash text,
      disabled_at timestamptz,
      last_login_at timestamptz,
      created_at timestamptz not null default now()
    )`,
    sql`create unique index users_email_key on users (lower(email))`,
    sql`create table sessions (
      id text primary key,
      user_id int not null references users (id) on delete cascade,
      csrf_token text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      last_seen_at timestamptz not null
    )`,
    sql`create index sessions_user_idx on sessions (user_id)`,
    sql`create table rounds (
      id int generated always as identity primary key,
      study_id int not null references studies (id),
      name text not null,
      questionnaire_version_id int references questionnaire_versions (id),
      status text not null default 'draft' check (status in ('draft', 'open', 'closed')),
      opens_at timestamptz,
      closes_at timestamptz,
      reminder_policy jsonb not null default '{"afterDays":[14]}',
      target_respondents int,
      retention_until timestamptz,
      previous_round_id int references rounds (id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    sql`create index rounds_study_idx on rounds (study_id)`,
    sql`create table swvs (
      id int generated always as identity primary key,
      code text not null unique check (code ~ '^(PO|VO)[0-9]{4}$'),
      name text not null,
      sector text not null check (sector in ('po', 'vo')),
      city text,
      province text,
      email text,
      website text,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    sql`create table schools (
      id int generated always as identity primary key,
      location_code text not null unique check (location_code ~ '^[0-9A-Z]{4}[0-9]{2}$'),
      brin text not null,
      name text not null,
      kind text not null check (kind in ('po', 'sbo', 'so', 'vso', 'vo')),
      board_number text,
      street text,
      house_number text,
      postcode text,
      city text,
      municipality text,
      province text,
      denomination text,
      phone text,
      website text,
      email text,
      email_source text,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    sql`create index schools_brin_idx on schools (brin)`,
    sql`create table school_swvs (
      school_id int not null references schools (id) on delete cascade,
      swv_id int not null references swvs (id) on delete cascade,
      primary key (school_id, swv_id)
    )`,
    sql`create index school_swvs_swv_idx on school_swvs (swv_id)`,
    sql`create table round_swvs (
      round_id int not null references rounds (id) on delete cascade,
      swv_id int not null references swvs (id),
      situation text not null check (situation in ('po-ko', 'po-vo', 'po-po', 'vo-vo', 'vso-vo', 'ow-jh')),
      region_letter text check (region_letter ~ '^[A-Z]{1,2}$'),
      primary key (round_id, swv_id)
    )`,
    sql`create table invitations (
      id int generated always as identity primary key,
      round_id int not null references rounds (id) on delete cascade,
      school_id int not null references schools (id),
      swv_id int not null references swvs (id),
      token_nonce text not null,
      token_hash text not null unique,
      email text,
      status text not null default 'pending'
        check (status in ('pending', 'invited', 'opened', 'refused', 'started', 'completed')),
      excluded_at timestamptz,
      opted_out_at timestamptz,
      bounced_at timestamptz,
      invited_at timestamptz,
      opened_at timestamptz,
      consent_at timestamptz,
      refused_at timestamptz,
      started_at timestamptz,
      completed_at timestamptz,
      last_activity_at timestamptz,
      created_at timestamptz not null default now(),
      unique (round_id, school_id)
    )`,
    sql`create index invitations_round_status_idx on invitations (round_id, status)`,
    sql`create index invitations_round_swv_idx on invitations (round_id, swv_id)`,
    sql`create table responses (
      id int generated always as identity primary key,
      invitation_id int not null unique references invitations (id) on delete cascade,
      data jsonb not null default '{}',
      current_page int not null default 0,
      revision int not null default 0,
      branch text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      completed_at timestamptz
    )`,
    sql`create table mailings (
      id int generated always as identity primary key,
      round_id int not null references rounds (id) on delete cascade,
      kind text not null check (kind in ('invitation', 'reminder')),
      target jsonb not null default '{}',
      due_at timestamptz not null,
      status text not null default 'scheduled' check (status in ('scheduled', 'sending', 'sent', 'cancelled')),
      created_by int references users (id),
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz
    )`,
    sql`create index mailings_due_idx on mailings (status, due_at)`,
    sql`create table outbox_messages (
      id int generated always as identity primary key,
      mailing_id int references mailings (id) on delete cascade,
      invitation_id int references invitations (id) on delete cascade,
      idempotency_key text not null unique,
      to_address text not null,
      subject text not null,
      body_text text not null,
      body_html text,
      headers jsonb not null default '{}',
      status text not null default 'pending'
        check (status in ('pending', 'sending', 'sent', 'failed', 'bounced', 'cancelled')),
      attempts int not null default 0,
      next_attempt_at timestamptz not null,
      locked_at timestamptz,
      locked_by text,
      sent_at timestamptz,
      last_error text,
      created_at timestamptz not null default now()
    )`,
    sql`create index outbox_due_idx on outbox_messages (status, next_attempt_at)`,
    sql`create index outbox_invitation_idx on outbox_messages (invitation_id)`,
    sql`create table audit_log (
      id int generated always as identity primary key,
      at timestamptz not null,
      user_id int references users (id) on delete set null,
      user_label text,
      action text not null,
      target text,
      details jsonb not null default '{}'
    )`,
    sql`create index audit_log_at_idx on audit_log (at)`,
    sql`create table app_settings (
      key text primary key,
      value jsonb not null,
      updated_at timestamptz not null default now()
    )`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'app_settings', 'audit_log', 'outbox_messages', 'mailings', 'responses', 'invitations', 'round_swvs',
    'school_swvs', 'schools', 'swvs', 'rounds', 'sessions', 'users', 'questionnaire_versions', 'studies',
  ]) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
}
