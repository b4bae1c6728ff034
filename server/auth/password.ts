import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords are hashed with scrypt (memory-hard, in node:crypto, no native add-on):
 * N = 2^15, r = 8, p = 1 uses 32 MiB per hash. The parameters are stored with the hash so
 * they can be raised later without invalidating old passwords.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export const MIN_PASSWORD_LENGTH = 10;
export { MAX_PASSWORD_LENGTH } from '../../contract/api/auth';

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFC'), salt, KEYLEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(keyB64, 'base64');
  const key = await scrypt(password.normalize('NFC'), Buffer.from(saltB64, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 256 * 1024 * 1024,
  });
  return timingSafeEqual(key, expected);
}

/** A hash to compare against when the account does not exist, so timing does not reveal it. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

/**
 * Passwords that guessers try first. The list is the common-password dictionary of zxcvbn-ts
 * (about 49,000 entries from breach corpora, shipped in the package, no network), loaded on
 * first use.
 */
let commonPasswords: Promise<Set<string>> | undefined;
function loadCommonPasswords(): Promise<Set<string>> {
  commonPasswords ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common']));
  return commonPasswords;
}

export const WEAK_PASSWORD_MESSAGES = {
  short: `Kies een wachtwoord van minstens ${MIN_PASSWORD_LENGTH} tekens.`,
  common: 'Dit wachtwoord staat in lijsten van veelgebruikte wachtwoorden en is snel te raden. Kies een ander, bijvoorbeeld een zin van een paar woorden.',
  repetitive: 'Dit wachtwoord bestaat uit te weinig verschillende tekens of herhaalt zich. Kies een ander, bijvoorbeeld een zin van een paar woorden.',
} as const;

/**
 * Why a new password is refused (a Dutch message), or null when it is acceptable: too short;
 * repetitive (fewer than 5 different characters, or one short piece repeated, like
 * `aaaaaaaaaa` or `abcabcabca`); or common: in the list as typed (any case), or a listed word
 * with only digits or symbols after it (`Wachtwoord2026!`).
 */
export async function passwordProblem(password: string): Promise<string | null> {
  const value = password.normalize('NFC');
  if ([...value].length < MIN_PASSWORD_LENGTH) return WEAK_PASSWORD_MESSAGES.short;
  const lower = value.toLowerCase();
  if (new Set(lower).size < 5 || /^(.{1,5})\1+.{0,4}$/su.test(lower)) return WEAK_PASSWORD_MESSAGES.repetitive;
  const list = await loadCommonPasswords();
  const base = lower.replace(/[\d\W_]+$/u, '');
  if (list.has(lower) || list.has(lower.replace(/\s+/g, '')) || (base.length >= 4 && list.has(base))) return WEAK_PASSWORD_MESSAGES.common;
  return null;
}
