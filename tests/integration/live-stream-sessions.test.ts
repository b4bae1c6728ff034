import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { loginAs } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { openSse, type SseStream } from '../helpers/sse';
import { anInvitation, anSwv, aRound, assignSwv } from '../fixtures/tracking-builders';

/** Resolves to 'ended' when the server ends the stream, 'open' when it is still open after `ms`. */
const endsWithin = (stream: SseStream, ms: number) =>
  Promise.race([stream.ended.then(() => 'ended' as const), new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms))]);

/**
 * A live dashboard stream belongs to a session: it ends when the session ends (logout, the user
 * disabled, expiry, or a logout handled by another instance), not when its 10-minute lifetime
 * runs out.
 */
describeEachDatabase('live streams end with the session', (getDatabase) => {
  let app: App;
  let url: string;
  let clock: ManualClock;
  let roundId: number;

  beforeAll(async () => {
    ({ app, url, clock } = await listenTestApp(getDatabase()));
    const db = getDatabase().db;
    roundId = await aRound(db, { name: 'Live' });
    const swv = await anSwv(db, { code: 'PO2811', name: 'Live SWV' });
    await assignSwv(db, roundId, swv, 'po-ko', 'K');
    await anInvitation(db, { roundId, swvId: swv, status: 'invited', schoolName: 'De Liveschool' });
  });
  afterAll(async () => app.close());

  async function openDashboard() {
    const user = await loginAs(getDatabase().db, 'researcher', clock.now());
    const stream = await openSse(`${url}/api/tracking/rounds/${roundId}/events`, user.headers);
    expect(stream.status).toBe(200);
    await stream.next((e) => e.event === 'snapshot');
    return { user, stream };
  }

  it('ends at logout, while another user’s stream stays open', async () => {
    const mine = await openDashboard();
    const other = await openDashboard();
    try {
      const out = await fetch(`${url}/api/auth/logout`, { method: 'POST', headers: mine.user.headers });
      expect(out.status).toBe(200);
      expect(await endsWithin(mine.stream, 3000)).toBe('ended');
      expect(await endsWithin(other.stream, 100)).toBe('open');
    } finally {
      mine.stream.close();
      other.stream.close();
    }
  });

  it('ends when an admin disables the user', async () => {
    const { user, stream } = await openDashboard();
    const admin = await loginAs(getDatabase().db, 'admin', clock.now());
    try {
      const res = await app.inject({ method: 'PATCH', url: `/api/users/${user.user.id}`, headers: admin.headers, payload: { disabled: true } });
      expect(res.statusCode).toBe(200);
      expect(await endsWithin(stream, 3000)).toBe('ended');
    } finally {
      stream.close();
    }
  });

  it('ends when the session expires, and when another instance ended it', async () => {
    const expiring = await openDashboard();
    const elsewhere = await openDashboard();
    try {
      // Another instance's logout: the row is gone, this process was not told.
      await getDatabase().db.deleteFrom('sessions').where('user_id', '=', elsewhere.user.user.id).execute();
      // Sessions last at most 7 days.
      clock.advance(8 * 24 * 60 * 60 * 1000);
      expect(await endsWithin(elsewhere.stream, 15_000)).toBe('ended');
      expect(await endsWithin(expiring.stream, 15_000)).toBe('ended');
    } finally {
      expiring.stream.close();
      elsewhere.stream.close();
    }
  });
});
