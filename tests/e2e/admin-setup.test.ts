import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { issueSetupToken } from '../../server/auth/setup';
import type { App } from '../../server/app';
import { launchBrowser } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';

describeEachDatabase('admin app: first start in a browser', (getDatabase) => {
  let browser: Browser;
  let app: App;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await listenTestApp(getDatabase()));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('creates the first admin from the setup link, then logs out and in again', async () => {
    const token = await issueSetupToken(getDatabase().db, new Date());
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${url}/admin/setup?token=${token}`);
    await page.getByLabel('Naam').fill('Anna Beheer');
    await page.getByLabel('E-mailadres').fill('anna@example.test');
    await page.getByLabel(/Wachtwoord/).fill('een-lang-wachtwoord');
    await page.getByRole('button', { name: 'Account aanmaken' }).click();
    await page.getByRole('heading', { name: 'Welkom, Anna Beheer' }).waitFor();
    expect(page.url()).toBe(`${url}/admin/`);

    // On a phone the user line and its logout button sit behind the compact menu.
    if (await page.getByRole('button', { name: 'Menu' }).isVisible()) await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    await page.getByRole('heading', { name: 'Inloggen bij Meetronde' }).waitFor();
    await page.getByLabel('E-mailadres').fill('anna@example.test');
    await page.getByLabel('Wachtwoord').fill('verkeerd-wachtwoord');
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('klopt niet');
    await page.getByLabel('Wachtwoord').fill('een-lang-wachtwoord');
    await page.getByRole('button', { name: 'Inloggen' }).click();
    await page.getByRole('heading', { name: 'Welkom, Anna Beheer' }).waitFor();

    // The used link now explains itself instead of showing a form.
    await page.goto(`${url}/admin/setup?token=${token}`);
    await page.getByRole('heading', { name: /Welkom|Link niet/ }).waitFor();
    await page.close();
  });

  it('serves the respondent page under /s/<token> without revealing anything about the token', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${url}/s/unknown-token-123`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.getByRole('heading').first().waitFor();
    await page.close();
  });
});
