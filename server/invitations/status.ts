import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types';

/**
 * What happens to an invitation after it was made, outside the respondent's own progress (that
 * is written with the response, server/responses/survey-state.ts): an admin excludes or restores
 * the school, the school opts out, its mail bounces. All in the caller's transaction.
 */

/** Marks the school's invitations in the round excluded (keeps the first time). */
export async function excludeInvitations(db: Kysely<DB>, roundId: number, schoolId: number, now: Date): Promise<void> {
  await db.updateTable('invitations').set({ excluded_at: now }).where('round_id', '=', roundId).where('school_id', '=', schoolId).where('excluded_at', 'is', null).execute();
}

/** Takes back the exclusion of the school's invitations in the round. */
export async function restoreInvitations(db: Kysely<DB>, roundId: number, schoolId: number): Promise<void> {
  await db.updateTable('invitations').set({ excluded_at: null }).where('round_id', '=', roundId).where('school_id', '=', schoolId).execute();
}

/** The school wants no more mail of this round (keeps the first opt-out time). */
export async function markOptedOut(db: Kysely<DB>, invitationId: number, now: Date): Promise<void> {
  await db.updateTable('invitations').set({ opted_out_at: now }).where('id', '=', invitationId).where('opted_out_at', 'is', null).execute();
}

/** A permanent bounce for the invitation's current address: it is unreachable (keeps the first time). */
export async function markBounced(db: Kysely<DB>, invitationId: number, status: string | null, now: Date): Promise<void> {
  await db
    .updateTable('invitations')
    .set({ bounced_at: sql<Date>`coalesce(bounced_at, ${now})`, bounce_status: status })
    .where('id', '=', invitationId)
    .execute();
}

/** A temporary bounce: counted; `limit` of them in a row make the address unreachable. */
export async function countSoftBounce(db: Kysely<DB>, invitationId: number, status: string | null, now: Date, limit: number) {
  return db
    .updateTable('invitations')
    .set({
      soft_bounces: sql<number>`soft_bounces + 1`,
      bounce_status: status,
      bounced_at: sql<Date | null>`case when bounced_at is null and soft_bounces + 1 >= ${limit} then ${now}::timestamptz else bounced_at end`,
    })
    .where('id', '=', invitationId)
    .returning(['soft_bounces', 'bounced_at'])
    .executeTakeFirstOrThrow();
}

/**
 * A person round's coordinator opened the school's link (server/persons/): the invitation counts
 * as opened, as a school's first visit does.
 */
export async function markCoordinatorOpened(db: Kysely<DB>, invitationId: number, now: Date): Promise<void> {
  await db
    .updateTable('invitations')
    .set({ status: 'opened', opened_at: now, last_activity_at: now })
    .where('id', '=', invitationId)
    .where('status', 'in', ['pending', 'invited'])
    .execute();
}

/**
 * A person round's school decided: taking part counts as started (no more "not started"
 * reminders), not taking part as refused. A completed invitation stays completed.
 */
export async function markSiteDecision(db: Kysely<DB>, invitationId: number, participates: boolean, now: Date): Promise<void> {
  if (participates) {
    await db
      .updateTable('invitations')
      .set({ status: 'started', started_at: sql`coalesce(started_at, ${now})`, last_activity_at: now })
      .where('id', '=', invitationId)
      .where('status', 'in', ['pending', 'invited', 'opened', 'refused'])
      .execute();
  } else {
    await db
      .updateTable('invitations')
      .set({ status: 'refused', refused_at: now, last_activity_at: now })
      .where('id', '=', invitationId)
      .where('status', '!=', 'completed')
      .execute();
  }
}
