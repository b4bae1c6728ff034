import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import type { DB, RoundStatus } from '../../server/db/types';
import { snapshotVersion } from '../../server/questionnaires';
import { eraseSchoolData } from '../../server/privacy/erase';
import { purgeExpiredRounds } from '../../server/privacy/retention';
import { CLOSED_BODY } from '../../server/responses/routes';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { roundNotificationsOf } from '../helpers/notifications';
import { aRoundWithSchools } from '../fixtures/mail-rounds';
import { answerEverything } from '../fixtures/questionnaire-answers';
import { dashboardSnapshot } from '../../server/tracking/dashboard';
import { ROUND_CHANNEL } from '../../server/tracking/counts';

/**
 * The respondent API of docs/respondent-api.md, driven through the real app on both databases:
 * every state of a personal link, consent before answers, optimistic autosave and what a broken
 * or hostile client gets.
 */

const QUESTIONNAIRE = 'image-samenwerking-2023';
const NOW = '2026-03-10T10:00:00Z';

interface Link {
  token: string;
  invitationId: number;
  roundId: number;
  schoolName: string;
}

async function aRoundOpenForAnswers(
  db: Kysely<DB>,
  o: { count?: number; status?: RoundStatus; opensAt?: Date | null; closesAt?: Date | null; questionnaire?: boolean } = {},
): Promise<Link[]> {
  const round = await aRoundWithSchools(db, {
    count: o.count ?? 1,
    swvCount: 1,
    round: { status: o.status ?? 'open', opensAt: o.opensAt === undefined ? new Date('2026-03-01T08:00:00Z') : o.opensAt, closesAt: o.closesAt },
  });
  if (o.questionnaire !== false) {
    const version = await snapshotVersion(db, QUESTIONNAIRE);
    await db.updateTable('rounds').set({ questionnaire_version_id: version.id }).where('id', '=', round.roundId).execute();
  }
  await db.updateTable('invitations').set({ status: 'invited', invited_at: new Date('2026-03-02T08:00:00Z') }).where('round_id', '=', round.roundId).execute();
  return round.invitations.map((i) => ({ token: i.token, invitationId: i.id, roundId: round.roundId, schoolName: i.schoolName }));
}

const invitationOf = (db: Kysely<DB>, id: number) => db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const responseOf = (db: Kysely<DB>, invitationId: number) => db.selectFrom('responses').selectAll().where('invitation_id', '=', invitationId).executeTakeFirst();

