import { describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { coordinatorLink } from '../../server/invitations/person-links';
import { loginAs } from '../helpers/app';
import { testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { browserAppForSuite } from '../helpers/browser-suite';
import { TEST_SECRET } from '../fixtures/mail-rounds';
import { aDraftPersonRound } from '../fixtures/persons';
import { answerByApi, answerOnTablet } from '../fixtures/pupil-answers';

/**
 * One class through a person round in Chromium: the coordinator registers (first with a mistake),
 * prints the codes, a parent objects for one pupil, that pupil cannot start, three pupils answer in
 * the browser (one question a page) and hand the device on; the other 26 answer through the same
 * API (for time), and the tracking shows 29 of 30 completed and one objection.
 */
const kind = testDatabaseUrl ? 'postgres' : 'pglite';

describe(`person round in a browser [${kind}]`, () => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  const suite = browserAppForSuite(kind, { secret: TEST_SECRET }, (t) => ({ database, app, url } = t));
  const newPage = (width = 390) => suite.newPage({ width, height: 800 }, true);

  it('coordinator registers, prints codes, a parent objects, pupils answer', async () => {
    const db = database.db;
    const admin = await loginAs(db, 'admin');
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const set = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles: ['pupil'] } });
    expect(set.statusCode).toBe(200);
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', world.roundId).execute();
    const inv = await db.selectFrom('invitations').select(['id', 'token_nonce']).where('round_id', '=', world.roundId).executeTakeFirstOrThrow();
    const link = coordinatorLink(url, TEST_SECRET, inv.id, inv.token_nonce);

    // The coordinator, on a phone.
    const { page: coordinator, csp } = await newPage();
    await coordinator.goto(link);
    await coordinator.getByRole('heading', { name: /Aanmelden: / }).waitFor();
    await coordinator.getByLabel('Ja, wij doen mee').check();
    await coordinator.getByLabel('Groep of leerjaar').selectOption('g6');
    await coordinator.getByLabel('Leerlingen').fill('30');
    await coordinator.getByRole('button', { name: 'Aanmelding opslaan' }).click();
    // Forgot the class name: a Dutch error, nothing saved.
    await expect(coordinator.getByRole('alert').textContent()).resolves.toMatch(/Klas 1: vul de naam van de klas in/);
    expect(await db.selectFrom('person_classes').select('id').execute()).toHaveLength(0);
    await coordinator.getByLabel('Naam klas 1').fill('6A');
    // With the keyboard: Enter submits the form.
    await coordinator.getByLabel('Naam klas 1').press('Enter');
    await coordinator.getByRole('status').filter({ hasText: 'Opgeslagen' }).waitFor();
    const sheetHref = await coordinator.getByRole('link', { name: 'Codes afdrukken' }).getAttribute('href');
    const letterHref = await coordinator.getByRole('link', { name: 'Brief voor ouders' }).getAttribute('href');
    const classText = await coordinator.locator('.pp-classes').textContent();
    // Links carry PUBLIC_URL (http://meetronde.test in tests); the browser goes to the test server.
    const classUrl = `${url}/l/${/\/l\/(\d+-[A-Za-z0-9_-]{16})/.exec(classText ?? '')![1]!}`;

    // The print sheet: 30 slips with a code and a QR code each.
    const { page: sheet, csp: sheetCsp } = await newPage(1000);
    await sheet.goto(url + sheetHref);
    const codes = await sheet.locator('[data-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')!));
    expect(codes).toHaveLength(30);
    expect(await sheet.locator('.slip svg').count()).toBe(30);
    // The letter names the parents' page.
    await sheet.goto(url + letterHref);
    const parentUrl = `${url}/o/${/\/o\/(\d+-[A-Za-z0-9_-]{16})/.exec((await sheet.locator('body').textContent()) ?? '')![1]!}`;

    // A parent objects for pupil 1.
    const { page: parentPage, csp: parentCsp } = await newPage();
    await parentPage.goto(parentUrl);
    await parentPage.getByLabel('Code van uw kind').fill(codes[0]!.toLowerCase());
    await parentPage.getByRole('button', { name: /Bezwaar maken/ }).click();
    await parentPage.getByRole('status').filter({ hasText: 'Uw bezwaar is vastgelegd' }).waitFor();

    // The class on one shared tablet.
    const { page: tablet, csp: tabletCsp } = await newPage(800);
    await tablet.goto(classUrl);
    await tablet.getByLabel('Typ je code').fill(codes[0]!);
    await tablet.getByRole('button', { name: 'Start' }).click();
    await expect(tablet.getByRole('alert').textContent()).resolves.toMatch(/kun je niet meedoen/);
    // Codes as printed (with a hyphen) are taken too.
    for (const code of codes.slice(1, 4)) await answerOnTablet(tablet, `${code.slice(0, 4)}-${code.slice(4)}`);
    // The other 26 pupils, through the same API from the same address.
    for (const code of codes.slice(4)) await answerByApi(app, classUrl, code);
    const stored = await db
      .selectFrom('person_responses as r')
      .innerJoin('persons as p', 'p.id', 'r.person_id')
      .select(['p.seq', 'r.data', 'r.completed_at'])
      .where('p.round_id', '=', world.roundId)
      .orderBy('p.seq')
      .execute();
    expect(stored).toHaveLength(29);
    expect(stored[0]).toMatchObject({ seq: 2, data: { plezier: 2, vrienden: 1 } });
    expect(stored.every((r) => r.completed_at !== null)).toBe(true);

    const tracking = await app.inject({ method: 'GET', url: `/api/persons/rounds/${world.roundId}/tracking`, headers: admin.headers });
    const cls = tracking.json().schools[0].classes[0];
    expect(cls).toMatchObject({ label: '6A', registered: 30, objections: 1, started: 29, completed: 29, rate: 96.7 });

    // The admin's tracking page shows the class.
    const { page: adminPage } = await newPage(1200);
    await adminPage.context().addCookies([{ name: 'mr_session', value: admin.headers.cookie.replace('mr_session=', ''), url }]);
    await adminPage.goto(`${url}/admin/rounds/${world.roundId}/personen`);
    await adminPage.getByRole('heading', { name: 'Respons' }).waitFor();
    expect(await adminPage.locator('table').textContent()).toMatch(/6A \(Groep 6\)30100292996,7%/);

    expect([...csp, ...sheetCsp, ...parentCsp, ...tabletCsp]).toEqual([]);
  }, 180_000);
});
