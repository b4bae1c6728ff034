import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import { loginAs } from '../helpers/app';
import { launchBrowser } from '../helpers/browser';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { anAdminWorld, type AdminWorld } from '../fixtures/admin-world';

/**
 * axe-core on every page a person meets: each admin page, the login page, the SWV view and every
 * state of a school's personal link (consent, question, refusal, completion, closed), on a
 * 1366 px desktop and a 390 px phone. Any violation of any impact fails. The browser is what is
 * tested, so the file runs once: on PostgreSQL when TEST_DATABASE_URL is set, else on PGlite.
 * SCREENSHOTS=dir saves a screenshot of every page for a human look.
 */

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SHOTS = process.env.SCREENSHOTS;
const kind = testDatabaseUrl ? 'postgres' : 'pglite';
const WIDTHS = [1366, 390] as const;

async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses inline scripts.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`);
}

describe(`accessibility of every page [${kind}]`, () => {
  let database: TestDatabase;
  let browser: Browser;
  let app: App;
  let url: string;
  let world: AdminWorld;
  let cookie: { name: string; value: string };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const clock = new ManualClock(new Date());
    ({ app, url } = await listenTestApp(database, { clock }));
    browser = await launchBrowser();
    world = await anAdminWorld(database.db, clock.now());
    const { headers } = await loginAs(database.db, 'admin', clock.now());
    const [name, value] = headers.cookie.split('=') as [string, string];
    cookie = { name, value };
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.close();
  });

  async function context(width: number, admin: boolean): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport: { width, height: width > 800 ? 900 : 844 }, timezoneId: 'Europe/Amsterdam', locale: 'nl-NL' });
    ctx.setDefaultTimeout(15_000);
    if (admin) await ctx.addCookies([{ ...cookie, url }]);
    return ctx;
  }

  /** Loads a page, waits until it has rendered its content, runs axe; returns the violations. */
  async function check(page: Page, path: string, ready: (page: Page) => Promise<unknown>, shot: string): Promise<string[]> {
    await page.goto(`${url}${path}`);
    try {
      await ready(page);
    } catch (error) {
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/failed-${shot}.png`, fullPage: true });
      throw new Error(`${path} did not render: ${(error as Error).message.split('\n')[0]}`);
    }
    await page.waitForFunction(() => !document.body.innerText.includes('Bezig met laden'));
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/${shot}.png`, fullPage: true });
    return (await axeViolations(page)).map((v) => `${path}: ${v}`);
  }

  const h1 = (page: Page) => page.locator('main h1, main h2').first().waitFor();

  for (const width of WIDTHS) {
    it(`finds no violation on any admin page at ${width} px`, async () => {
      const ctx = await context(width, true);
      const page = await ctx.newPage();
      const pages: Array<[string, string]> = [
        ['/admin/', 'home'],
        ['/admin/rounds', 'rounds'],
        [`/admin/rounds/${world.draftRoundId}`, 'round-draft'],
        [`/admin/rounds/${world.openRoundId}`, 'round-open'],
        [`/admin/rounds/${world.openRoundId}/partners`, 'partners'],
        ['/admin/respons', 'respons'],
        [`/admin/respons/${world.openRoundId}`, 'dashboard'],
        ['/admin/mail', 'mail'],
        [`/admin/mail/rounds/${world.openRoundId}`, 'mail-round'],
        [`/admin/mail/rounds/${world.draftRoundId}`, 'mail-round-draft'],
        [`/admin/mail/invitations/${world.invitationId}`, 'mail-log'],
        ['/admin/mail/outbox', 'outbox'],
        [`/admin/mail/outbox/${world.outboxMessageId}`, 'outbox-message'],
        ['/admin/schools', 'schools'],
        ['/admin/imports', 'imports'],
        ['/admin/exports', 'exports'],
        [`/admin/exports/${world.openRoundId}`, 'report-tables'],
        ['/admin/compare', 'compare'],
        ['/admin/voorbeeld', 'voorbeeld'],
        ['/admin/users', 'users'],
        ['/admin/privacy', 'privacy'],
        ['/admin/audit', 'audit'],
      ];
      const violations: string[] = [];
      for (const [path, shot] of pages) violations.push(...(await check(page, path, h1, `${shot}-${width}`)));
      // The round page with its collapsed parts open: the school browser and "School toevoegen".
      await page.goto(`${url}/admin/rounds/${world.draftRoundId}`);
      await page.getByRole('heading', { name: 'Wie wordt uitgenodigd' }).waitFor();
      await page.getByText('Alle scholen van deze meting').click();
      await page.getByText('School toevoegen', { exact: true }).click();
      await page.getByLabel('Toon').waitFor();
      await page.getByLabel('Vestigingscode').waitFor();
      await page.getByLabel('Meetellen bij').waitFor();
      violations.push(...(await axeViolations(page)).map((v) => `round page, details open: ${v}`));
      // The compact menu opened on a phone, the Beheer menu on a desktop.
      if (width < 800) await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('button', { name: /Beheer/ }).click();
      await page.getByRole('link', { name: 'Logboek' }).waitFor();
      violations.push(...(await axeViolations(page)).map((v) => `menu open: ${v}`));
      expect(violations).toEqual([]);
      await ctx.close();
    }, 240_000);

    it(`finds no violation on the login page, the SWV view and every state of a school's link at ${width} px`, async () => {
      const ctx = await context(width, false);
      const page = await ctx.newPage();
      const violations: string[] = [];
      violations.push(...(await check(page, '/admin/', (p) => p.getByRole('heading', { name: /Inloggen/ }).waitFor(), `login-${width}`)));
      violations.push(...(await check(page, `/v/${world.swvToken}`, h1, `swv-${width}`)));
      const s = (token: string) => `/s/${token}`;
      violations.push(...(await check(page, s(world.links.consent), (p) => p.getByText('Ja, ik ga akkoord').waitFor(), `consent-${width}`)));
      // The first question, after consent.
      await page.goto(`${url}${s(width > 800 ? world.links.question : world.links.question2)}`);
      await page.getByText('Ja, ik ga akkoord').click();
      await page.getByRole('button', { name: 'Volgende' }).click();
      await page.getByRole('group', { name: /Wat is uw functie/ }).waitFor();
      if (SHOTS) await page.screenshot({ path: `${SHOTS}/question-${width}.png`, fullPage: true });
      violations.push(...(await axeViolations(page)).map((v) => `question page: ${v}`));
      violations.push(...(await check(page, s(world.links.refused), (p) => p.getByRole('heading', { name: 'Bedankt voor uw reactie' }).waitFor(), `refused-${width}`)));
      violations.push(...(await check(page, s(world.links.completed), (p) => p.getByTestId('thank-you').waitFor(), `completed-${width}`)));
      violations.push(...(await check(page, s(world.links.closed), (p) => p.getByRole('heading', { name: /werkt niet/ }).waitFor(), `closed-${width}`)));
      expect(violations).toEqual([]);
      await ctx.close();
    }, 240_000);
  }
});
