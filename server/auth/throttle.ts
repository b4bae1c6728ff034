import { sql, type Kysely } from 'kysely';
import { sha256 } from '../crypto';
import type { DB } from '../db/types';

/**
 * Login throttling per account and per address, kept in the database so that several server
 * instances share it. Only failed attempts count; a throttled attempt is refused before the
 * password is checked and is not counted itself. The account key is derived from the e-mail
 * address as typed (normalised), whether or not such an account exists, so the answer never
 * tells an attacker which addresses have an account.
 */
export interface LoginLimits {
  /** Failed attempts on one account within `windowMs` before it is refused. */
  perAccount: number;
  /** Failed attempts from one address within `windowMs` before it is refused. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAccount: 5,
  perAddress: 20,
  windowMs: 15 * 60 * 1000,
};

export const THROTTLED_MESSAGE = 'Te veel mislukte inlogpogingen. Wacht een kwartier en probeer het dan opnieuw.';

/** The e-mail address as the login compares it. */
export function normaliseLoginEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

export interface ThrottleKeys {
  account: string;
  address: string;
}

export function throttleKeys(email: string, ip: string): ThrottleKeys {
  return { account: `account:${sha256(normaliseLoginEmail(email))}`, address: `address:${sha256(ip)}` };
}

/** True when the account or the address has used up its failed attempts. */
export async function isThrottled(db: Kysely<DB>, keys: ThrottleKeys, now: Date, limits: LoginLimits): Promise<boolean> {
  const since = new Date(now.getTime() - limits.windowMs);
  const row = await db
    .selectFrom('login_failures')
    .select([
      sql<number>`count(*) filter (where key = ${keys.account})`.as('account'),
      sql<number>`count(*) filter (where key = ${keys.address})`.as('address'),
    ])
    .where('key', 'in', [keys.account, keys.address])
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  return row.account >= limits.perAccount || row.address >= limits.perAddress;
}

export async function recordLoginFailure(db: Kysely<DB>, keys: ThrottleKeys, now: Date, limits: LoginLimits): Promise<void> {
  await db
    .insertInto('login_failures')
    .values([
      { key: keys.account, at: now },
      { key: keys.address, at: now },
    ])
    .execute();
  // Old rows are of no use; keep the table small without a separate job.
  await db.deleteFrom('login_failures').where('at', '<=', new Date(now.getTime() - limits.windowMs)).execute();
}

/** A successful login forgives the account's earlier failures (not the address's). */
export async function clearAccountFailures(db: Kysely<DB>, keys: ThrottleKeys): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', keys.account).execute();
}
