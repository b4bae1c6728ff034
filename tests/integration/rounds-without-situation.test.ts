import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { ManualClock } from '../../server/clock';
import { roundReport } from '../../server/exports/report-tables';
import { invitationToken } from '../../server/invitations/tokens';
import { getQuestionnaire, variablesFor, type QuestionnaireContent } from '../../server/questionnaires';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { loadDataset } from '../../server/demo/data/duo-load';
import { imageDataset } from '../../server/demo/data/duo';
import { answerEverything } from '../fixtures/questionnaire-answers';

/**
 * Issue 18: a round for an SWV's own monitor runs without a samenwerkingssituatie, while a
 * round whose questionnaire uses the situation (IMAGE) still needs one per SWV. Tracking,
 * exports, report tables and the round page say "Geen samenwerkingssituatie" (or leave the
 * situation out), never "null".
 */
const dataset = imageDataset({ seed: 18 });

describeEachDatabase('rounds without a samenwerkingssituatie', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let secret: string;
  let admin: Record<string, string>;
  const db = () => getDatabase().db;
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = admin) => {
    const res = await app.inject({ method, url, headers, ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}) });
    return { status: res.statusCode, body: res.body && res.headers['content-type']?.toString().includes('json') ? res.json() : res.body };
  };
  // An SWV with reachable schools: the first of the dataset's assignments.
  const swvCode = dataset.assignments[0]!.swvCode;
  let studyId: number;
  let eemlandRound: number;

  beforeAll(async () => {
    clock = new ManualClock('2025-03-10T07:00:00Z');
    let config;
    ({ app, config } = await makeTestApp(getDatabase(), { clock }));
    secret = config.secret;
    admin = (await loginAs(db(), 'admin', clock.now())).headers;
    await loadDataset(db(), dataset, { now: clock.now() });
    studyId = (await call('POST', '/api/studies', { name: 'Monitor Eemland' })).body.id;
  });
  afterAll(async () => app?.close());

  it('assigns an SWV without a situation to the Eemland round, which does not need one', async () => {
    const round = await call('POST', '/api/rounds', { studyId, name: 'Meting 2025', questionnaireId: 'eemland-monitor-2025', opensAt: '2025-03-10T08:00:00.000Z' });
    expect(round.status).toBe(201);
    eemlandRound = round.body.id;
    expect(await call('PUT', `/api/rounds/${eemlandRound}/swvs/${swvCode}`, { situation: '', regionLetter: 'A' })).toMatchObject({ status: 200 });
    const detail = await call('GET', `/api/rounds/${eemlandRound}`);
    expect(detail.body.needsSituation).toBe(false);
    expect(detail.body.swvs).toEqual([expect.objectContaining({ code: swvCode, situation: null, regionLetter: 'A' })]);
    // 'geen' in a file or the form means the same; an unknown word is still refused in Dutch.
    expect(await call('PUT', `/api/rounds/${eemlandRound}/swvs/${swvCode}`, { situation: 'geen', regionLetter: 'A' })).toMatchObject({ status: 200 });
    expect(await call('PUT', `/api/rounds/${eemlandRound}/swvs/${swvCode}`, { situation: 'misschien', regionLetter: 'A' })).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining("Onbekende samenwerkingssituatie 'misschien'") },
    });
  });

  it('refuses to open an IMAGE round while an SWV has no situation, and opens it once it has one', async () => {
    const round = await call('POST', '/api/rounds', { studyId, name: 'IMAGE 2025', questionnaireId: 'image-samenwerking-2023', opensAt: '2025-03-10T08:00:00.000Z' });
    const id = round.body.id as number;
    expect(await call('PUT', `/api/rounds/${id}/swvs/${swvCode}`, { situation: '', regionLetter: 'A' })).toMatchObject({ status: 200 });
    expect((await call('GET', `/api/rounds/${id}`)).body.needsSituation).toBe(true);
    expect(await call('POST', `/api/rounds/${id}/open`)).toMatchObject({
      status: 400,
      body: { message: `De vragenlijst van deze meting gebruikt de samenwerkingssituatie. Kies een situatie voor ${swvCode}.` },
    });
    expect(await db().selectFrom('invitations').select('id').where('round_id', '=', id).execute()).toEqual([]);
    const { situation } = dataset.assignments[0]!;
    expect(await call('PUT', `/api/rounds/${id}/swvs/${swvCode}`, { situation, regionLetter: 'A' })).toMatchObject({ status: 200 });
    expect((await call('POST', `/api/rounds/${id}/open`)).status).toBe(200);
  });

  it('runs the Eemland round: a school completes, and tracking, report tables and exports show no situation', async () => {
    expect((await call('POST', `/api/rounds/${eemlandRound}/open`)).status).toBe(200);
    const invitation = await db()
      .selectFrom('invitations')
      .select(['id', 'token_nonce'])
      .where('round_id', '=', eemlandRound)
      .orderBy('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    const token = invitationToken(secret, invitation.token_nonce!);
    clock.set('2025-03-11T09:00:00Z');
    const respondent = { 'content-type': 'application/json' };
    expect((await call('POST', `/api/s/${token}/consent`, { answer: 'ja' }, respondent)).status).toBe(200);
    const content = getQuestionnaire('eemland-monitor-2025').content as QuestionnaireContent;
    const data = answerEverything(content, variablesFor({ situation: null, sector: 'po', schoolName: 'x' }), {
      toestemming: 'ja',
      inzet_type: 'alleen_eigen',
      hb_filter: 'nee',
      pok_budget_ingezet: 'ja',
    });
    // Answers of goal pages the routing hides (a school that changed its mind) are not kept.
    const state = await call('GET', `/api/s/${token}`, undefined, respondent);
    const completed = await call('POST', `/api/s/${token}/complete`, { data: { ...data, swv_doelen: ['kwaliteit'], a_activiteiten: ['a_act_01'] }, currentPage: 0, revision: state.body.response?.revision ?? 1 }, respondent);
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    const stored = await db().selectFrom('responses').select(['data', 'branch']).where('invitation_id', '=', invitation.id).executeTakeFirstOrThrow();
    expect(stored.branch).toBe('alleen_eigen');
    expect(Object.keys(stored.data)).not.toContain('swv_doelen');
    expect(Object.keys(stored.data)).not.toContain('a_activiteiten');

    admin = (await loginAs(db(), 'admin', clock.now())).headers;
    const dashboard = await call('GET', `/api/tracking/rounds/${eemlandRound}`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.situations.rows).toEqual([]);
    expect(dashboard.body.situations.total.total).toBe(1);
    expect(dashboard.body.swvs).toEqual([expect.objectContaining({ code: swvCode, situation: null, situationLabel: 'Geen samenwerkingssituatie', assigned: true, completed: 1 })]);
    const csv = await call('GET', `/api/tracking/rounds/${eemlandRound}/swvs.csv`);
    expect(csv.status).toBe(200);
    expect(String(csv.body)).toContain('Geen samenwerkingssituatie');
    expect(String(csv.body)).not.toMatch(/null|undefined/);

    const report = await roundReport(db(), eemlandRound);
    expect(report.completed).toBe(1);
    expect(report.tables.map((t) => t.id)).not.toContain('respons-situatie-tak');
    expect(JSON.stringify(report)).not.toMatch(/"null"|undefined|Situatie null/);
    // The hidden goal answer is not counted in the report.
    const goal = report.tables.find((t) => t.title.includes('hoge kwaliteit van ondersteuning'));
    if (goal) {
      // Only the "Niet gevraagd" row (or column, in a matrix) may count the school: it was not asked.
      const notAskedColumn = goal.head.indexOf('Niet gevraagd') - 1;
      const counted = goal.rows.filter((r) => r.label !== 'Niet gevraagd').flatMap((r) => r.cells.filter((_, k) => k !== notAskedColumn));
      expect(counted.every((c) => c === null || c === 0 || c === '' || c === '–' || typeof c === 'string')).toBe(true);
    }

    const exported = await call('GET', `/api/exports/rounds/${eemlandRound}/responses?format=csv`);
    expect(exported.status).toBe(200);
    const [header, row] = String(exported.body).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(header).toBeDefined();
    expect(row).toBeDefined();
    expect(String(exported.body)).not.toMatch(/null|undefined/);
  });
});
