import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { issueSetupToken } from '../../server/auth/setup';
import { ManualClock } from '../../server/clock';
import { formatDay, fromWallTime, wallTime } from '../../server/time';
import { loginAs } from '../helpers/app';
import { launchBrowser } from '../helpers/browser';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { anAdminWorld, LONG_SWV, type AdminWorld } from '../fixtures/admin-world';

/**
 * An admin's and a school's day in Chromium (issue 24): opening a round shows what will be sent
 * and the outbox fills at once; the mail names the day the round really closes; times agree on
 * every page whatever the time zones of server and browser; identical waves are refused; the
 * preview uses a real school; forms say what is wrong; the menu fits; the consent question is on
 * a phone's first screen. The browser is what is tested: one database (PostgreSQL when
 * TEST_DATABASE_URL is set, else PGlite).
 */

const kind = testDatabaseUrl ? 'postgres' : 'pglite';
const DAY = 86_400_000;
const originalTz = process.env.TZ;

/** Words of an element that the layout split over two lines (a mid-word break). */
async function splitWords(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const out: string[] = [];
    for (const element of Array.from(document.querySelectorAll(sel))) {
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        // (A break after a hyphen, as in "IMAGE-onderzoek", is a proper one.)
        for (const match of text.matchAll(/[\p{L}()]{6,}/gu)) {
          const range = document.createRange();
          range.setStart(node, match.index!);
          range.setEnd(node, match.index! + match[0].length);
          const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
          if (lines.size > 1) out.push(match[0]);
        }
      }
    }
    return out;
  }, selector);
}

