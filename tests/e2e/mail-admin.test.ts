import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import { TAKEOVER_NOTE } from '../../server/mailings/outbox';
import { scheduleRoundMailings } from '../../server/mailings/waves';
import type { Worker } from '../../server/worker';
import { loginAs } from '../helpers/app';
import { collectCspViolations, launchBrowser } from '../helpers/browser';
import { describeEachDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';
import { listenTestApp } from '../helpers/server';
import { aRoundWithSchools, type RoundWithSchools } from '../fixtures/mail-rounds';

const HOSTILE = `<img src=x onerror="parent.document.title='HACKED'">De Kompas`;

describeEachDatabase('admin app: mail pages in a browser', (getDatabase) => {
  let browser: Browser;
  let app: App;
  let url: string;
  let worker: Worker;
  let clock: ManualClock;
  let round: RoundWithSchools;
  let page: Page;
  let violations: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    clock = new ManualClock(new Date());
    ({ app, url } = await listenTestApp(getDatabase(), { clock, config: { mailPerHour: 500 } }));
    ({ worker } = makeTestWorker(getDatabase(), { clock }));
    const db = getDatabase().db;
    round = await aRoundWithSchools(db, {
      count: 3,
      prefix: 'e2e',
      schoolName: (i) => (i === 0 ? HOSTILE : `Basisschool ${i}`),
      round: { closesAt: new Date(Date.now() + 40 * 86_400_000) },
    });
    await scheduleRoundMailings(db, round.roundId, clock.now());
    const { headers } = await loginAs(db, 'admin', clock.now());
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await context.addCookies([{ name: 'mr_session', value: headers.cookie.replace('mr_session=', ''), url }]);
    page = await context.newPage();
    violations = await collectCspViolations(page);
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await app?.close();
  });

  const noHorizontalScroll = async () => {
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
  };

  it('plans a wave after showing how many mails it sends and when it is done, at 360 px wide', async () => {
    await page.goto(`${url}/admin/mail`);
    await page.getByRole('heading', { name: 'E-mail', exact: true }).waitFor();
    await expect(page.getByRole('note').textContent()).resolves.toContain('geen SMTP-server');
    // The round's link on the page itself (the menu has a 'Metingen' link too).
    await page.getByRole('main').getByRole('link', { name: /^Meting/ }).first().click();
    await page.getByRole('heading', { name: 'Golven' }).waitFor();
    await expect(page.getByRole('row').filter({ hasText: '14 dagen na elke uitnodiging' }).count()).resolves.toBe(1);
    await noHorizontalScroll();

    await page.getByLabel('Voor wie').selectOption('not-started');
    await expect(page.getByRole('button', { name: 'Golf inplannen' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('button', { name: 'Aantal en duur berekenen' }).click();
    const estimate = page.getByTestId('wave-estimate');
    await estimate.waitFor();
    await expect(estimate.textContent()).resolves.toMatch(/stuurt 3 e-mails, vanaf .*\(Nederlandse tijd\).*500 per uur/);
    await page.getByRole('button', { name: 'Golf inplannen' }).click();
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'nog niet begonnen' }).count(), { timeout: 20_000 }).toBe(1);
    await noHorizontalScroll();
  });

  it('previews a template for a real school in a sandbox where its name cannot run code', async () => {
    await page.getByLabel('Onderwerp').fill('Uw vragenlijst, {{school}}');
    await page.getByRole('button', { name: 'Voorbeeld tonen' }).click();
    await expect(page.getByTestId('mail-subject').textContent()).resolves.toBe(`Uw vragenlijst, ${HOSTILE}`);
    const frame = page.locator('iframe.mr-mail-frame');
    await expect(frame.getAttribute('sandbox')).resolves.toBe('allow-popups allow-popups-to-escape-sandbox');
    const body = page.frameLocator('iframe.mr-mail-frame').locator('body');
    await expect(body.textContent()).resolves.toContain(HOSTILE);
    await expect(page.frameLocator('iframe.mr-mail-frame').locator('img').count()).resolves.toBe(0);

    await page.getByRole('button', { name: 'Opslaan' }).click();
    // The wave estimate above is a status region too: look for the template's own message.
    await page.getByRole('status').filter({ hasText: 'opgeslagen' }).waitFor();

    // A broken placeholder is refused with a Dutch reason.
    await page.getByLabel('Onderwerp').fill('Hallo {{naam}}');
    await page.getByRole('button', { name: 'Opslaan' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Onbekende plaatshouder {{naam}}');
    expect(await page.title()).not.toBe('HACKED');
  });

  it('shows captured mail in the outbox as the school sees it, and the school\'s message log', async () => {
    await worker.drain();
    // A mail that was taken over from a stopped worker shows why in the list.
    await getDatabase().db.updateTable('outbox_messages').set({ last_error: TAKEOVER_NOTE }).where('invitation_id', '=', round.invitations[2]!.id).execute();
    await page.goto(`${url}/admin/mail/outbox`);
    await page.getByRole('heading', { name: 'Outbox' }).waitFor();
    await page.getByRole('cell', { name: /^Opnieuw opgepakt: de vorige verzendpoging/ }).waitFor();
    await page.getByRole('link', { name: `Uw vragenlijst, ${HOSTILE}` }).first().click();
    await page.getByRole('heading', { name: 'Bericht' }).waitFor();
    const frame = page.frameLocator('iframe.mr-mail-frame');
    const link = frame.getByRole('link', { name: 'Naar de vragenlijst' });
    await expect(link.getAttribute('href')).resolves.toBe(`http://meetronde.test/s/${round.invitations[0]!.token}`);
    await expect(link.getAttribute('target')).resolves.toBeNull();
    await expect(frame.locator('img').count()).resolves.toBe(0);
    await noHorizontalScroll();

    await page.goto(`${url}/admin/mail/invitations/${round.invitations[0]!.id}`);
    await page.getByRole('heading', { name: /Berichtenlog/ }).waitFor();
    await expect(page.getByTestId('mail-log-events').textContent()).resolves.toMatch(/in de wachtrij gezet.*verstuurd/);
    expect(await page.title()).not.toBe('HACKED');
    expect(dialogs).toEqual([]);
  });

  it('lets a school opt out from the link in its mail with one button, under the CSP', async () => {
    const db = getDatabase().db;
    const inv = round.invitations[1]!;
    const row = await db.selectFrom('outbox_messages').select('id').where('invitation_id', '=', inv.id).executeTakeFirstOrThrow();
    await page.goto(`${url}/admin/mail/outbox/${row.id}`);
    const href = await page.frameLocator('iframe.mr-mail-frame').getByRole('link', { name: 'Meld u af' }).getAttribute('href');
    expect(href).toMatch(/^http:\/\/meetronde\.test\/api\/optout\//);
    const school = await browser.newPage();
    const schoolViolations = await collectCspViolations(school);
    await school.goto(href!.replace('http://meetronde.test', url));
    await school.getByRole('heading', { name: 'Afmelden' }).waitFor();
    expect((await db.selectFrom('invitations').select('opted_out_at').where('id', '=', inv.id).executeTakeFirstOrThrow()).opted_out_at).toBeNull();
    await school.getByRole('button', { name: 'Afmelden' }).click();
    await school.getByRole('heading', { name: 'U bent afgemeld' }).waitFor();
    expect((await db.selectFrom('invitations').select('opted_out_at').where('id', '=', inv.id).executeTakeFirstOrThrow()).opted_out_at).not.toBeNull();
    expect(schoolViolations).toEqual([]);
    await school.close();
    expect(violations).toEqual([]);
  });
});
