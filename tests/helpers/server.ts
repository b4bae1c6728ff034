import type { Database } from '../../server/db/database';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { makeTestApp, type TestApp } from './app';

/** The app listening on a loopback port, for browser and SMTP tests. */
export async function listenTestApp(database: Database, options: Parameters<typeof makeTestApp>[1] = {}): Promise<TestApp & { url: string }> {
  const testApp = await makeTestApp(database, options);
  await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  const address = testApp.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { ...testApp, url: `http://127.0.0.1:${address.port}` };
}

/** The app listening on loopback and a Chromium, for a browser suite's beforeAll. */
export async function startBrowserApp(database: Database, options: Parameters<typeof makeTestApp>[1] = {}): Promise<TestApp & { url: string; browser: Browser }> {
  const listening = await listenTestApp(database, options);
  return { ...listening, browser: await launchBrowser() };
}

/** The afterAll of startBrowserApp: closes what was started (either may be missing when beforeAll failed). */
export async function closeBrowserApp(browser: Browser | undefined, app: { close: () => Promise<unknown> } | undefined): Promise<void> {
  await browser?.close();
  await app?.close();
}
