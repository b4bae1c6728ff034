import { expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { coordinatorLink } from '../../server/invitations/person-links';
import { PARENTS_PER_PUPIL } from '../../server/persons/parents';
import { snapshotVersion } from '../../server/questionnaires';
import { openRound } from '../../server/rounds/open';
import { describeEachDatabase } from '../helpers/db';
import { adminAppForSuite, type AdminSession } from '../helpers/suite-app';
import { aDraftPersonRound } from '../fixtures/persons';
import { TEST_SECRET } from '../fixtures/mail-rounds';

/**
 * Parents as respondents (issue 20): the coordinator passes on a parent questionnaire link per
 * class; a parent who opens it becomes a person with role parent in that class and answers the
 * interaction study as a parent (actor = persons.role), validated by the server with that group.
 */
const NAT = '192.0.2.20';
const tokenOf = (link: string) => new URL(link).pathname.split('/').pop()!;

describeEachDatabase('parents as respondents', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let admin: AdminSession;
  adminAppForSuite(getDatabase, { secret: TEST_SECRET }, (t) => ({ app, clock, admin } = t));

  async function aRegisteredSchool(roles: string[]) {
    const db = getDatabase().db;
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const version = await snapshotVersion(db, 'image-interactie-2024');
    await db.updateTable('rounds').set({ questionnaire_version_id: version.id }).where('id', '=', world.roundId).execute();
    const set = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles } });
    expect(set.statusCode, set.body).toBe(200);
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', world.roundId).execute();
    const invitation = await db.selectFrom('invitations').select(['id', 'token_nonce']).where('round_id', '=', world.roundId).executeTakeFirstOrThrow();
    const token = tokenOf(coordinatorLink('http://x', TEST_SECRET, invitation.id, invitation.token_nonce));
    const reply = await app.inject({
      method: 'PUT',
      url: `/api/persons/c/${token}/registration`,
      payload: { participates: true, classes: [{ label: '6A', grade: 'g6', pupils: 2 }, { label: '6B', grade: 'g6', pupils: 20 }], teachers: [] },
      remoteAddress: NAT,
    });
    expect(reply.statusCode, reply.body).toBe(200);
    const [a, b] = reply.json().classes as Array<{ id: number; parentSurveyLink: string | null; parentLink: string; classLink: string }>;
    return { roundId: world.roundId, a: a!, b: b! };
  }

  const startParent = (link: string, ip = '198.51.100.1') => app.inject({ method: 'POST', url: `/api/persons/ov/${tokenOf(link)}/start`, remoteAddress: ip });
  const save = (session: string, data: unknown, revision: number, complete = false) =>
    app.inject({ method: complete ? 'POST' : 'PUT', url: `/api/persons/q/${session}/${complete ? 'complete' : 'answers'}`, payload: { data, revision }, remoteAddress: '198.51.100.1' });

  it('a parent who opens the class link becomes a person with role parent in that class and answers the parents\' version', async () => {
    const db = getDatabase().db;
    const { a } = await aRegisteredSchool(['pupil', 'parent']);
    expect(a.parentSurveyLink).toMatch(/^http.*\/ov\/\d+-[A-Za-z0-9_-]{16}$/);
    expect(a.parentSurveyLink).not.toBe(a.parentLink);

    const info = await app.inject({ method: 'GET', url: `/api/persons/ov/${tokenOf(a.parentSurveyLink!)}` });
    expect(info.statusCode, info.body).toBe(200);
    expect(info.json()).toMatchObject({ classLabel: '6A' });
    // Opening the page creates nobody; starting does.
    expect(await db.selectFrom('persons').select('id').where('class_id', '=', a.id).where('role', '=', 'parent').execute()).toHaveLength(0);

    const started = await startParent(a.parentSurveyLink!);
    expect(started.statusCode, started.body).toBe(200);
    const session = started.json().session as string;
    const person = await db.selectFrom('persons').selectAll().where('class_id', '=', a.id).where('role', '=', 'parent').executeTakeFirstOrThrow();
    expect(person).toMatchObject({ role: 'parent', status: 'started', code_hash: null, seq: null });
    expect(await db.selectFrom('person_contacts').select('person_id').where('person_id', '=', person.id).execute()).toHaveLength(0);

    const view = await app.inject({ method: 'GET', url: `/api/persons/q/${session}` });
    expect(view.statusCode, view.body).toBe(200);
    expect(view.json()).toMatchObject({ state: 'open', revision: 0, data: {}, variables: { actor: 'parent', ouders: 'Andere ouders', leraren: 'De leraar/mentor van uw kind', leerlingen: 'uw kind' } });
    expect((view.json().questionnaire as { meetronde: { key: string } }).meetronde.key).toBe('image-interactie');

    // Before consent nothing but the consent answer is kept.
    const early = await save(session, { betrokkenheid: { leraren: 3 } }, 0);
    expect(early.statusCode, early.body).toBe(200);
    expect((await db.selectFrom('person_responses').select('data').where('person_id', '=', person.id).executeTakeFirstOrThrow()).data).toEqual({});

    // Keys that are no question and values outside the shown rows/columns are dropped.
    const answers = { toestemming: 'ja', betrokkenheid: { leraren: 3, schoolleiders: 2, ouders: 4, directeur: 1 }, verzonnen: 'x' };
    const saved = await save(session, answers, 1);
    expect(saved.statusCode, saved.body).toBe(200);
    expect((await db.selectFrom('person_responses').select('data').where('person_id', '=', person.id).executeTakeFirstOrThrow()).data).toEqual({
      toestemming: 'ja',
      betrokkenheid: { leraren: 3, schoolleiders: 2, ouders: 4 },
    });

    // Another device's save in between: 409, nothing lost.
    expect((await save(session, answers, 1)).statusCode).toBe(409);
    // Completing without the required questions lists them in Dutch.
    const incomplete = await save(session, { toestemming: 'ja' }, 2, true);
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json().details.errors.map((e: { question: string }) => e.question)).toEqual(expect.arrayContaining(['betrokkenheid', 'communicatie_met']));
    const done = await save(session, { ...answers, communicatie_met: ['none'] }, 2, true);
    expect(done.statusCode, done.body).toBe(200);
    expect((await db.selectFrom('persons').select(['status', 'completed_at']).where('id', '=', person.id).executeTakeFirstOrThrow()).status).toBe('completed');
    expect((await app.inject({ method: 'GET', url: `/api/persons/q/${session}` })).json()).toMatchObject({ state: 'completed', questionnaire: null });
    expect((await save(session, answers, 3)).statusCode).toBe(409);
  });

  it('each class link starts at most PARENTS_PER_PUPIL × pupils parents, whatever the address; other classes are not affected', async () => {
    const db = getDatabase().db;
    const { a, b } = await aRegisteredSchool(['pupil', 'parent']);
    const limit = 2 * PARENTS_PER_PUPIL;
    for (let i = 0; i < limit; i++) expect((await startParent(a.parentSurveyLink!, `203.0.113.${i + 1}`)).statusCode).toBe(200);
    const over = await startParent(a.parentSurveyLink!, '203.0.113.99');
    expect(over.statusCode).toBe(429);
    expect(over.json().message).toMatch(/zoveel ouders/);
    expect(await db.selectFrom('persons').select('id').where('class_id', '=', a.id).where('role', '=', 'parent').execute()).toHaveLength(limit);
    expect((await startParent(b.parentSurveyLink!, '203.0.113.99')).statusCode).toBe(200);
  });

  it('no parent link when the round does not ask parents; forged, pupil-class and closed-round links are refused in Dutch', async () => {
    const db = getDatabase().db;
    const without = await aRegisteredSchool(['pupil']);
    expect(without.a.parentSurveyLink).toBeNull();
    // The link the school would have had still does not work while the round asks no parents.
    const withParents = await aRegisteredSchool(['pupil', 'parent']);
    const forged = `${withParents.a.id}-AAAAAAAAAAAAAAAA`;
    const wrong = await app.inject({ method: 'POST', url: `/api/persons/ov/${forged}/start`, remoteAddress: NAT });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().message).toMatch(/link werkt niet/);
    // The pupils' class link and the consent link are no parent questionnaire links.
    for (const other of [withParents.a.classLink, withParents.a.parentLink]) {
      expect((await app.inject({ method: 'POST', url: `/api/persons/ov/${tokenOf(other)}/start`, remoteAddress: NAT })).statusCode).toBe(404);
    }
    await db.updateTable('person_rounds').set({ roles: JSON.stringify(['pupil']) }).where('round_id', '=', withParents.roundId).execute();
    expect((await startParent(withParents.a.parentSurveyLink!)).statusCode).toBe(404);
    await db.updateTable('person_rounds').set({ roles: JSON.stringify(['pupil', 'parent']) }).where('round_id', '=', withParents.roundId).execute();
    const started = await startParent(withParents.a.parentSurveyLink!);
    expect(started.statusCode).toBe(200);
    await db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', withParents.roundId).execute();
    expect((await startParent(withParents.a.parentSurveyLink!)).statusCode).toBe(410);
    const closed = await app.inject({ method: 'GET', url: `/api/persons/q/${started.json().session}` });
    expect(closed.statusCode).toBe(410);
    expect(closed.json().message).toMatch(/gesloten/);
    // A forged session is a Dutch 404.
    expect((await app.inject({ method: 'GET', url: '/api/persons/q/1-AAAAAAAAAAAAAAAAAAAAAA' })).statusCode).toBe(404);
  });

  it('an actor questionnaire opens only in a person round whose respondents are its groups', async () => {
    const db = getDatabase().db;
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    const version = await snapshotVersion(db, 'image-interactie-2024');
    await db.updateTable('rounds').set({ questionnaire_version_id: version.id }).where('id', '=', world.roundId).execute();
    const open = () => db.transaction().execute((trx) => openRound(trx, world.roundId, clock.now(), { system: 'test' }, TEST_SECRET));
    await expect(open()).rejects.toMatchObject({ code: 'actors_need_persons', message: expect.stringMatching(/meting op persoonsniveau/) });
    const settings = (roles: string[]) => app.inject({ method: 'PUT', url: `/api/persons/rounds/${world.roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles } });
    expect((await settings(['pupil', 'parent'])).statusCode).toBe(200);
    await expect(open()).rejects.toMatchObject({ code: 'actor_missing', message: expect.stringMatching(/geen versie voor leerlingen/) });
    expect((await settings(['teacher', 'school_leader', 'parent'])).statusCode).toBe(200);
    await open();
    expect((await db.selectFrom('rounds').select('status').where('id', '=', world.roundId).executeTakeFirstOrThrow()).status).toBe('open');
  });
});
