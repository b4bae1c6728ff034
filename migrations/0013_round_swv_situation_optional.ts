import { sql, type Kysely } from 'kysely';

/**
 * A round for an SWV's own monitor (Eemland) has no samenwerkingssituatie: round_swvs.situation
 * becomes optional. Whether a round needs one is decided by its questionnaire: opening a round
 * whose questionnaire uses the situation variables (situatie, partner, thema) still requires a
 * situation for every SWV (server/rounds/open.ts). The check constraint stays as it is (a null
 * passes it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table round_swvs alter column situation drop not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from round_swvs where situation is null`.execute(db);
  await sql`alter table round_swvs alter column situation set not null`.execute(db);
}