describeEachDatabase('respondent API', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let db: Kysely<DB>;

  const get = (token: string) => app.inject({ url: `/api/s/${token}` });
  const consent = (token: string, answer: string) => app.inject({ method: 'POST', url: `/api/s/${token}/consent`, payload: { answer } });
  /** Consent, then the survey as the page has it (consent answers without the questionnaire). */
  const consented = async (token: string) => {
    expect((await consent(token, 'ja')).statusCode).toBe(200);
    return (await get(token)).json();
  };
  const put = (token: string, payload: unknown) => app.inject({ method: 'PUT', url: `/api/s/${token}/answers`, payload: payload as object });
  const complete = (token: string, payload: unknown) => app.inject({ method: 'POST', url: `/api/s/${token}/complete`, payload: payload as object });

  beforeAll(async () => {
    clock = new ManualClock(NOW);
    db = getDatabase().db;
    ({ app } = await makeTestApp(getDatabase(), { clock, config: { respondentRateLimit: 0 } }));
    await app.ready();
  });
  afterAll(async () => app.close());

  describe('states', () => {
    it('gives one identical 404 for unknown, malformed, erased, excluded, closed, expired and purged links', async () => {
      const [erased, excluded, kept] = await aRoundOpenForAnswers(db, { count: 3 });
      const erasedSchoolId = (await invitationOf(db, erased!.invitationId)).school_id!;
      await db.transaction().execute((trx) => eraseSchoolData(trx, erased!.roundId, erasedSchoolId, { system: 'test' }, clock.now()));
      await db.updateTable('invitations').set({ excluded_at: clock.now() }).where('id', '=', excluded!.invitationId).execute();
      const [closedRound] = await aRoundOpenForAnswers(db, { status: 'closed' });
      const [expired] = await aRoundOpenForAnswers(db, { closesAt: new Date('2026-03-09T22:00:00Z') });
      const [purged] = await aRoundOpenForAnswers(db);
      await db.updateTable('rounds').set({ retention_until: new Date('2026-03-01T00:00:00Z'), status: 'closed' }).where('id', '=', purged!.roundId).execute();
      await purgeExpiredRounds(db, clock.now());

      const tokens = [
        'Onbekend0123456789abcdef',
        'kort',
        'a'.repeat(23) + '~',
        'x'.repeat(150),
        '%E0%A4%A',
        erased!.token,
        excluded!.token,
        closedRound!.token,
        expired!.token,
        purged!.token,
      ];
      const expected = JSON.stringify(CLOSED_BODY);
      for (const token of tokens) {
        for (const res of [
          await get(token),
          await consent(token, 'ja'),
          await put(token, { data: {}, currentPage: 0, revision: 1 }),
          await complete(token, { data: {}, currentPage: 0, revision: 1 }),
        ]) {
          expect({ token, status: res.statusCode, body: res.body }).toEqual({ token, status: 404, body: expected });
        }
      }
      expect(CLOSED_BODY.message).toMatch(/niet \(meer\) beschikbaar/);
      // The school that is still in the round is not affected.
      expect((await get(kept!.token)).json().state).toBe('consent');
    });

    it('says not_open for a draft round and before opens_at, and marks nothing opened', async () => {
      const [draft] = await aRoundOpenForAnswers(db, { status: 'draft', opensAt: null });
      const [early] = await aRoundOpenForAnswers(db, { opensAt: new Date('2026-03-20T08:00:00Z') });
      const draftRes = await get(draft!.token);
      expect(draftRes.statusCode).toBe(200);
      expect(draftRes.json()).toEqual({ state: 'not_open', study: { name: expect.any(String) }, opensAt: null });
      const earlyRes = await get(early!.token);
      expect(earlyRes.json()).toMatchObject({ state: 'not_open', opensAt: '2026-03-20T08:00:00.000Z' });
      expect((await invitationOf(db, early!.invitationId)).opened_at).toBeNull();
      const refused = await consent(early!.token, 'ja');
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error).toBe('not_open');
      expect(await responseOf(db, early!.invitationId)).toBeUndefined();
    });

    it('asks for consent first and marks the invitation opened once', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      const res = await get(link!.token);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body).toMatchObject({
        state: 'consent',
        study: { name: expect.any(String) },
        round: { name: expect.any(String), closesAt: expect.any(String) },
        school: { name: link!.schoolName },
        consent: { question: 'Q_consent', yes: 'ja', no: 'nee' },
        data: {},
        currentPage: 0,
        revision: 0,
        completedAt: null,
      });
      expect(body.questionnaire.meetronde.key).toBe('image-samenwerking');
      expect(body.variables).toMatchObject({ situatie: 'po-po', school_naam: link!.schoolName, partner: 'andere po-scholen' });
      const invitation = await invitationOf(db, link!.invitationId);
      expect(invitation.status).toBe('opened');
      expect(invitation.opened_at?.toISOString()).toBe(new Date(NOW).toISOString());

      clock.advance(60_000);
      await get(link!.token);
      expect((await invitationOf(db, link!.invitationId)).opened_at?.toISOString()).toBe(new Date(NOW).toISOString());
      clock.set(NOW);
    });
  });

  describe('consent', () => {
    it('refuses answers before consent and stores nothing', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      const res = await put(link!.token, { data: { Q_consent: 'ja', Q_mate: 'wel' }, currentPage: 1, revision: 0 });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: 'consent_required', message: expect.stringMatching(/eerst/) });
      expect(await responseOf(db, link!.invitationId)).toBeUndefined();
      const invitation = await invitationOf(db, link!.invitationId);
      expect(invitation.status).toBe('invited');
      expect(invitation.last_activity_at).toBeNull();
    });

    it('opens the questionnaire on consent with a response holding only the consent answer', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      const res = await consent(link!.token, 'ja');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ state: 'open', data: { Q_consent: 'ja' }, revision: 1, currentPage: 0, consent: { question: 'Q_consent' } });
      // The page has the questionnaire from its first request; consent does not send it again.
      expect(res.json().questionnaire).toBeUndefined();
      const invitation = await invitationOf(db, link!.invitationId);
      expect(invitation).toMatchObject({ status: 'started', refused_at: null });
      expect(invitation.consent_at?.toISOString()).toBe(new Date(NOW).toISOString());
      expect(invitation.started_at?.toISOString()).toBe(new Date(NOW).toISOString());
      expect(invitation.opened_at).not.toBeNull();
      expect((await responseOf(db, link!.invitationId))?.data).toEqual({ Q_consent: 'ja' });

      // Consenting again (a second tab) changes nothing.
      await put(link!.token, { data: { Q_mate: 'wel' }, currentPage: 2, revision: 1 });
      const again = await consent(link!.token, 'ja');
      expect(again.json()).toMatchObject({ state: 'open', data: { Q_consent: 'ja', Q_mate: 'wel' }, revision: 2 });
    });

    it('deletes every answer on refusal, and lets the school change its mind', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      await consent(link!.token, 'ja');
      expect((await put(link!.token, { data: { Q_mate: 'geen' }, currentPage: 2, revision: 1 })).statusCode).toBe(200);

      clock.advance(60_000);
      const refused = await consent(link!.token, 'nee');
      expect(refused.statusCode).toBe(200);
      expect(refused.json()).toMatchObject({ state: 'refused', data: {}, revision: 0 });
      expect(await responseOf(db, link!.invitationId)).toBeUndefined();
      let invitation = await invitationOf(db, link!.invitationId);
      expect(invitation).toMatchObject({ status: 'refused', consent_at: null });
      expect(invitation.refused_at?.toISOString()).toBe('2026-03-10T10:01:00.000Z');
      expect((await get(link!.token)).json().state).toBe('refused');
      expect((await put(link!.token, { data: { Q_mate: 'wel' }, currentPage: 2, revision: 0 })).statusCode).toBe(403);

      clock.advance(60_000);
      const changed = await consent(link!.token, 'ja');
      expect(changed.json()).toMatchObject({ state: 'open', data: { Q_consent: 'ja' }, revision: 1 });
      invitation = await invitationOf(db, link!.invitationId);
      expect(invitation).toMatchObject({ status: 'started', refused_at: null });
      expect(invitation.consent_at?.toISOString()).toBe('2026-03-10T10:02:00.000Z');
      expect(invitation.started_at?.toISOString()).toBe(new Date(NOW).toISOString());
      clock.set(NOW);
    });

    it('accepts only the questionnaire’s own yes and no', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      for (const payload of [{ answer: 'misschien' }, { answer: 'JA' }, {}, { answer: 1 }]) {
        const res = await app.inject({ method: 'POST', url: `/api/s/${link!.token}/consent`, payload });
        expect(res.statusCode).toBe(400);
        expect(res.json().message).toMatch(/[a-z]/);
      }
      expect(await responseOf(db, link!.invitationId)).toBeUndefined();
      expect((await invitationOf(db, link!.invitationId)).status).toBe('invited');
    });
  });

  describe('autosave', () => {
    it('stores revision + 1 with the page and the time of activity', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      await consent(link!.token, 'ja');
      clock.advance(5 * 60_000);
      const res = await put(link!.token, { data: { Q_consent: 'ja', Q_functie: ['leraar'], Q_mate: 'wel' }, currentPage: 2, revision: 1 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ revision: 2, savedAt: '2026-03-10T10:05:00.000Z' });
      const stored = await responseOf(db, link!.invitationId);
      expect(stored).toMatchObject({ data: { Q_consent: 'ja', Q_functie: ['leraar'], Q_mate: 'wel' }, current_page: 2, revision: 2, completed_at: null });
      expect((await invitationOf(db, link!.invitationId)).last_activity_at?.toISOString()).toBe('2026-03-10T10:05:00.000Z');
      expect((await get(link!.token)).json()).toMatchObject({ state: 'open', data: { Q_mate: 'wel' }, currentPage: 2, revision: 2 });
      clock.set(NOW);
    });

    it('answers a stale save with 409 and the newest answers, storing nothing', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      await consent(link!.token, 'ja');
      expect((await put(link!.token, { data: { Q_mate: 'wel' }, currentPage: 2, revision: 1 })).statusCode).toBe(200);
      const stale = await put(link!.token, { data: { Q_mate: 'geen' }, currentPage: 1, revision: 1 });
      expect(stale.statusCode).toBe(409);
      expect(stale.json()).toEqual({
        error: 'stale',
        message: expect.stringMatching(/opgeslagen/),
        data: { Q_consent: 'ja', Q_mate: 'wel' },
        currentPage: 2,
        revision: 2,
      });
      expect(await responseOf(db, link!.invitationId)).toMatchObject({ revision: 2, data: { Q_mate: 'wel' } });
    });

    it('lets exactly one of two simultaneous saves on the same revision win', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      await consent(link!.token, 'ja');
      for (let attempt = 0; attempt < 3; attempt++) {
        const before = (await responseOf(db, link!.invitationId))!.revision;
        const results = await Promise.all(
          ['wel', 'plannen', 'geen'].map((mate) => put(link!.token, { data: { Q_mate: mate }, currentPage: 2, revision: before })),
        );
        const codes = results.map((r) => r.statusCode).sort();
        expect(codes).toEqual([200, 409, 409]);
        const winner = results.find((r) => r.statusCode === 200)!;
        expect(winner.json().revision).toBe(before + 1);
        const stored = (await responseOf(db, link!.invitationId))!;
        expect(stored.revision).toBe(before + 1);
        for (const loser of results.filter((r) => r.statusCode === 409)) expect(loser.json()).toMatchObject({ revision: before + 1, data: stored.data });
      }
    });
  });

  describe('completion', () => {
    it('refuses an incomplete questionnaire with one Dutch message per question, storing nothing', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      await consent(link!.token, 'ja');
      const res = await complete(link!.token, { data: { Q_mate: 'wel' }, currentPage: 9, revision: 1 });
      expect(res.statusCode).toBe(422);
      const body = res.json();
      expect(body.error).toBe('invalid_answers');
      expect(body.message).toMatch(/Nog niet alle vragen/);
      const questions = body.errors.map((e: { question: string }) => e.question);
      expect(questions).toContain('Q_functie');
      expect(questions).toContain('A_doelen');
      expect(questions).not.toContain('C_nodig');
      expect(new Set(questions).size).toBe(questions.length);
      for (const error of body.errors) expect(error.message).toMatch(/vereiste vraag|beantwoord|kies/i);
      expect(await responseOf(db, link!.invitationId)).toMatchObject({ revision: 1, completed_at: null, branch: null });
      expect((await invitationOf(db, link!.invitationId)).status).toBe('started');
    });

    it('drops at completion what an autosave kept that the routing hides or the choices do not hold', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      const opened = await consented(link!.token);
      const saved = await put(link!.token, { data: { Q_mate: 'wel', A_doelen: ['uitval'], Q_functie: ['leraar', 'astronaut'] }, currentPage: 3, revision: 1 });
      expect(saved.statusCode).toBe(200);
      // The school changes its mind about the branch; the page clears what it hid, a faulty one may not.
      const data: Record<string, unknown> = { ...answerEverything(opened.questionnaire, opened.variables, { Q_consent: 'ja', Q_mate: 'geen' }), A_doelen: ['uitval'] };
      data.Q_functie = [...(data.Q_functie as string[]), 'astronaut'];
      const res = await complete(link!.token, { data, currentPage: 9, revision: 2 });
      expect(res.statusCode).toBe(200);
      const stored = await responseOf(db, link!.invitationId);
      expect(stored).toMatchObject({ branch: 'geen', revision: 3 });
      expect((stored!.data as Record<string, unknown>).A_doelen).toBeUndefined();
      expect((stored!.data as Record<string, unknown>).Q_functie).not.toContain('astronaut');
    });

    it('completes with the branch, then answers every retry with the stored survey and keeps the answers', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      const opened = await consented(link!.token);
      const data = answerEverything(opened.questionnaire, opened.variables, { Q_consent: 'ja', Q_mate: 'plannen' });
      clock.advance(20 * 60_000);
      const res = await complete(link!.token, { data, currentPage: 9, revision: 1 });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ state: 'completed', revision: 2, completedAt: '2026-03-10T10:20:00.000Z' });
      expect(body.data).toMatchObject({ Q_consent: 'ja', Q_mate: 'plannen', C_reden: expect.any(Array) });
      expect(body.data.A_doelen).toBeUndefined();
      const stored = await responseOf(db, link!.invitationId);
      expect(stored).toMatchObject({ branch: 'plannen', revision: 2 });
      // The answer holds exactly what was stored, without the questionnaire (the page has it).
      expect(body.data).toEqual(stored!.data);
      expect(body.questionnaire).toBeUndefined();
      expect(stored?.completed_at?.toISOString()).toBe('2026-03-10T10:20:00.000Z');
      const invitation = await invitationOf(db, link!.invitationId);
      expect(invitation.status).toBe('completed');
      expect(invitation.completed_at?.toISOString()).toBe('2026-03-10T10:20:00.000Z');

      // A retry (the first answer got lost) is answered like the first, with what was stored.
      clock.advance(60_000);
      const retry = await complete(link!.token, { data: { ...data, Q_mate: 'geen' }, currentPage: 9, revision: 1 });
      expect(retry.statusCode).toBe(200);
      expect(retry.json()).toMatchObject({ state: 'completed', revision: 2, completedAt: '2026-03-10T10:20:00.000Z', data: { Q_mate: 'plannen' } });

      const after = await get(link!.token);
      expect(after.json()).toMatchObject({ state: 'completed', data: body.data, completedAt: '2026-03-10T10:20:00.000Z' });
      const late = await put(link!.token, { data: { Q_mate: 'geen' }, currentPage: 2, revision: 2 });
      expect(late.statusCode).toBe(409);
      expect(late.json().error).toBe('completed');
      for (const answer of ['nee', 'ja']) {
        const change = await consent(link!.token, answer);
        expect(change.statusCode).toBe(409);
        expect(change.json().message).toMatch(/al afgerond/);
      }
      expect(await responseOf(db, link!.invitationId)).toMatchObject({ branch: 'plannen', revision: 2, data: body.data });
      clock.set(NOW);
    });

    it('does not complete on top of a revision it did not see', async () => {
      const [link] = await aRoundOpenForAnswers(db);
      const opened = await consented(link!.token);
      const data = answerEverything(opened.questionnaire, opened.variables, { Q_consent: 'ja', Q_mate: 'geen' });
      await put(link!.token, { data: { Q_mate: 'wel' }, currentPage: 2, revision: 1 });
      const res = await complete(link!.token, { data, currentPage: 9, revision: 1 });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: 'stale', revision: 2, data: { Q_mate: 'wel' } });
      expect(await responseOf(db, link!.invitationId)).toMatchObject({ completed_at: null, revision: 2 });
    });
  });

  describe('hostile input', () => {
    let link: Link;
    let before: unknown;

    beforeAll(async () => {
      [link] = (await aRoundOpenForAnswers(db)) as [Link];
      await consent(link.token, 'ja');
      expect((await put(link.token, { data: { Q_mate: 'wel', Q_functie: ['leraar'] }, currentPage: 2, revision: 1 })).statusCode).toBe(200);
      before = await responseOf(db, link.invitationId);
    });

    const raw = (method: 'PUT' | 'POST', path: string, payload: string) =>
      app.inject({ method, url: `/api/s/${link.token}/${path}`, headers: { 'content-type': 'application/json' }, payload });

    it('refuses an oversized body with 413 and a Dutch message', async () => {
      const body = JSON.stringify({ data: { C_andere_themas_welke: 'x'.repeat(300 * 1024) }, currentPage: 2, revision: 2 });
      for (const [method, path] of [['PUT', 'answers'], ['POST', 'complete'], ['POST', 'consent']] as const) {
        const res = await raw(method, path, body);
        expect(res.statusCode).toBe(413);
        expect(res.json().message).toBe('Het verzoek is te groot.');
      }
      expect(await responseOf(db, link.invitationId)).toEqual(before);
    });

    it('refuses malformed submissions with 400 and a Dutch message, storing nothing', async () => {
      const bodies: Array<[string, string]> = [
        ['not JSON', '{"data": {"Q_mate": "wel"'],
        ['data is a list', JSON.stringify({ data: ['wel'], currentPage: 2, revision: 2 })],
        ['data is text', JSON.stringify({ data: 'wel', currentPage: 2, revision: 2 })],
        ['no revision', JSON.stringify({ data: {}, currentPage: 2 })],
        ['negative revision', JSON.stringify({ data: {}, currentPage: 2, revision: -1 })],
        ['NaN revision', JSON.stringify({ data: {}, currentPage: 2, revision: 'NaN' })],
        ['fractional revision', JSON.stringify({ data: {}, currentPage: 2, revision: 2.5 })],
        ['huge revision', JSON.stringify({ data: {}, currentPage: 2, revision: 1e300 })],
        ['negative page', JSON.stringify({ data: {}, currentPage: -1, revision: 2 })],
        ['page out of range', JSON.stringify({ data: {}, currentPage: 10, revision: 2 })],
        ['__proto__ key', '{"data": {"__proto__": {"isAdmin": true}, "Q_mate": "wel"}, "currentPage": 2, "revision": 2}'],
        ['__proto__ at the top', '{"__proto__": {"polluted": 1}, "data": {}, "currentPage": 2, "revision": 2}'],
        ['constructor.prototype', '{"data": {"constructor": {"prototype": {"polluted": 1}}}, "currentPage": 2, "revision": 2}'],
        ['constructor key', JSON.stringify({ data: { constructor: 'x' }, currentPage: 2, revision: 2 })],
        ['unknown question', JSON.stringify({ data: { Q_bestaat_niet: 'ja' }, currentPage: 2, revision: 2 })],
        ['unknown comment', JSON.stringify({ data: { 'Q_bestaat_niet-Comment': 'ja' }, currentPage: 2, revision: 2 })],
        ['object for a choice', JSON.stringify({ data: { Q_mate: { wel: true } }, currentPage: 2, revision: 2 })],
        ['text for a checkbox', JSON.stringify({ data: { Q_functie: 'leraar' }, currentPage: 2, revision: 2 })],
        ['objects in a checkbox', JSON.stringify({ data: { Q_functie: [{ a: 1 }] }, currentPage: 2, revision: 2 })],
        ['list for a matrix', JSON.stringify({ data: { Q_kenmerken: [1, 2] }, currentPage: 2, revision: 2 })],
        ['number for a comment', JSON.stringify({ data: { Q_mate: 'geen', C_andere_themas: 'ja', C_andere_themas_welke: 12 }, currentPage: 6, revision: 2 })],
        ['huge string', JSON.stringify({ data: { Q_mate: 'geen', C_andere_themas: 'ja', C_andere_themas_welke: 'lang '.repeat(2000) }, currentPage: 6, revision: 2 })],
        ['NUL character', JSON.stringify({ data: { Q_mate: 'geen', C_andere_themas: 'ja', C_andere_themas_welke: 'a\u0000b' }, currentPage: 6, revision: 2 })],
        ['consent withdrawn in an autosave', JSON.stringify({ data: { Q_consent: 'nee' }, currentPage: 0, revision: 2 })],
      ];
      for (const [what, payload] of bodies) {
        for (const path of ['answers', 'complete'] as const) {
          const res = await raw(path === 'answers' ? 'PUT' : 'POST', path, payload);
          expect({ what, path, status: res.statusCode }).toEqual({ what, path, status: 400 });
          const message = res.json().message as string;
          expect(message, what).toMatch(/^(De|Dit|Een|Het|Deze)\b/);
        }
      }
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(await responseOf(db, link.invitationId)).toEqual(before);
    });

    it('names the question that is wrong', async () => {
      const res = await put(link.token, { data: { Q_mate: 'geen', C_andere_themas: 'ja', C_andere_themas_welke: 'x'.repeat(1001) }, currentPage: 6, revision: 2 });
      expect(res.json()).toEqual({
        error: 'invalid_answers',
        message: expect.any(String),
        errors: [{ question: 'C_andere_themas_welke', message: 'Het antwoord is te lang: maximaal 1000 tekens.' }],
      });
      const unknown = await put(link.token, { data: { Q_onbekend: 1 }, currentPage: 2, revision: 2 });
      expect(unknown.json().errors).toEqual([{ question: 'Q_onbekend', message: 'Deze vraag bestaat niet in de vragenlijst.' }]);
    });

    it('checks only the shape of an autosave (survey-core runs at completion, which drops what the routing hides)', async () => {
      const res = await put(link.token, { data: { Q_mate: 'geen', Q_functie: ['leraar', 'astronaut'], A_doelen: ['uitval'] }, currentPage: 6, revision: 2 });
      expect(res.statusCode).toBe(200);
      expect((await responseOf(db, link.invitationId))?.data).toEqual({ Q_consent: 'ja', Q_mate: 'geen', Q_functie: ['leraar', 'astronaut'], A_doelen: ['uitval'] });
      // A choice value or a matrix row that jsonb cannot hold is refused, not stored.
      const nul = await put(link.token, { data: { Q_functie: ['lera\u0000ar'] }, currentPage: 6, revision: 3 });
      expect(nul.statusCode).toBe(400);
      expect(nul.json().errors).toEqual([{ question: 'Q_functie', message: 'Het antwoord bevat tekens die niet zijn toegestaan.' }]);
      // Back to what the page would send, for the tests after this one.
      expect((await put(link.token, { data: { Q_mate: 'geen', Q_functie: ['leraar'] }, currentPage: 6, revision: 3 })).statusCode).toBe(200);
      expect((await responseOf(db, link.invitationId))?.data).toEqual({ Q_consent: 'ja', Q_mate: 'geen', Q_functie: ['leraar'] });
      before = await responseOf(db, link.invitationId);
    });
  });

  describe('preview', () => {
    it('gives researchers the questionnaire with the variables of a situation, storing nothing', async () => {
      const researcher = await loginAs(db, 'researcher', clock.now());
      const count = async () => Number((await db.selectFrom('responses').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const responses = await count();
      const res = await app.inject({ url: `/api/preview/${QUESTIONNAIRE}?situation=po-ko&sector=po`, headers: researcher.headers });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.questionnaire.meetronde.key).toBe('image-samenwerking');
      expect(body.variables).toMatchObject({ situatie: 'po-ko', sector: 'po', partner: 'de kinderopvang', thema: '(hoog)begaafdheid/ontwikkelingsvoorsprong' });
      const generic = await app.inject({ url: `/api/preview/${QUESTIONNAIRE}`, headers: researcher.headers });
      expect(generic.json().variables).toMatchObject({ situatie: '', partner: 'samenwerkingspartners' });
      expect((await app.inject({ url: `/api/preview/${QUESTIONNAIRE}?situation=mars`, headers: researcher.headers })).statusCode).toBe(400);
      const missing = await app.inject({ url: '/api/preview/bestaat-niet-2020', headers: researcher.headers });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().message).toBe('Deze vragenlijst bestaat niet.');
      expect((await app.inject({ url: `/api/preview/${QUESTIONNAIRE}` })).statusCode).toBe(401);
      expect(await count()).toBe(responses);
    });
  });

  describe('live tracking', () => {
    it('moves the dashboard’s figures and notifies it on consent, refusal and completion', async () => {
      const links = await aRoundOpenForAnswers(db, { count: 3 });
      const roundId = links[0]!.roundId;
      const funnel = async () => (await dashboardSnapshot(db, roundId, clock.now()))!.funnel;
      expect(await funnel()).toMatchObject({ invited: 3, opened: 0, refused: 0, completed: 0 });

      const notified = await roundNotificationsOf(getDatabase(), async () => {
        await get(links[0]!.token);
        await consent(links[1]!.token, 'nee');
        const opened = await consented(links[2]!.token);
        const data = answerEverything(opened.questionnaire, opened.variables, { Q_consent: 'ja', Q_mate: 'wel' });
        expect((await complete(links[2]!.token, { data, currentPage: 9, revision: 1 })).statusCode).toBe(200);
      });
      expect(notified.length).toBeGreaterThanOrEqual(3);
      expect(new Set(notified)).toEqual(new Set([String(roundId)]));
      const after = await funnel();
      expect(after).toMatchObject({ invited: 3, refused: 1, completed: 1 });
      expect(after.opened).toBeGreaterThanOrEqual(1);
      const snapshot = (await dashboardSnapshot(db, roundId, clock.now()))!;
      expect(JSON.stringify(snapshot)).toContain('wel');
    });

    it('notifies completions after their commit, at most once per interval for a burst, the last one included, with exact counts', async () => {
      const links = await aRoundOpenForAnswers(db, { count: 8 });
      const roundId = links[0]!.roundId;
      const opened = await Promise.all(links.map((l) => consented(l.token)));
      const data = answerEverything(opened[0]!.questionnaire, opened[0]!.variables, { Q_consent: 'ja', Q_mate: 'geen' });
      const heard: number[] = [];
      const unlisten = await getDatabase().listen(ROUND_CHANNEL, (payload) => {
        if (payload === String(roundId)) heard.push(performance.now());
      });
      try {
        const started = performance.now();
        const answers = await Promise.all(links.map((l) => complete(l.token, { data, currentPage: 9, revision: 1 })));
        const lastAnswered = performance.now();
        expect(answers.map((a) => a.statusCode)).toEqual(links.map(() => 200));
        // The last change of a burst is notified at the end of its interval (100 ms, server/tracking/notify-later.ts).
        await vi.waitFor(() => expect(heard.some((t) => t >= lastAnswered)).toBe(true), { timeout: 5000 });
        await new Promise((r) => setTimeout(r, 300));
        // The first at once, then at most one per interval (plus the trailing one), never one per completion
        // unless completions are over 100 ms apart.
        expect(heard.length).toBeGreaterThanOrEqual(1);
        expect(heard.length).toBeLessThanOrEqual(2 + Math.ceil((lastAnswered - started) / 100));
      } finally {
        await unlisten();
      }
      expect(await dashboardSnapshot(db, roundId, clock.now())).toMatchObject({ funnel: { invited: 8, completed: 8 } });
    });

    it('still notifies from the triggers for writes that do not take the notification over', async () => {
      const links = await aRoundOpenForAnswers(db, { count: 1 });
      const notified = await roundNotificationsOf(getDatabase(), async () => {
        await db.updateTable('invitations').set({ excluded_at: clock.now() }).where('id', '=', links[0]!.invitationId).execute();
      });
      expect(notified).toContain(String(links[0]!.roundId));
    });
  });
});


