import type { Kysely } from 'kysely';
import type { DB } from './db/types';

/** Who did something: a logged-in user, or the system itself (worker, retention job, CLI). */
export type Actor = { id: number; email: string } | { system: string };

/**
 * Appends to the audit log: who, what, when. `details` must never hold the personal data the
 * action was about (no addresses, tokens or answers): counts, ids and names of things only.
 */
export async function audit(
  db: Kysely<DB>,
  actor: Actor,
  at: Date,
  action: string,
  target: string | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at,
      user_id: 'id' in actor ? actor.id : null,
      user_label: 'id' in actor ? actor.email : `system:${actor.system}`,
      action,
      target,
      details: JSON.stringify(details),
    })
    .execute();
}
