import { lockText } from '../db/locks';
import { sql, type Kysely, type Transaction } from 'kysely';
import { hmac, safeEqual, sha256 } from '../crypto';
import type { DB } from '../db/types';

/**
 * Login throttling per address and per account, kept in the database so that several server
 * instances share it.
 *
 * An attempt is *reserved* before the password is checked: one short transaction, serialised per
 * key with advisory locks, counts the recent failures and, when the attempt may go ahead, records
 * it as a failure right away. A successful check takes the reservation back. So N simultaneous
 * wrong guesses cannot get more checks than the limits allow (the check itself, scrypt, runs
 * outside the transaction).
 *
 * - Per address: `perAddress` failures within `windowMs`, then refused until the window has
 *   moved on. An address is what an attacker controls, so this stops one attacker outright.
 * - Per account: after `perAccount` failures within `windowMs`, each further attempt waits a
 *   delay that starts at `accountDelayMs` and doubles per failure, up to `maxAccountDelayMs`.
 *   This slows a guesser who spreads over many addresses, but it is never a lock: the wait is
 *   short, and a browser that logged in to the account before (a signed "known device" cookie)
 *   skips the account backoff altogether, so nobody can keep an admin out by failing on purpose.
 *
 * The account key is derived from the e-mail address as typed (normalised), whether or not such
 * an account exists, so the answer never tells an attacker which addresses have an account.
 */
export interface LoginLimits {
  /** Failed attempts on one account within `windowMs` before the account backoff starts. */
  perAccount: number;
  /** Failed attempts from one address within `windowMs` before it is refused. */
  perAddress: number;
  windowMs: number;
  /** The first wait once an account's free attempts are used; doubles per further failure. */
  accountDelayMs: number;
  /** The longest wait the account backoff imposes. */
  maxAccountDelayMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAccount: 5,
  perAddress: 20,
  windowMs: 15 * 60 * 1000,
  accountDelayMs: 15 * 1000,
  maxAccountDelayMs: 2 * 60 * 1000,
};

export const THROTTLED_MESSAGE = 'Te veel mislukte inlogpogingen. Wacht even en probeer het dan opnieuw.';

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

/** The account's wait after `failures` failures in the window (0 while free attempts remain). */
export function accountDelay(failures: number, limits: LoginLimits): number {
  if (failures < limits.perAccount) return 0;
  return Math.min(limits.maxAccountDelayMs, limits.accountDelayMs * 2 ** Math.min(30, failures - limits.perAccount));
}

export type Reservation =
  | { ok: true; ids: { account: number; address: number } }
  | { ok: false; retryAfterMs: number };

/**
 * Reserves one login attempt (recorded as a failure until `releaseAttempt`), or refuses it with
 * the time to wait. `knownDevice` skips the account backoff (not the address limit).
 */
export async function reserveAttempt(
  trx: Transaction<DB>,
  keys: ThrottleKeys,
  now: Date,
  limits: LoginLimits,
  options: { knownDevice?: boolean } = {},
): Promise<Reservation> {
  const since = new Date(now.getTime() - limits.windowMs);
  // Both keys, in a fixed order so two transactions never wait on each other crosswise.
  for (const key of [keys.account, keys.address].sort()) {
    await lockText(trx, 'loginThrottle', key);
  }
  const rows = await trx
    .selectFrom('login_failures')
    .select([
      sql<number>`count(*) filter (where key = ${keys.account})`.as('account'),
      sql<Date | null>`max(at) filter (where key = ${keys.account})`.as('account_last'),
      sql<number>`count(*) filter (where key = ${keys.address})`.as('address'),
      sql<Date | null>`min(at) filter (where key = ${keys.address})`.as('address_first'),
    ])
    .where('key', 'in', [keys.account, keys.address])
    .where('at', '>', since)
    .executeTakeFirstOrThrow();
  let retryAfterMs = 0;
  if (rows.address >= limits.perAddress && rows.address_first) {
    retryAfterMs = new Date(rows.address_first).getTime() + limits.windowMs - now.getTime();
  }
  if (!options.knownDevice && rows.account_last) {
    const next = new Date(rows.account_last).getTime() + accountDelay(rows.account, limits);
    retryAfterMs = Math.max(retryAfterMs, next - now.getTime());
  }
  if (retryAfterMs > 0) return { ok: false as const, retryAfterMs };
  const inserted = await trx
    .insertInto('login_failures')
    .values([
      { key: keys.account, at: now },
      { key: keys.address, at: now },
    ])
    .returning(['id', 'key'])
    .execute();
  const idOf = (key: string) => Number(inserted.find((row) => row.key === key)!.id);
  return { ok: true as const, ids: { account: idOf(keys.account), address: idOf(keys.address) } };
}

/**
 * The reserved attempt succeeded: it is not a failure of the address, and the account is
 * forgiven its earlier failures. Old rows are deleted on the way, so the table stays small.
 */
export async function releaseAttempt(db: Kysely<DB>, keys: ThrottleKeys, ids: { account: number; address: number }, now: Date, limits: LoginLimits): Promise<void> {
  await db.deleteFrom('login_failures').where('id', '=', ids.address).execute();
  await db.deleteFrom('login_failures').where('key', '=', keys.account).execute();
  await db.deleteFrom('login_failures').where('at', '<=', new Date(now.getTime() - limits.windowMs)).execute();
}

/** A failed attempt stays recorded; only the rows that have aged out are removed. */
export async function pruneFailures(db: Kysely<DB>, now: Date, limits: LoginLimits): Promise<void> {
  await db.deleteFrom('login_failures').where('at', '<=', new Date(now.getTime() - limits.windowMs)).execute();
}

/**
 * The "known device" cookie: set on a successful login, it lets this browser skip the account
 * backoff for that account. It carries no user id, only a time and an HMAC over the account key,
 * and grants nothing else (the password is still checked, the address limit still applies).
 */
export const DEVICE_COOKIE = 'mr_device';
export const DEVICE_VALID_MS = 90 * 24 * 60 * 60 * 1000;

export function deviceCookieValue(secret: string, keys: ThrottleKeys, now: Date): string {
  const issued = String(now.getTime());
  return `${issued}.${hmac(secret, 'login-device', `${keys.account}\0${issued}`)}`;
}

/** True when the cookie was issued by this server for this account and has not expired. */
export function isKnownDevice(secret: string, keys: ThrottleKeys, cookie: string | undefined, now: Date): boolean {
  if (!cookie) return false;
  for (const value of cookie.split('~').slice(0, 8)) {
    const [issued, mac] = value.split('.');
    if (!issued || !mac || !/^\d{1,15}$/.test(issued)) continue;
    const age = now.getTime() - Number(issued);
    if (age < 0 || age > DEVICE_VALID_MS) continue;
    if (safeEqual(mac, hmac(secret, 'login-device', `${keys.account}\0${issued}`))) return true;
  }
  return false;
}

/**
 * The cookie after a successful login: this account's value first, then up to seven others
 * that are still valid (several people can share a browser).
 */
export function nextDeviceCookie(secret: string, keys: ThrottleKeys, cookie: string | undefined, now: Date): string {
  const others = (cookie ?? '')
    .split('~')
    .filter((value) => /^\d{1,15}\.[A-Za-z0-9_-]{43}$/.test(value))
    .filter((value) => !isKnownDevice(secret, keys, value, now))
    .filter((value) => now.getTime() - Number(value.split('.')[0]) <= DEVICE_VALID_MS)
    .slice(0, 7);
  return [deviceCookieValue(secret, keys, now), ...others].join('~');
}
