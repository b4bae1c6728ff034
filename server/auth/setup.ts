import type { Kysely } from 'kysely';
import { randomToken, safeEqual, sha256 } from '../crypto';
import type { DB } from '../db/types';

const SETUP_KEY = 'first_admin_setup';

interface SetupRecord {
  tokenHash: string;
  createdAt: string;
}

export async function hasActiveAdmin(db: Kysely<DB>): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * While no admin exists, each start makes a new one-time setup token (invalidating the previous
 * one) and returns it; the console prints the link. Returns null once an admin exists.
 */
export async function issueSetupToken(db: Kysely<DB>, now: Date): Promise<string | null> {
  if (await hasActiveAdmin(db)) {
    await db.deleteFrom('app_settings').where('key', '=', SETUP_KEY).execute();
    return null;
  }
  const token = randomToken(24);
  const record: SetupRecord = { tokenHash: sha256(token), createdAt: now.toISOString() };
  await db
    .insertInto('app_settings')
    .values({ key: SETUP_KEY, value: JSON.stringify(record), updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(record), updated_at: now }))
    .execute();
  return token;
}

/** True when `token` is the current setup token (and no admin exists yet). */
export async function checkSetupToken(db: Kysely<DB>, token: string): Promise<boolean> {
  const row = await db.selectFrom('app_settings').select('value').where('key', '=', SETUP_KEY).executeTakeFirst();
  if (!row) return false;
  const record = row.value as SetupRecord;
  return safeEqual(record.tokenHash, sha256(token));
}

export async function consumeSetupToken(db: Kysely<DB>): Promise<void> {
  await db.deleteFrom('app_settings').where('key', '=', SETUP_KEY).execute();
}
