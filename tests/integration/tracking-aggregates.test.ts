import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import type { DB, Situation } from '../../server/db/types';
import { compactRound, loadCounts, readCounts, rebuildRound } from '../../server/tracking/counts';
import { dashboardSnapshot } from '../../server/tracking/dashboard';
import { countsOf, emptyTally, TALLY_COUNTS, type Tally } from '../../server/tracking/tally';
import type { DashboardSnapshot } from '../../contract/api/tracking';
import { describeEachDatabase } from '../helpers/db';
import { roundNotificationsOf } from '../helpers/notifications';
import { anInvitation, anOutboxMessage, anSwv, aRound, assignSwv, completeInvitation, refuseInvitation } from '../fixtures/tracking-builders';
import { buildWorld, mutateWorld, type World } from '../fixtures/tracking-world';

/**
 * The dashboard's figures come from a trigger-kept summary; here they are checked against a
 * plain count of the core tables, on generated data, after a run of changes of every kind.
 */

type Expected = Tally & { lastActivity: string | null };

const blank = (): Expected => ({ ...emptyTally(), lastActivity: null });

const bump = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1;
};

/** Straight from the rows, one invitation at a time, with the definitions written out again. */
async function countIndependently(db: Kysely<DB>, roundId: number): Promise<Map<number, Expected>> {
  const invitations = await db.selectFrom('invitations').selectAll().where('round_id', '=', roundId).execute();
  const responses = await db.selectFrom('responses').select(['invitation_id', 'branch', 'completed_at']).execute();
  const sent = await db.selectFrom('outbox_messages').select('invitation_id').where('status', '=', 'sent').execute();
  const responseOf = new Map(responses.map((r) => [r.invitation_id, r]));
  const delivered = new Set(sent.map((s) => s.invitation_id));
  const out = new Map<number, Expected>();
  for (const inv of invitations) {
    let e = out.get(inv.swv_id);
    if (!e) out.set(inv.swv_id, (e = blank()));
    if (inv.erased_at) {
      // Erased on request: it was invited and no longer counts as anything else.
      e.invited += 1;
      e.reached += 1;
      e.erased += 1;
      continue;
    }
    if (inv.excluded_at) {
      e.excluded += 1;
      continue;
    }
    // A mail the relay refused (bounced_at without invited_at) was an invitation attempt.
    if (inv.status === 'pending' && inv.invited_at === null && inv.bounced_at === null) e.notYetSent += 1;
    else e.invited += 1;
    if (delivered.has(inv.id)) e.delivered += 1;
    if (inv.bounced_at) e.bounced += 1;
    else if (!(inv.status === 'pending' && inv.invited_at === null)) e.reached += 1;
    if (inv.opted_out_at) e.optedOut += 1;
    if (inv.opened_at || ['opened', 'refused', 'started', 'completed'].includes(inv.status)) e.opened += 1;
    if (inv.status === 'refused') e.refused += 1;
    if (inv.status === 'started') e.inProgress += 1;
    if (inv.status === 'started' || inv.status === 'completed') e.started += 1;
    if (inv.status === 'completed') {
      e.completed += 1;
      bump(e.days, inv.completed_at ? inv.completed_at.toLocaleDateString('sv-SE', { timeZone: 'Europe/Amsterdam' }) : 'onbekend');
    }
    const response = responseOf.get(inv.id);
    if (response?.completed_at) bump(e.branches, response.branch ?? '');
    if (inv.last_activity_at) {
      const at = inv.last_activity_at.toISOString();
      if (!e.lastActivity || at > e.lastActivity) e.lastActivity = at;
    }
  }
  return out;
}

