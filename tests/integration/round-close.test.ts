import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import { scheduleRoundMailings } from '../../server/mailings/waves';
import type { Worker } from '../../server/worker';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { aMailRound, aRoundWithSchools } from '../fixtures/mail-rounds';

/** An admin closes a round before its close date: nothing more goes out, answers stay. */
describeEachDatabase('closing a round early', (getDatabase) => {
  let sink: SmtpSink;
  let worker: Worker;
  let app: App;
  let clock: ManualClock;
  const db = () => getDatabase().db;

  beforeAll(async () => {
    sink = await startSmtpSink();
    clock = new ManualClock('2026-03-02T08:00:00Z');
    ({ app } = await makeTestApp(getDatabase(), { clock }));
    ({ worker } = makeTestWorker(getDatabase(), { clock, config: { smtpUrl: sink.url } }));
  });
  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    await sink?.close();
  });

  // A fresh session at the clock's time (the test moves the clock by days).
  const close = async (roundId: number | string, role: 'admin' | 'researcher' = 'admin') =>
    app.inject({ method: 'POST', url: `/api/rounds/${roundId}/close`, headers: (await loginAs(db(), role, clock.now())).headers });

  it('cancels the waiting reminder, withdraws nothing already sent, and sets the close date to now', async () => {
    const round = await aRoundWithSchools(db(), { count: 6, prefix: 'close-a' });
    await scheduleRoundMailings(db(), round.roundId, clock.now());
    await worker.drain();
    expect(sink.received.filter((m) => m.to.startsWith('close-a'))).toHaveLength(6);

    clock.advanceDays(3);
    const response = await close(round.roundId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ roundId: round.roundId, cancelledWaves: 1 });

    const stored = await db().selectFrom('rounds').select(['status', 'closes_at']).where('id', '=', round.roundId).executeTakeFirstOrThrow();
    expect(stored.status).toBe('closed');
    expect(new Date(stored.closes_at!).toISOString()).toBe(clock.now().toISOString());
    const waves = await db().selectFrom('mailings').select(['kind', 'status']).where('round_id', '=', round.roundId).orderBy('id').execute();
    expect(waves).toEqual([
      { kind: 'invitation', status: 'sent' },
      { kind: 'reminder', status: 'cancelled' },
    ]);

    // Two weeks later the reminder does not go out.
    clock.advanceDays(14);
    await worker.drain();
    expect(sink.received.filter((m) => m.to.startsWith('close-a'))).toHaveLength(6);

    const audit = await db().selectFrom('audit_log').select(['action', 'target']).where('action', '=', 'round.close').execute();
    expect(audit).toContainEqual({ action: 'round.close', target: `round:${round.roundId}` });
  });

  it('refuses, in Dutch, to close a draft, a closed round twice, or an unknown round', async () => {
    const draft = await aMailRound(db(), { status: 'draft' });
    const refused = await close(draft.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/nog niet geopend/);

    const round = await aRoundWithSchools(db(), { count: 1, prefix: 'close-b' });
    expect((await close(round.roundId)).statusCode).toBe(200);
    const twice = await close(round.roundId);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().message).toBe('Deze meting is al gesloten.');

    expect((await close(2_000_000)).statusCode).toBe(404);
    expect((await close('abc')).statusCode).toBe(400);
    expect((await close('-1')).statusCode).toBe(400);
  });

  it('is for admins only', async () => {
    const round = await aRoundWithSchools(db(), { count: 1, prefix: 'close-c' });
    expect((await close(round.roundId, 'researcher')).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: `/api/rounds/${round.roundId}/close` })).statusCode).toBe(401);
    const stored = await db().selectFrom('rounds').select('status').where('id', '=', round.roundId).executeTakeFirstOrThrow();
    expect(stored.status).toBe('open');
  });
});
