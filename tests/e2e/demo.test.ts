import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock';
import { DEMO_ADMIN, DEMO_TARGET, openDemoRound, prepareDemo, type DemoRound } from '../../server/demo/setup';
import { DemoSimulation, firstAnswers, planSchools } from '../../server/demo/simulate';
import { dashboardSnapshot } from '../../server/tracking/dashboard';
import { verifyPassword } from '../../server/auth/password';
import { mkdirSync } from 'node:fs';
import type { App } from '../../server/app';
import { loginAs } from '../helpers/app';
import { collectCspViolations, launchBrowser } from '../helpers/browser';
import { listenTestApp } from '../helpers/server';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';

/**
 * `npm run demo` in fast-forward: the same setup, worker and simulated schools as the demo, on a
 * ManualClock moved through the round's six weeks. PGlite only: the demo runs on PGlite. At the
 * end the dashboard is opened in Chromium; its screenshot is the README's (docs/screenshots/).
 */
describe('the demo study', () => {
  let database: TestDatabase;
  let demo: DemoRound;
  let invitationIds: number[];
  const clock = new ManualClock('2026-09-07T07:00:00Z');
  const start = clock.now();
  let simulation: DemoSimulation;
  let app: App;
  let url: string;
  const HOUR = 60 * 60 * 1000;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    demo = await prepareDemo(database.db, start);
    let config;
    ({ app, url, config } = await listenTestApp(database, { clock }));
    const { worker } = makeTestWorker(database, { clock, config });
    invitationIds = await openDemoRound(database.db, demo, clock.now(), config.secret);
    simulation = new DemoSimulation(app, database.db, { roundId: demo.roundId, secret: config.secret, invitationIds, skip: [invitationIds[0]!] });
    // Six weeks in steps of eight hours: the worker sends what is due, the schools act.
    while (clock.now().getTime() < start.getTime() + 42 * 24 * HOUR) {
      await worker.drain();
      await simulation.step(clock.now());
      clock.advance(8 * HOUR);
    }
    await worker.drain();
  }, 420_000);

  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('creates the demo admin with the printed password', async () => {
    const admin = await database.db.selectFrom('users').selectAll().where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow();
    expect(admin.role).toBe('admin');
    expect(await verifyPassword(DEMO_ADMIN.password, admin.password_hash!)).toBe(true);
  });

  it('invites every reachable school of the IMAGE regions on the first day', async () => {
    expect(invitationIds.length).toBeGreaterThan(1200);
    const invited = await database.db
      .selectFrom('invitations')
      .select(['invited_at'])
      .where('round_id', '=', demo.roundId)
      .execute();
    expect(invited.every((i) => i.invited_at !== null && new Date(i.invited_at).getTime() < start.getTime() + 24 * HOUR)).toBe(true);
  });

  it('ends near the 2023 round: about 17% completed, branches a quarter / a sixth / the rest', async () => {
    expect(simulation.figures.failures).toBe(0);
    const responses = await database.db
      .selectFrom('responses')
      .innerJoin('invitations', 'invitations.id', 'responses.invitation_id')
      .select(['responses.branch', 'responses.completed_at'])
      .where('invitations.round_id', '=', demo.roundId)
      .where('responses.completed_at', 'is not', null)
      .execute();
    const share = responses.length / invitationIds.length;
    expect(share).toBeGreaterThan(0.13);
    expect(share).toBeLessThan(0.21);
    const branchShare = (b: string) => responses.filter((r) => r.branch === b).length / responses.length;
    expect(branchShare('wel')).toBeGreaterThan(0.15);
    expect(branchShare('wel')).toBeLessThan(0.35);
    expect(branchShare('plannen')).toBeGreaterThan(0.07);
    expect(branchShare('plannen')).toBeLessThan(0.25);
    expect(branchShare('geen')).toBeGreaterThan(0.45);
    expect(simulation.figures.completed).toBe(responses.length);
  });

  it('sends the reminder after two weeks to those who had not completed, and some answer only then', async () => {
    const reminders = await database.db
      .selectFrom('outbox_messages')
      .innerJoin('mailings', 'mailings.id', 'outbox_messages.mailing_id')
      .innerJoin('invitations', 'invitations.id', 'outbox_messages.invitation_id')
      .select(['outbox_messages.sent_at', 'invitations.invited_at', 'invitations.completed_at', 'invitations.refused_at', 'invitations.id'])
      .where('mailings.kind', '=', 'reminder')
      .where('mailings.round_id', '=', demo.roundId)
      .where('outbox_messages.status', '=', 'sent')
      .execute();
    expect(reminders.length).toBeGreaterThan(invitationIds.length * 0.6);
    for (const r of reminders) {
      const sent = new Date(r.sent_at!).getTime();
      expect(sent - new Date(r.invited_at!).getTime()).toBeGreaterThanOrEqual(14 * 24 * HOUR);
      // Nobody who had completed or refused before the reminder got it.
      if (r.completed_at) expect(new Date(r.completed_at).getTime()).toBeGreaterThan(sent);
      if (r.refused_at) expect(new Date(r.refused_at).getTime()).toBeGreaterThan(sent);
    }
    const completedAfterReminder = reminders.filter((r) => r.completed_at !== null);
    expect(completedAfterReminder.length).toBeGreaterThan(10);
  });

  it('keeps no answers of schools that refused', async () => {
    const refused = await database.db
      .selectFrom('invitations')
      .leftJoin('responses', 'responses.invitation_id', 'invitations.id')
      .select(['invitations.id', 'responses.id as responseId'])
      .where('invitations.round_id', '=', demo.roundId)
      .where('invitations.status', '=', 'refused')
      .execute();
    expect(refused.length).toBe(simulation.figures.refused);
    expect(refused.length).toBeGreaterThan(10);
    expect(refused.every((r) => r.responseId === null)).toBe(true);
  });

  it('shows the same figures on the dashboard, against the IMAGE target of 256', async () => {
    const snapshot = await dashboardSnapshot(database.db, demo.roundId, clock.now());
    expect(snapshot).not.toBeNull();
    expect(snapshot!.round.target).toBe(DEMO_TARGET);
    expect(snapshot!.funnel.invited).toBe(invitationIds.length);
    expect(snapshot!.funnel.completed).toBe(simulation.figures.completed);
    expect(snapshot!.funnel.refused).toBe(simulation.figures.refused);
    expect(snapshot!.funnel.opened).toBeGreaterThanOrEqual(simulation.figures.opened);
  });

  it('shows the live dashboard of the demo round in a browser (the README screenshot)', async () => {
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const { headers } = await loginAs(database.db, 'admin', clock.now());
      const [name, value] = headers.cookie.split('=') as [string, string];
      await context.addCookies([{ name, value, url }]);
      const page = await context.newPage();
      const violations = await collectCspViolations(page);
      await page.goto(`${url}/admin/respons/${demo.roundId}`);
      await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
      expect(await page.getByTestId('funnel-completed').first().textContent()).toBe(String(simulation.figures.completed));
      await page.locator('canvas').first().waitFor();
      await page.waitForTimeout(500); // let the charts finish their first draw
      mkdirSync('docs/screenshots', { recursive: true });
      await page.screenshot({ path: 'docs/screenshots/dashboard.png', fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1500 } });
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('saves a school halfway as the first answers of its full response', () => {
    const full = { Q_consent: 'ja', Q_mate: 'wel', Q_a: 1, Q_b: 'anders', 'Q_b-Comment': 'tekst', Q_c: 3, Q_d: 4 };
    expect(firstAnswers(full, { Q_consent: 'ja', Q_mate: 'wel' }, 2)).toEqual({ Q_consent: 'ja', Q_mate: 'wel', Q_a: 1, Q_b: 'anders', 'Q_b-Comment': 'tekst' });
    expect(firstAnswers(full, { Q_consent: 'ja', Q_mate: 'wel' }, 0)).toEqual({ Q_consent: 'ja', Q_mate: 'wel' });
  });

  it('plans the same schools on every run', () => {
    const ids = Array.from({ length: 500 }, (_, i) => i + 1);
    expect(planSchools(ids, 7)).toEqual(planSchools(ids, 7));
    expect(planSchools(ids, 7)).not.toEqual(planSchools(ids, 8));
  });
});
