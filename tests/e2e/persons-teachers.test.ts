import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { coordinatorLink } from '../../server/invitations/person-links';
import { buildOutgoing } from '../../server/mailings/outbox';
import { loginAs } from '../helpers/app';
import { collectCspViolations, launchBrowser } from '../helpers/browser';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { listenTestApp } from '../helpers/server';
import { TEST_SECRET } from '../fixtures/mail-rounds';
import { aDraftPersonRound, aTeacherQuestionnaire } from '../fixtures/persons';

/**
 * A teacher in Chromium on a phone: the link from the invitation mail (as the worker sends it),
 * the yes with the keyboard, then the questionnaire for each of two classes, and the done page.
 */
const kind = testDatabaseUrl ? 'postgres' : 'pglite';

describe(`teacher page in a browser [${kind}]`, () => {
  let database: TestDatabase;
  let browser: Browser;
  let app: App;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    ({ app, url } = await listenTestApp(database, { config: { secret: TEST_SECRET } }));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await database?.close();
  });

  async function newPage(width = 390): Promise<{ page: Page; csp: string[] }> {
    const ctx = await browser.newContext({ viewport: { width, height: 800 } });
    ctx.setDefaultTimeout(10_000);
    const page = await ctx.newPage();
    const csp = await collectCspViolations(page);
    return { page, csp };
  }

  it('a teacher says yes and answers about each of two classes', async () => {
    const db = database.db;
    const admin = await loginAs(db, 'admin');
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const versionId = await aTeacherQuestionnaire(db);
    const set = await app.inject({
      method: 'PUT',
      url: `/api/persons/rounds/${world.roundId}/settings`,
      headers: admin.headers,
      payload: { consentMode: 'passive', roles: ['pupil', 'teacher'], teacherQuestionnaireId: `v${versionId}` },
    });
    expect(set.statusCode, set.body).toBe(200);
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', world.roundId).execute();
    const inv = await db.selectFrom('invitations').select(['id', 'token_nonce']).where('round_id', '=', world.roundId).executeTakeFirstOrThrow();
    const coordinatorToken = coordinatorLink(url, TEST_SECRET, inv.id, inv.token_nonce).split('/').pop()!;
    const registered = await app.inject({
      method: 'PUT',
      url: `/api/persons/c/${coordinatorToken}/registration`,
      payload: {
        participates: true,
        classes: [
          { label: '6A', grade: 'g6', pupils: 20 },
          { label: '6B', grade: 'g6', pupils: 20 },
        ],
        teachers: [{ email: 'juf@school.test', classes: ['6A', '6B'] }],
      },
    });
    expect(registered.statusCode, registered.body).toBe(200);
    const row = await db
      .selectFrom('outbox_messages')
      .select(['id', 'idempotency_key', 'invitation_id', 'to_address', 'subject', 'body_text', 'body_html', 'headers'])
      .where('idempotency_key', 'like', 'teacher:invitation:%')
      .executeTakeFirstOrThrow();
    const mail = buildOutgoing({ ...row, token_nonce: null }, { secret: TEST_SECRET, publicUrl: url, mailFrom: 'Test <noreply@meetronde.test>' });
    const link = new RegExp(`${url}/t/[0-9]+-[A-Za-z0-9_-]+`).exec(mail.text)![0];

    const { page, csp } = await newPage();
    await page.goto(link);
    await page.getByRole('heading', { name: 'Doet u mee?' }).waitFor();
    // With the keyboard: focus the yes and press Enter.
    await page.getByRole('button', { name: 'Ja, ik doe mee' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Uw klassen' }).waitFor();
    for (const [label, answer] of [
      ['6A', '4'],
      ['6B', '2'],
    ] as const) {
      await page.getByRole('button', { name: `Begin aan klas ${label}` }).click();
      await page.getByRole('heading', { name: `Klas ${label}` }).waitFor();
      await page.getByText('Hoe is het klimaat in deze klas?').waitFor();
      // The consent question was answered on the first screen.
      expect(await page.getByText('Doet u mee?').count()).toBe(0);
      await page.getByText(answer, { exact: true }).click();
      await page.getByRole('button', { name: 'Versturen' }).click();
      await page.getByRole('heading', { name: /Uw klassen|Dank u wel/ }).waitFor();
    }
    await page.getByRole('heading', { name: 'Dank u wel! U heeft alles ingevuld.' }).waitFor();
    const stored = await db.selectFrom('teacher_responses as tr').innerJoin('person_classes as c', 'c.id', 'tr.class_id').select(['c.label', 'tr.data', 'tr.completed_at']).orderBy('c.label').execute();
    expect(stored.map((r) => [r.label, (r.data as Record<string, unknown>).klimaat, r.completed_at !== null])).toEqual([
      ['6A', 4, true],
      ['6B', 2, true],
    ]);
    expect(csp).toEqual([]);
  }, 120_000);
});
