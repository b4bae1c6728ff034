import { sql, type Kysely } from 'kysely';

/**
 * Panels across measurements (issue 19; ../shared/person-level-rounds.md §5): a person round can
 * follow an earlier person round, and its persons carry the panel id of the person they were.
 *
 * - `person_rounds.previous_round_id`: the earlier measurement this round follows (null for a
 *   first measurement). Set by the admin while this round is a draft.
 * - `persons.previous_person_id`: the person of the previous round this one continues (a pupil
 *   whose round-1 code the school re-issued, a professional invited again at the same address);
 *   null for a new person. The panel id is copied from that person.
 * - `persons.contact_hash`: HMAC(secret, 'person-contact', lower-cased e-mail address) for persons
 *   with an e-mail invitation (teachers, professionals), so a follow-up round finds the same
 *   person without comparing plain addresses; the address itself stays in person_contacts.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table person_rounds add column previous_round_id int references rounds (id) on delete set null`.execute(db);
  await sql`alter table persons add column previous_person_id int references persons (id) on delete set null`.execute(db);
  await sql`alter table persons add column contact_hash text`.execute(db);
  await sql`create index persons_previous_idx on persons (previous_person_id)`.execute(db);
  await sql`create index persons_contact_idx on persons (round_id, contact_hash)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists persons_contact_idx`.execute(db);
  await sql`drop index if exists persons_previous_idx`.execute(db);
  await sql`alter table persons drop column if exists contact_hash`.execute(db);
  await sql`alter table persons drop column if exists previous_person_id`.execute(db);
  await sql`alter table person_rounds drop column if exists previous_round_id`.execute(db);
}