describeEachDatabase('respondent API limits and logs', (getDatabase) => {
  it('throttles failed lookups per address with 429 in Dutch, never a school whose pupils share one address', async () => {
    const { app } = await makeTestApp(getDatabase(), { config: { respondentRateLimit: 5 } });
    const links = await aRoundOpenForAnswers(getDatabase().db, { count: 2 });
    const [link, other] = links;
    const from = (remoteAddress: string, url: string) => app.inject({ url, remoteAddress });
    // A school behind one address: many links opened, none refused (each link has its own budget).
    const school: number[] = [];
    for (let i = 0; i < 4; i++) school.push((await from('10.1.1.1', `/api/s/${link!.token}`)).statusCode);
    for (let i = 0; i < 4; i++) school.push((await from('10.1.1.1', `/api/s/${other!.token}`)).statusCode);
    expect(school).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
    // One link flooded: over its own budget.
    await from('10.1.1.1', `/api/s/${link!.token}`);
    expect((await from('10.3.3.3', `/api/s/${link!.token}`)).statusCode).toBe(429);
    // Guessing: failed lookups (GET or POST, unknown links) count per address; past the limit
    // every link answers 429 from that address, so a guess that hits learns nothing.
    const guesses: number[] = [];
    for (let i = 0; i < 5; i++) {
      guesses.push((await app.inject({ method: 'POST', url: `/api/s/Onbekend${i}0123456789abcdef/consent`, payload: { answer: 'ja' }, remoteAddress: '10.2.2.2' })).statusCode);
    }
    expect(guesses).toEqual([404, 404, 404, 404, 404]);
    const flooded = await from('10.2.2.2', `/api/s/Onbekend90123456789abcdef`);
    expect(flooded.statusCode).toBe(429);
    expect(flooded.json().message).toBe('Te veel verzoeken. Wacht even en probeer het opnieuw.');
    expect((await from('10.2.2.2', `/api/s/${other!.token}`)).statusCode).toBe(429);
    // Another address still gets through.
    expect((await from('10.4.4.4', `/api/s/${other!.token}`)).statusCode).toBe(200);
    await app.close();
  });

  it('does not limit at all with RESPONDENT_RATE_LIMIT=0', async () => {
    const { app } = await makeTestApp(getDatabase(), { config: { respondentRateLimit: 0 } });
    const [link] = await aRoundOpenForAnswers(getDatabase().db);
    for (let i = 0; i < 620; i++) {
      const res = await app.inject({ url: `/api/s/${link!.token}`, remoteAddress: '10.3.3.3' });
      if (res.statusCode !== 200) throw new Error(`request ${i} answered ${res.statusCode}`);
    }
    await app.close();
  });

  it('never writes a token or an answer to the log', async () => {
    const lines: string[] = [];
    const { app } = await makeTestApp(getDatabase(), {
      config: { logLevel: 'debug', respondentRateLimit: 0 },
      deps: { logStream: { write: (line: string) => void lines.push(line) } },
    });
    const [link] = await aRoundOpenForAnswers(getDatabase().db);
    const token = link!.token;
    const secretAnswer = 'Geheime toelichting van de school 4711';
    await app.inject(`/s/${token}`);
    await app.inject(`/api/s/${token}`);
    await app.inject({ method: 'PUT', url: `/api/s/${token}/answers`, payload: { data: { Q_mate: 'wel' }, currentPage: 1, revision: 0 } });
    await app.inject({ method: 'POST', url: `/api/s/${token}/consent`, payload: { answer: 'ja' } });
    await app.inject({ method: 'PUT', url: `/api/s/${token}/answers`, payload: { data: { Q_mate: 'geen', C_andere_themas: 'ja', C_andere_themas_welke: secretAnswer }, currentPage: 6, revision: 1 } });
    await app.inject({ method: 'PUT', url: `/api/s/${token}/answers`, payload: { data: { Q_mate: 'geen', C_andere_themas: 'ja', C_andere_themas_welke: secretAnswer }, currentPage: 6, revision: 1 } });
    await app.inject({ method: 'POST', url: `/api/s/${token}/complete`, payload: { data: { C_andere_themas_welke: secretAnswer }, currentPage: 6, revision: 2 } });
    await app.inject({ method: 'PUT', url: `/api/s/${token}/answers`, headers: { 'content-type': 'application/json' }, payload: `{"data": {"C_andere_themas_welke": "${secretAnswer}"` });
    await app.inject({ method: 'POST', url: `/api/s/${token}/consent`, payload: { answer: 'nee' } });
    await app.inject(`/api/s/${token}x`);
    await app.inject(`/api/s/${token}${'y'.repeat(120)}`);
    await app.close();
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    expect(log).toContain('/api/s/');
    expect(log).not.toContain(token);
    expect(log).not.toContain(token.slice(0, 12));
    expect(log).not.toContain(secretAnswer);
  });
});
