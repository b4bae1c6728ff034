import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types';

/** Persons (p) with the school location they answer for: its site (s) and the coordinator's invitation (i). */
export function personsAtSites(db: Kysely<DB>) {
  return db.selectFrom('persons as p').innerJoin('person_sites as s', 's.id', 'p.site_id').innerJoin('invitations as i', 'i.id', 's.invitation_id');
}

/** The same with the school row (sc), its SWV (w) and the SWV's situation in the round (rs, if any). */
export function personsAtSchools(db: Kysely<DB>) {
  return personsAtSites(db)
    .innerJoin('schools as sc', 'sc.id', 'i.school_id')
    .innerJoin('swvs as w', 'w.id', 'i.swv_id')
    .leftJoin('round_swvs as rs', (join) => join.onRef('rs.round_id', '=', 'i.round_id').onRef('rs.swv_id', '=', 'i.swv_id'));
}

/**
 * As `personsAtSchools`, but professionals (no school location, migration 0024) come along too,
 * with every school column null and the SWV their own (`persons.swv_id`).
 */
export function personsWithOptionalSchools(db: Kysely<DB>) {
  return db
    .selectFrom('persons as p')
    .leftJoin('person_sites as s', 's.id', 'p.site_id')
    .leftJoin('invitations as i', 'i.id', 's.invitation_id')
    .leftJoin('schools as sc', 'sc.id', 'i.school_id')
    .leftJoin('swvs as w', (join) => join.on(sql<boolean>`w.id = coalesce(i.swv_id, p.swv_id)`))
    .leftJoin('round_swvs as rs', (join) => join.onRef('rs.round_id', '=', 'p.round_id').onRef('rs.swv_id', '=', 'w.id'));
}
