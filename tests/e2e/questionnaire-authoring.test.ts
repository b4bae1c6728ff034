import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { loginAs } from '../helpers/app';
import { collectCspViolations } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { closeBrowserApp, startBrowserApp } from '../helpers/server';
import { changedCopyOf2023 } from '../fixtures/questionnaire-copy';

// The background routing check walks few sequences here (the unit suite runs the full property).
process.env.ROUTING_CHECK_SEQUENCES ??= '20';
vi.setConfig({ testTimeout: 300_000 });

/**
 * A researcher brings a new questionnaire version (issue 27): uploads a changed copy of the 2023
 * questionnaire, sees the difference and the routing check, previews it as a po–vo school in the
 * "plannen" branch (desktop and phone), saves it, starts a round with it and prints it.
 */
describeEachDatabase('admin app: a new questionnaire version, from upload to print', (getDatabase) => {
  let browser: Browser, app: App, url: string, clock: ManualClock;

  beforeAll(async () => {
    ({ app, url, clock, browser } = await startBrowserApp(getDatabase()));
  });
  afterAll(() => closeBrowserApp(browser, app));

  it('uploads, checks, previews, saves, starts a round with it and prints it, within the CSP', async () => {
    const db = getDatabase().db;
    const { headers } = await loginAs(db, 'admin', clock.now());
    await db.insertInto('studies').values({ name: 'IMAGE samenwerking', slug: `image-${Date.now()}` }).execute();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addCookies([{ name: 'mr_session', value: headers.cookie.split('=')[1]!, url }]);
    const page = await context.newPage();
    // The check builds survey-core models and runs the routing walk: slow on a busy test machine.
    page.setDefaultTimeout(180_000);
    const violations = await collectCspViolations(page);

    await page.goto(`${url}/admin/vragenlijsten`);
    await page.getByRole('heading', { name: 'Vragenlijsten', level: 1 }).waitFor();
    await page.locator('tr[data-ref="image-samenwerking-2023"]').waitFor();
    await page.getByRole('link', { name: 'Nieuwe versie uploaden' }).click();

    // Upload the changed copy, with a hostile image in the introduction text: the live preview
    // shows it sanitised (no handler runs, nothing breaks the CSP) before any check.
    const { content } = changedCopyOf2023();
    content.pages[0].elements[0].html += '<img src="/favicon.ico" onerror="window.__pwned = 1">';
    await page.getByLabel('JSON-bestand uploaden').setInputFiles({ name: 'image-2024.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(content, null, 2)) });
    const preview = page.getByTestId('author-preview');
    await preview.getByText('Gaat u akkoord met het verwerken').first().waitFor();
    expect(await preview.locator('img[onerror]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // Whatever of the hostile text reached the page before sanitising was blocked by the CSP (an
    // inline handler is never run); from here on, with a clean questionnaire, nothing may violate it.
    const hostileAttempts = violations.splice(0);
    expect(hostileAttempts.filter((v) => !/inline/.test(v))).toEqual([]);

    // The check refuses the handler, in Dutch; removing it lets it pass.
    await page.getByRole('button', { name: 'Controleren' }).click();
    await page.getByText('Bevat een event-handler (onerror=…)').waitFor();
    const clean = changedCopyOf2023();
    await page.getByLabel('Of bewerk de tekst').fill(clean.text);
    await page.getByRole('button', { name: 'Controleren' }).click();
    await page.getByTestId('lint-ok').waitFor();
    const diff = page.getByTestId('diff');
    await diff.getByText('Vergeleken met Samenwerking rondom (hoog)begaafdheid (2023): 2 toegevoegd, 2 verwijderd').waitFor();
    await diff.getByText('antwoordoptie toegevoegd: "Elke week"').waitFor();
    await diff.getByText('C_toelichting').waitFor();
    await diff.getByText('niet of deels vergelijkbaar:').waitFor();
    await page.getByTestId('routing').locator('progress').waitFor();
    await page.locator('[data-testid="routing-status"][data-status="passed"]').waitFor({ timeout: 240_000 });
    await page.getByText(/^De routering klopt: 20 willekeurige reeksen/).waitFor();

    // Preview as a po–vo school (po side) in the "plannen" branch: the page after the branch
    // question, with the partner filled in, and the new question's markup rendered safely.
    await page.getByLabel('Samenwerkingssituatie').selectOption('po-vo');
    await page.getByLabel('Sector van het samenwerkingsverband').selectOption('po');
    await page.getByLabel('Soort school').selectOption('po');
    await page.getByLabel('Route (tak)').selectOption('plannen');
    await preview.getByText('Wat is de reden dat uw school (nog) niet samenwerkt met vo-scholen').first().waitFor();
    await preview.locator('b', { hasText: 'samenwerking' }).first().waitFor();
    expect(await preview.getByText('Wat zou uw school nodig hebben').count()).toBe(0);
    await page.getByLabel('Breedte').selectOption('phone');
    await page.locator('[data-testid="author-preview"][data-width="phone"]').waitFor();
    expect((await preview.boundingBox())!.width).toBeLessThanOrEqual(376);
    await preview.getByText('Wat is de reden dat uw school (nog) niet samenwerkt met vo-scholen').first().waitFor();

    // Save: immutable, listed, offered for a new round.
    await page.getByRole('button', { name: 'Opslaan als nieuwe versie' }).click();
    await page.getByRole('status').filter({ hasText: 'Versie opgeslagen (image-samenwerking 2024)' }).waitFor();
    const row = await db.selectFrom('questionnaire_versions').select(['id', 'source', 'sha256']).where('source', '=', 'upload').where('version', '=', '2024').executeTakeFirstOrThrow();
    const ref = `v${row.id}`;
    await page.locator(`tr[data-ref="${ref}"]`).getByText('Toegevoegd door').waitFor();

    await page.goto(`${url}/admin/rounds`);
    await page.getByLabel('Naam van de meting').fill('Meting 2024');
    await page.getByLabel('Vragenlijst', { exact: true }).selectOption(ref);
    await page.getByRole('button', { name: 'Meting aanmaken' }).click();
    await page.getByText('Samenwerking rondom (hoog)begaafdheid (2024)').waitFor();
    const round = await db.selectFrom('rounds').select(['questionnaire_version_id']).where('name', '=', 'Meting 2024').executeTakeFirstOrThrow();
    expect(round.questionnaire_version_id).toBe(row.id);

    // Print: every page and question, who sees it, per situation; the menu is not printed; a PDF.
    await page.goto(`${url}/admin/vragenlijsten/${ref}/afdrukken`);
    await page.getByRole('heading', { name: 'Samenwerking rondom (hoog)begaafdheid', level: 1 }).waitFor();
    await page.getByText('Wie ziet deze pagina: alleen als Q_mate = wel (Mijn school werkt samen rondom [thema])').first().waitFor();
    await page.locator('[data-question="C_toelichting"]').waitFor();
    expect(await page.locator('[data-question="C_nodig"]').count()).toBe(0);
    await page.locator('[data-question="A_contact_frequentie"]').getByText('Elke week').waitFor();
    await page.getByLabel('Situatie').selectOption('po-vo');
    await page.getByText('situatie: tussen po en vo').waitFor();
    await page.locator('[data-question="A_doelen"]').getByText('vo-scholen').first().waitFor();
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.mr-header').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Afdrukken of opslaan als PDF' }).isVisible()).toBe(false);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);

    expect(violations).toEqual([]);
    await context.close();
  });
});
