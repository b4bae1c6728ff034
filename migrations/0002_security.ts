import { sql, type Kysely } from 'kysely';

/**
 * Accounts and the protection of research data (issue 8):
 * - login_failures: failed logins per account and per address, for throttling. Keys are sha256
 *   hashes, so the table holds no typed-in e-mail addresses or IP addresses.
 * - user_invites: one-time links that let an invited user choose a password (sha256 of the token).
 * - rounds.purged_at: when the retention purge removed the round's contact data.
 * - invitations.erased_at: when an admin deleted one school's data in the round.
 * - invitations.school_id becomes nullable: the retention purge cuts the link between answers and
 *   the school, so what is left is pseudonymised (the invitation id is the pseudonym).
 * - audit_log is append-only: a trigger refuses updates and deletes (except the user_id being set
 *   to null when an account is deleted, which the foreign key does).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`create table login_failures (
      id bigint generated always as identity primary key,
      key text not null,
      at timestamptz not null
    )`,
    sql`create index login_failures_key_at_idx on login_failures (key, at)`,
    sql`create index login_failures_at_idx on login_failures (at)`,
    sql`create table user_invites (
      id int generated always as identity primary key,
      user_id int not null references users (id) on delete cascade,
      token_hash text not null unique,
      created_by int references users (id) on delete set null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      revoked_at timestamptz
    )`,
    sql`create index user_invites_user_idx on user_invites (user_id)`,
    sql`alter table rounds add column purged_at timestamptz`,
    sql`alter table invitations add column erased_at timestamptz`,
    sql`alter table invitations alter column school_id drop not null`,
    sql`create index audit_log_action_at_idx on audit_log (action, at)`,
    sql`create function audit_log_append_only() returns trigger language plpgsql as $$
      begin
        if tg_op = 'UPDATE' and old.user_id is not null and new.user_id is null
           and new.id = old.id and new.at = old.at and new.action = old.action
           and new.target is not distinct from old.target
           and new.user_label is not distinct from old.user_label
           and new.details = old.details then
          return new;
        end if;
        raise exception 'audit_log is append-only';
      end
    $$`,
    sql`create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function audit_log_append_only()`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists audit_log_append_only on audit_log`.execute(db);
  await sql`drop function if exists audit_log_append_only()`.execute(db);
  await sql`drop index if exists audit_log_action_at_idx`.execute(db);
  await sql`alter table invitations drop column if exists erased_at`.execute(db);
  await sql`alter table rounds drop column if exists purged_at`.execute(db);
  await sql`drop table if exists user_invites`.execute(db);
  await sql`drop table if exists login_failures`.execute(db);
}
