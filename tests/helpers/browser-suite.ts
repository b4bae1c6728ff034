import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../server/app';
import type { Config } from '../../server/config';
import type { DatabaseKind } from '../../server/db/database';
import type { TestApp } from './app';
import { collectCspViolations } from './browser';
import { createTestDatabase, type TestDatabase } from './db';
import { closeBrowserApp, startBrowserApp } from './server';

/**
 * A browser suite's world: a fresh database of `kind`, the app listening on loopback and a
 * Chromium. `receive` gets them in beforeAll; afterAll closes the browser, the app, the database.
 * `newPage` opens a page in a context of its own, with the CSP violations it reports.
 */
export function browserAppForSuite(kind: DatabaseKind, config: Partial<Config>, receive: (t: TestApp & { url: string; database: TestDatabase }) => void) {
  let database: TestDatabase | undefined;
  let browser: Browser | undefined;
  let app: App | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const started = await startBrowserApp(database, { config });
    ({ app, browser } = started);
    receive({ ...started, database });
  });
  afterAll(async () => {
    await closeBrowserApp(browser, app);
    await database?.close();
  });
  return {
    async newPage(viewport: { width: number; height: number }, acceptDownloads = false): Promise<{ page: Page; csp: string[] }> {
      const ctx = await browser!.newContext(acceptDownloads ? { viewport, acceptDownloads } : { viewport });
      ctx.setDefaultTimeout(10_000);
      const page = await ctx.newPage();
      const csp = await collectCspViolations(page);
      return { page, csp };
    },
  };
}
