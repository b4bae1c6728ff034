import { expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { buildOutgoing, claimDue, recordFailure } from '../../server/mailings/outbox';
import { coordinatorLink } from '../../server/invitations/person-links';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inboundOptions } from '../../server/inbound/tasks';
import { processInbound, readInbound } from '../../server/inbound/process';
import { verpAddress } from '../../server/mailings/verp';
import { outboxMessage } from '../../server/mailings/queries/outbox';
import { queueTeacherReminders } from '../../server/persons/tasks';
import { loginAs, testConfig } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { adminAppForSuite, type AdminSession } from '../helpers/suite-app';
import { anOpenPersonRound, aDraftPersonRound, aTeacherQuestionnaire } from '../fixtures/persons';
import { TEST_SECRET } from '../fixtures/mail-rounds';

const NAT = '192.0.2.20';
const WHO = { secret: TEST_SECRET, publicUrl: 'http://meetronde.test', mailFrom: 'Test <noreply@meetronde.test>' };
const DAY = 86_400_000;
const tokenOf = (link: string) => new URL(link).pathname.split('/').pop()!;

describeEachDatabase('person rounds: teachers', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let admin: AdminSession;
  adminAppForSuite(getDatabase, { secret: TEST_SECRET, publicUrl: WHO.publicUrl, mailFrom: WHO.mailFrom }, (t) => ({ app, clock, admin } = t));

  /** An open person round with a teacher questionnaire; one school registered with two classes and two teachers. */
  async function aRegisteredSchool() {
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const versionId = await aTeacherQuestionnaire(db);
    const set = await anOpenPersonRound(app, db, world.roundId, admin.headers, { consentMode: 'passive', roles: ['pupil', 'teacher'], teacherQuestionnaireId: `v${versionId}` });
    expect(set.json().teacherQuestionnaire).toMatchObject({ versionId });
    const inv = await db.selectFrom('invitations').select(['id', 'token_nonce']).where('round_id', '=', world.roundId).executeTakeFirstOrThrow();
    const token = tokenOf(coordinatorLink('http://x', TEST_SECRET, inv.id, inv.token_nonce));
    const payload = {
      participates: true,
      classes: [
        { label: '6A', grade: 'g6', pupils: 3 },
        { label: '6B', grade: 'g6', pupils: 2 },
      ],
      teachers: [
        { email: 'juf.a@school.test', classes: ['6A', '6B'] },
        { email: 'meester.b@school.test', classes: ['6B'] },
      ],
    };
    const reply = await app.inject({ method: 'PUT', url: `/api/persons/c/${token}/registration`, payload, remoteAddress: NAT });
    expect(reply.statusCode, reply.body).toBe(200);
    const teachers = await db
      .selectFrom('persons as p')
      .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
      .select(['p.id', 'pc.email'])
      .where('p.round_id', '=', world.roundId)
      .where('p.role', '=', 'teacher')
      .orderBy('pc.email')
      .execute();
    const juf = teachers.find((t) => t.email === 'juf.a@school.test')!;
    const meester = teachers.find((t) => t.email === 'meester.b@school.test')!;
    const classes = reply.json().classes as Array<{ id: number; label: string }>;
    return { world, token, payload, juf, meester, classes, versionId };
  }

  /** A teacher's mail in the outbox (keys 'teacher:<kind>:<person id>…'). */
  async function outboxFor(personId: number) {
    return getDatabase()
      .db.selectFrom('outbox_messages')
      .select(['id', 'idempotency_key', 'invitation_id', 'to_address', 'subject', 'body_text', 'body_html', 'headers', 'status'])
      .where((eb) => eb.or([eb('idempotency_key', '=', `teacher:invitation:${personId}`), eb('idempotency_key', 'like', `teacher:reminder:${personId}:%`)]))
      .orderBy('id')
      .execute();
  }

  /** The teacher link as the teacher gets it: the row built the way the worker sends it. */
  async function teacherLinkOf(personId: number) {
    const rows = await outboxFor(personId);
    const mail = buildOutgoing({ ...rows[0]!, token_nonce: null }, WHO);
    const link = /http:\/\/meetronde\.test\/t\/[A-Za-z0-9_-]+-[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
    expect(link).toBeDefined();
    return { mail, token: tokenOf(link!) };
  }

  it('registering teachers queues one invitation each, holding no working link; the mail as sent carries the teacher link and a one-click opt-out', async () => {
    const { juf, meester, token, payload } = await aRegisteredSchool();
    const rows = await outboxFor(juf.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.idempotency_key).toBe(`teacher:invitation:${juf.id}`);
    expect(rows[0]!.subject).toMatch(/Uitnodiging: vragenlijst voor leerkrachten/);
    // Stored: markers only, no /t/ link, no opt-out link.
    expect(rows[0]!.body_text).not.toMatch(/\/t\/|\/api\/persons\/a\//);
    expect(rows[0]!.body_html ?? '').not.toMatch(/\/t\/|\/api\/persons\/a\//);
    const { mail, token: teacherToken } = await teacherLinkOf(juf.id);
    expect(mail.text).toMatch(/Beste leerkracht/);
    expect(mail.html).toContain(`/t/${teacherToken}`);
    expect(mail.headers['List-Unsubscribe']).toMatch(/^<http:\/\/meetronde\.test\/api\/persons\/a\/[0-9]+-[A-Za-z0-9_-]{20}>$/);
    expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    // The link opens the teacher's page.
    const view = await app.inject({ method: 'GET', url: `/api/persons/t/${teacherToken}`, remoteAddress: NAT });
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json()).toMatchObject({ state: 'consent', hasQuestionnaire: true, classes: [{ label: '6A' }, { label: '6B' }] });
    // The admin's outbox page shows the teacher link masked once mail goes to a relay (captured
    // mail shows working links, as for schools).
    const masked = await outboxMessage(getDatabase().db, rows[0]!.id, WHO, false);
    expect(JSON.stringify(masked)).not.toContain(teacherToken);
    expect(masked.text).toContain('/t/[verborgen]');
    expect(masked.headers['List-Unsubscribe']).toBeUndefined();
    // Registering again invites nobody twice.
    const again = await app.inject({ method: 'PUT', url: `/api/persons/c/${token}/registration`, payload, remoteAddress: NAT });
    expect(again.statusCode).toBe(200);
    expect(await outboxFor(juf.id)).toHaveLength(1);
    // A teacher the school removes before starting: the waiting invitation is withdrawn.
    const fewer = await app.inject({ method: 'PUT', url: `/api/persons/c/${token}/registration`, payload: { ...payload, teachers: [payload.teachers[0]] }, remoteAddress: NAT });
    expect(fewer.statusCode).toBe(200);
    const gone = await outboxFor(meester.id);
    expect(gone.map((r) => r.status)).toEqual(['cancelled']);
    // A wrong teacher token is a Dutch 404.
    const wrong = await app.inject({ method: 'GET', url: `/api/persons/t/${juf.id}-AAAAAAAAAAAAAAAAAAAAAA`, remoteAddress: NAT });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().message).toMatch(/link werkt niet/);
  });

  it('reminders follow the round policy from the teacher’s own invitation, and stop for a teacher who finished, opted out or bounced', async () => {
    const db = getDatabase().db;
    const { juf, meester } = await aRegisteredSchool();
    const start = clock.now();
    expect(await queueTeacherReminders(db, start, WHO.mailFrom)).toBe(false);
    clock.advance(13 * DAY);
    await queueTeacherReminders(db, clock.now(), WHO.mailFrom);
    expect(await outboxFor(juf.id)).toHaveLength(1);
    // Meester opts out with the link from his mail (a one-click POST, form body).
    const { mail } = await teacherLinkOf(meester.id);
    const optOutUrl = mail.headers['List-Unsubscribe']!.slice(1, -1);
    const page = await app.inject({ method: 'GET', url: new URL(optOutUrl).pathname });
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/Afmelden/);
    const posted = await app.inject({
      method: 'POST',
      url: new URL(optOutUrl).pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(posted.statusCode, posted.body).toBe(200);
    expect(posted.body).toMatch(/U bent afgemeld/);
    const contact = await db.selectFrom('person_contacts').select('opted_out_at').where('person_id', '=', meester.id).executeTakeFirstOrThrow();
    expect(contact.opted_out_at).not.toBeNull();
    expect((await outboxFor(meester.id)).map((r) => r.status)).toEqual(['cancelled']);
    clock.advance(2 * DAY);
    await queueTeacherReminders(db, clock.now(), WHO.mailFrom);
    await queueTeacherReminders(db, clock.now(), WHO.mailFrom);
    const juf14 = await outboxFor(juf.id);
    expect(juf14.map((r) => r.idempotency_key)).toEqual([`teacher:invitation:${juf.id}`, `teacher:reminder:${juf.id}:14`]);
    expect(juf14[1]!.subject).toMatch(/Herinnering/);
    expect(juf14[1]!.body_text).not.toMatch(/\/t\//);
    expect(await outboxFor(meester.id)).toHaveLength(1);
    // A permanent bounce of the reminder marks the teacher's address unreachable.
    await db.updateTable('outbox_messages').set({ status: 'sending', locked_by: 'w1', locked_at: clock.now() }).where('id', '=', juf14[1]!.id).execute();
    await recordFailure(db, { id: juf14[1]!.id, attempts: 1 }, { ok: false, permanent: true, response: '550 5.1.1 no such user', error: 'rejected' } as never, {
      workerId: 'w1',
      now: clock.now(),
      transport: 'smtp',
      retry: { baseMs: 1000, maxMs: 1000, maxAttempts: 3 },
    });
    const bounced = await db.selectFrom('person_contacts').select('bounced_at').where('person_id', '=', juf.id).executeTakeFirstOrThrow();
    expect(bounced.bounced_at).not.toBeNull();
  });

  it('the teacher page: consent first, then one questionnaire per class, autosaved with a revision and checked on completion', async () => {
    const db = getDatabase().db;
    const { juf, classes } = await aRegisteredSchool();
    const { token } = await teacherLinkOf(juf.id);
    const [a, b] = classes;
    const url = (rest = '') => `/api/persons/t/${token}${rest}`;
    // Before the yes nothing is shown or stored.
    const early = await app.inject({ method: 'GET', url: url(`/classes/${a!.id}`), remoteAddress: NAT });
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/Geef eerst aan of u meedoet/);
    const earlySave = await app.inject({ method: 'PUT', url: url(`/classes/${a!.id}/answers`), payload: { data: { klimaat: 4 }, revision: 0 }, remoteAddress: NAT });
    expect(earlySave.statusCode).toBe(409);
    expect(await db.selectFrom('teacher_responses').select('person_id').where('person_id', '=', juf.id).execute()).toHaveLength(0);
    const yes = await app.inject({ method: 'POST', url: url('/consent'), payload: { consent: true }, remoteAddress: NAT });
    expect(yes.json()).toEqual({ state: 'open' });
    const survey = await app.inject({ method: 'GET', url: url(`/classes/${a!.id}`), remoteAddress: NAT });
    expect(survey.statusCode, survey.body).toBe(200);
    expect(survey.json()).toMatchObject({ classLabel: '6A', state: 'open', consentQuestion: 'Q_consent', revision: 0 });
    // Autosave; a second device with an old revision gets a Dutch 409.
    const s1 = await app.inject({ method: 'PUT', url: url(`/classes/${a!.id}/answers`), payload: { data: { uren: 4 }, revision: 0 }, remoteAddress: NAT });
    expect(s1.json()).toEqual({ revision: 1, allDone: false });
    const stale = await app.inject({ method: 'PUT', url: url(`/classes/${a!.id}/answers`), payload: { data: { uren: 5 }, revision: 0 }, remoteAddress: NAT });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().message).toMatch(/ander apparaat/);
    // Answers that are no question, or of the wrong shape, are refused as a whole.
    const bad = await app.inject({ method: 'PUT', url: url(`/classes/${a!.id}/answers`), payload: { data: { naam_leerling: 'Piet' }, revision: 1 }, remoteAddress: NAT });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().details)).toMatch(/bestaat niet/);
    // Completing without the required question: 422 with the problem, nothing completed.
    const incomplete = await app.inject({ method: 'POST', url: url(`/classes/${a!.id}/complete`), payload: { data: { uren: 4 }, revision: 1 }, remoteAddress: NAT });
    expect(incomplete.statusCode).toBe(422);
    expect(incomplete.json().details[0].question).toBe('klimaat');
    const doneA = await app.inject({ method: 'POST', url: url(`/classes/${a!.id}/complete`), payload: { data: { klimaat: 4, uren: 4 }, revision: 1 }, remoteAddress: NAT });
    expect(doneA.json()).toEqual({ revision: 2, allDone: false });
    const again = await app.inject({ method: 'PUT', url: url(`/classes/${a!.id}/answers`), payload: { data: { klimaat: 1 }, revision: 2 }, remoteAddress: NAT });
    expect(again.statusCode).toBe(409);
    // Another school's class is not this teacher's.
    const other = await app.inject({ method: 'GET', url: url(`/classes/${b!.id + 1000}`), remoteAddress: NAT });
    expect(other.statusCode).toBe(404);
    const doneB = await app.inject({ method: 'POST', url: url(`/classes/${b!.id}/complete`), payload: { data: { klimaat: 2 }, revision: 0 }, remoteAddress: NAT });
    expect(doneB.json()).toEqual({ revision: 1, allDone: true });
    const stored = await db.selectFrom('teacher_responses').select(['class_id', 'data', 'completed_at']).where('person_id', '=', juf.id).orderBy('class_id').execute();
    expect(stored.map((r) => [r.class_id, (r.data as Record<string, unknown>).klimaat, r.completed_at !== null])).toEqual([
      [a!.id, 4, true],
      [b!.id, 2, true],
    ]);
    const person = await db.selectFrom('persons').select('status').where('id', '=', juf.id).executeTakeFirstOrThrow();
    expect(person.status).toBe('completed');
    const view = await app.inject({ method: 'GET', url: url(), remoteAddress: NAT });
    expect(view.json()).toMatchObject({ state: 'completed', classes: [{ state: 'completed' }, { state: 'completed' }] });
    // Done: no reminder any more.
    clock.advance(20 * DAY);
    await queueTeacherReminders(db, clock.now(), WHO.mailFrom);
    expect((await outboxFor(juf.id)).filter((r) => r.idempotency_key.startsWith('teacher:reminder'))).toHaveLength(0);
    clock.advance(-20 * DAY);
  });

  it('a teacher who says no: answers deleted, no more mail; the consent events are kept', async () => {
    const db = getDatabase().db;
    const { meester, classes } = await aRegisteredSchool();
    const { token } = await teacherLinkOf(meester.id);
    await app.inject({ method: 'POST', url: `/api/persons/t/${token}/consent`, payload: { consent: true }, remoteAddress: NAT });
    const b = classes.find((c) => c.label === '6B')!;
    const saved = await app.inject({ method: 'PUT', url: `/api/persons/t/${token}/classes/${b.id}/answers`, payload: { data: { klimaat: 3 }, revision: 0 }, remoteAddress: NAT });
    expect(saved.statusCode).toBe(200);
    const no = await app.inject({ method: 'POST', url: `/api/persons/t/${token}/consent`, payload: { consent: false }, remoteAddress: NAT });
    expect(no.json()).toEqual({ state: 'refused' });
    expect(await db.selectFrom('teacher_responses').select('person_id').where('person_id', '=', meester.id).execute()).toHaveLength(0);
    const events = await db.selectFrom('teacher_consents').select('consent').where('person_id', '=', meester.id).orderBy('id').execute();
    expect(events.map((e) => e.consent)).toEqual([true, false]);
    await expect(db.updateTable('teacher_consents').set({ consent: true }).where('person_id', '=', meester.id).execute()).rejects.toThrow(/append-only/);
  });

  it('a bounce report after delivery (DSN to the VERP address) makes the teacher unreachable: no reminders', async () => {
    const db = getDatabase().db;
    const { meester } = await aRegisteredSchool();
    const [invitation] = await outboxFor(meester.id);
    await db.updateTable('outbox_messages').set({ status: 'sent', sent_at: clock.now() }).where('id', '=', invitation!.id).execute();
    const corpus = readFileSync(path.join(__dirname, '../fixtures/inbound/postfix-user-unknown.eml'), 'utf8');
    const dsn = corpus
      .replace(/noreply\+b\d+\.[0-9a-f]{16}@meetronde\.test/g, verpAddress(WHO.mailFrom, TEST_SECRET, invitation!.id))
      .replace(/info@obs-de-wereldwijzer\.nl/g, 'meester.b@school.test');
    const options = inboundOptions(testConfig({ secret: TEST_SECRET, mailFrom: WHO.mailFrom }));
    const read = await readInbound(Buffer.from(dsn.replace(/\r?\n/g, '\r\n')), { channel: 'imap' }, options);
    const result = await db.transaction().execute((trx) => processInbound(trx, read, { channel: 'imap' }, options, clock.now()));
    expect(result.effect).toBe('unreachable');
    const contact = await db.selectFrom('person_contacts').select('bounced_at').where('person_id', '=', meester.id).executeTakeFirstOrThrow();
    expect(contact.bounced_at).not.toBeNull();
    const row = await db.selectFrom('outbox_messages').select('status').where('id', '=', invitation!.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('bounced');
    clock.advance(15 * DAY);
    await queueTeacherReminders(db, clock.now(), WHO.mailFrom);
    expect(await outboxFor(meester.id)).toHaveLength(1);
    admin = await loginAs(db, 'admin', clock.now());
    const tracking = await app.inject({ method: 'GET', url: `/api/persons/rounds/${(await db.selectFrom('persons').select('round_id').where('id', '=', meester.id).executeTakeFirstOrThrow()).round_id}/tracking`, headers: admin.headers });
    expect(tracking.json().teachers).toMatchObject({ registered: 2, invited: 2, bounced: 1 });
  });

  it('a round without a teachers’ questionnaire mails no teacher', async () => {
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const set = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles: ['pupil', 'teacher'] } });
    expect(set.json().teacherQuestionnaire).toBeNull();
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', world.roundId).execute();
    const inv = await db.selectFrom('invitations').select(['id', 'token_nonce']).where('round_id', '=', world.roundId).executeTakeFirstOrThrow();
    const token = tokenOf(coordinatorLink('http://x', TEST_SECRET, inv.id, inv.token_nonce));
    const reply = await app.inject({
      method: 'PUT',
      url: `/api/persons/c/${token}/registration`,
      payload: { participates: true, classes: [{ label: '7A', grade: 'g7', pupils: 2 }], teachers: [{ email: 'zonder@school.test', classes: ['7A'] }] },
      remoteAddress: NAT,
    });
    expect(reply.statusCode, reply.body).toBe(200);
    const teacher = await db.selectFrom('persons').select('id').where('round_id', '=', world.roundId).where('role', '=', 'teacher').executeTakeFirstOrThrow();
    expect(await outboxFor(teacher.id)).toHaveLength(0);
  });
});
