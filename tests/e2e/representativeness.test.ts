import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import type { Config } from '../../server/config';
import type { SchoolKind } from '../../server/db/types';
import { parseTarget, targetedInvitations } from '../../server/mailings/targets';
import { fanOutDueMailings } from '../../server/mailings/waves';
import { loginAs } from '../helpers/app';
import { collectCspViolations, launchBrowser } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { aRound, aSchool, anInvitation, anSwv, assignSwv, completeInvitation } from '../fixtures/tracking-builders';

const DAY = 86_400_000;

/**
 * A round's dashboard names the groups whose response lags, and an admin plans a reminder for
 * exactly one of them from there; the wave that lands in the database reaches that group's
 * schools that have not completed, and nobody else.
 */
describeEachDatabase('representativeness on the dashboard, in a browser', (getDatabase) => {
  let browser: Browser;
  let app: App;
  let url: string;
  let clock: ManualClock;
  let config: Config;
  let adminContext: BrowserContext;
  let researcherContext: BrowserContext;
  let roundId: number;
  let swvG: number;
  const schools: Array<{ invitationId: number; swv: 'G' | 'H'; sector: SchoolKind; completed: boolean }> = [];

  beforeAll(async () => {
    const db = getDatabase().db;
    clock = new ManualClock(new Date());
    ({ app, url, config } = await listenTestApp(getDatabase(), { clock }));
    browser = await launchBrowser();
    roundId = await aRound(db, { name: 'IMAGE 2026', opensAt: new Date(Date.now() - 10 * DAY), closesAt: new Date(Date.now() + 30 * DAY) });
    swvG = await anSwv(db, { sector: 'vo', name: 'Voortgezet onderwijs Gooi' });
    const swvH = await anSwv(db, { sector: 'po', name: 'Primair onderwijs Heuvelrug' });
    await assignSwv(db, roundId, swvG, 'vo-vo', 'G');
    await assignSwv(db, roundId, swvH, 'po-po', 'H');
    // G: vo 20 (1 completed), po 10 (6); H: po 30 (15), vo 10 (5). 70 invited, 27 completed.
    const cells: Array<['G' | 'H', SchoolKind, number, number, string]> = [
      ['G', 'vo', 20, 1, 'Noord-Holland'],
      ['G', 'po', 10, 6, 'Noord-Holland'],
      ['H', 'po', 30, 15, 'Utrecht'],
      ['H', 'vo', 10, 5, 'Utrecht'],
    ];
    for (const [swv, sector, count, completed, province] of cells) {
      for (let i = 0; i < count; i++) {
        const schoolId = await aSchool(db, { kind: sector, province, name: `${sector}-school ${swv}${i + 1}` });
        const done = i < completed;
        const invitationId = await anInvitation(db, {
          roundId,
          swvId: swv === 'G' ? swvG : swvH,
          schoolId,
          status: done ? 'completed' : i % 3 === 0 ? 'started' : 'invited',
          at: new Date(Date.now() - 3 * DAY),
        });
        schools.push({ invitationId, swv, sector, completed: done });
      }
    }
    const login = async (role: 'admin' | 'researcher') => {
      const { headers } = await loginAs(db, role, clock.now());
      const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
      const [name, value] = headers.cookie.split('=') as [string, string];
      await context.addCookies([{ name, value, url }]);
      return context;
    };
    adminContext = await login('admin');
    researcherContext = await login('researcher');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('names the lagging group and plans a reminder wave for exactly its schools that have not completed', async () => {
    const db = getDatabase().db;
    const page = await adminContext.newPage();
    const violations = await collectCspViolations(page);
    await page.goto(`${url}/admin/respons/${roundId}`);
    await page.getByRole('heading', { name: 'Representativiteit' }).waitFor();
    const first = page.locator('[data-testid="lagging-groups"] > li').first();
    await first.locator('.mr-lagging-name', { hasText: 'vo-scholen in SWV G: 1 van 20' }).waitFor();
    // The tables say what the figures mean.
    expect(await page.getByTestId('repr-sector-summary').textContent()).toMatch(/^De respons is naar sector/);
    expect(await page.getByTestId('repr-size-summary').textContent()).toContain('geen leerlingaantallen');

    // Live: a school of the group completes elsewhere; the panel counts again without a reload.
    const next = schools.find((s) => s.swv === 'G' && s.sector === 'vo' && !s.completed)!;
    await completeInvitation(db, next.invitationId, new Date());
    next.completed = true;
    await first.locator('.mr-lagging-name', { hasText: 'vo-scholen in SWV G: 2 van 20' }).waitFor();

    await first.getByRole('button', { name: 'Herinnering plannen voor deze groep' }).click();
    await first.getByText('(nu 18 bereikbaar)', { exact: false }).waitFor();
    await first.getByRole('button', { name: 'Herinnering plannen', exact: true }).click();
    await page.getByTestId('schedule-done').filter({ hasText: 'Herinnering gepland voor vo-scholen in SWV G' }).waitFor();

    const waves = await db.selectFrom('mailings').selectAll().where('round_id', '=', roundId).execute();
    expect(waves).toHaveLength(1);
    const wave = waves[0]!;
    expect(wave.kind).toBe('reminder');
    expect(wave.status).toBe('scheduled');
    expect(wave.target).toEqual({ status: 'not-completed', swvIds: [swvG], sectors: ['vo'] });
    expect(Math.abs(new Date(wave.due_at).getTime() - Date.now())).toBeLessThan(5 * 60_000);

    const wanted = schools.filter((s) => s.swv === 'G' && s.sector === 'vo' && !s.completed).map((s) => s.invitationId).sort((a, b) => a - b);
    expect(wanted).toHaveLength(18);
    const reached = await targetedInvitations(db, roundId, parseTarget(wave.target, wave.kind), clock.now());
    expect(reached.map((c) => c.id).sort((a, b) => a - b)).toEqual(wanted);
    // And the wave itself, when it goes out, queues a mail for those schools only.
    clock.set(new Date(Date.now() + 60_000));
    await fanOutDueMailings(db, clock.now(), config.mailFrom);
    const queued = await db.selectFrom('outbox_messages').select('invitation_id').where('mailing_id', '=', wave.id).execute();
    expect(queued.map((q) => q.invitation_id!).sort((a, b) => a - b)).toEqual(wanted);

    // Usable at 360 px: the page does not scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('calculates the target from a sample size and makes it the dashboard target', async () => {
    const page = await adminContext.newPage();
    await page.goto(`${url}/admin/respons/${roundId}`);
    const panel = page.getByTestId('target-panel');
    await panel.getByText('Doel berekenen uit de steekproefgrootte').click();
    await panel.getByLabel('Zelf invullen').check();
    await panel.getByLabel('Populatie (aantal scholen)').fill('4500');
    await panel.getByLabel('Foutmarge (%)').fill('5');
    await panel.getByLabel('Betrouwbaarheid').selectOption({ label: '90%' });
    await panel.getByLabel('Verwachte spreiding (%)').fill('50');
    await panel.getByRole('button', { name: 'Berekenen' }).click();
    await panel.getByTestId('sample-size-result').filter({ hasText: 'Nodig: 256 respondenten' }).waitFor();
    await panel.getByLabel('Foutmarge (%)').fill('0');
    await panel.getByRole('button', { name: 'Berekenen' }).click();
    await panel.getByRole('alert').filter({ hasText: 'De foutmarge moet groter dan 0% zijn' }).waitFor();
    await panel.getByLabel('Foutmarge (%)').fill('5');
    await panel.getByRole('button', { name: 'Als doel opslaan' }).click();
    await panel.getByTestId('target-value').filter({ hasText: /^256$/ }).waitFor();
    expect(await page.getByText('Doel 256 respondenten').count()).toBe(1);
    const round = await getDatabase().db.selectFrom('rounds').select('target_respondents').where('id', '=', roundId).executeTakeFirstOrThrow();
    expect(round.target_respondents).toBe(256);
    await page.close();
  });

  it('shows researchers the lagging groups without the button to plan a reminder', async () => {
    const page = await researcherContext.newPage();
    await page.goto(`${url}/admin/respons/${roundId}`);
    await page.locator('[data-testid="lagging-groups"] .mr-lagging-name', { hasText: 'vo-scholen in SWV G' }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Herinnering plannen voor deze groep' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Als doel opslaan' }).count()).toBe(0);
    await page.close();
  });
});
