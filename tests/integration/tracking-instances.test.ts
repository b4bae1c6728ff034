import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../server/db/database';
import type { DashboardSnapshot } from '../../contract/api/tracking';
import { loginAs } from '../helpers/app';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { openSse } from '../helpers/sse';
import type { App } from '../../server/app';
import { anInvitation, anSwv, aRound, assignSwv, completeInvitation } from '../fixtures/tracking-builders';

/**
 * Two app instances on one PostgreSQL database, each with its own connection pool and its own
 * LISTEN connection: a change made through one reaches the SSE clients of the other.
 */
const describePostgres = testDatabaseUrl ? describe : describe.skip;

describePostgres(`tracking across two instances [postgres${testDatabaseUrl ? '' : ': skipped, TEST_DATABASE_URL not set'}]`, () => {
  let shared: TestDatabase;
  let second: Database;
  let appA: App;
  let appB: App;
  let urlA: string;
  let urlB: string;
  let headers: Record<string, string>;
  let roundId: number;
  let invitationId: number;
  let otherInvitation: number;

  beforeAll(async () => {
    shared = await createTestDatabase('postgres');
    second = openPostgres(shared.url!, { max: 4 });
    ({ app: appA, url: urlA } = await listenTestApp(shared));
    ({ app: appB, url: urlB } = await listenTestApp(second));
    headers = (await loginAs(shared.db, 'admin')).headers;
    roundId = await aRound(shared.db, { name: '2024' });
    const swvId = await anSwv(shared.db, { sector: 'vo' });
    await assignSwv(shared.db, roundId, swvId, 'vso-vo', 'O');
    invitationId = await anInvitation(shared.db, { roundId, swvId, status: 'started' });
    otherInvitation = await anInvitation(shared.db, { roundId, swvId, status: 'invited' });
  });
  afterAll(async () => {
    await appA?.close();
    await appB?.close();
    await second?.close();
    await shared?.close();
  });

  it('brings a completion written through one instance to the dashboards of both', async () => {
    const onA = await openSse(`${urlA}/api/tracking/rounds/${roundId}/events`, headers);
    const onB = await openSse(`${urlB}/api/tracking/rounds/${roundId}/events`, headers);
    try {
      for (const stream of [onA, onB]) {
        const first = JSON.parse((await stream.next((e) => e.event === 'snapshot')).data) as DashboardSnapshot;
        expect(first.funnel.completed).toBe(0);
      }
      // Written on instance B's pool; instance A only hears of it through NOTIFY.
      await completeInvitation(second.db, invitationId, new Date('2026-03-09T10:00:00Z'), 'geen');
      for (const stream of [onA, onB]) {
        const next = await stream.next((e) => e.event === 'snapshot' && (JSON.parse(e.data) as DashboardSnapshot).funnel.completed === 1);
        expect((JSON.parse(next.data) as DashboardSnapshot).situations.rows.find((r) => r.situation === 'vso-vo')?.geen).toBe(1);
      }
    } finally {
      onA.close();
      onB.close();
    }
  });

  it('brings an admin action on one instance (the target) to the other', async () => {
    const onA = await openSse(`${urlA}/api/tracking/rounds/${roundId}/events`, headers);
    try {
      await onA.next((e) => e.event === 'snapshot');
      const res = await appB.inject({ method: 'PUT', url: `/api/tracking/rounds/${roundId}/target`, headers, payload: { target: 40 } });
      expect(res.statusCode).toBe(200);
      const next = await onA.next((e) => e.event === 'snapshot' && (JSON.parse(e.data) as DashboardSnapshot).round.target === 40);
      expect((JSON.parse(next.data) as DashboardSnapshot).funnel.targetProgress).toBe(1 / 40);
    } finally {
      onA.close();
    }
  });

  it('brings a bounce recorded by a worker on another connection to an open dashboard', async () => {
    const onA = await openSse(`${urlA}/api/tracking/rounds/${roundId}/events`, headers);
    try {
      await onA.next((e) => e.event === 'snapshot');
      await second.db.updateTable('invitations').set({ bounced_at: new Date() }).where('id', '=', otherInvitation).execute();
      await onA.next((e) => e.event === 'snapshot' && (JSON.parse(e.data) as DashboardSnapshot).funnel.bounced === 1);
    } finally {
      onA.close();
    }
  });

  it('keeps the dashboard live after the LISTEN connection was cut (database restart, failover)', async () => {
    const onA = await openSse(`${urlA}/api/tracking/rounds/${roundId}/events`, headers);
    try {
      const first = JSON.parse((await onA.next((e) => e.event === 'snapshot')).data) as DashboardSnapshot;
      // Cut every LISTEN connection on the database, as a restart would.
      await sql`select pg_terminate_backend(pid) from pg_stat_activity
                where datname = current_database() and pid <> pg_backend_pid() and query ilike 'LISTEN%'`.execute(shared.db);
      await second.db.updateTable('invitations').set({ opted_out_at: new Date() }).where('id', '=', otherInvitation).execute();
      await onA.next((e) => e.event === 'snapshot' && (JSON.parse(e.data) as DashboardSnapshot).funnel.optedOut === first.funnel.optedOut + 1);
      // And it hears later changes again.
      await second.db.updateTable('invitations').set({ opted_out_at: null }).where('id', '=', otherInvitation).execute();
      await onA.next((e) => e.event === 'snapshot' && (JSON.parse(e.data) as DashboardSnapshot).funnel.optedOut === first.funnel.optedOut);
    } finally {
      onA.close();
    }
  });
});
