// Linked variables on pupil rows in the person exports (issue 19, "linking informants"): the
// class's teacher answers, the school's answers and imported external scores (e.g. LVS). Each source
// returns columns keyed by the pupil's person id; the person export (long and wide) appends them.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';

export interface LinkedColumn {
  /** Variable name in the export (SPSS-safe: letter first, [A-Za-z0-9_], at most 64 characters). */
  name: string;
  /** Dutch label for the codebook and the .sav variable label. */
  label: string;
  kind: 'numeric' | 'string';
  /** Value per pupil (persons.id); a pupil without a value is missing. */
  values: Map<number, string | number | null>;
}

/** Every linked column of a person round, in export order. */
export async function linkedColumns(_db: Kysely<DB>, _roundId: number): Promise<LinkedColumn[]> {
  return [];
}
