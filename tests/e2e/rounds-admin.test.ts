import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { runImport } from '../../server/imports';
import { loginAs } from '../helpers/app';
import { collectCspViolations } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { closeBrowserApp, startBrowserApp } from '../helpers/server';
import { aSchool, anSwv, duoFiles, poLocationsFile, swvAssignmentCsv, type DuoDataset } from '../../server/demo/data/duo';

/**
 * An admin on a phone (360 px): imports a DUO list (check, then import), creates a study and a
 * round, assigns a po–vo pair of SWVs from a CSV, corrects an unreachable school's address in the
 * preview, opens the round, and copies it into the next measurement.
 */
const dataset: DuoDataset = {
  swvs: [anSwv({ code: 'PO2601' }), anSwv({ code: 'VO2601' })],
  schools: [
    aSchool({ locationCode: '96EA00', name: 'Het Mozaïek', swvCodes: ['PO2601'] }),
    aSchool({ locationCode: '96EB00', name: '’t Kompas', swvCodes: ['PO2601'], email: null }),
    aSchool({ locationCode: '96EC00', name: 'Basisschool "De Maasparel"', swvCodes: ['PO2601'] }),
    aSchool({ locationCode: '96ED00', name: 'Stedelijk Proefcollege', kind: 'vo', swvCodes: ['VO2601'] }),
  ],
};

