import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { issueSetupToken } from '../../server/auth/setup';
import type { ManualClock } from '../../server/clock';
import { loginAs } from '../helpers/app';
import { collectCspViolations } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { closeBrowserApp, startBrowserApp } from '../helpers/server';

/**
 * The Content-Security-Policy in a real Chromium: every page of the admin app (and the pages
 * opened from links) renders without a single CSP violation. Pages added to the admin app later
 * are visited too (from the menu, as an admin).
 */
interface Watched {
  page: Page;
  violations: string[];
}

async function watch(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  return { page, violations: await collectCspViolations(page) };
}

describeEachDatabase('content security policy in Chromium', (getDatabase) => {
  let browser: Browser, app: App, url: string, clock: ManualClock;

  beforeAll(async () => {
    ({ app, url, clock, browser } = await startBrowserApp(getDatabase()));
  });
  afterAll(() => closeBrowserApp(browser, app));

  async function adminContext(): Promise<BrowserContext> {
    const { headers } = await loginAs(getDatabase().db, 'admin', clock.now());
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const value = headers.cookie.split('=')[1]!;
    await context.addCookies([{ name: 'mr_session', value, url }]);
    return context;
  }

  it('notices a violation (so the checks below can fail)', async () => {
    const context = await browser.newContext();
    const { page, violations } = await watch(context);
    await page.goto(`${url}/admin/`);
    await page.getByRole('heading').first().waitFor();
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inline = true';
      document.body.append(script);
    });
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __inline?: boolean }).__inline)).toBeUndefined();
    await context.close();
  });

  it('shows the login, setup, invitation and respondent pages without violations', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const { page, violations } = await watch(context);
    await page.goto(`${url}/admin/`);
    await page.getByRole('heading', { name: 'Inloggen bij Meetronde' }).waitFor();
    await page.goto(`${url}/admin/setup?token=${await issueSetupToken(getDatabase().db, clock.now())}`);
    await page.getByRole('heading').first().waitFor();
    await page.goto(`${url}/u/${'x'.repeat(32)}`);
    await page.getByRole('heading').first().waitFor();
    await page.goto(`${url}/s/unknown-token-123`);
    await page.getByRole('heading').first().waitFor();
    await page.waitForLoadState('networkidle');
    expect(violations).toEqual([]);
    await context.close();
  });

  it('shows every page of the admin menu without violations', async () => {
    const context = await adminContext();
    const { page, violations } = await watch(context);
    await page.goto(`${url}/admin/`);
    // On a phone the menu is folded behind "Menu": read its links from the page.
    await page.locator('#mr-nav').waitFor({ state: 'attached' });
    const links = await page.locator('#mr-nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(links.length).toBeGreaterThan(0);
    for (const href of links) {
      await page.goto(`${url}${href}`);
      await page.getByRole('heading').first().waitFor();
      await page.waitForLoadState('networkidle');
    }
    expect(violations).toEqual([]);
    await context.close();
  });
});
