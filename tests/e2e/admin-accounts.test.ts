import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { aRoundWithSchools } from '../fixtures/round-data';
import { accountLinkFor } from '../helpers/account-links';
import { loginAs, testConfig } from '../helpers/app';
import { collectCspViolations } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { closeBrowserApp, startBrowserApp } from '../helpers/server';

/** The admin pages of issue 8 in Chromium at phone width: users, the password link, privacy, the log. */
describeEachDatabase('admin app: accounts and privacy in a browser', (getDatabase, kind) => {
  let browser: Browser, app: App, url: string, clock: ManualClock;

  beforeAll(async () => {
    ({ app, url, clock, browser } = await startBrowserApp(getDatabase()));
  });
  afterAll(() => closeBrowserApp(browser, app));

  async function adminPage(): Promise<{ page: Page; violations: string[]; close: () => Promise<void> }> {
    const { headers } = await loginAs(getDatabase().db, 'admin', clock.now());
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await context.addCookies([{ name: 'mr_session', value: headers.cookie.split('=')[1]!, url }]);
    const page = await context.newPage();
    const violations = await collectCspViolations(page);
    return { page, violations, close: () => context.close() };
  }

  const fitsPhone = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  it('invites a user, who chooses a password from the link; disabling logs them out', async () => {
    const admin = await adminPage();
    const { page } = admin;
    await page.goto(`${url}/admin/users`);
    await page.getByRole('heading', { name: 'Gebruikers', level: 1 }).waitFor();

    const name = '<img src=x onerror="document.title=1"> Sanne';
    const email = `sanne-${kind}@universiteit.example`;
    await page.getByLabel('Naam').fill(name);
    await page.getByLabel('E-mailadres').fill('geen adres@x');
    await page.getByRole('button', { name: 'Uitnodiging versturen' }).click();
    // The browser's own check stops a malformed address; the server's is tested elsewhere.
    await page.getByLabel('E-mailadres').fill(email);
    await page.getByLabel('Rol').selectOption('researcher');
    await page.getByRole('button', { name: 'Uitnodiging versturen' }).click();
    await page.getByRole('status').filter({ hasText: email }).waitFor();
    const card = page.getByRole('listitem').filter({ hasText: email });
    await expect(card.getByRole('heading').textContent()).resolves.toBe(name);
    await expect(card.textContent()).resolves.toContain('Uitgenodigd');
    expect(await page.locator('img').count()).toBe(0);
    expect(await fitsPhone(page)).toBe(true);

    // The invitee opens the link from the mail (read from the outbox) in their own browser.
    const link = (await accountLinkFor(getDatabase().db, email, testConfig())).replace('http://meetronde.test', url);
    const invitee = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const inviteePage = await invitee.newPage();
    const inviteeViolations = await collectCspViolations(inviteePage);
    await inviteePage.goto(link);
    await inviteePage.getByRole('heading', { name: 'Welkom bij Meetronde' }).waitFor();
    await inviteePage.getByLabel('Wachtwoord (minstens 10 tekens)').fill('sanne-haar-wachtwoord');
    await inviteePage.getByLabel('Herhaal het wachtwoord').fill('sanne-haar-wachtwoordX');
    await inviteePage.getByRole('button', { name: 'Wachtwoord opslaan' }).click();
    await expect(inviteePage.getByRole('alert').textContent()).resolves.toBe('De twee wachtwoorden zijn niet gelijk.');
    await inviteePage.getByLabel('Herhaal het wachtwoord').fill('sanne-haar-wachtwoord');
    await inviteePage.getByRole('button', { name: 'Wachtwoord opslaan' }).click();
    await inviteePage.getByRole('heading', { name: /^Welkom, / }).waitFor();
    expect(inviteePage.url()).toBe(`${url}/admin/`);
    // A researcher sees no admin pages in the menu.
    await expect(inviteePage.locator('#mr-nav').textContent()).resolves.not.toContain('Gebruikers');

    // The used link explains itself.
    await inviteePage.goto(link);
    await inviteePage.getByRole('heading', { name: 'Link niet (meer) geldig' }).waitFor();

    await page.reload();
    await expect(page.getByRole('listitem').filter({ hasText: email }).textContent()).resolves.toContain('Actief');
    await page.getByRole('listitem').filter({ hasText: email }).getByRole('button', { name: 'Uitschakelen' }).click();
    await page.getByRole('status').filter({ hasText: 'uitgeschakeld' }).waitFor();

    await inviteePage.goto(`${url}/admin/`);
    await inviteePage.getByRole('heading', { name: 'Inloggen bij Meetronde' }).waitFor();
    expect([...admin.violations, ...inviteeViolations]).toEqual([]);
    await invitee.close();
    await admin.close();
  });

  it('sets a retention date, erases one school’s data and shows it in the log', async () => {
    const round = await aRoundWithSchools(getDatabase().db, { schools: 2, name: `Meting browser ${kind}` });
    const school = round.schools[0]!;
    const admin = await adminPage();
    const { page } = admin;
    await page.goto(`${url}/admin/privacy`);
    await page.getByRole('heading', { name: 'Privacy', level: 1 }).waitFor();

    const form = page.getByRole('form', { name: `Bewaardatum Meting browser ${kind}` });
    await form.getByLabel('Contactgegevens verwijderen op').fill('2027-06-30');
    await form.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByRole('status').filter({ hasText: '30 juni 2027' }).waitFor();

    await page.getByLabel('Meting', { exact: true }).selectOption(String(round.roundId));
    await page.getByLabel('School (naam of BRIN + vestiging)').fill(school.name);
    await page.getByRole('button', { name: 'Zoeken' }).click();
    const found = page.getByRole('list', { name: 'Gevonden scholen' }).getByRole('listitem');
    await found.first().waitFor();
    expect(await found.count()).toBe(1);
    await found.getByRole('button', { name: 'Gegevens verwijderen…' }).click();
    await found.getByRole('button', { name: 'Definitief verwijderen' }).click();
    await page.getByRole('status').filter({ hasText: `De gegevens van ${school.name} zijn verwijderd` }).waitFor();
    expect(await fitsPhone(page)).toBe(true);

    const invitation = await getDatabase().db.selectFrom('invitations').select(['email', 'erased_at']).where('id', '=', school.invitationId).executeTakeFirstOrThrow();
    expect(invitation.email).toBeNull();
    expect(invitation.erased_at).not.toBeNull();

    const menu = page.getByRole('navigation', { name: 'Hoofdmenu' });
    if (await page.getByRole('button', { name: 'Menu' }).isVisible()) await page.getByRole('button', { name: 'Menu' }).click();
    await menu.getByRole('button', { name: /Beheer/ }).click();
    await menu.getByRole('link', { name: 'Logboek' }).click();
    await page.getByRole('heading', { name: 'Logboek' }).waitFor();
    await page.getByLabel('Actie').selectOption({ label: 'Gegevens van een school verwijderd' });
    await page.getByRole('button', { name: 'Filteren' }).click();
    await page.getByRole('status').filter({ hasText: /^1 regels/ }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'Gegevens van een school verwijderd' });
    await expect(row.textContent()).resolves.toContain(`invitation:${school.invitationId}`);
    await expect(page.locator('main').textContent()).resolves.not.toContain(school.email);
    expect(await fitsPhone(page)).toBe(true);
    expect(admin.violations).toEqual([]);
    await admin.close();
  });
});