describeEachDatabase('admin app: address lists and a round, at 360 px', (getDatabase) => {
  let browser: Browser, app: App, url: string, clock: ManualClock;

  beforeAll(async () => {
    ({ app, url, clock, browser } = await startBrowserApp(getDatabase()));
    // Everything but the po list is imported directly; the po list goes through the page.
    for (const file of duoFiles(dataset).filter((f) => f.type !== 'po-locations' && f.type !== 'swv-schools' && f.type !== 'organisations')) {
      await runImport(getDatabase().db, { bytes: file.bytes, type: file.type }, { dryRun: false, now: clock.now(), actor: { system: 'test' } });
    }
  });
  afterAll(() => closeBrowserApp(browser, app));

  async function adminPage(): Promise<{ context: BrowserContext; page: Page; violations: string[] }> {
    const { headers } = await loginAs(getDatabase().db, 'admin', clock.now());
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await context.addCookies([{ name: 'mr_session', value: headers.cookie.split('=')[1]!, url }]);
    const page = await context.newPage();
    const violations = await collectCspViolations(page);
    return { context, page, violations };
  }

  const fitsWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  it('imports a DUO list after showing what it would change', async () => {
    const { context, page, violations } = await adminPage();
    await page.goto(`${url}/admin/imports`);
    await page.getByRole('heading', { name: 'Adresbestanden inlezen' }).waitFor();
    await page.getByLabel('Bestand', { exact: true }).setInputFiles({
      name: '02.-alle-schoolvestigingen-basisonderwijs.csv',
      mimeType: 'text/csv',
      buffer: poLocationsFile([...dataset.schools.filter((s) => s.kind === 'po'), aSchool({ locationCode: '96EF00', postcode: 'onbekend' })]),
    });
    await page.getByRole('button', { name: 'Controleren' }).click();
    await page.getByRole('heading', { name: 'Controle: dit zou er veranderen' }).waitFor();
    const counts = page.getByRole('definition');
    await expect(counts.allTextContents()).resolves.toEqual(['4', '3', '0', '0', '0', '1']);
    await page.getByRole('cell', { name: "ongeldige postcode 'onbekend'" }).waitFor();
    expect(await getDatabase().db.selectFrom('schools').select('id').where('kind', '=', 'po').execute()).toEqual([]);
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('button', { name: 'Importeren' }).click();
    await page.getByRole('status').filter({ hasText: 'Het bestand is ingelezen.' }).waitFor();
    const names = await getDatabase().db.selectFrom('schools').select('name').where('kind', '=', 'po').orderBy('location_code').execute();
    expect(names.map((n) => n.name)).toEqual(['Het Mozaïek', '’t Kompas', 'Basisschool "De Maasparel"']);
    // The links and addresses, through the same page.
    for (const file of duoFiles(dataset).filter((f) => f.type === 'swv-schools' || f.type === 'organisations')) {
      await page.getByLabel('Bestand', { exact: true }).setInputFiles({ name: file.name, mimeType: 'text/csv', buffer: file.bytes });
      await page.getByRole('button', { name: 'Controleren' }).click();
      await page.getByRole('heading', { name: 'Controle: dit zou er veranderen' }).waitFor();
      await page.getByRole('button', { name: 'Importeren' }).click();
      await page.getByRole('status').filter({ hasText: 'Het bestand is ingelezen.' }).waitFor();
    }
    expect(violations).toEqual([]);
    await context.close();
  });

  it('sets up a round, corrects an address in the preview, opens it and copies it', async () => {
    const { context, page, violations } = await adminPage();
    await page.goto(`${url}/admin/rounds`);
    await page.getByLabel('Naam van het onderzoek').fill('IMAGE samenwerking');
    await page.getByRole('button', { name: 'Onderzoek aanmaken' }).click();
    await page.getByRole('status').filter({ hasText: 'is aangemaakt' }).waitFor();
    await page.getByLabel('Naam van de meting').fill('Meting 2023');
    await page.getByLabel('Vragenlijst').selectOption('image-samenwerking-2023');
    await page.getByLabel('Opent op').fill('2026-03-16');
    await page.getByRole('button', { name: 'Meting aanmaken' }).click();
    await page.getByRole('heading', { name: /Meting 2023/ }).waitFor();

    await page.getByLabel('Lijst met samenwerkingsverbanden').setInputFiles({
      name: 'swvs.csv',
      mimeType: 'text/csv',
      buffer: swvAssignmentCsv([
        { swvCode: 'PO2601', situation: 'po-vo', regionLetter: 'G' },
        { swvCode: 'VO2601', situation: 'po-vo', regionLetter: 'G' },
      ]),
    });
    await page.getByRole('button', { name: 'Lijst controleren' }).click();
    await page.getByText('2 regels: 2 nieuw').waitFor();
    await page.getByRole('button', { name: 'Toewijzen' }).click();
    await page.getByRole('heading', { name: 'Samenwerkingsverbanden (2)' }).waitFor();

    // The preview: 3 to invite, ’t Kompas unreachable without an address.
    const totals = page.getByRole('list', { name: 'Totalen' }).or(page.locator('dl[aria-label="Totalen"]'));
    await expect.poll(() => totals.locator('dd').allTextContents()).toEqual(['4', '3', '1', '0']);
    await page.getByRole('heading', { name: 'Onbereikbare scholen (1)' }).waitFor();
    await page.getByRole('cell', { name: 'onbereikbaar: geen e-mailadres' }).waitFor();
    await page.getByRole('button', { name: /Adres corrigeren/ }).first().click();
    await page.getByLabel('Nieuw e-mailadres').fill('info@@kompas');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByRole('alert').filter({ hasText: 'Dit e-mailadres kan niet worden gebruikt' }).waitFor();
    await page.getByLabel('Nieuw e-mailadres').fill('directie@kompas.example');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await page.getByRole('heading', { name: 'Onbereikbare scholen (0)' }).waitFor();
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('button', { name: 'Meting openen…' }).click();
    // The plan says what opening will send before the admin confirms.
    await page.getByTestId('open-plan').getByText('4 uitnodigingen').waitFor();
    await page.getByRole('button', { name: 'Ja, meting openen' }).click();
    await page.getByRole('heading', { name: 'Uitnodigingen' }).waitFor();
    await page.getByText('Open', { exact: true }).first().waitFor();
    const invitations = await getDatabase().db.selectFrom('invitations').select(['email', 'status']).execute();
    expect(invitations).toHaveLength(4);
    expect(invitations.every((i) => i.status === 'pending')).toBe(true);

    await page.getByLabel('Naam van de nieuwe meting').fill('Meting 2024');
    await page.getByRole('button', { name: 'Kopiëren naar nieuwe meting' }).click();
    await page.getByRole('heading', { name: /Meting 2024/ }).waitFor();
    await page.getByRole('heading', { name: 'Samenwerkingsverbanden (2)' }).waitFor();
    await page.getByRole('link', { name: 'Meting 2023' }).waitFor();
    expect(await fitsWidth(page)).toBe(true);

    // Closing the first round early, with a confirmation.
    await page.getByRole('link', { name: 'Meting 2023' }).click();
    await page.getByRole('button', { name: 'Meting nu sluiten…' }).click();
    await page.getByRole('button', { name: 'Ja, meting sluiten' }).click();
    await page.getByText('Gesloten', { exact: true }).first().waitFor();
    expect(await page.getByRole('button', { name: 'Meting nu sluiten…' }).count()).toBe(0);
    const rounds = await getDatabase().db.selectFrom('rounds').select(['name', 'status']).orderBy('id').execute();
    expect(rounds.map((r) => `${r.name}: ${r.status}`)).toEqual(['Meting 2023: closed', 'Meting 2024: draft']);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('sets up a round of an SWV’s own monitor with no samenwerkingssituatie', async () => {
    const { context, page, violations } = await adminPage();
    await page.goto(`${url}/admin/rounds`);
    await page.getByLabel('Naam van het onderzoek').fill('Monitor Eemland');
    await page.getByRole('button', { name: 'Onderzoek aanmaken' }).click();
    await page.getByRole('status').filter({ hasText: 'is aangemaakt' }).waitFor();
    await page.getByLabel('Naam van de meting').fill('Eemland 2025');
    await page.getByLabel('Vragenlijst').selectOption('eemland-monitor-2025');
    await page.getByLabel('Opent op').fill('2026-03-16');
    await page.getByRole('button', { name: 'Meting aanmaken' }).click();
    await page.getByRole('heading', { name: /Eemland 2025/ }).waitFor();

    // The questionnaire uses no situation: the form offers "none" and does not insist.
    await page.getByLabel('Samenwerkingsverband', { exact: true }).selectOption('VO2601');
    expect(await page.getByLabel('Samenwerkingssituatie').inputValue()).toBe('');
    expect(await page.getByLabel('Samenwerkingssituatie').locator('option').first().textContent()).toBe('Geen samenwerkingssituatie');
    await page.getByLabel('Regioletter').fill('E');
    await page.getByRole('button', { name: 'Toevoegen' }).click();
    await page.getByRole('heading', { name: 'Samenwerkingsverbanden (1)' }).waitFor();
    await page.getByRole('cell', { name: 'Geen samenwerkingssituatie' }).first().waitFor();
    expect(await page.locator('main').textContent()).not.toMatch(/\bnull\b|undefined/);
    expect(await fitsWidth(page)).toBe(true);
    const stored = await getDatabase().db.selectFrom('round_swvs').innerJoin('rounds', 'rounds.id', 'round_swvs.round_id').select(['round_swvs.situation']).where('rounds.name', '=', 'Eemland 2025').execute();
    expect(stored).toEqual([{ situation: null }]);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('shows the schools to a researcher without the admin’s buttons', async () => {
    const { headers } = await loginAs(getDatabase().db, 'researcher', clock.now());
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await context.addCookies([{ name: 'mr_session', value: headers.cookie.split('=')[1]!, url }]);
    const page = await context.newPage();
    await page.goto(`${url}/admin/schools`);
    await page.getByRole('status').filter({ hasText: 'vestigingen gevonden' }).waitFor();
    await page.getByRole('cell', { name: 'Het Mozaïek' }).waitFor();
    expect(await page.getByRole('button', { name: /Adres corrigeren/ }).count()).toBe(0);
    await page.goto(`${url}/admin/imports`);
    await page.getByRole('heading', { name: 'Pagina niet gevonden' }).waitFor();
    await context.close();
  });
});
