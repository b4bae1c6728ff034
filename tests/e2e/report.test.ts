import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { loginAs } from '../helpers/app';
import { collectCspViolations } from '../helpers/browser';
import { describeEachReplicaDatabase } from '../helpers/replica';
import { closeBrowserApp, startBrowserApp } from '../helpers/server';

/** The report of the replica round in Chromium: tables as printed, figures as SVG and PNG, the printable page as PDF. */
describeEachReplicaDatabase('the report in a browser', (getDatabase, getRounds) => {
  let browser: Browser, app: App, url: string, clock: ManualClock;
  let rounds: ReturnType<typeof getRounds>;

  beforeAll(async () => {
    ({ app, url, clock, browser } = await startBrowserApp(getDatabase()));
    rounds = getRounds();
  }, 240_000);
  afterAll(() => closeBrowserApp(browser, app));

  async function researcherContext() {
    const { headers } = await loginAs(getDatabase().db, 'researcher', clock.now());
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    await context.addCookies([{ name: 'mr_session', value: headers.cookie.split('=')[1]!, url }]);
    return context;
  }

  it('shows the tables with a decimal comma and "niet gevraagd", and the figures as SVG and PNG', async () => {
    const context = await researcherContext();
    const page = await context.newPage();
    const violations = await collectCspViolations(page);
    await page.goto(`${url}/admin/exports/${rounds.roundId}`);
    const tabel6 = page.getByTestId('tabel-vraag-A_tevredenheid_samenwerking-gemiddelde');
    await tabel6.waitFor();
    const totaal = tabel6.getByRole('row', { name: /^Totaal/ });
    await expect(totaal.getByRole('cell').first().textContent()).resolves.toBe('4,54');
    const tabel5 = page.getByTestId('tabel-vraag-P_opbrengsten_beleid');
    const signalering = tabel5.getByRole('row', { name: /Betere \(vroeg\)signalering/ });
    const cells = await signalering.getByRole('cell').allTextContents();
    expect(cells).toContain('niet gevraagd');
    expect(cells.slice(6, 9)).toEqual(['42', '188', '22,3']); // Totaal, n, %

    const figure = page.getByTestId('figuur-figuur-schalen');
    const image = figure.getByRole('img');
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), { timeout: 20_000 }).toBe(true);
    const [svg] = await Promise.all([page.waitForEvent('download'), figure.getByRole('link', { name: 'Download SVG' }).click()]);
    expect(svg.suggestedFilename()).toMatch(/\.svg$/);
    const [png] = await Promise.all([page.waitForEvent('download'), figure.getByRole('button', { name: 'Download PNG' }).click()]);
    const stream = await png.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(2000);
    expect(violations).toEqual([]);
    await context.close();
  }, 180_000);

  it('prints the whole report to PDF: tables within the page width, nothing cut', async () => {
    const context = await researcherContext();
    const page = await context.newPage();
    await page.goto(`${url}/api/exports/rounds/${rounds.roundId}/report.html`);
    await page.getByRole('heading', { name: /^Rapport/ }).waitFor();
    expect(await page.getByText('4,54').count()).toBeGreaterThan(0);
    await page.emulateMedia({ media: 'print' });
    // A4 landscape less 2 × 12 mm margin at 96 dpi.
    await page.setViewportSize({ width: Math.floor(((297 - 24) / 25.4) * 96), height: 700 });
    const overflow = await page.evaluate(() =>
      [...document.querySelectorAll('table, svg')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.closest('section,figure')?.id),
    );
    expect(overflow, 'tables wider than the printed page').toEqual([]);
    const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true, preferCSSPageSize: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBeGreaterThan(5);
    await context.close();
  }, 180_000);
});
