import type { Kysely } from 'kysely';
import { MAX_CORRECTIONS, type AcceptedCorrections } from '../../contract/api/schools';
import { audit, type Actor } from '../audit';
import type { DB } from '../db/types';
import { badRequest, notFound } from '../errors';
import type { FollowAddresses } from './address-followers';
import { normaliseLocationCode } from './codes';
import { checkEmail } from './email';
import { applyAddressUpdates, diffAddresses, loadSchools } from './importers/addresses';

export { MAX_CORRECTIONS, type AcceptedCorrections };

/**
 * Takes over the corrections an import report suggested for broken DUO addresses, in bulk, in
 * one transaction. They count as DUO addresses (source `duo`): an address an admin set, or one
 * from a contact list, is kept, as a DUO import would keep it. Open rounds' invitations follow.
 */
export async function acceptEmailCorrections(
  trx: Kysely<DB>,
  items: Array<{ locationCode: string; email: string }>,
  now: Date,
  actor: Actor,
  followAddresses: FollowAddresses,
): Promise<AcceptedCorrections> {
  if (items.length === 0) throw badRequest('no_corrections', 'Kies ten minste één correctie om over te nemen.');
  if (items.length > MAX_CORRECTIONS) throw badRequest('too_many_corrections', `Neem ten hoogste ${MAX_CORRECTIONS} correcties tegelijk over.`);
  const schools = await loadSchools(trx);
  const byCode = new Map(schools.map((s) => [s.location_code, s]));
  const refused: AcceptedCorrections['refused'] = [];
  const want = new Map<number, string | null>();
  for (const item of items) {
    const code = normaliseLocationCode(item.locationCode, null);
    const school = code ? byCode.get(code) : undefined;
    if (!school) {
      refused.push({ locationCode: item.locationCode, reason: 'onbekende vestiging' });
      continue;
    }
    const checked = checkEmail(item.email);
    if (!checked.ok) {
      refused.push({ locationCode: school.location_code, reason: checked.reason });
      continue;
    }
    want.set(school.id, checked.email);
  }
  const diff = diffAddresses(schools, want, 'duo', true);
  await applyAddressUpdates(trx, diff.updates, now, followAddresses);
  const result = { applied: diff.updates.length, unchanged: diff.unchanged, kept: diff.kept, refused };
  await audit(trx, actor, now, 'import.email-corrections', null, { applied: result.applied, unchanged: result.unchanged, kept: result.kept, refused: refused.length });
  return result;
}

/**
 * Corrects (or removes, with null) a school's e-mail address. Marked as set by an admin, so a
 * later DUO import does not overwrite it. The invitations of rounds that are not closed follow:
 * the next mailing goes to the new address. The audit log records that it changed, not the
 * address.
 */
export async function correctSchoolEmail(
  trx: Kysely<DB>,
  schoolId: number,
  email: string | null,
  now: Date,
  actor: Actor,
  followAddresses: FollowAddresses,
) {
  const school = await trx.selectFrom('schools').select(['id', 'location_code', 'email']).where('id', '=', schoolId).forUpdate().executeTakeFirst();
  if (!school) throw notFound('Deze school bestaat niet.');
  let value: string | null = null;
  if (email !== null && email.trim() !== '') {
    const checked = checkEmail(email);
    if (!checked.ok) throw badRequest('invalid_email', `Dit e-mailadres kan niet worden gebruikt: ${checked.reason}.`);
    value = checked.email;
  }
  await trx
    .updateTable('schools')
    .set({ email: value, email_source: value === null ? null : 'admin', updated_at: now })
    .where('id', '=', schoolId)
    .execute();
  const invitations = await followAddresses(trx, [schoolId]);
  await audit(trx, actor, now, 'school.email', `school:${school.location_code}`, { changed: school.email !== value, removed: value === null, invitations });
  return { schoolId, email: value, invitationsUpdated: invitations };
}
