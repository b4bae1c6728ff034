import { sql, type Kysely } from 'kysely';

/**
 * Mail: per-round templates, and what the outbox needs beyond 0001 (the relay's answer, how a
 * message left, an index for the throttle's sliding windows).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`create table mail_templates (
      round_id int not null references rounds (id) on delete cascade,
      kind text not null check (kind in ('invitation', 'reminder')),
      subject text not null,
      body_text text not null,
      body_html text not null,
      updated_by int references users (id) on delete set null,
      updated_at timestamptz not null,
      primary key (round_id, kind)
    )`,
    // 'smtp' or 'capture' (no SMTP_URL: kept in the database, shown in the admin app).
    sql`alter table outbox_messages add column transport text`,
    // The relay's last answer (e.g. "250 2.0.0 Ok: queued as …"), for the message log.
    sql`alter table outbox_messages add column smtp_response text`,
    // Throttle windows count the attempts (claims) of the last minute, hour and day. (No more
    // indexes than needed: every claim and every result rewrites each index entry of its row.)
    sql`create index outbox_locked_at_idx on outbox_messages (locked_at) where locked_at is not null`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists outbox_locked_at_idx`.execute(db);
  await sql`alter table outbox_messages drop column if exists smtp_response`.execute(db);
  await sql`alter table outbox_messages drop column if exists transport`.execute(db);
  await sql`drop table if exists mail_templates`.execute(db);
}
