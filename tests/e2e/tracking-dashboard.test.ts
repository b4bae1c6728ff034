import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { loginAs } from '../helpers/app';
import { collectCspViolations, launchBrowser } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { aMailing, anInvitation, anSwv, aRound, assignSwv, completeInvitation } from '../fixtures/tracking-builders';

/**
 * The dashboard stays open in Chromium while schools complete elsewhere; its figures change
 * without a reload. The SWV view is opened from a link an admin made, in a context without an
 * account.
 */
describeEachDatabase('tracking dashboard in a browser', (getDatabase) => {
  let browser: Browser;
  let app: App;
  let url: string;
  let adminContext: BrowserContext;
  let roundId: number;
  let ownSwv: number;
  const waiting: number[] = [];

  beforeAll(async () => {
    const db = getDatabase().db;
    ({ app, url } = await listenTestApp(getDatabase()));
    browser = await launchBrowser();
    const studyRound = await aRound(db, { name: '2022', status: 'closed' });
    roundId = await aRound(db, { name: '2023', previousRoundId: studyRound, opensAt: new Date(Date.now() - 10 * 86_400_000), closesAt: new Date(Date.now() + 30 * 86_400_000) });
    ownSwv = await anSwv(db, { code: 'PO2701', name: 'SWV De Eem' });
    const other = await anSwv(db, { sector: 'vo', code: 'VO2702', name: 'SWV Buurland' });
    await assignSwv(db, roundId, ownSwv, 'po-ko', 'K');
    await assignSwv(db, roundId, other, 'po-vo', 'G');
    await assignSwv(db, studyRound, ownSwv, 'po-ko', 'K');
    await anInvitation(db, { roundId: studyRound, swvId: ownSwv, status: 'completed', at: new Date('2022-03-10T10:00:00Z') });
    await anInvitation(db, { roundId, swvId: ownSwv, status: 'completed', schoolName: 'Eerste Eemschool', at: new Date(Date.now() - 5 * 86_400_000) });
    waiting.push(await anInvitation(db, { roundId, swvId: ownSwv, status: 'started', schoolName: 'Tweede Eemschool' }));
    waiting.push(await anInvitation(db, { roundId, swvId: ownSwv, status: 'invited', schoolName: 'Derde Eemschool' }));
    await anInvitation(db, { roundId, swvId: other, status: 'completed', schoolName: 'Buurschool Noord', branch: 'geen' });
    await aMailing(db, { roundId, kind: 'invitation', dueAt: new Date(Date.now() - 9 * 86_400_000) });
    await aMailing(db, { roundId, kind: 'reminder', dueAt: new Date(Date.now() - 2 * 86_400_000) });

    const { headers } = await loginAs(db, 'admin');
    adminContext = await browser.newContext({ viewport: { width: 360, height: 800 } });
    const [name, value] = headers.cookie.split('=') as [string, string];
    await adminContext.addCookies([{ name, value, url }]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const text = async (page: Page, testId: string) => (await page.getByTestId(testId).first().textContent())?.trim();

  it('updates the open dashboard when a school completes, without reloading', async () => {
    const page = await adminContext.newPage();
    const violations = await collectCspViolations(page);
    await page.goto(`${url}/admin/respons/${roundId}`);
    await page.getByRole('heading', { name: 'Respons 2023' }).waitFor();
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
    expect(await text(page, 'funnel-completed')).toBe('2');
    expect(await text(page, 'response-rate')).toBe('50,0%');
    expect(await text(page, 'tabel3-total')).toBe('2');
    await page.evaluate(() => {
      (window as unknown as { stillTheSamePage: boolean }).stillTheSamePage = true;
    });

    await completeInvitation(getDatabase().db, waiting[0]!, new Date(), 'plannen');

    await page.getByTestId('funnel-completed').filter({ hasText: /^3$/ }).waitFor();
    expect(await text(page, 'response-rate')).toBe('75,0%');
    expect(await text(page, 'tabel3-total')).toBe('3');
    expect(await page.locator('tr[data-swv="PO2701"] [data-testid="swv-completed"]').textContent()).toBe('2');
    expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);

    // Usable at 360 px: the page itself does not scroll sideways (wide tables scroll in their box).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    // The charts are drawn.
    expect(await page.locator('canvas').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.mr-mailings li').allTextContents()).toEqual([expect.stringContaining('Uitnodiging'), expect.stringContaining('Herinnering')]);
    await page.getByRole('button', { name: 'Groot scherm' }).click();
    await page.locator('.mr-dashboard.mr-large').waitFor();
    expect(violations).toEqual([]);
    await page.close();
  });

  it('sorts and filters the SWV table', async () => {
    const page = await adminContext.newPage();
    await page.goto(`${url}/admin/respons/${roundId}`);
    const rows = page.locator('[data-testid="swv-table"] tbody tr');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-swv')))).toEqual(['VO2702', 'PO2701']);
    await page.getByRole('button', { name: /^Ingevuld/ }).click();
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-swv')))).toEqual(['PO2701', 'VO2702']);
    await page.getByLabel('Zoeken').fill('eem');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-swv')))).toEqual(['PO2701']);
    await page.close();
  });

  it('lets an admin make an SWV link that shows that SWV live, without an account, until revoked', async () => {
    const admin = await adminContext.newPage();
    await admin.goto(`${url}/admin/respons/${roundId}`);
    await admin.getByLabel('Samenwerkingsverband', { exact: true }).selectOption({ label: 'K · PO2701 SWV De Eem' });
    await admin.getByLabel('Voor wie (optioneel)').fill('Projectleider');
    await admin.getByRole('button', { name: 'Link maken' }).click();
    const link = await admin.getByTestId('new-link').inputValue();
    const path = new URL(link).pathname;
    expect(path).toMatch(/^\/v\/[A-Za-z0-9_-]{24}$/);

    const anonymous = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const view = await anonymous.newPage();
    const violations = await collectCspViolations(view);
    await view.goto(`${url}${path}`);
    await view.getByRole('heading', { name: 'Respons SWV De Eem (PO2701)' }).waitFor();
    await view.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
    expect(await text(view, 'total-completed')).toBe('2');
    const content = await view.content();
    for (const foreign of ['Buurschool', 'VO2702', 'Buurland']) expect(content).not.toContain(foreign);

    await completeInvitation(getDatabase().db, waiting[1]!, new Date(), 'wel');
    await view.getByTestId('total-completed').filter({ hasText: /^3$/ }).waitFor();
    expect(await text(view, 'total-rate')).toBe('100,0%');
    expect(await view.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(violations).toEqual([]);

    admin.on('dialog', (dialog) => void dialog.accept());
    await admin.getByRole('button', { name: 'Intrekken' }).click();
    await view.getByRole('heading', { name: 'Link werkt niet' }).waitFor();
    await anonymous.close();
    await admin.close();
  });
});
