import type { Kysely } from 'kysely';
import { EventEmitter } from 'node:events';
import { randomToken, sha256 } from '../crypto';
import type { DB, Role } from '../db/types';

export const SESSION_COOKIE = 'mr_session';
/** Sessions end after 12 hours without activity and at most 7 days after login. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: Role;
  sessionId: string;
  csrfToken: string;
}

export async function createSession(db: Kysely<DB>, userId: number, now: Date) {
  const cookieValue = randomToken(32);
  const csrfToken = randomToken(24);
  await db
    .insertInto('sessions')
    .values({
      id: sha256(cookieValue),
      user_id: userId,
      csrf_token: csrfToken,
      created_at: now,
      last_seen_at: now,
      expires_at: new Date(now.getTime() + SESSION_MAX_MS),
    })
    .execute();
  return { cookieValue, csrfToken };
}

/** The live session behind a cookie value, refreshing its idle timer; null when absent or expired. */
export async function findSession(db: Kysely<DB>, cookieValue: string, now: Date): Promise<SessionUser | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(cookieValue)) return null;
  const id = sha256(cookieValue);
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.id as sessionId', 'sessions.csrf_token', 'sessions.expires_at', 'sessions.last_seen_at'])
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'users.disabled_at'])
    .where('sessions.id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  const idleLimit = new Date(row.last_seen_at.getTime() + SESSION_IDLE_MS);
  if (row.disabled_at || row.expires_at <= now || idleLimit <= now) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
    return null;
  }
  // Refresh at most once a minute, not on every request.
  if (now.getTime() - row.last_seen_at.getTime() > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
  }
  return { id: row.id, email: row.email, name: row.name, role: row.role, sessionId: id, csrfToken: row.csrf_token };
}

export async function deleteSession(db: Kysely<DB>, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
  sessionEnded({ sessionId });
}

/**
 * Long-lived responses of a session (live SSE streams) end when the session does. In this process
 * that is immediate: logout and disabling a user announce it here. Sessions ended elsewhere (another
 * instance, expiry) are noticed by `isSessionLive`, which such a response checks every few seconds.
 */
const sessionEvents = new EventEmitter();
sessionEvents.setMaxListeners(0);

/** Ends every session of a user (disabled, or a new password); returns how many. In the caller's transaction. */
export async function deleteUserSessions(db: Kysely<DB>, userId: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export type SessionEnd = { sessionId: string } | { userId: number };

export function sessionEnded(end: SessionEnd): void {
  sessionEvents.emit('end', end);
}

/** Calls `onEnd` when the session or all sessions of its user end in this process; returns the unsubscribe. */
export function onSessionEnd(user: { id: number; sessionId: string }, onEnd: () => void): () => void {
  const listener = (end: SessionEnd) => {
    if ('sessionId' in end ? end.sessionId === user.sessionId : end.userId === user.id) onEnd();
  };
  sessionEvents.on('end', listener);
  return () => sessionEvents.off('end', listener);
}

/** True while the session exists, has not expired (idle or maximum) and its user is enabled. Does not refresh it. */
export async function isSessionLive(db: Kysely<DB>, sessionId: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.expires_at', 'sessions.last_seen_at', 'users.disabled_at'])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirst();
  if (!row || row.disabled_at) return false;
  return row.expires_at > now && row.last_seen_at.getTime() + SESSION_IDLE_MS > now.getTime();
}
