import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { variablesFor } from '../../server/questionnaires';
import { loginAs } from '../helpers/app';
import { collectCspViolations, launchBrowser } from '../helpers/browser';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { answerEverything } from '../fixtures/questionnaire-answers';
import { aRespondentLink, aRespondentRound, type RespondentRound } from '../fixtures/respondent-links';

/**
 * The respondent page in Chromium against the real server: a school opens its personal link,
 * consents (or refuses and changes its mind), answers with autosave, resumes elsewhere, meets a
 * second tab and an unreachable server, completes and sees its answers. One browser for the file;
 * each test opens its own context. The browser is what is tested here, so the file runs once: on
 * PostgreSQL when TEST_DATABASE_URL is set (as CI does), else on PGlite; the respondent API's
 * integration tests cover both databases.
 */

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const IMAGE = JSON.parse(readFileSync(new URL('../../questionnaires/image-samenwerking-2023.json', import.meta.url), 'utf8')) as {
  pages: Array<{ name: string; title?: string }>;
};
const SCREENSHOT = new URL('../../docs/screenshots/questionnaire.png', import.meta.url);

const PARTNER = 'vo-scholen'; // po-vo in a po SWV
const pageTitle = (name: string) => IMAGE.pages.find((p) => p.name === name)!.title!.replace('{partner}', PARTNER);
const PAGES_WEL = ['respondent', 'mate', 'samenwerking', 'opbrengsten', 'werkzame_factoren', 'beleid', 'stimulering', 'tevredenheid'];
const PAGES_NOT = ['respondent', 'mate', 'geen_samenwerking', 'beleid', 'stimulering', 'tevredenheid'];
const MATE_TEXT: Record<string, string> = {
  wel: 'Mijn school werkt samen rondom (hoog)begaafdheid',
  plannen: 'Mijn school heeft nog geen samenwerking rondom (hoog)begaafdheid, maar hier zijn wel plannen voor',
  geen: 'Mijn school heeft geen samenwerking rondom (hoog)begaafdheid, en hier zijn ook geen plannen voor',
};

const kind = testDatabaseUrl ? 'postgres' : 'pglite';