function expectMatches(snapshot: DashboardSnapshot, expected: Map<number, Expected>, previous: Map<number, Expected>, world: World) {
  const rows = new Map(snapshot.swvs.map((r) => [r.swvId, r]));
  // Every SWV of the round is listed, and every SWV with invitations.
  for (const swv of world.swvs) if (swv.situation) expect(rows.has(swv.id)).toBe(true);
  for (const swvId of expected.keys()) expect(rows.has(swvId)).toBe(true);

  for (const row of snapshot.swvs) {
    const e = expected.get(row.swvId) ?? blank();
    const label = `SWV ${row.code}`;
    expect({ ...pick(row), lastActivityAt: row.lastActivityAt }, label).toEqual({ ...pick(e), lastActivityAt: e.lastActivity });
    expect(row.responseRate, label).toBe(e.invited ? e.completed / e.invited : null);
    expect(row.days, label).toEqual(e.days);
    const p = previous.get(row.swvId);
    expect(row.previous?.completed ?? null, label).toBe(p ? p.completed : null);
    expect(row.previous?.invited ?? null, label).toBe(p ? p.invited : null);
  }

  const total = blank();
  for (const e of expected.values()) {
    for (const k of TALLY_COUNTS) {
      total[k] += e[k];
    }
  }
  const { responseRate, targetProgress, ...funnel } = snapshot.funnel;
  expect(funnel).toEqual(countsOf(total));

  expect(responseRate).toBe(total.completed / total.invited);
  expect(targetProgress).toBe(total.completed / 256);

  // Tabel 3: per situation, completed responses by branch.
  const situationOf = new Map(world.swvs.map((s) => [s.id, s.situation]));
  const table = new Map<Situation | null, { wel: number; plannen: number; geen: number; other: number; total: number }>();
  for (const [swvId, e] of expected) {
    const situation = situationOf.get(swvId) ?? null;
    const row = table.get(situation) ?? { wel: 0, plannen: 0, geen: 0, other: 0, total: 0 };
    for (const [branch, n] of Object.entries(e.branches)) {
      if (branch === 'wel' || branch === 'plannen' || branch === 'geen') row[branch] += n;
      else row.other += n;
      row.total += n;
    }
    table.set(situation, row);
  }
  for (const row of snapshot.situations.rows) {
    const { situation, label, ...counts } = row;
    expect(counts, label).toEqual(table.get(situation) ?? { wel: 0, plannen: 0, geen: 0, other: 0, total: 0 });
  }
  const allBranches = [...table.values()].reduce((sum, r) => sum + r.total, 0);
  expect(snapshot.situations.total.total).toBe(allBranches);
  expect(snapshot.situations.rows.map((r) => r.situation).slice(0, 6)).toEqual(['po-ko', 'po-vo', 'po-po', 'vo-vo', 'vso-vo', 'ow-jh']);

  // Tabel B1: per SWV and sector, this round and the previous.
  let sum = 0;
  for (const block of snapshot.sectors.blocks) {
    for (const row of block.rows) {
      expect(row.completed, `B1 ${row.code}`).toBe(expected.get(row.swvId)?.completed ?? 0);
      const p = previous.get(row.swvId);
      expect(row.previousCompleted, `B1 ${row.code} previous`).toBe(p ? p.completed : null);
      sum += row.completed;
    }
    expect(block.subtotal.completed).toBe(block.rows.reduce((s, r) => s + r.completed, 0));
  }
  expect(sum).toBe(total.completed);
  expect(snapshot.sectors.total.completed).toBe(total.completed);
  expect(snapshot.sectors.bySector.po.completed + snapshot.sectors.bySector.vo.completed).toBe(total.completed);

  // Completions over time add up to the completed total.
  const lastDay = snapshot.timeline.days.at(-1);
  expect((lastDay?.cumulative ?? 0) + snapshot.timeline.undated).toBe(total.completed);
}

function pick(e: Pick<Expected, 'invited' | 'reached' | 'delivered' | 'bounced' | 'optedOut' | 'opened' | 'refused' | 'inProgress' | 'completed'>) {
  return {
    invited: e.invited,
    reached: e.reached,
    delivered: e.delivered,
    bounced: e.bounced,
    optedOut: e.optedOut,
    opened: e.opened,
    refused: e.refused,
    inProgress: e.inProgress,
    completed: e.completed,
  };
}

