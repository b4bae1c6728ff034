import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import type { Worker } from '../../server/worker';
import { getQuestionnaire, variablesFor, type QuestionnaireContent } from '../../server/questionnaires';
import { loginAs } from '../helpers/app';
import { collectCspViolations, launchBrowser } from '../helpers/browser';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { makeTestWorker } from '../helpers/mail';
import { listenTestApp } from '../helpers/server';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';
import { answerEverything } from '../fixtures/questionnaire-answers';
import { aRespondentLink, aRespondentRound } from '../fixtures/respondent-links';

/**
 * The snowball round in Chromium (issue 20): a school names its jeugdhulp partner in the 2022
 * questionnaire's nomination question (with a mistake in the address first), a second school
 * names the same organisation under another spelling, the admin approves it with the keyboard and
 * invites, one mail goes out naming both schools, the partner answers in the browser, and the
 * export links that answer to both schools' respondent numbers. Bounded: the rest of each
 * school's questionnaire is filled in beforehand.
 */
const kind = testDatabaseUrl ? 'postgres' : 'pglite';
const SCHOOL = getQuestionnaire('image-samenwerking-2022').content as QuestionnaireContent & { pages: Array<{ name: string; title?: string }> };

describe(`snowball round in a browser [${kind}]`, () => {
  let database: TestDatabase;
  let browser: Browser;
  let app: App;
  let url: string;
  let worker: Worker;
  let sink: SmtpSink;
  const clock = new ManualClock('2026-03-01T08:00:00Z');

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    sink = await startSmtpSink();
    ({ app, url } = await listenTestApp(database, { clock, config: { smtpUrl: sink.url, respondentRateLimit: 0 } }));
    ({ worker } = makeTestWorker(database, { clock, config: { smtpUrl: sink.url } }));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.stop();
    await app?.close();
    await sink?.close();
    await database?.close();
  });

  async function newPage(width: number, cookie?: { name: string; value: string }): Promise<{ page: Page; csp: string[] }> {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, timezoneId: 'Europe/Amsterdam', locale: 'nl-NL' });
    ctx.setDefaultTimeout(15_000);
    if (cookie) await ctx.addCookies([{ ...cookie, url }]);
    const page = await ctx.newPage();
    return { page, csp: await collectCspViolations(page) };
  }

  it('two schools name the same jeugdhulp organisation, one invitation goes out, the partner answers, the export links both schools', async () => {
    const db = database.db;
    const { roundId } = await aRespondentRound(db, { questionnaire: 'image-samenwerking-2022', studyName: 'IMAGE', name: '2022' });
    const schoolA = await aRespondentLink(db, roundId, { situation: 'ow-jh', schoolName: 'OBS De Regenboog' });
    const schoolB = await aRespondentLink(db, roundId, { situation: 'ow-jh', schoolName: 'CBS Het Kompas' });

    // School A: everything answered but the partners; it stopped on the collaboration page.
    const samenwerking = SCHOOL.pages.findIndex((p) => p.name === 'samenwerking');
    const data = answerEverything(SCHOOL, variablesFor({ situation: 'ow-jh', sector: 'po', schoolName: schoolA.schoolName }), { Q_consent: 'ja', Q_mate: 'wel' });
    delete data.A_partners_genoemd;
    const now = clock.now();
    await db.insertInto('responses').values({ invitation_id: schoolA.invitationId, data: JSON.stringify(data), current_page: samenwerking, revision: 3, created_at: now, updated_at: now }).execute();
    await db.updateTable('invitations').set({ status: 'started', consent_at: now, started_at: now, opened_at: now }).where('id', '=', schoolA.invitationId).execute();

    const { page: school, csp: schoolCsp } = await newPage(390);
    await school.goto(`${url}/s/${schoolA.token}`);
    const question = school.locator('.sd-question', { hasText: 'Met welke locaties of organisaties werkt uw school samen' }).first();
    await question.waitFor();
    await school.getByRole('button', { name: 'Partner toevoegen' }).click();
    await school.getByLabel('Naam van de organisatie').fill('Stichting Jeugdhulp Samen');
    // With the mouse, straight from the name field (whose blur must not move the options under the pointer).
    expect(await school.getByLabel('Naam van de organisatie').evaluate((e) => e === document.activeElement)).toBe(true);
    await question.locator('.sd-question', { hasText: 'Soort organisatie' }).getByText('Jeugdhulp', { exact: true }).click();
    expect(await question.getByRole('radio', { name: 'Jeugdhulp' }).isChecked()).toBe(true);
    await school.getByLabel('Contactpersoon (naam of functie)').fill('Intake');

    await school.getByLabel('E-mailadres van de contactpersoon').fill('intake@jeugdhulpsamen');
    await school.getByRole('button', { name: 'Volgende' }).click();
    // The same rule as the server's, in Dutch, before anything goes further.
    await school.getByText('Vul een geldig e-mailadres in (bijvoorbeeld naam@organisatie.nl).').first().waitFor();
    await school.getByLabel('E-mailadres van de contactpersoon').fill('intake@jeugdhulpsamen.example');
    for (let i = 0; i < 12 && (await school.getByRole('button', { name: 'Volgende' }).isVisible()); i++) await school.getByRole('button', { name: 'Volgende' }).click();
    try {
      await school.getByRole('button', { name: 'Verzenden' }).click({ timeout: 5000 });
    } catch (e) {
      if (process.env.SHOTS) await question.screenshot({ path: `${process.env.SHOTS}/snowball-school.png` });
      throw new Error(`not on the last page: ${(await school.locator('.sd-question__erbox').allTextContents()).join(' | ')} ${(e as Error).message.split('\n')[0]}`);
    }
    await school.getByTestId('thank-you').waitFor();
    expect(schoolCsp).toEqual([]);
    // The kind chosen with the mouse reached the saved answers.
    const savedA = await db.selectFrom('responses').select('data').where('invitation_id', '=', schoolA.invitationId).executeTakeFirstOrThrow();
    expect((savedA.data as Record<string, unknown>).A_partners_genoemd).toEqual([
      { organisatie: 'Stichting Jeugdhulp Samen', soort: 'jeugdhulp', contactpersoon: 'Intake', email: 'intake@jeugdhulpsamen.example' },
    ]);

    // School B names the same organisation, another spelling and address, through the same API.
    const dataB = answerEverything(SCHOOL, variablesFor({ situation: 'ow-jh', sector: 'po', schoolName: schoolB.schoolName }), {
      Q_consent: 'ja',
      Q_mate: 'wel',
      A_partners_genoemd: [{ organisatie: 'Jeugdhulp Samen B.V.', soort: 'jeugdhulp', email: 'info@jeugdhulpsamen.example' }],
    });
    await app.inject({ method: 'POST', url: `/api/s/${schoolB.token}/consent`, payload: { answer: 'ja' } });
    expect((await app.inject({ method: 'POST', url: `/api/s/${schoolB.token}/complete`, payload: { data: dataB, currentPage: 9, revision: 1 } })).statusCode).toBe(200);

    // The admin reviews with the keyboard: one partner, named by both schools.
    const { headers } = await loginAs(db, 'admin', clock.now());
    const [name, value] = headers.cookie.split('=') as [string, string];
    const { page: admin, csp: adminCsp } = await newPage(1280, { name, value });
    await admin.goto(`${url}/admin/rounds/${roundId}/partners`);
    await admin.getByRole('heading', { name: 'Partners (1)' }).waitFor();
    const item = admin.getByRole('listitem').filter({ hasText: 'Stichting Jeugdhulp Samen' }).first();
    await expect(item.textContent()).resolves.toMatch(/OBS De Regenboog[\s\S]*CBS Het Kompas|CBS Het Kompas[\s\S]*OBS De Regenboog/);
    await admin.getByRole('button', { name: 'Goedkeuren Stichting Jeugdhulp Samen' }).focus();
    await admin.keyboard.press('Enter');
    await admin.getByRole('status').filter({ hasText: 'goedgekeurd' }).waitFor();
    await admin.getByRole('button', { name: 'Partnerronde starten' }).focus();
    await admin.keyboard.press('Enter');
    await admin.getByRole('status').filter({ hasText: 'De partnerronde is gestart.' }).waitFor();
    await admin.getByRole('button', { name: 'De goedgekeurde partner uitnodigen' }).focus();
    await admin.keyboard.press('Enter');
    await admin.getByRole('status').filter({ hasText: '1 partner(s) uitgenodigd.' }).waitFor();
    expect(adminCsp).toEqual([]);

    // One mail, to the address of the school that named it first, naming both schools.
    await worker.drain();
    expect(sink.received).toHaveLength(1);
    const mail = sink.received[0]!;
    expect(mail.to).toBe('intake@jeugdhulpsamen.example');
    expect(mail.text).toContain('CBS Het Kompas, OBS De Regenboog noemde uw organisatie');
    const path = /http:\/\/meetronde\.test(\/s\/[A-Za-z0-9_-]{24})/.exec(mail.text)![1]!;

    // The partner answers in the browser.
    const { page: partner, csp: partnerCsp } = await newPage(390);
    await partner.goto(`${url}${path}`);
    await partner.getByText('Ja, ik ga akkoord').click();
    await partner.getByRole('button', { name: 'Volgende' }).click();
    await partner.getByText('Jeugdhulp', { exact: true }).click();
    await partner.getByText('Ja, wij werken samen', { exact: true }).click();
    for (let i = 0; i < 6 && (await partner.getByRole('button', { name: 'Volgende' }).isVisible()); i++) await partner.getByRole('button', { name: 'Volgende' }).click();
    await partner.getByRole('button', { name: 'Verzenden' }).click();
    await partner.getByTestId('thank-you').waitFor();
    expect(partnerCsp).toEqual([]);

    // The export links the partner's answer to both schools.
    const researcher = await loginAs(db, 'researcher', clock.now());
    const csv = await app.inject({ method: 'GET', url: `/api/snowball/rounds/${roundId}/partners.csv`, headers: researcher.headers });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(2);
    const header = lines[0]!.split(';');
    const cells = lines[1]!.split(';');
    const numbers = await db.selectFrom('invitations').select('respondent_number').where('id', 'in', [schoolA.invitationId, schoolB.invitationId]).orderBy('respondent_number').execute();
    expect(cells[header.indexOf('genoemd_door_respondenten')]).toBe(numbers.map((n) => n.respondent_number).join(','));
    expect(cells[header.indexOf('genoemd_door_aantal')]).toBe('2');
    expect(cells[header.indexOf('P_samenwerking')]).not.toBe('');
  }, 180_000);
});
