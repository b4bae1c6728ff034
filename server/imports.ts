import type { Kysely } from 'kysely';
import type { DB } from './db/types';
import { syncInvitationEmails } from './invitations/addresses';
import { scheduleInvitationsForSchool } from './mailings/waves';
import type { AddressFollowers } from './schools/address-followers';
import { runImport as runSchoolImport, type ImportInput, type ImportOptions, type ImportReport } from './schools/import';

/**
 * Where the schools area meets the areas built on it. A school's changed address reaches the
 * invitations of its rounds that are not closed; an address an admin corrected by hand also
 * plans the invitation mail the school never got. The schools area calls these without
 * importing rounds/, invitations/ or mailings/.
 */
export const addressFollowers: AddressFollowers = {
  follow: syncInvitationEmails,
  async corrected(trx, schoolId, now, userId) {
    await scheduleInvitationsForSchool(trx, schoolId, now, userId);
  },
};

/** A school import as the app runs it (routes, CLI, tests): the invitations follow the addresses. */
export function runImport(db: Kysely<DB>, input: ImportInput, options: Omit<ImportOptions, 'followAddresses'>): Promise<ImportReport> {
  const full = { ...options, followAddresses: addressFollowers.follow };
  // A dry run only reads; a real import writes everything or nothing, in one transaction.
  return options.dryRun ? runSchoolImport(db, input, full) : db.transaction().execute((trx) => runSchoolImport(trx, input, full));
}
