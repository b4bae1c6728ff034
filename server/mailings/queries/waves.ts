import { sql, type Kysely } from 'kysely';
import type { DB, MailingKind, MailingStatus, OutboxStatus } from '../../db/types';
import { parseTarget } from '../targets';
import type { MailingTarget } from '../../../contract/api/mailings';
import { emptyCounts, iso } from './shared';
import { plannedRecipients } from './planning';
import type { MailingView, PlannedWave, MailRoundRow } from '../../../contract/api/mailings';

/** Waves as the admin app lists them: per round with their counts, the planned waves of all rounds, the rounds with mail. */

export async function listMailings(db: Kysely<DB>, roundId: number): Promise<MailingView[]> {
  const mailings = await db.selectFrom('mailings').selectAll().where('round_id', '=', roundId).orderBy('due_at').orderBy('id').execute();
  const counts = await db
    .selectFrom('outbox_messages as o')
    .innerJoin('mailings as m', 'm.id', 'o.mailing_id')
    .select(['o.mailing_id', 'o.status', sql<number>`count(*)::int`.as('n')])
    .where('m.round_id', '=', roundId)
    .groupBy(['o.mailing_id', 'o.status'])
    .execute();
  return mailings.map((m) => {
    const c = emptyCounts();
    for (const row of counts) if (row.mailing_id === m.id) c[row.status] = row.n;
    return {
      id: m.id,
      kind: m.kind,
      status: m.status,
      target: parseTarget(m.target, m.kind),
      dueAt: iso(m.due_at)!,
      startedAt: iso(m.started_at),
      finishedAt: iso(m.finished_at),
      createdAt: iso(m.created_at)!,
      counts: c,
    };
  });
}

/**
 * Waves that have not fanned out into the outbox yet, with their planned moment and size, so the
 * outbox shows every mail that is coming, not only the rows already written.
 */
export async function listPlannedWaves(db: Kysely<DB>, now: Date): Promise<PlannedWave[]> {
  const waves = await db
    .selectFrom('mailings as m')
    .innerJoin('rounds as r', 'r.id', 'm.round_id')
    .select(['m.id', 'm.round_id', 'r.name as round_name', 'm.kind', 'm.target', 'm.due_at'])
    .where('m.status', '=', 'scheduled')
    .where('r.status', '!=', 'closed')
    .orderBy('m.due_at')
    .orderBy('m.id')
    .limit(50)
    .execute();
  const out: PlannedWave[] = [];
  for (const w of waves) {
    const target = parseTarget(w.target, w.kind);
    const due = new Date(w.due_at);
    const at = due.getTime() > now.getTime() ? due : now;
    // A reminder policy goes to each school days after its own invitation: count who it will reach.
    const probe = target.afterDays !== undefined ? { ...target, afterDays: undefined } : target;
    out.push({
      mailingId: w.id,
      roundId: w.round_id,
      roundName: w.round_name,
      kind: w.kind,
      target,
      dueAt: due.toISOString(),
      count: (await plannedRecipients(db, w.round_id, probe, at)).length,
    });
  }
  return out;
}

export async function listMailRounds(db: Kysely<DB>): Promise<MailRoundRow[]> {
  const rows = await db
    .selectFrom('rounds as r')
    .innerJoin('studies as s', 's.id', 'r.study_id')
    .select([
      'r.id',
      'r.name',
      'r.status',
      's.name as study_name',
      sql<number>`(select count(*)::int from invitations i where i.round_id = r.id)`.as('invitations'),
      sql<number>`(select count(*)::int from mailings m where m.round_id = r.id)`.as('mailings'),
    ])
    .orderBy('r.id', 'desc')
    .limit(200)
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, studyName: r.study_name, status: r.status, invitations: r.invitations, mailings: r.mailings }));
}
