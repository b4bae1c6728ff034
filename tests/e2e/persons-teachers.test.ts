import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { coordinatorLink, linkToken, newNonce } from '../../server/invitations/person-links';
import { buildOutgoing } from '../../server/mailings/outbox';
import { loginAs } from '../helpers/app';
import { testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { browserAppForSuite } from '../helpers/browser-suite';
import { TEST_SECRET } from '../fixtures/mail-rounds';
import { anOpenPersonRound, aDraftPersonRound, aTeacherQuestionnaire } from '../fixtures/persons';

/**
 * Persons invited by e-mail in Chromium on a phone (one page component, client/persons/InvitedPage.tsx):
 * a teacher follows the link from the invitation mail (as the worker sends it), says yes with the
 * keyboard, then answers for each of two classes, and sees the done page; a professional says
 * yes and answers the round's questionnaire once.
 */
const kind = testDatabaseUrl ? 'postgres' : 'pglite';

describe(`pages of persons invited by e-mail in a browser [${kind}]`, () => {
  let database: TestDatabase;
  let app: App;
  let url: string;
  const suite = browserAppForSuite(kind, { secret: TEST_SECRET }, (t) => ({ database, app, url } = t));
  const newPage = (width = 390) => suite.newPage({ width, height: 800 });

  it('a teacher says yes and answers about each of two classes', async () => {
    const db = database.db;
    const admin = await loginAs(db, 'admin');
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const versionId = await aTeacherQuestionnaire(db);
    await anOpenPersonRound(app, db, world.roundId, admin.headers, { consentMode: 'passive', roles: ['pupil', 'teacher'], teacherQuestionnaireId: `v${versionId}` });
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

  it('a professional says yes and answers the round questionnaire once', async () => {
    const db = database.db;
    const admin = await loginAs(db, 'admin');
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    await db.updateTable('rounds').set({ questionnaire_version_id: await aTeacherQuestionnaire(db) }).where('id', '=', world.roundId).execute();
    await anOpenPersonRound(app, db, world.roundId, admin.headers, { consentMode: 'passive', roles: ['professional'] });
    // As the list import stores a professional (server/persons/professionals.ts): no school location.
    const nonce = newNonce();
    const person = await db
      .insertInto('persons')
      .values({ round_id: world.roundId, site_id: null, class_id: null, role: 'professional', panel_id: randomUUID(), seq: null, code_nonce: nonce, code_hash: null, created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();

    const { page, csp } = await newPage();
    await page.goto(`${url}/pr/${linkToken(TEST_SECRET, 'professional-link', person.id, nonce)}`);
    await page.getByRole('heading', { name: 'Doet u mee?' }).waitFor();
    expect(await page.getByText('Wij vragen u als professional een vragenlijst in te vullen.', { exact: false }).count()).toBe(1);
    await page.getByRole('button', { name: 'Ja, ik doe mee' }).click();
    await page.getByRole('heading', { name: 'Vragenlijst' }).waitFor();
    await page.getByText('Hoe is het klimaat in deze klas?').waitFor();
    // The consent question was answered on the first screen.
    expect(await page.getByText('Doet u mee?').count()).toBe(0);
    await page.getByText('3', { exact: true }).click();
    await page.getByRole('button', { name: 'Versturen' }).click();
    await page.getByRole('heading', { name: 'Dank u wel!' }).waitFor();
    const stored = await db.selectFrom('person_responses').select(['data', 'completed_at']).where('person_id', '=', person.id).executeTakeFirstOrThrow();
    expect([(stored.data as Record<string, unknown>).klimaat, stored.completed_at !== null]).toEqual([3, true]);
    expect(csp).toEqual([]);
  }, 120_000);
});
