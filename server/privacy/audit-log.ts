import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types';

/** The audit log as admins read it: newest first, filtered, a page at a time. Read-only by design. */
export interface AuditFilter {
  action?: string;
  /** Part of the e-mail address or system name of who did it. */
  actor?: string;
  target?: string;
  from?: Date;
  /** Exclusive. */
  until?: Date;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string | null;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

export const AUDIT_PAGE_SIZE = 50;

/** `text` for a LIKE pattern that matches it literally. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

export async function listAuditLog(db: Kysely<DB>, filter: AuditFilter, page: number) {
  let query = db.selectFrom('audit_log');
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.actor) query = query.where('user_label', 'ilike', `%${likeLiteral(filter.actor)}%`);
  if (filter.target) query = query.where('target', '=', filter.target);
  if (filter.from) query = query.where('at', '>=', filter.from);
  if (filter.until) query = query.where('at', '<', filter.until);

  const [{ total }, rows, actions] = await Promise.all([
    query.select(sql<number>`count(*)`.as('total')).executeTakeFirstOrThrow(),
    query
      .select(['id', 'at', 'user_label', 'action', 'target', 'details'])
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(AUDIT_PAGE_SIZE)
      .offset((page - 1) * AUDIT_PAGE_SIZE)
      .execute(),
    db.selectFrom('audit_log').select('action').distinct().orderBy('action').execute(),
  ]);
  const entries: AuditEntry[] = rows.map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    actor: r.user_label,
    action: r.action,
    target: r.target,
    details: r.details,
  }));
  return { entries, total, page, pageSize: AUDIT_PAGE_SIZE, actions: actions.map((a) => a.action) };
}