describeEachDatabase('tracking aggregates', (getDatabase, kind) => {
  let world: World;

  beforeAll(async () => {
    const db = getDatabase().db;
    world = await buildWorld(db, 20230301);
    // Changes of every kind, with the summary folded now and then in between.
    await mutateWorld(db, world, 4242, 140, () => compactRound(db, world.roundId));
  });

  it('match an independent count per SWV, per situation and branch (Tabel 3), per SWV and sector (Tabel B1) and over time', async () => {
    const db = getDatabase().db;
    const snapshot = await dashboardSnapshot(db, world.roundId, new Date('2026-04-20T12:00:00Z'));
    expect(snapshot).not.toBeNull();
    const expected = await countIndependently(db, world.roundId);
    const previous = await countIndependently(db, world.previousRoundId);
    // The generated data covers what the figures distinguish.
    const all = [...expected.values()];
    for (const k of ['notYetSent', 'delivered', 'bounced', 'optedOut', 'refused', 'inProgress', 'completed', 'excluded', 'erased'] as const) {
      expect(all.some((e) => e[k] > 0), k).toBe(true);
    }
    expectMatches(snapshot!, expected, previous, world);
    expect(snapshot!.round.previousRound?.name).toBe('2022');
    expect(snapshot!.timeline.mailings.map((m) => m.kind)).toEqual(['invitation', 'reminder', 'reminder']);
  });

  it('keep the same counts as a recount of the round from scratch', async () => {
    const db = getDatabase().db;
    await compactRound(db, world.roundId);
    const incremental = (await readCounts(db, world.roundId)).sort(byKey);
    const deltasLeft = await db.selectFrom('tracking_deltas').select(sql<number>`count(*)::int`.as('n')).where('round_id', '=', world.roundId).executeTakeFirstOrThrow();
    expect(deltasLeft.n).toBe(0);
    await db.transaction().execute((trx) => rebuildRound(trx, world.roundId));
    expect((await readCounts(db, world.roundId)).sort(byKey)).toEqual(incremental);
  });

  it('count a school once as delivered however many of its messages were sent, and not after they bounced', async () => {
    const db = getDatabase().db;
    const roundId = await aRound(db);
    const swvId = await anSwv(db);
    await assignSwv(db, roundId, swvId, 'po-po', 'A');
    const id = await anInvitation(db, { roundId, swvId, status: 'invited' });
    const first = await anOutboxMessage(db, { invitationId: id, status: 'sent' });
    const second = await anOutboxMessage(db, { invitationId: id, status: 'sent' });
    const delivered = async () => (await dashboardSnapshot(db, roundId, new Date()))!.funnel.delivered;
    expect(await delivered()).toBe(1);
    await db.updateTable('outbox_messages').set({ status: 'bounced' }).where('id', '=', first).execute();
    expect(await delivered()).toBe(1);
    await db.deleteFrom('outbox_messages').where('id', '=', second).execute();
    expect(await delivered()).toBe(0);
  });

  it('take a refused school out of Tabel 3 when its answers are deleted, and count the refusal', async () => {
    const db = getDatabase().db;
    const roundId = await aRound(db);
    const swvId = await anSwv(db);
    await assignSwv(db, roundId, swvId, 'po-ko', 'K');
    const id = await anInvitation(db, { roundId, swvId, status: 'completed', branch: 'plannen' });
    let snapshot = (await dashboardSnapshot(db, roundId, new Date()))!;
    expect(snapshot.situations.rows.find((r) => r.situation === 'po-ko')).toMatchObject({ plannen: 1, total: 1 });
    await refuseInvitation(db, id, new Date('2026-03-10T10:00:00Z'));
    snapshot = (await dashboardSnapshot(db, roundId, new Date()))!;
    expect(snapshot.situations.total.total).toBe(0);
    expect(snapshot.funnel).toMatchObject({ refused: 1, completed: 0, started: 0, opened: 1 });
  });

  it('forget everything of a deleted invitation, including its response and messages', async () => {
    const db = getDatabase().db;
    const roundId = await aRound(db);
    const swvId = await anSwv(db, { sector: 'vo' });
    await assignSwv(db, roundId, swvId, 'vo-vo', 'D');
    const keep = await anInvitation(db, { roundId, swvId, status: 'completed', branch: 'geen' });
    const gone = await anInvitation(db, { roundId, swvId, status: 'completed', branch: 'wel' });
    await anOutboxMessage(db, { invitationId: keep, status: 'sent' });
    await anOutboxMessage(db, { invitationId: gone, status: 'sent' });
    await db.deleteFrom('invitations').where('id', '=', gone).execute();
    const snapshot = (await dashboardSnapshot(db, roundId, new Date()))!;
    expect(snapshot.funnel).toMatchObject({ invited: 1, completed: 1, delivered: 1 });
    expect(snapshot.situations.total).toMatchObject({ wel: 0, geen: 1, total: 1 });
  });

  it('show "no target" rather than a made-up one, and progress against a target once set', async () => {
    const db = getDatabase().db;
    const roundId = await aRound(db, { target: null });
    const swvId = await anSwv(db);
    await assignSwv(db, roundId, swvId, 'ow-jh', 'J');
    await anInvitation(db, { roundId, swvId, status: 'completed' });
    await anInvitation(db, { roundId, swvId, status: 'invited' });
    let snapshot = (await dashboardSnapshot(db, roundId, new Date()))!;
    expect(snapshot.round.target).toBeNull();
    expect(snapshot.funnel.targetProgress).toBeNull();
    expect(snapshot.funnel.responseRate).toBe(0.5);
    await db.updateTable('rounds').set({ target_respondents: 4 }).where('id', '=', roundId).execute();
    snapshot = (await dashboardSnapshot(db, roundId, new Date()))!;
    expect(snapshot.funnel.targetProgress).toBe(0.25);
  });

  it('drop the summary of a deleted round', async () => {
    const db = getDatabase().db;
    const roundId = await aRound(db);
    const swvId = await anSwv(db);
    await assignSwv(db, roundId, swvId, 'po-po', 'C');
    const id = await anInvitation(db, { roundId, swvId, status: 'completed' });
    await anOutboxMessage(db, { invitationId: id, status: 'sent' });
    await loadCounts(db, roundId);
    await db.deleteFrom('outbox_messages').where('invitation_id', '=', id).execute();
    await db.deleteFrom('rounds').where('id', '=', roundId).execute();
    for (const table of ['tracking_counts', 'tracking_deltas', 'tracking_invitations'] as const) {
      const row = await db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).where('round_id', '=', roundId).executeTakeFirstOrThrow();
      expect(row.n, table).toBe(0);
    }
  });

  it('notify the round once for a bulk change in one transaction', async () => {
    const db = getDatabase().db;
    const roundId = await aRound(db);
    const swvId = await anSwv(db);
    await assignSwv(db, roundId, swvId, 'po-vo', 'H');
    for (let i = 0; i < 25; i++) await anInvitation(db, { roundId, swvId, status: 'pending' });
    const got = await roundNotificationsOf(getDatabase(), async () => {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('invitations').set({ status: 'invited', invited_at: new Date() }).where('round_id', '=', roundId).execute();
        const one = await trx.selectFrom('invitations').select('id').where('round_id', '=', roundId).executeTakeFirstOrThrow();
        await anOutboxMessage(trx, { invitationId: one.id, status: 'sent' });
      });
    });
    expect(got).toEqual([String(roundId)]);
  });

  it('stay silent for writes the dashboard does not show (autosave, mail worker locking)', async () => {
    const db = getDatabase().db;
    const roundId = await aRound(db);
    const swvId = await anSwv(db);
    await assignSwv(db, roundId, swvId, 'po-vo', 'I');
    const id = await anInvitation(db, { roundId, swvId, status: 'started' });
    const message = await anOutboxMessage(db, { invitationId: id, status: 'pending' });
    const got = await roundNotificationsOf(getDatabase(), async () => {
      await db.updateTable('invitations').set({ last_activity_at: new Date() }).where('id', '=', id).execute();
      await db.updateTable('responses').set({ data: JSON.stringify({ q: 'nieuw' }), revision: 2 }).where('invitation_id', '=', id).execute();
      await db.updateTable('outbox_messages').set({ locked_at: new Date(), locked_by: 'worker-1', attempts: 1 }).where('id', '=', message).execute();
    });
    expect(got).toEqual([]);
    const more = await roundNotificationsOf(getDatabase(), async () => {
      await completeInvitation(db, id, new Date('2026-03-12T09:00:00Z'), 'wel');
    });
    expect(more).toEqual([String(roundId)]);
  });

  if (kind === 'postgres') {
    it('count a school right when its exclusion and its completion commit concurrently', async () => {
      const database = getDatabase();
      const db = database.db;
      const roundId = await aRound(db);
      const swvId = await anSwv(db);
      await assignSwv(db, roundId, swvId, 'po-po', 'B');
      const id = await anInvitation(db, { roundId, swvId, status: 'started', branch: 'geen' });
      await anOutboxMessage(db, { invitationId: id, status: 'sent' });
      const a = new pg.Client({ connectionString: database.url });
      const b = new pg.Client({ connectionString: database.url });
      await a.connect();
      await b.connect();
      try {
        await a.query('begin');
        await a.query('update invitations set excluded_at = now() where id = $1', [id]);
        await b.query('begin');
        const bPid = (await b.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
        const completing = b.query("update responses set completed_at = now(), branch = 'wel' where invitation_id = $1", [id]);
        // Wait until b is blocked on a's lock of the invitation's tracking row, then let a commit.
        for (;;) {
          const waiting = await db.selectNoFrom(sql<boolean>`exists (select 1 from pg_stat_activity where pid = ${bPid} and wait_event_type = 'Lock')`.as('w')).executeTakeFirstOrThrow();
          if (waiting.w) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await a.query('commit');
        await completing;
        await b.query('commit');
      } finally {
        await a.end();
        await b.end();
      }
      await compactRound(db, roundId);
      const incremental = (await readCounts(db, roundId)).sort(byKey);
      await db.transaction().execute((trx) => rebuildRound(trx, roundId));
      expect(incremental).toEqual((await readCounts(db, roundId)).sort(byKey));
      expect(incremental.filter((r) => r.facet === 'response')).toEqual([{ swvId, facet: 'response', key: 'wel:x', n: 1 }]);
    });
  }
});

function byKey(a: { swvId: number; facet: string; key: string }, b: { swvId: number; facet: string; key: string }) {
  return a.swvId - b.swvId || a.facet.localeCompare(b.facet) || a.key.localeCompare(b.key);
}
