import { sql, type Kysely } from 'kysely';

/**
 * Stable respondent numbers: the pseudonym an export shows instead of the school. Assigned on
 * the first export that includes the response and never changed afterwards, so a researcher's
 * syntax and notes keep pointing at the same respondent across exports.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table invitations add column respondent_number int`.execute(db);
  await sql`create unique index invitations_respondent_number_key on invitations (round_id, respondent_number)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists invitations_respondent_number_key`.execute(db);
  await sql`alter table invitations drop column if exists respondent_number`.execute(db);
}
