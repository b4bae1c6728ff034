import { sql, type Kysely } from 'kysely';

/**
 * The audit log is append-only (migration 0002 refuses UPDATE and DELETE row by row), but a
 * row trigger does not see TRUNCATE, which emptied the table in one statement. A BEFORE TRUNCATE
 * statement trigger refuses that too. (The table owner can still drop the trigger; that is a
 * schema change, visible in the migrations, not something the app can do by accident.)
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function audit_log_no_truncate() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only';
    end
  $$`.execute(db);
  await sql`create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_no_truncate()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists audit_log_no_truncate on audit_log`.execute(db);
  await sql`drop function if exists audit_log_no_truncate()`.execute(db);
}
