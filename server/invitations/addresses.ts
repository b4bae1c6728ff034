import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types';

/**
 * Invitations carry the address their mailings go to. An invitation whose school's data was
 * erased (GDPR) keeps no address and gets none back. When a school's address changes (an
 * import, an admin's correction), the invitations of its rounds that are not closed follow, and
 * a bounce recorded for the old address no longer holds, so the next mailing goes to the new
 * address. An invitation whose invitation mail bounced (also after the relay accepted it: a DSN,
 * server/inbound/) gets its invitation again: invited_at is cleared, so the invitation wave
 * that scheduleInvitationsForSchool plans sends it to the new address. Returns how many
 * invitations changed.
 */
export async function syncInvitationEmails(trx: Kysely<DB>, schoolIds: number[]): Promise<number> {
  if (schoolIds.length === 0) return 0;
  let changed = 0;
  for (let i = 0; i < schoolIds.length; i += 1000) {
    const batch = schoolIds.slice(i, i + 1000);
    const result = await sql`
      update invitations as i
      set email = s.email, bounced_at = null, soft_bounces = 0, bounce_status = null,
        invited_at = case when i.bounced_at is not null and i.status in ('pending', 'invited') then null else i.invited_at end
      from schools as s, rounds as r
      where s.id = i.school_id and r.id = i.round_id and r.status <> 'closed' and i.erased_at is null
        and i.school_id in (${sql.join(batch)})
        and i.email is distinct from s.email
    `.execute(trx);
    changed += Number(result.numAffectedRows ?? 0);
  }
  return changed;
}
