import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { ManualClock } from '../../server/clock';
import { seededRandom } from '../../server/demo/data/random';
import { coordinatorLink } from '../../server/invitations/person-links';
import { getQuestionnaire, snapshotVersion, variablesFor, type QuestionnaireContent } from '../../server/questionnaires';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { aDraftPersonRound } from '../fixtures/persons';
import { TEST_SECRET } from '../fixtures/mail-rounds';
import { answerEverything } from '../fixtures/questionnaire-answers';
import { readSavWithPspp } from '../helpers/pspp';

/**
 * The interaction study's exports and report (issue 20): teachers', school leaders' and parents'
 * answers stacked in one data set with an actor column, the codebook naming the groups that saw
 * each item, and the report setting the groups side by side; the figures are computed here again
 * from the raw rows.
 */
type Role = 'teacher' | 'school_leader' | 'parent';
const ROLES: Role[] = ['teacher', 'school_leader', 'parent'];
const ROWS = ['leraren', 'schoolleiders', 'ouders'];
const content = getQuestionnaire('image-interactie-2024').content as QuestionnaireContent;

describeEachDatabase('actor exports and report tables', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let admin: Awaited<ReturnType<typeof loginAs>>;
  let roundId: number;
  const stored: Array<{ role: Role; data: Record<string, any>; completed: boolean }> = [];

  beforeAll(async () => {
    const t = await makeTestApp(getDatabase(), { config: { secret: TEST_SECRET } });
    app = t.app;
    clock = t.clock;
    const db = getDatabase().db;
    admin = await loginAs(db, 'admin', clock.now());
    const world = await aDraftPersonRound(db, 1, TEST_SECRET);
    roundId = world.roundId;
    const version = await snapshotVersion(db, 'image-interactie-2024');
    await db.updateTable('rounds').set({ questionnaire_version_id: version.id }).where('id', '=', roundId).execute();
    const set = await app.inject({ method: 'PUT', url: `/api/persons/rounds/${roundId}/settings`, headers: admin.headers, payload: { consentMode: 'passive', roles: ['teacher', 'school_leader', 'parent'] } });
    expect(set.statusCode, set.body).toBe(200);
    await db.updateTable('rounds').set({ status: 'open' }).where('id', '=', roundId).execute();
    const invitation = await db.selectFrom('invitations').select(['id', 'token_nonce']).where('round_id', '=', roundId).executeTakeFirstOrThrow();
    const token = new URL(coordinatorLink('http://x', TEST_SECRET, invitation.id, invitation.token_nonce)).pathname.split('/').pop()!;
    const reg = await app.inject({ method: 'PUT', url: `/api/persons/c/${token}/registration`, payload: { participates: true, classes: [{ label: '7A', grade: 'g7', pupils: 25 }], teachers: [] } });
    expect(reg.statusCode, reg.body).toBe(200);
    const site = await db.selectFrom('person_sites').select('id').where('round_id', '=', roundId).executeTakeFirstOrThrow();
    const cls = await db.selectFrom('person_classes').select('id').where('site_id', '=', site.id).executeTakeFirstOrThrow();

    const random = seededRandom(20);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
    const add = async (role: Role, data: Record<string, unknown>, completed: boolean) => {
      const person = await db
        .insertInto('persons')
        .values({ round_id: roundId, site_id: site.id, class_id: cls.id, role, panel_id: randomUUID(), status: completed ? 'completed' : 'started', created_at: clock.now() })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('person_responses')
        .values({ person_id: person.id, data: JSON.stringify(data), created_at: clock.now(), updated_at: clock.now(), completed_at: completed ? clock.now() : null })
        .execute();
      stored.push({ role, data: data as Record<string, any>, completed });
    };
    for (let i = 0; i < 24; i++) {
      const role = ROLES[i % 3]!;
      const betrokkenheid = Object.fromEntries(ROWS.filter((r) => !(role === 'school_leader' && r === 'schoolleiders')).map((r) => [r, pick([1, 2, 3, 4, 9])]));
      const given = { toestemming: 'ja', betrokkenheid, communicatie_met: pick([['leraren'], ['ouders', 'ib'], ['none'], ['leraren', 'ouders']]) };
      await add(role, answerEverything(content, variablesFor({ situation: null, sector: null, schoolName: 'x', actor: role }), given), true);
    }
    // A school leader's stored answer to the row their version hides (as raw data may hold): never exported or counted.
    await add('school_leader', { toestemming: 'ja', betrokkenheid: { leraren: 4, schoolleiders: 1, ouders: 4 }, communicatie_met: ['ib'] }, true);
    // A refusal and an unfinished response: not in the report; the unfinished one only with include=all.
    await add('parent', { toestemming: 'nee' }, true);
    await add('teacher', { toestemming: 'ja', betrokkenheid: { leraren: 1, schoolleiders: 1, ouders: 1 } }, false);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  const get = (url: string) => app.inject({ method: 'GET', url, headers: admin.headers });
  const counted = () => stored.filter((s) => s.completed && s.data.toestemming === 'ja');

  it('stacks every group in one data set with an actor column and one variable per shared item', async () => {
    const reply = await get(`/api/exports/rounds/${roundId}/responses?format=csv`);
    expect(reply.statusCode, reply.body).toBe(200);
    const rows = parse(reply.body, { columns: true, bom: true }) as Array<Record<string, string>>;
    const expected = counted();
    expect(rows).toHaveLength(expected.length);
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['respondent', 'school_code', 'actor', 'betrokkenheid_leraren', 'betrokkenheid_schoolleiders', 'betrokkenheid_ouders', 'communicatie_met_ouders']));
    expect(Object.keys(rows[0]!).filter((k) => k.startsWith('betrokkenheid'))).toHaveLength(3);
    rows.forEach((row, i) => {
      const source = expected[i]!;
      expect(row.actor).toBe(String(ROLES.indexOf(source.role) + 1));
      for (const r of ROWS) {
        const hidden = source.role === 'school_leader' && r === 'schoolleiders';
        expect(row[`betrokkenheid_${r}`], `${source.role} ${r}`).toBe(hidden ? '-9' : String(source.data.betrokkenheid[r] ?? -8));
      }
    });
    const all = parse((await get(`/api/exports/rounds/${roundId}/responses?format=csv&include=all`)).body, { columns: true, bom: true }) as Array<Record<string, string>>;
    expect(all).toHaveLength(expected.length + 1);
    expect(all.filter((r) => r.status === '2')).toHaveLength(1);
  });

  it('writes the stacked data set as an SPSS file that PSPP reads back row for row', async () => {
    const res = await get(`/api/exports/rounds/${roundId}/responses?format=sav`);
    expect(res.statusCode, res.body).toBe(200);
    const read = readSavWithPspp(res.rawPayload);
    expect(read.messages).toEqual([]);
    const expected = counted();
    expect(read.rows).toHaveLength(expected.length);
    expect(read.valueLabels.get('actor')).toEqual(new Map([['1', 'Leraren'], ['2', 'Schoolleiders'], ['3', 'Ouders']]));
    read.rows.forEach((row, i) => {
      expect(Number(row.actor)).toBe(ROLES.indexOf(expected[i]!.role) + 1);
      expect(Number(row.betrokkenheid_ouders)).toBe(expected[i]!.data.betrokkenheid.ouders ?? -8);
    });
  });

  it('the codebook labels the actor values and lists which groups saw each item', async () => {
    const reply = await get(`/api/exports/rounds/${roundId}/codebook?format=csv`);
    expect(reply.statusCode, reply.body).toBe(200);
    const rows = parse(reply.body, { columns: true, bom: true }) as Array<Record<string, string>>;
    const by = new Map(rows.map((r) => [r.variabele, r]));
    expect(by.get('actor')!.waarden).toBe('1 = Leraren; 2 = Schoolleiders; 3 = Ouders');
    expect(by.get('betrokkenheid_ouders')!.groepen).toBe('Leraren, Schoolleiders, Ouders');
    expect(by.get('betrokkenheid_schoolleiders')!.groepen).toBe('Leraren, Ouders');
    // Behind a filter question: still the groups whose version can ask it.
    expect(by.get('communicatie_frequentie_ouders')!.groepen).toBe('Leraren, Schoolleiders, Ouders');
    // Each group's wording of a shared row, once.
    expect(by.get('betrokkenheid_leraren')!.label).toContain('Collega-leraren / Leraren / De leraar/mentor van uw kind');
    expect(by.get('betrokkenheid_ouders')!.label).toContain('Ouders / Andere ouders');
  });

  it('the report sets the groups side by side, with the figures an independent count of the raw rows gives', async () => {
    const reply = await get(`/api/exports/rounds/${roundId}/report`);
    expect(reply.statusCode, reply.body).toBe(200);
    const report = reply.json();
    expect(report.completed).toBe(counted().length);
    const table = report.tables.find((t: { id: string }) => t.id === 'groepen-betrokkenheid');
    expect(table.head).toEqual(['', 'Leraren: gemiddelde', 'Leraren: n', 'Schoolleiders: gemiddelde', 'Schoolleiders: n', 'Ouders: gemiddelde', 'Ouders: n']);
    for (const [r, rowName] of ROWS.entries()) {
      const row = table.rows[r];
      ROLES.forEach((role, k) => {
        if (role === 'school_leader' && rowName === 'schoolleiders') {
          expect(row.display.slice(2 * k, 2 * k + 2)).toEqual(['niet gevraagd', 'niet gevraagd']);
          return;
        }
        const values = counted()
          .filter((s) => s.role === role)
          .map((s) => s.data.betrokkenheid?.[rowName])
          .filter((v) => typeof v === 'number' && v >= 1 && v <= 4);
        const mean = values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100 : null;
        expect(row.cells[2 * k], `${rowName} by ${role}`).toBe(mean);
        expect(row.cells[2 * k + 1]).toBe(values.length);
      });
    }
    const withWhom = report.tables.find((t: { id: string }) => t.id === 'groepen-communicatie_met');
    const parentsTicking = counted().filter((s) => s.role === 'parent' && Array.isArray(s.data.communicatie_met));
    const share = Math.round((parentsTicking.filter((s) => s.data.communicatie_met.includes('ouders')).length / parentsTicking.length) * 1000) / 10;
    const oudersRow = withWhom.rows.find((r: { label: string }) => r.label.includes('ouders'));
    expect(oudersRow.cells[2]).toBe(share);
    expect(withWhom.rows.at(-1).cells[2]).toBe(parentsTicking.length);
  });
});
