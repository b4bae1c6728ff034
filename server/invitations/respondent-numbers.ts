import { sql, type Kysely } from 'kysely';
import { lockRoundWide } from '../db/locks';
import type { DB } from '../db/types';

/**
 * Gives every consenting response of the round that has none a respondent number, in order of
 * consent. Numbers are given once and never change, so an export made later numbers the same
 * school the same way. Run it in a transaction (the round's numbering lock holds until it ends).
 */
export async function assignRespondentNumbers(trx: Kysely<DB>, roundId: number): Promise<void> {
  await lockRoundWide(trx, 'respondentNumbers', roundId);
  await sql`
    update invitations set respondent_number = numbered.n
    from (
      select i.id, (select coalesce(max(respondent_number), 0) from invitations where round_id = ${roundId})
        + row_number() over (order by i.consent_at nulls last, i.id) as n
      from invitations i
      where i.round_id = ${roundId} and i.respondent_number is null and i.status in ('started', 'completed')
    ) numbered
    where invitations.id = numbered.id
  `.execute(trx);
}
