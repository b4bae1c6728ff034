import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { runImport } from '../../server/imports';
import { loginAs } from '../helpers/app';
import { collectCspViolations, launchBrowser } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { aSchool, organisationsFile, poLocationsFile } from '../../server/demo/data/duo';

/**
 * An admin on a phone (360 px) updates the DUO lists: takes over the suggested corrections of
 * broken DUO addresses in one go, and decides that a reused location code is a new school.
 */
describeEachDatabase('admin imports: corrections and reused codes in the browser', (getDatabase) => {
  let app: App;
  let url: string;
  let clock: ManualClock;
  let browser: Browser;
  const schools = [
    aSchool({ locationCode: '91KA00', name: 'Basisschool De Linde', email: null, rawEmail: 'info(at)de-linde.example', postcode: '3511 AA', boardNumber: '41001' }),
    aSchool({ locationCode: '91KB00', name: 'Basisschool Het Anker', email: null, rawEmail: 'info@het-anker.example.' }),
    aSchool({ locationCode: '91KC00', name: 'Basisschool De Ark', email: null }),
  ];

  beforeAll(async () => {
    ({ app, url, clock } = await listenTestApp(getDatabase()));
    browser = await launchBrowser();
    await runImport(getDatabase().db, { bytes: poLocationsFile(schools), type: 'po-locations' }, { dryRun: false, now: clock.now(), actor: { system: 'test' } });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('takes over suggested address corrections in bulk, and asks per reused location code', async () => {
    const { headers } = await loginAs(getDatabase().db, 'admin', clock.now());
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await context.addCookies([{ name: 'mr_session', value: headers.cookie.split('=')[1]!, url }]);
    const page = await context.newPage();
    const violations = await collectCspViolations(page);
    await page.goto(`${url}/admin/imports`);
    await page.getByRole('heading', { name: 'Adresbestanden inlezen' }).waitFor();

    await page.getByLabel('Bestand', { exact: true }).setInputFiles({ name: 'ORGANISATIES_20260101.csv', mimeType: 'text/csv', buffer: organisationsFile({ schools, swvs: [] }) });
    await page.getByRole('button', { name: 'Controleren' }).click();
    await page.getByRole('heading', { name: 'E-mailadressen met een voorgestelde correctie' }).waitFor();
    await page.getByText('Na het inlezen kunt u de correcties hier in één keer overnemen.').waitFor();
    await page.getByRole('cell', { name: 'info@de-linde.example', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Importeren' }).click();
    await page.getByRole('status').filter({ hasText: 'Het bestand is ingelezen.' }).waitFor();
    await page.getByRole('button', { name: 'Deze 2 correcties overnemen' }).click();
    await page.getByRole('status').filter({ hasText: '2 adressen overgenomen' }).waitFor();
    const emails = await getDatabase().db.selectFrom('schools').select(['location_code', 'email']).orderBy('location_code').execute();
    expect(emails).toEqual([
      { location_code: '91KA00', email: 'info@de-linde.example' },
      { location_code: '91KB00', email: 'info@het-anker.example' },
      { location_code: '91KC00', email: null },
    ]);

    const reused = aSchool({ ...schools[0]!, name: 'Islamitische Basisschool Al Noor', postcode: '6811 CD', city: 'ARNHEM', boardNumber: '48888' });
    await page.getByLabel('Bestand', { exact: true }).setInputFiles({ name: '02.-alle-schoolvestigingen-basisonderwijs.csv', mimeType: 'text/csv', buffer: poLocationsFile([reused, schools[1]!, schools[2]!]) });
    await page.getByRole('button', { name: 'Controleren' }).click();
    await page.getByRole('heading', { name: 'Vestigingscodes die nu bij een andere school lijken te horen' }).waitFor();
    expect(await page.getByRole('button', { name: 'Importeren' }).isDisabled()).toBe(true);
    await page.getByRole('radio', { name: 'Nieuwe school' }).check();
    await page.getByRole('button', { name: 'Importeren' }).click();
    await page.getByRole('status').filter({ hasText: 'Het bestand is ingelezen.' }).waitFor();
    const rows = await getDatabase().db.selectFrom('schools').select(['location_code', 'name', 'active']).where('brin', '=', '91KA').orderBy('id').execute();
    expect(rows.map((r) => [r.location_code.replace(/#\d+$/, '#'), r.name, r.active])).toEqual([
      ['91KA00#', 'Basisschool De Linde', false],
      ['91KA00', 'Islamitische Basisschool Al Noor', true],
    ]);
    const wide = await page.evaluate(() => [...document.querySelectorAll("body *")].filter((e) => !e.closest(".mr-table-wrap") && e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => `${e.tagName}.${e.className}:${Math.round(e.getBoundingClientRect().right)}`).slice(0, 8));
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(violations).toEqual([]);
    await context.close();
  });
});
