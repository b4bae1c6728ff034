import type { Page } from 'playwright-core';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { coordinatorLink } from '../../server/invitations/person-links';
import { loginAs } from '../helpers/app';
import { testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { browserAppForSuite } from '../helpers/browser-suite';
import { TEST_SECRET } from '../fixtures/mail-rounds';
import { aDraftFollowUpRound, aDraftPersonRound } from '../fixtures/persons';
import { answerByApi, answerOnTablet } from '../fixtures/pupil-answers';

/**
 * A panel of one class over two measurements, two years apart, in Chromium. Round 1: the
 * coordinator registers 30 pupils and prints the codes, a parent objects for one pupil, 29 answer.
 * Round 2 (the server clock two years on): the admin makes the new round a follow-up of round 1,
 * the coordinator pastes the 30 codes of the key list into the class, the 29 answer again, and the
 * admin downloads the wide export: 29 rows, all in both measurements.
 *
 * To stay well under a minute, two pupils per measurement answer in the browser and the rest
 * through the same HTTP routes the pupil page uses (start, assent, complete).
 */
const kind = testDatabaseUrl ? 'postgres' : 'pglite';
const TWO_YEARS = 2 * 365 * 24 * 3600_000;

describe(`a panel over two measurements in a browser [${kind}]`, () => {
  let database: TestDatabase;
  let app: App;
  let clock: ManualClock;
  let url: string;
  const suite = browserAppForSuite(kind, { secret: TEST_SECRET }, (t) => ({ database, app, clock, url } = t));
  const newPage = (width = 900) => suite.newPage({ width, height: 900 }, true);

  const coordinatorUrl = async (roundId: number) => {
    const inv = await database.db.selectFrom('invitations').select(['id', 'token_nonce']).where('round_id', '=', roundId).executeTakeFirstOrThrow();
    return coordinatorLink(url, TEST_SECRET, inv.id, inv.token_nonce);
  };

  /** The coordinator registers one class of 30 and reads the class link from the page. */
  async function registerClass(page: Page, link: string, label: string, grade: string) {
    await page.goto(link);
    await page.getByRole('heading', { name: /Aanmelden: / }).waitFor();
    await page.getByLabel('Ja, wij doen mee').check();
    await page.getByLabel('Naam klas 1').fill(label);
    await page.getByLabel('Groep of leerjaar').selectOption(grade);
    await page.getByLabel('Leerlingen').fill('30');
    await page.getByRole('button', { name: 'Aanmelding opslaan' }).click();
    await page.getByRole('status').filter({ hasText: 'Opgeslagen' }).waitFor();
    const classText = await page.locator('.pp-classes').textContent();
    return `${url}/l/${/\/l\/(\d+-[A-Za-z0-9_-]{16})/.exec(classText ?? '')![1]!}`;
  }

  async function sheetCodes(page: Page): Promise<string[]> {
    const href = await page.getByRole('link', { name: 'Codes afdrukken' }).getAttribute('href');
    const { page: sheet } = await newPage(1000);
    await sheet.goto(url + href);
    const codes = await sheet.locator('[data-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')!));
    await sheet.context().close();
    return codes;
  }

  /** Two pupils on the class's tablet, the rest through the pupil page's own routes. */
  async function classAnswers(classUrl: string, codes: string[], tablet: Page) {
    await tablet.goto(classUrl);
    for (const code of codes.slice(0, 2)) await answerOnTablet(tablet, code);
    for (const code of codes.slice(2)) await answerByApi(app, classUrl, code);
  }


  it('re-issues the class codes two years later and exports 29 matched pupils', async () => {
    const db = database.db;
    let admin = await loginAs(db, 'admin', clock.now());

    // --- Measurement 1 ---------------------------------------------------------------------
    const first = await aDraftPersonRound(db, 1, TEST_SECRET);
    expect((await app.inject({ method: 'PUT', url: `/api/persons/rounds/${first.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles: ['pupil'] } })).statusCode).toBe(200);
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', first.roundId).execute();
    const { page: coordinator, csp } = await newPage();
    const classUrl1 = await registerClass(coordinator, await coordinatorUrl(first.roundId), '6A', 'g6');
    const codes = await sheetCodes(coordinator);
    expect(codes).toHaveLength(30);
    // The key list the school keeps until the next measurement.
    const keyList = await coordinator.getByRole('link', { name: 'Sleutellijst (Excel)' }).getAttribute('href');
    expect(keyList).toMatch(/key-list$/);

    // A parent objects for the last pupil.
    const letterHref = await coordinator.getByRole('link', { name: 'Brief voor ouders' }).getAttribute('href');
    const { page: parentPage, csp: parentCsp } = await newPage(390);
    await parentPage.goto(url + letterHref);
    const parentUrl = `${url}/o/${/\/o\/(\d+-[A-Za-z0-9_-]{16})/.exec((await parentPage.locator('body').textContent()) ?? '')![1]!}`;
    await parentPage.goto(parentUrl);
    await parentPage.getByLabel('Code van uw kind').fill(codes[29]!);
    await parentPage.getByRole('button', { name: /Bezwaar maken/ }).click();
    await parentPage.getByRole('status').filter({ hasText: 'Uw bezwaar is vastgelegd' }).waitFor();

    const { page: tablet, csp: tabletCsp } = await newPage(800);
    await classAnswers(classUrl1, codes.slice(0, 29), tablet);
    await db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', first.roundId).execute();

    // --- Two years later: measurement 2 ------------------------------------------------------
    clock.advance(TWO_YEARS);
    admin = await loginAs(db, 'admin', clock.now());
    const follow = await aDraftFollowUpRound(db, first.roundId, TEST_SECRET);
    const { page: adminPage, csp: adminCsp } = await newPage(1200);
    await adminPage.context().addCookies([{ name: 'mr_session', value: admin.headers.cookie.replace('mr_session=', ''), url }]);
    await adminPage.goto(`${url}/admin/rounds/${follow.roundId}/personen`);
    await adminPage.getByLabel(/Vervolg op meting/).selectOption(String(first.roundId));
    await adminPage.getByRole('button', { name: 'Opslaan als meting per persoon' }).click();
    await adminPage.getByRole('status').filter({ hasText: 'Opgeslagen' }).waitFor();
    expect((await db.selectFrom('person_rounds').select('previous_round_id').where('round_id', '=', follow.roundId).executeTakeFirstOrThrow()).previous_round_id).toBe(first.roundId);
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', follow.roundId).execute();

    // The coordinator registers the class (now group 8) and pastes the key list's codes.
    const classUrl2 = await registerClass(coordinator, await coordinatorUrl(follow.roundId), '8A', 'g8');
    await coordinator.getByLabel('Codes van de vorige meting (één per regel)').fill(codes.map((c, i) => `${i + 1}\t${c.slice(0, 4)}-${c.slice(4)}`).join('\n'));
    await coordinator.getByRole('button', { name: 'Codes opnieuw uitgeven' }).click();
    await coordinator.getByRole('status').filter({ hasText: '30 codes opnieuw uitgegeven' }).waitFor();
    // The sheet of round 2 prints the same codes.
    expect((await sheetCodes(coordinator)).sort()).toEqual([...codes].sort());

    await classAnswers(classUrl2, codes.slice(0, 29), tablet);

    // Tracking: 29 in both; the admin downloads the wide CSV.
    const tracking = (await app.inject({ method: 'GET', url: `/api/persons/rounds/${follow.roundId}/tracking`, headers: admin.headers })).json();
    expect(tracking.panel).toEqual({ previousRoundId: first.roundId, previous: 29, current: 29, both: 29 });
    await adminPage.reload();
    await adminPage.getByTestId('panel-both').filter({ hasText: '29 in beide metingen' }).waitFor();
    await adminPage.getByLabel('CSV (UTF-8, komma)').check();
    const [download] = await Promise.all([adminPage.waitForEvent('download'), adminPage.getByRole('link', { name: /Breed: een rij per panellid/ }).click()]);
    const rows = parse(readFileSync((await download.path())!, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(29);
    expect(rows.every((r) => r.in_beide === '1' && r.T1_klas === '6A' && r.T2_klas === '8A')).toBe(true);
    expect(new Set(rows.map((r) => r.panel)).size).toBe(29);

    expect([...csp, ...parentCsp, ...tabletCsp, ...adminCsp]).toEqual([]);
  }, 120_000);
});
