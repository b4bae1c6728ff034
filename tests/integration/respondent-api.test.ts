import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import type { DB, RoundStatus } from '../../server/db/types';
import { snapshotVersion } from '../../server/questionnaires';
import { eraseSchoolData } from '../../server/privacy/erase';
import { purgeExpiredRounds } from '../../server/privacy/retention';
import { CLOSED_BODY } from '../../server/responses/routes';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { aRoundWithSchools } from '../fixtures/mail-rounds';

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
      await eraseSchoolData(db, erased!.roundId, (await invitationOf(db, erased!.invitationId)).school_id!, { system: 'test' }, clock.now());
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
      expect(res.json()).toMatchObject({ state: 'open', data: { Q_consent: 'ja' }, revision: 1, currentPage: 0 });
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
});