describe(`an admin's and a school's day [${kind}]`, () => {
  let database: TestDatabase;
  let browser: Browser;
  let app: App;
  let url: string;
  let clock: ManualClock;
  let world: AdminWorld;
  let setupToken: string;
  const db = () => database.db;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    clock = new ManualClock(new Date());
    ({ app, url } = await listenTestApp(database, { clock, config: { mailPerHour: 500, mailPerMinute: 0, mailPerDay: 0 } }));
    browser = await launchBrowser();
    world = await anAdminWorld(db(), clock.now());
    setupToken = (await issueSetupToken(db(), clock.now()))!;
  });
  afterAll(async () => {
    process.env.TZ = originalTz;
    await browser?.close();
    await app?.close();
    await database?.close();
  });

  async function adminContext(width: number, timezoneId = 'Europe/Amsterdam'): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport: { width, height: width > 800 ? 900 : 844 }, timezoneId, locale: 'nl-NL' });
    ctx.setDefaultTimeout(15_000);
    const { headers } = await loginAs(db(), 'admin', clock.now());
    const [name, value] = headers.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name, value, url }]);
    return ctx;
  }

  it('says in words, on the setup form, that a password is too short', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await page.goto(`${url}/admin/setup?token=${setupToken}`);
    await page.getByLabel('Naam').fill('Eerste beheerder');
    await page.getByLabel('E-mailadres').fill('beheer@example.test');
    await page.getByLabel('Wachtwoord', { exact: true }).fill('kort');
    await page.getByRole('button', { name: 'Account aanmaken' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Kies een wachtwoord van minstens 10 tekens.');
    expect(await alert.isVisible()).toBe(true);
    await ctx.close();
  });

  it('does not load the charts on the login page', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const scripts: string[] = [];
    page.on('response', async (response) => {
      if (response.url().endsWith('.js')) scripts.push(await response.text());
    });
    await page.goto(`${url}/admin/`);
    await page.getByRole('heading', { name: /Inloggen/ }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((s) => s.includes('chartjs'))).toEqual([]);
    await ctx.close();
  });

  it('groups the menu on one line at 1280 px and folds it on a phone', async () => {
    const wide = await adminContext(1280);
    const page = await wide.newPage();
    await page.goto(`${url}/admin/`);
    const links = page.locator('#mr-nav > ul > li > a');
    await links.first().waitFor();
    expect(await links.allTextContents()).toEqual(['Metingen', 'Vragenlijsten', 'Respons', 'E-mail', 'Scholen', 'Adresbestanden', 'Exporteren', 'Vergelijken']);
    // One line: every entry at the same height, and the header no taller than one row.
    const middles = await page.locator('#mr-nav > ul a, .mr-nav-more-toggle').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return r.top + r.height / 2;
      }),
    );
    expect(Math.max(...middles) - Math.min(...middles)).toBeLessThan(8);
    expect(await page.locator('.mr-header').evaluate((h) => h.getBoundingClientRect().height)).toBeLessThan(70);
    await page.getByRole('button', { name: /Beheer/ }).click();
    await page.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Logboek' }).click();
    await page.getByRole('heading', { name: 'Logboek' }).waitFor();
    await wide.close();

    const phone = await adminContext(390);
    const small = await phone.newPage();
    await small.goto(`${url}/admin/`);
    await small.getByRole('button', { name: 'Menu' }).waitFor();
    expect(await small.getByRole('link', { name: 'Metingen', exact: true }).first().isVisible()).toBe(true); // on the start page
    expect(await small.locator('#mr-nav').isVisible()).toBe(false);
    await small.getByRole('button', { name: 'Menu' }).click();
    expect(await small.locator('#mr-nav a', { hasText: 'Respons' }).isVisible()).toBe(true);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.close();
  });

  it('shows the consent question and its buttons on the first screen of a phone, the introduction one tap away', async () => {
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, timezoneId: 'Europe/Amsterdam' });
    const page = await ctx.newPage();
    await page.goto(`${url}/s/${world.links.consent}`);
    const no = page.getByText('Nee, ik ga niet akkoord');
    await no.waitFor();
    for (const target of [page.getByText('Ja, ik ga akkoord'), no, page.getByRole('button', { name: /Verzenden|Volgende/ })]) {
      const box = (await target.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(844);
    }
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    expect(await page.getByText('Per school vult één persoon').isVisible()).toBe(false);
    await page.getByText('Over dit onderzoek').click();
    expect(await page.getByText('Per school vult één persoon').isVisible()).toBe(true);
    expect(await page.locator('.mr-r-school').textContent()).toBe('Basisschool Het Startpunt · Meting 2025');
    expect(await splitWords(page, '.mr-r')).toEqual([]);
    await ctx.close();
  });

  it('shows the SWV table whole at 1366 px with names wrapped between words', async () => {
    const ctx = await adminContext(1366);
    const page = await ctx.newPage();
    await page.goto(`${url}/admin/respons/${world.openRoundId}`);
    const table = page.getByTestId('swv-table');
    await table.getByText(LONG_SWV).waitFor();
    const fits = await table.evaluate((t) => {
      const wrap = t.parentElement!;
      const last = t.querySelector('thead th:last-child')!.getBoundingClientRect();
      return { scroll: wrap.scrollWidth <= wrap.clientWidth + 1, lastInView: last.right <= wrap.getBoundingClientRect().right + 1 };
    });
    expect(fits).toEqual({ scroll: true, lastInView: true });
    expect(await table.getByRole('button', { name: /Laatste activiteit/ }).isVisible()).toBe(true);
    expect(await splitWords(page, '[data-testid="swv-table"] td')).toEqual([]);
    await ctx.close();
  });

  it('keeps the SWV list upload in view with a labelled button, and asks for the sender name of a study', async () => {
    const ctx = await adminContext(1366);
    const page = await ctx.newPage();
    await page.goto(`${url}/admin/rounds/${world.draftRoundId}`);
    await page.getByRole('heading', { name: 'Samenwerkingsverbanden uit een lijst' }).waitFor();
    expect(await page.getByLabel('Lijst met samenwerkingsverbanden').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Lijst controleren' }).isVisible()).toBe(true);

    await page.goto(`${url}/admin/rounds`);
    await page.getByLabel('Naam van het onderzoek').fill('IMAGE vervolg');
    await page.getByLabel('Afzendernaam in de e-mail').fill('Team IMAGE, Universiteit');
    await page.getByRole('button', { name: 'Onderzoek aanmaken' }).click();
    await page.getByText('Onderzoek "IMAGE vervolg" is aangemaakt.').waitFor();
    const study = await db().selectFrom('studies').select('sender_name').where('name', '=', 'IMAGE vervolg').executeTakeFirstOrThrow();
    expect(study.sender_name).toBe('Team IMAGE, Universiteit');
    await ctx.close();
  });

  it('gives CSV and CSV for Dutch Excel different file names', async () => {
    const ctx = await adminContext(1366);
    const names = [];
    for (const format of ['csv', 'csv-nl']) {
      const response = await ctx.request.get(`${url}/api/exports/rounds/${world.openRoundId}/responses?format=${format}`);
      expect(response.status()).toBe(200);
      names.push(response.headers()['content-disposition']);
    }
    expect(names[0]).not.toBe(names[1]);
    expect(names[1]).toContain('excel-nl');
    await ctx.close();
  });

  // The same day, with the server and the browser in different time zones: what the admin types
  // and reads is Dutch time, and the mail promises the day the round keeps.
  for (const [serverTz, browserTz] of [
    ['UTC', 'Europe/Amsterdam'],
    ['Europe/Amsterdam', 'UTC'],
  ] as const) {
    it(`plans, previews and opens a round in Dutch time (server ${serverTz}, browser ${browserTz})`, async () => {
      process.env.TZ = serverTz;
      const world2 = await anAdminWorld(db(), clock.now());
      const roundId = world2.draftRoundId;
      const ctx = await adminContext(1366, browserTz);
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));

      // The close date: a day 50 days ahead, no time; the round closes at the end of that Dutch day.
      const closeDay = wallTime(new Date(clock.now().getTime() + 50 * DAY));
      const iso = `${closeDay.year}-${String(closeDay.month).padStart(2, '0')}-${String(closeDay.day).padStart(2, '0')}`;
      const dayName = formatDay(fromWallTime(closeDay.year, closeDay.month, closeDay.day, 12));
      await page.goto(`${url}/admin/rounds/${roundId}`);
      await page.getByRole('button', { name: 'Instellingen wijzigen' }).click();
      await page.getByLabel('Sluit op').fill(iso);
      await page.getByRole('button', { name: 'Opslaan' }).click();
      await page.getByText(`t/m ${dayName}`).waitFor();
      const round = await db().selectFrom('rounds').select('closes_at').where('id', '=', roundId).executeTakeFirstOrThrow();
      expect(new Date(round.closes_at!).toISOString()).toBe(fromWallTime(closeDay.year, closeDay.month, closeDay.day + 1).toISOString());

      // The preview, before opening, for a real school, promising that day.
      await page.goto(`${url}/admin/mail/rounds/${roundId}`);
      await page.getByRole('button', { name: 'Voorbeeld tonen' }).click();
      await page.getByRole('heading', { name: 'Voorbeeld voor Draftschool A' }).waitFor();
      // (The HTML is in a sandboxed frame; the text version says the same.)
      expect(await page.locator('main pre').textContent()).toContain(`De vragenlijst is open tot en met ${dayName}.`);

      // A wave at 10:00 Dutch time tomorrow: stored as that instant, shown as 10:00.
      const tomorrow = wallTime(new Date(clock.now().getTime() + DAY));
      const at = `${tomorrow.year}-${String(tomorrow.month).padStart(2, '0')}-${String(tomorrow.day).padStart(2, '0')}T10:00`;
      await page.getByLabel('Vanaf een moment').check();
      await page.getByLabel(/Versturen vanaf/).fill(at);
      await page.getByRole('button', { name: 'Aantal en duur berekenen' }).click();
      const estimate = page.getByTestId('wave-estimate');
      await estimate.waitFor();
      // Before opening it counts the schools opening will invite (6 with an address), not 0.
      expect(await estimate.textContent()).toMatch(/Deze golf stuurt 6 e-mails, vanaf \d+ \w+\.? \d{4},? 10:00 \(Nederlandse tijd\)/);
      await page.getByRole('button', { name: 'Golf inplannen' }).click();
      await page.locator('#waves-heading ~ div table tbody tr').first().waitFor();
      const wave = await db().selectFrom('mailings').select(['due_at']).where('round_id', '=', roundId).executeTakeFirstOrThrow();
      expect(new Date(wave.due_at).toISOString()).toBe(fromWallTime(tomorrow.year, tomorrow.month, tomorrow.day, 10, 0).toISOString());
      expect(await page.locator('#waves-heading ~ div table tbody').textContent()).toContain('10:00');

      // The same wave again is refused, in Dutch, on the page.
      await page.getByRole('button', { name: 'Aantal en duur berekenen' }).click();
      await estimate.waitFor();
      await page.getByRole('button', { name: 'Golf inplannen' }).click();
      const refusal = page.getByRole('alert').filter({ hasText: 'gelijke golf' });
      await refusal.waitFor();
      expect(await refusal.textContent()).toContain('10:00 (Nederlandse tijd)');
      expect(await db().selectFrom('mailings').select('id').where('round_id', '=', roundId).execute()).toHaveLength(1);

      // Opening: the plan says how many, to whom, from when, at what pace, and the reminder.
      await page.goto(`${url}/admin/rounds/${roundId}`);
      await page.getByRole('button', { name: 'Meting openen…' }).click();
      const plan = page.getByTestId('open-plan');
      await plan.waitFor();
      const text = (await plan.textContent())!;
      expect(text).toContain('6 uitnodigingen');
      expect(text).toContain('in 2 samenwerkingsverbanden');
      expect(text).toContain('1 scholen zijn onbereikbaar');
      expect(text).toContain('500 per uur');
      expect(text).toContain('Herinnering: 14 dagen na de eigen uitnodiging');
      expect(text).toMatch(/Versturen vanaf \d+ \w+\.? \d{4},? \d\d:\d\d \(Nederlandse tijd\)/);
      await page.getByRole('button', { name: 'Ja, meting openen' }).click();
      await page.getByText(/6 e-mails staan nu in de outbox/).waitFor();

      // The outbox shows them at once, each with its planned moment, and the reminder to come.
      await page.getByRole('link', { name: 'outbox' }).click();
      await page.getByRole('heading', { name: 'Outbox' }).waitFor();
      const rows = page.locator('main table:not([data-testid="planned-waves"]) tbody tr', { hasText: 'Draftschool' });
      await rows.first().waitFor();
      const waiting = await page.locator('main table:not([data-testid="planned-waves"]) tbody tr', { hasText: 'gepland' }).count();
      expect(waiting).toBeGreaterThanOrEqual(6);
      const planned = page.getByTestId('planned-waves');
      expect(await planned.textContent()).toContain('14 dagen na elke uitnodiging');
      expect(errors).toEqual([]);
      await ctx.close();
    }, 120_000);
  }
});
