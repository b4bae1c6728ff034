import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { audit } from '../../server/audit';
import { ManualClock } from '../../server/clock';
import type { DB } from '../../server/db/types';
import { tokenLookupHash } from '../../server/invitations/tokens';
import { addDays, amsterdamDate } from '../../server/time';
import { purgeExpiredRounds } from '../../server/privacy/retention';
import { retentionPurgeTask } from '../../server/privacy/tasks';
import { aRoundWithSchools } from '../fixtures/round-data';
import { loginAs, makeTestApp } from '../helpers/app';
import { makeTestWorker } from '../helpers/mail';
import { describeEachDatabase } from '../helpers/db';

type Headers = Record<string, string>;

describeEachDatabase('protection of research data', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let db: Kysely<DB>;
  let admin: { headers: Headers; user: { id: number; email: string } };

  beforeAll(async () => {
    db = getDatabase().db;
    ({ app, clock } = await makeTestApp(getDatabase()));
    admin = await loginAs(db, 'admin', clock.now());
  });
  afterAll(async () => app.close());

  /** Every value of every row that mentions the round's schools, as one string to search in. */
  async function everythingAbout(invitationIds: number[]): Promise<string> {
    const [invitations, responses, messages] = await Promise.all([
      db.selectFrom('invitations').selectAll().where('id', 'in', invitationIds).execute(),
      db.selectFrom('responses').selectAll().where('invitation_id', 'in', invitationIds).execute(),
      db.selectFrom('outbox_messages').selectAll().where('invitation_id', 'in', invitationIds).execute(),
    ]);
    return JSON.stringify({ invitations, responses, messages });
  }

  describe('deleting one school’s data in a round', () => {
    it('deletes its answers, its message log and its address and link, and logs that without the data', async () => {
      const round = await aRoundWithSchools(db, { schools: 2 });
      const [target, other] = round.schools as [(typeof round.schools)[0], (typeof round.schools)[0]];
      const res = await app.inject({
        method: 'DELETE',
        url: `/api/privacy/rounds/${round.roundId}/schools/${target.schoolId}`,
        headers: admin.headers,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ invitationId: target.invitationId, responses: 1, messages: 1 });

      expect(await db.selectFrom('responses').select('id').where('invitation_id', '=', target.invitationId).execute()).toEqual([]);
      expect(await db.selectFrom('outbox_messages').select('id').where('invitation_id', '=', target.invitationId).execute()).toEqual([]);
      const invitation = await db.selectFrom('invitations').selectAll().where('id', '=', target.invitationId).executeTakeFirstOrThrow();
      expect(invitation.email).toBeNull();
      expect(invitation.erased_at?.getTime()).toBe(clock.now().getTime());
      expect(invitation.excluded_at).not.toBeNull();
      // The personal link no longer finds the invitation.
      const found = await db.selectFrom('invitations').select('id').where('token_hash', '=', tokenLookupHash(target.token)!).execute();
      expect(found).toEqual([]);
      const leftovers = await everythingAbout([target.invitationId]);
      for (const secret of [target.email, target.token, 'intern begeleider', 'Lyceum']) expect(leftovers).not.toContain(secret);

      // The other school of the round keeps everything.
      expect(await everythingAbout([other.invitationId])).toContain(other.email);
      expect(await db.selectFrom('responses').select('id').where('invitation_id', '=', other.invitationId).execute()).toHaveLength(1);

      const entry = await db.selectFrom('audit_log').selectAll().where('action', '=', 'privacy.school_erased').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(entry.user_label).toBe(admin.user.email);
      expect(entry.target).toBe(`invitation:${target.invitationId}`);
      expect(entry.details).toEqual({ roundId: round.roundId, schoolId: target.schoolId, invitationId: target.invitationId, responses: 1, messages: 1 });
      expect(JSON.stringify(entry)).not.toMatch(new RegExp([target.email, target.token, target.name, 'Lyceum'].join('|')));

      const again = await app.inject({ method: 'DELETE', url: `/api/privacy/rounds/${round.roundId}/schools/${target.schoolId}`, headers: admin.headers });
      expect(again.statusCode).toBe(409);
      expect(again.json().message).toBe('De gegevens van deze school in deze meting zijn al verwijderd.');
    });

    it('answers a school that was not invited in Dutch', async () => {
      const round = await aRoundWithSchools(db, { schools: 1 });
      const res = await app.inject({ method: 'DELETE', url: `/api/privacy/rounds/${round.roundId}/schools/987654`, headers: admin.headers });
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toBe('Deze school is niet uitgenodigd voor deze meting.');
    });

    it('finds a round’s schools by name or location code, treating wildcards literally', async () => {
      const round = await aRoundWithSchools(db, { schools: 2 });
      const byName = await app.inject({ url: `/api/privacy/rounds/${round.roundId}/schools?q=De%20Linde`, headers: admin.headers });
      expect(byName.json().schools).toHaveLength(2);
      const wildcard = await app.inject({ url: `/api/privacy/rounds/${round.roundId}/schools?q=%25%25`, headers: admin.headers });
      expect(wildcard.json().schools).toEqual([]);
      const tooShort = await app.inject({ url: `/api/privacy/rounds/${round.roundId}/schools?q=a`, headers: admin.headers });
      expect(tooShort.statusCode).toBe(400);
    });
  });

  describe('retention', () => {
    it('purges contact data of rounds past their retention date and keeps the answers pseudonymised', async () => {
      const now = clock.now();
      const expired = await aRoundWithSchools(db, { schools: 3, answered: 2, retentionUntil: new Date(now.getTime() - 1000) });
      const kept = await aRoundWithSchools(db, { schools: 1, retentionUntil: new Date(now.getTime() + 86_400_000) });
      const noDate = await aRoundWithSchools(db, { schools: 1 });
      await db
        .insertInto('outbox_messages')
        .values({
          mailing_id: expired.mailingId,
          invitation_id: expired.schools[2]!.invitationId,
          idempotency_key: `reminder:${expired.schools[2]!.invitationId}`,
          to_address: expired.schools[2]!.email,
          subject: 'Herinnering',
          body_text: `Link: /s/${expired.schools[2]!.token}`,
          next_attempt_at: now,
        })
        .execute();

      const purged = await purgeExpiredRounds(db, now);
      expect(purged).toEqual([{ roundId: expired.roundId, invitations: 3, messages: 4 }]);

      const ids = expired.schools.map((s) => s.invitationId);
      const leftovers = await everythingAbout(ids);
      for (const school of expired.schools) {
        expect(leftovers).not.toContain(school.email);
        expect(leftovers).not.toContain(school.token);
        expect(leftovers).not.toContain(school.name);
      }
      const invitations = await db.selectFrom('invitations').selectAll().where('id', 'in', ids).execute();
      for (const invitation of invitations) {
        expect(invitation).toMatchObject({ email: null, school_id: null, token_nonce: '', school_name: null, school_location_code: null, school_brin: null, school_postcode: null });
        expect(invitation.swv_id).toBeGreaterThan(0);
      }
      // Answers stay, but nothing leads from them to a school any more.
      const answers = await db
        .selectFrom('responses')
        .innerJoin('invitations', 'invitations.id', 'responses.invitation_id')
        .leftJoin('schools', 'schools.id', 'invitations.school_id')
        .select(['responses.data', 'responses.branch', 'schools.name'])
        .where('invitations.round_id', '=', expired.roundId)
        .execute();
      expect(answers).toHaveLength(2);
      for (const answer of answers) {
        expect(answer.name).toBeNull();
        expect(answer.data).toMatchObject({ Q_functie: 'intern begeleider' });
      }
      const pending = await db.selectFrom('outbox_messages').select('status').where('idempotency_key', '=', `reminder:${expired.schools[2]!.invitationId}`).executeTakeFirstOrThrow();
      expect(pending.status).toBe('cancelled');
      expect((await db.selectFrom('rounds').select('purged_at').where('id', '=', expired.roundId).executeTakeFirstOrThrow()).purged_at).not.toBeNull();

      // Rounds still within retention, or without a date, are untouched.
      for (const round of [kept, noDate]) {
        expect(await everythingAbout(round.schools.map((s) => s.invitationId))).toContain(round.schools[0]!.email);
      }

      const entry = await db.selectFrom('audit_log').selectAll().where('action', '=', 'privacy.round_purged').where('target', '=', `round:${expired.roundId}`).executeTakeFirstOrThrow();
      expect(entry.user_label).toBe('system:retention');
      expect(entry.details).toEqual({ invitations: 3, messages: 4 });

      // Running again purges nothing twice.
      expect(await purgeExpiredRounds(db, now)).toEqual([]);
    });

    it('the server’s background worker purges rounds once their date has passed', async () => {
      const { worker, clock: workerClock } = makeTestWorker(getDatabase(), { clock: new ManualClock(clock.now()) });
      expect(worker.taskNames).toContain(retentionPurgeTask({ db }).name);
      const round = await aRoundWithSchools(db, { schools: 1, retentionUntil: new Date(clock.now().getTime() + 3_600_000) });
      const purgedAt = async () => (await db.selectFrom('rounds').select('purged_at').where('id', '=', round.roundId).executeTakeFirstOrThrow()).purged_at;
      await worker.runDue();
      expect(await purgedAt()).toBeNull();
      workerClock.advance(2 * 3_600_000);
      await worker.runDue();
      expect(await purgedAt()).not.toBeNull();
      await worker.stop();
    });

    it('lets an admin set a retention date after the close date, and run the purge', async () => {
      const closes = new Date('2026-04-15T16:00:00Z');
      const round = await aRoundWithSchools(db, { schools: 1, closesAt: closes });
      const put = (retentionUntil: unknown) =>
        app.inject({ method: 'PUT', url: `/api/privacy/rounds/${round.roundId}/retention`, headers: admin.headers, payload: { retentionUntil } });

      expect((await put('2026-04-15')).json().message).toBe('Kies een bewaardatum na de sluitingsdatum van de meting.');
      expect((await put('2026-02-01')).json().message).toBe('Kies een bewaardatum na vandaag.');
      expect((await put('2026-02-30')).json().message).toBe('De bewaardatum is geen geldige datum (gebruik jjjj-mm-dd).');
      expect((await put("2027-01-01'; --")).statusCode).toBe(400);
      expect((await put(20270101)).statusCode).toBe(400);

      const ok = await put('2027-01-01');
      expect(ok.statusCode).toBe(200);
      const stored = await db.selectFrom('rounds').select('retention_until').where('id', '=', round.roundId).executeTakeFirstOrThrow();
      expect(stored.retention_until?.toISOString()).toBe('2026-12-31T23:00:00.000Z');
      const listed = await app.inject({ url: '/api/privacy/rounds', headers: admin.headers });
      expect(listed.json().rounds.find((r: { id: number }) => r.id === round.roundId)).toMatchObject({ retentionUntil: '2027-01-01', closesOn: '2026-04-15', purgedAt: null });

      clock.set('2027-01-01T00:30:00+01:00');
      admin = await loginAs(db, 'admin', clock.now());
      const run = await app.inject({ method: 'POST', url: '/api/privacy/purge', headers: admin.headers });
      expect(run.statusCode).toBe(200);
      expect(run.json().purged).toContainEqual({ roundId: round.roundId, invitations: 1, messages: 1 });
      const entry = await db.selectFrom('audit_log').select('user_label').where('action', '=', 'privacy.round_purged').where('target', '=', `round:${round.roundId}`).executeTakeFirstOrThrow();
      expect(entry.user_label).toBe(admin.user.email);

      const afterPurge = await put('2028-01-01');
      expect(afterPurge.statusCode).toBe(409);
      expect(afterPurge.json().message).toBe('De contactgegevens van deze meting zijn al verwijderd.');
    });
  });

  describe('audit log', () => {
    it('cannot be changed or deleted, not even directly in the database', async () => {
      await audit(db, { system: 'test' }, clock.now(), 'test.entry', 'thing:1', { n: 1 });
      const row = await db.selectFrom('audit_log').select('id').where('action', '=', 'test.entry').executeTakeFirstOrThrow();
      await expect(db.updateTable('audit_log').set({ action: 'test.changed' }).where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
      await expect(db.deleteFrom('audit_log').where('id', '=', row.id).execute()).rejects.toThrow(/append-only/);
      await expect(sql`update audit_log set details = '{}'::jsonb`.execute(db)).rejects.toThrow(/append-only/);
      expect(await db.selectFrom('audit_log').select('action').where('id', '=', row.id).executeTakeFirstOrThrow()).toEqual({ action: 'test.entry' });
    });

    it('keeps the entries of a deleted account, with who it was', async () => {
      const gone = await loginAs(db, 'researcher', clock.now());
      await audit(db, { id: gone.user.id, email: gone.user.email }, clock.now(), 'test.by_deleted_user', null);
      await db.deleteFrom('users').where('id', '=', gone.user.id).execute();
      const entry = await db.selectFrom('audit_log').selectAll().where('action', '=', 'test.by_deleted_user').executeTakeFirstOrThrow();
      expect(entry).toMatchObject({ user_id: null, user_label: gone.user.email });
    });

    it('lists entries newest first, filtered and a page at a time', async () => {
      const base = clock.now().getTime();
      for (let i = 0; i < 60; i++) {
        await audit(db, { system: 'pager' }, new Date(base + i * 60_000), 'test.paged', `item:${i % 3}`, { i });
      }
      const get = async (query: string) => {
        const res = await app.inject({ url: `/api/audit?${query}`, headers: admin.headers });
        expect(res.statusCode, query).toBe(200);
        return res.json();
      };
      const first = await get('action=test.paged');
      expect(first.total).toBe(60);
      expect(first.pageSize).toBe(50);
      expect(first.entries).toHaveLength(50);
      expect(first.entries[0].details).toEqual({ i: 59 });
      expect(first.actions).toContain('test.paged');
      const second = await get('action=test.paged&page=2');
      expect(second.entries.map((e: { details: { i: number } }) => e.details.i)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);

      expect((await get('action=test.paged&target=item:1')).total).toBe(20);
      expect((await get('actor=PAGER')).total).toBe(60);
      expect((await get("actor=%25' or 1=1 --")).total).toBe(0);
      // Dates are Dutch calendar days: this hour lies on one Amsterdam day, whatever the UTC date.
      const day = amsterdamDate(new Date(base));
      expect((await get(`action=test.paged&from=${day}&to=${day}`)).total).toBe(60);
      expect((await get(`action=test.paged&to=${addDays(day, -1)}`)).total).toBe(0);
      expect((await get('action=test.paged&from=2099-01-01')).total).toBe(0);

      const badDate = await app.inject({ url: '/api/audit?from=gisteren', headers: admin.headers });
      expect(badDate.statusCode).toBe(400);
      expect(badDate.json().message).toBe('De begindatum is geen geldige datum (gebruik jjjj-mm-dd).');
      const reversed = await app.inject({ url: '/api/audit?from=2026-03-02&to=2026-03-01', headers: admin.headers });
      expect(reversed.json().message).toBe('De einddatum ligt vóór de begindatum.');
    });
  });
});