describe(`respondent page in a browser [${kind}]`, () => {
  let database: TestDatabase;
  const getDatabase = () => database;
  let browser: Browser;
  let app: App;
  let url: string;
  let round: RespondentRound;
  const tokens: string[] = [];
  const consoleLines: string[] = [];
  const db = () => getDatabase().db;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ({ app, url } = await listenTestApp(getDatabase()));
    browser = await launchBrowser();
    round = await aRespondentRound(db(), { studyName: 'IMAGE' });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.close();
  });

  async function newLink(situation: 'po-vo' | 'po-ko' = 'po-vo') {
    const link = await aRespondentLink(db(), round.roundId, { situation });
    tokens.push(link.token);
    return link;
  }

  /** A fresh context and page, with CSP violations, console output and API calls recorded. */
  async function open(width = 360, context?: BrowserContext) {
    const ctx = context ?? (await browser.newContext({ viewport: { width, height: 800 } }));
    // A failing step names itself instead of running into the test's timeout.
    ctx.setDefaultTimeout(10_000);
    const page = await ctx.newPage();
    const csp = await collectCspViolations(page);
    const calls: string[] = [];
    page.on('console', (message) => consoleLines.push(message.text()));
    page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/api/')) calls.push(`${request.method()} ${path.replace(/\/api\/s\/[^/]+/, '/api/s/T')}`);
    });
    return { context: ctx, page, csp, calls };
  }

  const saved = (page: Page) => page.getByTestId('save-status').filter({ hasText: /^Opgeslagen$/ }).waitFor();
  const next = (page: Page) => page.getByRole('button', { name: 'Volgende' }).click();
  const currentTitle = async (page: Page) => (await page.locator('.sd-page__title').first().textContent())?.trim();
  const noSideScroll = async (page: Page) => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(page.viewportSize()!.width);

  /** Gives every unanswered question on the page its first answer, through the page's own inputs. */
  async function answerRest(page: Page) {
    await page.evaluate(() => {
      for (const question of Array.from(document.querySelectorAll<HTMLElement>('.sd-question'))) {
        const rows = question.querySelectorAll('tr.sd-table__row');
        if (rows.length > 0) {
          for (const row of Array.from(rows)) if (!row.querySelector('input:checked')) row.querySelector<HTMLInputElement>('input[type=radio]')?.click();
        } else if (!question.querySelector('input:checked')) {
          question.querySelector<HTMLInputElement>('input[type=radio], input[type=checkbox]')?.click();
        }
      }
    });
    for (const field of await page.locator('.sd-question textarea').all()) {
      if ((await field.isVisible()) && !(await field.inputValue())) await field.fill('Via het samenwerkingsverband');
    }
  }

  async function consent(page: Page) {
    await page.getByText('Ja, ik ga akkoord').click();
    await next(page);
    await page.getByRole('group', { name: /Wat is uw functie/ }).waitFor();
  }

  async function axeViolations(page: Page) {
    // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses inline scripts.
    await page.evaluate(AXE_SOURCE);
    const result = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe;
      return axe.run(document, { resultTypes: ['violations'] });
    });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}, ${v.nodes.length}x)`);
  }

  /** Consent, then every page of `branch` through the UI, checking the routing shows exactly its pages. */
  async function walkBranch(page: Page, branch: 'wel' | 'plannen' | 'geen', options: { onPage?: (name: string) => Promise<void> } = {}) {
    await consent(page);
    const expected = branch === 'wel' ? PAGES_WEL : PAGES_NOT;
    const seen: string[] = [];
    for (const name of expected) {
      expect(await currentTitle(page)).toBe(pageTitle(name));
      seen.push(name);
      if (name === 'respondent') await page.getByText('Leraar', { exact: true }).click();
      if (name === 'mate') await page.getByText(MATE_TEXT[branch]!, { exact: true }).click();
      if (name === 'geen_samenwerking') {
        await page.getByText('Te weinig tijd', { exact: true }).click();
        // Only schools without plans are asked what they would need.
        expect(await page.getByRole('group', { name: /nodig/ }).count()).toBe(branch === 'geen' ? 1 : 0);
      }
      await answerRest(page);
      await options.onPage?.(name);
      if (name !== expected.at(-1)) await next(page);
    }
    expect(seen).toEqual(expected);
    await expect(page.getByRole('button', { name: 'Volgende' }).isVisible()).resolves.toBe(false);
    await page.getByRole('button', { name: 'Verzenden' }).click();
    await page.getByTestId('thank-you').waitFor();
  }

  async function stored(invitationId: number) {
    const invitation = await db().selectFrom('invitations').selectAll().where('id', '=', invitationId).executeTakeFirstOrThrow();
    const response = await db().selectFrom('responses').selectAll().where('invitation_id', '=', invitationId).executeTakeFirst();
    return { invitation, response };
  }

  it('takes a school through consent and the whole "wel" branch on a phone, then shows its answers', async () => {
    const link = await newLink();
    const { context, page, csp, calls } = await open(360);
    await page.goto(`${url}/s/${link.token}`);
    await page.getByRole('heading', { name: 'IMAGE', level: 1 }).waitFor();
    await page.getByText('Ja, ik ga akkoord').waitFor();
    // Consent first: the consent question is all there is, and nothing is sent before it.
    expect(await page.locator('.sd-question:not(.sd-question--html)').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByText('Ja, ik ga akkoord').click();
    await page.waitForTimeout(300);
    expect(calls).toEqual(['GET /api/s/T']);

    await walkBranch(page, 'wel', {
      onPage: async (name) => {
        await noSideScroll(page);
        if (name === 'samenwerking') expect(await axeViolations(page)).toEqual([]);
      },
    });
    expect(calls.slice(0, 3)).toEqual(['GET /api/s/T', 'POST /api/s/T/consent', 'PUT /api/s/T/answers']);
    expect(calls.at(-1)).toBe('POST /api/s/T/complete');

    const { invitation, response } = await stored(link.invitationId);
    expect(invitation.status).toBe('completed');
    expect(response?.branch).toBe('wel');
    expect(response?.completed_at).not.toBeNull();
    expect(response?.data).toMatchObject({ Q_consent: 'ja', Q_mate: 'wel', Q_functie: expect.arrayContaining(['leraar']) });

    // The thank-you page lists the school's own answers, printable.
    const summary = page.getByTestId('summary');
    await expect(summary.textContent()).resolves.toContain(MATE_TEXT.wel);
    await expect(summary.textContent()).resolves.toContain('Leraar');
    await noSideScroll(page);
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByRole('button', { name: 'Afdrukken' }).isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    // Opened again, a completed link shows the thank-you page, not an empty questionnaire.
    await page.reload();
    await page.getByTestId('thank-you').waitFor();
    await expect(page.getByTestId('summary').textContent()).resolves.toContain('Leraar');
    expect(await page.locator('.sd-question').count()).toBe(0);
    expect(csp).toEqual([]);
    await context.close();
  });

  for (const branch of ['plannen', 'geen'] as const) {
    it(`completes the "${branch}" branch with its own pages`, async () => {
      const link = await newLink();
      // One of them on a desktop; the other, on a phone, renders the README's screenshot.
      const { context, page, csp } = await open(branch === 'plannen' ? 1024 : 360);
      await page.goto(`${url}/s/${link.token}`);
      await walkBranch(page, branch, {
        onPage: async (name) => {
          if (branch === 'geen' && name === 'geen_samenwerking') {
            mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
            await saved(page);
            await page.evaluate(() => window.scrollTo(0, 0));
            await page.screenshot({ path: SCREENSHOT.pathname });
          }
        },
      });
      const { invitation, response } = await stored(link.invitationId);
      expect(invitation.status).toBe('completed');
      expect(response?.branch).toBe(branch);
      expect(response?.data).toMatchObject({ Q_mate: branch, C_reden: expect.arrayContaining(['tijd']) });
      expect(csp).toEqual([]);
      await context.close();
    });
  }

  it('records a refusal with nothing else, and lets the school change its mind', async () => {
    const link = await newLink();
    const { context, page, calls } = await open(360);
    await page.goto(`${url}/s/${link.token}`);
    await page.getByText('Nee, ik ga niet akkoord').click();
    await page.getByRole('button', { name: 'Verzenden' }).click();
    await page.getByRole('heading', { name: 'Bedankt voor uw reactie' }).waitFor();
    expect(calls).toEqual(['GET /api/s/T', 'POST /api/s/T/consent']);
    let { invitation, response } = await stored(link.invitationId);
    expect(invitation.status).toBe('refused');
    expect(invitation.refused_at).not.toBeNull();
    expect(response).toBeUndefined();

    // Opening the link again still says thank you, with the way back in.
    await page.reload();
    await page.getByRole('button', { name: 'Toch meedoen' }).click();
    await consent(page);
    await page.getByText('Leraar', { exact: true }).click();
    await saved(page);
    ({ invitation, response } = await stored(link.invitationId));
    expect(invitation.status).toBe('started');
    expect(response?.data).toMatchObject({ Q_consent: 'ja', Q_functie: ['leraar'] });
    await context.close();
  });

  it('shows the consent question before SurveyJS has loaded, and carries the answer and the button press over to it', async () => {
    const link = await newLink();
    const { context, page, csp, calls } = await open(360);
    // Hold back SurveyJS (the questionnaire's chunks) until the school has answered and pressed on.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held: string[] = [];
    await page.route(/\/assets\/(model|SurveyView|QuestionnairePage)-[^/]*\.js$/, async (route) => {
      held.push(route.request().url());
      await released;
      await route.continue();
    });
    await page.goto(`${url}/s/${link.token}`);
    const form = page.getByTestId('consent-form');
    await form.waitFor();
    expect(held.length).toBeGreaterThan(0);
    // Keyboard and screen readers: a named group of radios, a named button.
    const group = page.getByRole('group', { name: /Gaat u akkoord/ });
    await group.waitFor();
    expect(await axeViolations(page)).toEqual([]);
    // Required, as on the SurveyJS page: pressing on without an answer says so, sends nothing.
    await page.getByRole('button', { name: 'Verzenden' }).click();
    await page.getByRole('alert').filter({ hasText: 'Dit is een vereiste vraag' }).waitFor();
    await page.getByRole('radio', { name: 'Ja, ik ga akkoord' }).focus();
    await page.keyboard.press('Space');
    expect(await page.getByRole('radio', { name: 'Ja, ik ga akkoord' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Volgende' }).click();
    await page.getByRole('status').filter({ hasText: 'Bezig met laden' }).waitFor();
    expect(calls).toEqual(['GET /api/s/T']);
    release();
    // SurveyJS takes over with the answer and goes on: consent is sent, the next page shows.
    await page.getByRole('group', { name: /Wat is uw functie/ }).waitFor();
    expect(calls.slice(0, 2)).toEqual(['GET /api/s/T', 'POST /api/s/T/consent']);
    expect(calls.slice(2).every((call) => call === 'PUT /api/s/T/answers')).toBe(true);
    expect(await form.count()).toBe(0);
    const { invitation } = await stored(link.invitationId);
    expect(invitation.status).toBe('started');
    expect(csp).toEqual([]);
    await context.close();
  });

  it('resumes in another browser at the page where the school stopped, with its answers', async () => {
    const link = await newLink();
    const first = await open(360);
    await first.page.goto(`${url}/s/${link.token}`);
    await consent(first.page);
    await first.page.getByText('Leraar', { exact: true }).click();
    await answerRest(first.page);
    await next(first.page);
    await first.page.getByText(MATE_TEXT.geen!, { exact: true }).click();
    await saved(first.page);
    await first.context.close();

    const second = await open(360);
    await second.page.goto(`${url}/s/${link.token}`);
    await second.page.locator('.sd-page__title', { hasText: pageTitle('mate') }).waitFor();
    expect(await second.page.getByRole('radio', { name: MATE_TEXT.geen!, exact: true }).isChecked()).toBe(true);
    await second.page.getByRole('button', { name: 'Vorige' }).click();
    expect(await second.page.getByRole('checkbox', { name: 'Leraar', exact: true }).isChecked()).toBe(true);
    await second.context.close();
  });

  it('tells a stale tab that the answers changed elsewhere and loads the newest ones', async () => {
    const link = await newLink();
    const a = await open(360);
    await a.page.goto(`${url}/s/${link.token}`);
    await consent(a.page);
    await saved(a.page);
    const b = await open(360, a.context);
    await b.page.goto(`${url}/s/${link.token}`);
    await b.page.getByRole('group', { name: /Wat is uw functie/ }).waitFor();

    await a.page.getByText('Leraar', { exact: true }).click();
    await saved(a.page);
    await b.page.getByText('Teamleider/coördinator', { exact: true }).click();
    await b.page.getByTestId('notice').filter({ hasText: 'ergens anders gewijzigd' }).waitFor();
    expect(await b.page.getByRole('checkbox', { name: 'Leraar', exact: true }).isChecked()).toBe(true);
    expect(await b.page.getByRole('checkbox', { name: 'Teamleider/coördinator', exact: true }).isChecked()).toBe(false);
    expect((await stored(link.invitationId)).response?.data).toMatchObject({ Q_functie: ['leraar'] });

    // Having seen the newest answers, the second tab saves on top of them.
    await b.page.getByText('Teamleider/coördinator', { exact: true }).click();
    await saved(b.page);
    expect((await stored(link.invitationId)).response?.data).toMatchObject({ Q_functie: ['leraar', 'teamleider'] });
    await a.context.close();
  });

  it('shows the server\'s completion errors at their questions and goes to the first of them', async () => {
    const link = await newLink();
    // A response that lacks a required answer on the first page, stopped on the last page.
    const variables = variablesFor({ situation: 'po-vo', sector: 'po', schoolName: link.schoolName });
    const data: Record<string, unknown> = answerEverything(IMAGE as never, variables, { Q_consent: 'ja', Q_mate: 'geen' });
    delete data.Q_functie;
    const now = new Date('2026-03-01T08:00:00Z');
    await db().insertInto('responses').values({ invitation_id: link.invitationId, data: JSON.stringify(data), current_page: IMAGE.pages.length - 1, revision: 3, created_at: now, updated_at: now }).execute();
    await db().updateTable('invitations').set({ status: 'started', consent_at: now, started_at: now, opened_at: now }).where('id', '=', link.invitationId).execute();

    const { context, page } = await open(360);
    await page.goto(`${url}/s/${link.token}`);
    await page.locator('.sd-page__title', { hasText: pageTitle('tevredenheid') }).waitFor();
    await page.getByRole('button', { name: 'Verzenden' }).click();
    await page.getByTestId('notice').waitFor();
    expect(await currentTitle(page)).toBe(pageTitle('respondent'));
    const question = page.locator('.sd-question', { hasText: 'Wat is uw functie' });
    await expect(question.locator('.sd-question__erbox').first().textContent()).resolves.toMatch(/\S/);
    expect((await stored(link.invitationId)).invitation.status).toBe('started');

    // Answered, the school completes from there.
    await page.getByText('Leraar', { exact: true }).click();
    for (let i = 0; i < 10 && (await page.getByRole('button', { name: 'Volgende' }).isVisible()); i++) await next(page);
    await page.getByRole('button', { name: 'Verzenden' }).click();
    await page.getByTestId('thank-you').waitFor();
    expect((await stored(link.invitationId)).response?.branch).toBe('geen');
    await context.close();
  });

  it('keeps answers while the server is unreachable, retries, and saves them when it is back', async () => {
    const link = await newLink();
    const { context, page } = await open(360);
    await page.goto(`${url}/s/${link.token}`);
    await consent(page);
    await saved(page);
    await context.route('**/api/s/*/answers', (route) => route.abort('internetdisconnected'));
    await page.getByText('Leraar', { exact: true }).click();
    await page.getByTestId('save-status').filter({ hasText: 'Niet opgeslagen – we proberen het opnieuw' }).waitFor();
    const local = await page.evaluate(() => Object.entries(localStorage));
    expect(local).toHaveLength(1);
    expect(local[0]![0]).not.toContain(link.token);
    expect(local[0]![1]).toContain('leraar');
    expect(local[0]![1]).not.toContain(link.token);
    expect((await stored(link.invitationId)).response?.data).not.toHaveProperty('Q_functie');

    await context.unroute('**/api/s/*/answers');
    await saved(page);
    expect((await stored(link.invitationId)).response?.data).toMatchObject({ Q_functie: ['leraar'] });
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await context.close();
  });

  it('sends the last answers when the page is closed, and restores answers that never reached the server', async () => {
    const link = await newLink();
    const { context, page } = await open(360);
    await page.goto(`${url}/s/${link.token}`);
    await consent(page);
    await saved(page);
    // Closed within the typing pause: the page sends what it has on its way out (fetch keepalive).
    await page.getByText('Teamleider/coördinator', { exact: true }).click();
    const [[key]] = (await page.evaluate(() => Object.entries(localStorage))) as [[string, string]];
    await page.close();
    await expect.poll(async () => (await stored(link.invitationId)).response?.data.Q_functie, { timeout: 5_000 }).toEqual(['teamleider']);

    // Answers typed while even that failed (the browser was offline) wait in the local copy.
    const revision = (await stored(link.invitationId)).response!.revision;
    const copy = { data: { Q_consent: 'ja', Q_functie: ['teamleider', 'leraar'] }, currentPage: 1, baseRevision: revision, changedAt: new Date().toISOString() };
    const again = await context.newPage();
    await again.goto(`${url}/s/${link.token}x`);
    await again.evaluate(([k, v]) => localStorage.setItem(k!, v!), [key, JSON.stringify(copy)]);
    await again.goto(`${url}/s/${link.token}`);
    await again.getByTestId('notice').filter({ hasText: 'nog antwoorden die niet waren opgeslagen' }).waitFor();
    expect(await again.getByRole('checkbox', { name: 'Leraar', exact: true }).isChecked()).toBe(true);
    await saved(again);
    expect((await stored(link.invitationId)).response?.data.Q_functie).toEqual(['teamleider', 'leraar']);
    expect(await again.evaluate(() => localStorage.length)).toBe(0);
    await context.close();
  });

  it('shows one page for a closed round and an unknown link, the opening date of a round not yet open, and an unreachable server', async () => {
    const closedRound = await aRespondentRound(db(), { status: 'closed' });
    const closed = await aRespondentLink(db(), closedRound.roundId);
    const later = await aRespondentRound(db(), { opensAt: new Date('2026-03-16T07:00:00Z') });
    const notOpen = await aRespondentLink(db(), later.roundId);
    tokens.push(closed.token, notOpen.token);
    const { context, page, csp } = await open(360);
    const texts: string[] = [];
    for (const token of [closed.token, 'AAAAAAAAAAAAAAAAAAAAAAAA', 'kort']) {
      await page.goto(`${url}/s/${token}`);
      await page.getByRole('heading', { name: 'Deze link werkt niet (meer)' }).waitFor();
      texts.push(await page.locator('body').innerText());
    }
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).not.toContain('IMAGE');

    await page.goto(`${url}/s/${notOpen.token}`);
    await page.getByRole('heading', { name: 'De vragenlijst is nog niet geopend' }).waitFor();
    await expect(page.locator('body').innerText()).resolves.toContain('16 maart 2026 om 08:00');

    // A server that cannot be reached at all gets its own page, and a way to try again.
    const link = await newLink();
    await context.route('**/api/s/*', (route) => route.abort('connectionrefused'));
    await page.goto(`${url}/s/${link.token}`);
    await page.getByRole('heading', { name: 'De server is niet bereikbaar' }).waitFor();
    await context.unroute('**/api/s/*');
    await page.getByRole('button', { name: 'Opnieuw proberen' }).click();
    await page.getByText('Ja, ik ga akkoord').waitFor();
    expect(csp).toEqual([]);
    await context.close();
  });

  it('lets a researcher preview a questionnaire for a situation without storing anything', async () => {
    const { headers } = await loginAs(db(), 'researcher');
    const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
    const [name, value] = headers.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url }]);
    const { page, csp, calls } = await open(360, context);
    const responsesBefore = await db().selectFrom('responses').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();

    await page.goto(`${url}/admin/voorbeeld`);
    await page.getByLabel('Vragenlijst').selectOption('image-samenwerking-2023');
    await page.getByLabel('Samenwerkingssituatie').selectOption('po-ko');
    await page.getByRole('button', { name: 'Voorbeeld tonen' }).click();
    await page.getByText('Ja, ik ga akkoord').click();
    await next(page);
    await page.getByText('Leraar', { exact: true }).click();
    await answerRest(page);
    await next(page);
    await page.getByRole('radiogroup', { name: /samenwerking met de kinderopvang/ }).waitFor();
    await noSideScroll(page);

    const responsesAfter = await db().selectFrom('responses').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(responsesAfter.n).toBe(responsesBefore.n);
    expect(calls.filter((c) => !c.startsWith('GET '))).toEqual([]);
    expect(calls).toContain('GET /api/preview/image-samenwerking-2023');
    expect(csp).toEqual([]);
    await context.close();
  });

  it('never writes a token to the console', () => {
    expect(tokens.length).toBeGreaterThan(5);
    for (const line of consoleLines) for (const token of tokens) expect(line).not.toContain(token);
  });
});
