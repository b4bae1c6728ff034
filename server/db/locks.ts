import { sql, type Kysely } from 'kysely';
import type { DB } from './types';

/**
 * Every PostgreSQL advisory lock Meetronde takes, named and numbered in one place. All are
 * transaction-level (`pg_advisory_xact_lock`): they hold until the caller's transaction ends, so
 * call these inside the transaction they protect. A new lock gets a new number here;
 * `tests/unit/structure.test.ts` checks that the numbers are distinct and that no other file
 * takes an advisory lock itself.
 */

/** Locks with one key (the bigint form): one per database. */
export const LOCKS = {
  /** First-run setup: the second of two concurrent setups finds an admin and is refused. */
  setup: 7_265_001,
  /** The relay's send budget and the outbox claim, shared by the workers of all processes. */
  mailThrottle: 7_265_061,
  /** School imports: two at once would each plan against data the other is changing. */
  schoolImport: 0x4d52_0001,
} as const;

/** Locks with two keys (the int, int form): this number and a round id, one lock per round. */
export const ROUND_LOCKS = {
  /** Numbering a round's respondents: two exports at once must not give out a number twice. */
  respondentNumbers: 7265,
  /** Folding a round's tracking deltas into its counts (try-lock: a second folder skips). */
  trackingCompaction: 7007,
  /** Planning a wave: a double click must not plan the same wave twice. */
  waveCreation: 7_265_006,
  /** Reading a round's nominations into partners (server/snowball/): two page loads must not merge twice. */
  snowball: 7_265_023,
} as const;

/**
 * Locks on a text (hashed into the one-key space with this seed): one per text.
 * `loginThrottle` takes the throttle's account and address keys.
 */
export const TEXT_LOCK_SEEDS = {
  loginThrottle: 7265,
} as const;

export async function lockDatabaseWide(trx: Kysely<DB>, lock: keyof typeof LOCKS): Promise<void> {
  await sql`select pg_advisory_xact_lock(${LOCKS[lock]})`.execute(trx);
}

export async function lockRoundWide(trx: Kysely<DB>, lock: keyof typeof ROUND_LOCKS, roundId: number): Promise<void> {
  await sql`select pg_advisory_xact_lock(${ROUND_LOCKS[lock]}, ${roundId})`.execute(trx);
}

export async function lockText(trx: Kysely<DB>, lock: keyof typeof TEXT_LOCK_SEEDS, text: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${text}, ${TEXT_LOCK_SEEDS[lock]}))`.execute(trx);
}

/** `pg_try_advisory_xact_lock` on a round lock, as SQL to embed in a statement: true when taken. */
export function tryRoundLockSql(lock: keyof typeof ROUND_LOCKS, roundId: number) {
  return sql<boolean>`pg_try_advisory_xact_lock(${ROUND_LOCKS[lock]}, ${roundId})`;
}
