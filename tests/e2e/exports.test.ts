import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { loginAs } from '../helpers/app';
import { collectCspViolations } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { closeBrowserApp, startBrowserApp } from '../helpers/server';
import { seedRoundWithResponses } from '../../server/demo/data/random-responses';

describeEachDatabase('exports in the admin app', (getDatabase) => {
  let browser: Browser, app: App, url: string, clock: ManualClock;

  beforeAll(async () => {
    ({ app, url, clock, browser } = await startBrowserApp(getDatabase()));
    await seedRoundWithResponses(getDatabase().db, { seed: 11, swvs: [{ code: 'PO2801', situation: 'po-po', letter: 'A', schools: 8 }] });
  });
  afterAll(() => closeBrowserApp(browser, app));

  it('lets a researcher download an SPSS file and read the report tables on a phone', async () => {
    const { headers } = await loginAs(getDatabase().db, 'researcher', clock.now());
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, acceptDownloads: true });
    await context.addCookies([{ name: 'mr_session', value: headers.cookie.split('=')[1]!, url }]);
    const page = await context.newPage();
    const violations = await collectCspViolations(page);
    await page.goto(`${url}/admin/exports`);
    await page.getByRole('heading', { name: 'Exporteren' }).waitFor();
    await page.getByText('Met schoolnaam, BRIN en adres').click();
    await expect(page.getByRole('note').textContent()).resolves.toContain('logboek');
    await page.getByText('Met schoolnaam, BRIN en adres').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download export' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^meetronde-meting-2023-.*\.sav$/);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).subarray(0, 4).toString()).toBe('$FL2');

    await page.getByRole('link', { name: 'Tabellen bekijken' }).click();
    await page.getByText('Respons per samenwerkingssituatie en mate van samenwerking').waitFor();
    await expect(page.getByRole('row', { name: /Samenwerking binnen po/ }).count()).resolves.toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(violations).toEqual([]);
    await context.close();
  });
});
