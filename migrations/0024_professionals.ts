import { sql, type Kysely } from 'kysely';

/**
 * Professionals in person rounds (issue 19; IMAGE sub-study 4: about 900 onderwijsprofessionals
 * in 2022, asked again in 2024, 239 in both). A professional is invited by e-mail from a list an
 * admin imports, not through a school, so:
 *
 * - `persons.site_id` may be null, for professionals only (every other role belongs to a school
 *   location, as before).
 * - `persons.swv_id`: the samenwerkingsverband a professional works for, when the list names one.
 * - `persons.function`: the professional's function as the list gives it ("ambulant begeleider",
 *   "orthopedagoog"), at most 100 characters.
 *
 * The address stays in `person_contacts` (own retention), the keyed hash in
 * `persons.contact_hash` (matching across measurements), the personal link is derived from
 * `persons.code_nonce` like a teacher's (server/invitations/person-links.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table persons alter column site_id drop not null`.execute(db);
  await sql`alter table persons add constraint persons_site_or_professional check (site_id is not null or role = 'professional')`.execute(db);
  await sql`alter table persons add column swv_id int references swvs (id) on delete set null`.execute(db);
  await sql`alter table persons add column function text check (char_length(function) <= 100)`.execute(db);
  await sql`create index persons_round_role_idx on persons (round_id, role)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists persons_round_role_idx`.execute(db);
  await sql`alter table persons drop column if exists function`.execute(db);
  await sql`alter table persons drop column if exists swv_id`.execute(db);
  await sql`alter table persons drop constraint if exists persons_site_or_professional`.execute(db);
  await sql`delete from persons where site_id is null`.execute(db);
  await sql`alter table persons alter column site_id set not null`.execute(db);
}
