import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import type { Representativeness } from '../../contract/api/analysis';
import type { ManualClock } from '../../server/clock';
import type { SchoolKind } from '../../server/db/types';
import { parseTarget, targetedInvitations } from '../../server/mailings/targets';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { aRound, aSchool, anInvitation, anSwv, assignSwv } from '../fixtures/tracking-builders';

type Headers = Record<string, string>;

interface Placed {
  invitationId: number;
  swv: 'G' | 'H';
  sector: SchoolKind;
  province: string;
  denomination: string | null;
  /** Counted as invited (mail went out, not excluded; or erased). */
  invited: boolean;
  completed: boolean;
}

describeEachDatabase('representativeness and target routes', (getDatabase) => {
  let app: App;
  let clock: ManualClock;
  let admin: Headers;
  let researcher: Headers;
  let roundId: number;
  let emptyRoundId: number;
  const swvIds: Record<'G' | 'H', number> = { G: 0, H: 0 };
  const placed: Placed[] = [];

  /** `completed` of `count` schools of one SWV and sector. */
  async function place(swv: 'G' | 'H', sector: SchoolKind, count: number, completed: number, province: string) {
    const db = getDatabase().db;
    for (let i = 0; i < count; i++) {
      const denomination = i % 3 === 0 ? 'Openbaar' : i % 3 === 1 ? 'Rooms-Katholiek' : null;
      const schoolId = await aSchool(db, { kind: sector, province: i === 0 ? ` ${province} ` : province, denomination });
      const done = i < completed;
      const invitationId = await anInvitation(db, { roundId, swvId: swvIds[swv], schoolId, status: done ? 'completed' : i % 2 ? 'opened' : 'invited' });
      placed.push({ invitationId, swv, sector, province, denomination, invited: true, completed: done });
    }
  }

  beforeAll(async () => {
    const database = getDatabase();
    ({ app, clock } = await makeTestApp(database));
    const db = database.db;
    admin = (await loginAs(db, 'admin', clock.now())).headers;
    researcher = (await loginAs(db, 'researcher', clock.now())).headers;
    roundId = await aRound(db, { name: 'Representativiteit' });
    emptyRoundId = await aRound(db, { name: 'Leeg' });
    swvIds.G = await anSwv(db, { sector: 'vo', name: 'Voortgezet Gooi' });
    swvIds.H = await anSwv(db, { sector: 'po', name: 'Primair Heuvelrug' });
    await assignSwv(db, roundId, swvIds.G, 'vo-vo', 'G');
    await assignSwv(db, roundId, swvIds.H, 'po-po', 'H');
    await place('G', 'po', 20, 9, 'Utrecht');
    await place('G', 'vo', 20, 1, 'Utrecht');
    await place('H', 'po', 30, 12, 'Gelderland');
    await place('H', 'vo', 15, 7, 'Gelderland');
    // Counted nowhere: excluded, and not invited yet. Counted as invited only: erased on request.
    const excluded = await aSchool(db, { kind: 'vo', province: 'Utrecht' });
    await anInvitation(db, { roundId, swvId: swvIds.G, schoolId: excluded, status: 'completed', excluded: true });
    const pending = await aSchool(db, { kind: 'vo', province: 'Utrecht' });
    const pendingId = await anInvitation(db, { roundId, swvId: swvIds.G, schoolId: pending, status: 'pending' });
    placed.push({ invitationId: pendingId, swv: 'G', sector: 'vo', province: 'Utrecht', denomination: null, invited: false, completed: false });
    const erased = await aSchool(db, { kind: 'vo', province: 'Utrecht' });
    const erasedId = await anInvitation(db, { roundId, swvId: swvIds.G, schoolId: erased, status: 'completed' });
    await db.updateTable('invitations').set({ erased_at: clock.now(), excluded_at: clock.now(), email: null }).where('id', '=', erasedId).execute();
    placed.push({ invitationId: erasedId, swv: 'G', sector: 'vo', province: 'Utrecht', denomination: null, invited: true, completed: false });
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = (url: string, headers: Headers = researcher) => app.inject({ method: 'GET', url, headers });
  const send = (method: 'POST' | 'PUT', url: string, payload: unknown, headers: Headers = admin) => app.inject({ method, url, headers, payload: payload as object });

  describe('access', () => {
    it('refuses anonymous callers and lets researchers read but not set the target', async () => {
      const routes: Array<['GET' | 'POST' | 'PUT', string, unknown?]> = [
        ['POST', '/api/analysis/sample-size', { population: 4500, margin: 0.05, confidence: 0.9 }],
        ['GET', `/api/analysis/rounds/${roundId}/target`],
        ['PUT', `/api/analysis/rounds/${roundId}/target`, { populationSource: 'invited', margin: 0.05, confidence: 0.9 }],
        ['GET', `/api/analysis/rounds/${roundId}/representativeness`],
      ];
      for (const [method, url, payload] of routes) {
        const res = await app.inject({ method, url, payload: payload as object | undefined });
        expect(res.statusCode, `${method} ${url}`).toBe(401);
        expect(res.json().message).toBe('U bent niet (meer) ingelogd.');
      }
      for (const [method, url, payload] of routes) {
        const res = await app.inject({ method, url, headers: researcher, payload: payload as object | undefined });
        expect(res.statusCode, `${method} ${url}`).toBe(method === 'PUT' ? 403 : 200);
      }
    });

    it('answers 404 in Dutch for a round that does not exist', async () => {
      for (const url of ['/api/analysis/rounds/999999/target', '/api/analysis/rounds/999999/representativeness']) {
        const res = await get(url);
        expect(res.statusCode).toBe(404);
        expect(res.json().message).toBe('Deze meting bestaat niet (meer).');
      }
      const put = await send('PUT', '/api/analysis/rounds/999999/target', { populationSource: 'manual', population: 100, margin: 0.05, confidence: 0.9 });
      expect(put.statusCode).toBe(404);
    });
  });

  describe('sample size', () => {
    it('gives 256 for population 4,500, margin 5%, 90% confidence and 50% spread', async () => {
      const res = await send('POST', '/api/analysis/sample-size', { population: 4500, margin: 0.05, confidence: 0.9, spread: 0.5 }, researcher);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ required: 256, withoutCorrection: 271, population: 4500 });
    });

    it('refuses bad input with a Dutch message per field', async () => {
      const base = { population: 4500, margin: 0.05, confidence: 0.9, spread: 0.5 };
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ margin: 0 }, 'foutmarge'],
        [{ margin: 0.6 }, 'foutmarge'],
        [{ margin: -0.05 }, 'foutmarge'],
        [{ confidence: 1 }, 'betrouwbaarheidsniveau'],
        [{ confidence: 95 }, 'betrouwbaarheidsniveau'],
        [{ spread: 0 }, 'spreiding'],
        [{ spread: 1.2 }, 'spreiding'],
        [{ population: 0 }, 'populatie'],
        [{ population: 12.5 }, 'populatie'],
        [{ population: 10_000_001 }, 'populatie'],
        [{ population: 1e308 }, 'populatie'],
      ];
      for (const [change, word] of cases) {
        const res = await send('POST', '/api/analysis/sample-size', { ...base, ...change }, researcher);
        expect(res.statusCode, JSON.stringify(change)).toBe(400);
        expect(res.json().message).toContain(word);
      }
      for (const payload of [{ ...base, population: 'veel' }, { ...base, margin: '5%' }, { margin: 0.05 }, '{"population":', []]) {
        const res = await app.inject({ method: 'POST', url: '/api/analysis/sample-size', headers: { ...researcher, 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
        expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        expect(res.json().message).toMatch(/gegevens|verzoek/);
      }
    });
  });

  describe('target', () => {
    it('stores the calculation, makes it the dashboard target and writes the audit log', async () => {
      const res = await send('PUT', `/api/analysis/rounds/${roundId}/target`, {
        populationSource: 'manual',
        population: 4500,
        margin: 0.05,
        confidence: 0.9,
        spread: 0.5,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ target: 256, calculation: { required: 256, populationSource: 'manual', breakdown: 'none', groups: [] } });
      const dashboard = await get(`/api/tracking/rounds/${roundId}`);
      expect(dashboard.json().round.target).toBe(256);
      const read = await get(`/api/analysis/rounds/${roundId}/target`);
      expect(read.json()).toMatchObject({ target: 256, invited: 87, calculation: { population: 4500, margin: 0.05, confidence: 0.9, spread: 0.5, required: 256 } });
      const log = await getDatabase()
        .db.selectFrom('audit_log')
        .select(['action', 'target', 'details'])
        .where('action', '=', 'round.calculate_target')
        .execute();
      expect(log).toEqual([{ action: 'round.calculate_target', target: `round:${roundId}`, details: expect.objectContaining({ target: 256, population: 4500 }) }]);
    });

    it('takes the population from the invited schools and divides the target per SWV in proportion', async () => {
      // 87 schools (85 + the not yet mailed one + the erased one; the excluded one not): margin 10%, 95%.
      const res = await send('PUT', `/api/analysis/rounds/${roundId}/target`, {
        populationSource: 'invited',
        population: 5,
        margin: 0.1,
        confidence: 0.95,
        breakdown: 'swv',
      });
      expect(res.statusCode).toBe(200);
      const { calculation } = res.json();
      // n0 = 1.96²·0.25/0.01 = 96.04; 96.04 / (1 + 95.04/87) = 45.9 → 46.
      expect(calculation).toMatchObject({ population: 87, required: 46, populationSource: 'invited', breakdown: 'swv' });
      // H (PO…, listed first by code) has 45 of 87, G 42: 46·45/87 = 23.8 → 24, 46·42/87 = 22.2 → 22.
      expect(calculation.groups.map((g: { swvId: number; invited: number; target: number }) => [g.swvId, g.invited, g.target])).toEqual([
        [swvIds.H, 45, 24],
        [swvIds.G, 42, 22],
      ]);
      const situation = await send('PUT', `/api/analysis/rounds/${roundId}/target`, { populationSource: 'invited', margin: 0.1, confidence: 0.95, breakdown: 'situation' });
      expect(situation.json().calculation.groups.map((g: { label: string; target: number }) => [g.label, g.target])).toEqual([
        ['Samenwerking binnen po', 24],
        ['Samenwerking binnen vo', 22],
      ]);
    });

    it('refuses bad input in Dutch and keeps the target it had', async () => {
      const before = (await get(`/api/analysis/rounds/${roundId}/target`)).json();
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ populationSource: 'manual', margin: 0.05, confidence: 0.9 }, 400, 'Vul de populatie in'],
        [{ populationSource: 'manual', population: -3, margin: 0.05, confidence: 0.9 }, 400, 'populatie'],
        [{ populationSource: 'manual', population: 100, margin: 0.7, confidence: 0.9 }, 400, 'foutmarge'],
        [{ populationSource: 'manual', population: 100, margin: 0.05, confidence: 1.5 }, 400, 'betrouwbaarheidsniveau'],
        [{ populationSource: 'manual', population: 100, margin: 0.05, confidence: 0.9, spread: 0 }, 400, 'spreiding'],
        [{ populationSource: 'everyone', margin: 0.05, confidence: 0.9 }, 400, 'gegevens'],
        [{ populationSource: 'invited', margin: 0.05, confidence: 0.9, breakdown: 'province' }, 400, 'gegevens'],
      ];
      for (const [payload, status, word] of cases) {
        const res = await send('PUT', `/api/analysis/rounds/${roundId}/target`, payload);
        expect(res.statusCode, JSON.stringify(payload)).toBe(status);
        expect(res.json().message).toContain(word);
      }
      const empty = await send('PUT', `/api/analysis/rounds/${emptyRoundId}/target`, { populationSource: 'invited', margin: 0.05, confidence: 0.9 });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().message).toBe('Deze meting heeft nog geen uitgenodigde scholen; vul de populatie zelf in.');
      expect((await get(`/api/analysis/rounds/${roundId}/target`)).json()).toEqual(before);
    });
  });

  describe('representativeness', () => {
    let result: Representativeness;
    beforeAll(async () => {
      const res = await get(`/api/analysis/rounds/${roundId}/representativeness`);
      expect(res.statusCode).toBe(200);
      result = res.json();
    });

    const counted = () => placed.filter((p) => p.invited);

    it('counts invited and completed schools per group as the dashboard does', () => {
      expect(result.invited).toBe(counted().length);
      expect(result.invited).toBe(86);
      expect(result.completed).toBe(29);
      const sector = result.dimensions.find((d) => d.key === 'sector')!;
      for (const kind of ['po', 'vo'] as const) {
        const row = sector.categories.find((c) => c.key === `sector:${kind}`)!;
        expect(row.invited).toBe(counted().filter((p) => p.sector === kind).length);
        expect(row.completed).toBe(counted().filter((p) => p.sector === kind && p.completed).length);
      }
      const province = result.dimensions.find((d) => d.key === 'province')!;
      // ' Utrecht ' and 'Utrecht' are one province.
      expect(province.categories.map((c) => [c.label, c.invited, c.completed])).toEqual([
        ['Gelderland', 45, 19],
        ['Utrecht', 41, 10],
      ]);
      const denomination = result.dimensions.find((d) => d.key === 'denomination')!;
      expect(denomination.categories.map((c) => c.label)).toEqual(['Openbaar', 'Rooms-Katholiek', 'Onbekend']);
      expect(denomination.categories.find((c) => c.label === 'Onbekend')!.filter).toBeNull();
      expect(result.dimensions.find((d) => d.key === 'size')!.available).toBe(false);
      const situation = result.dimensions.find((d) => d.key === 'situation')!;
      expect(situation.categories.map((c) => [c.key, c.invited])).toEqual([
        ['situation:po-po', 45],
        ['situation:vo-vo', 41],
      ]);
    });

    it('tests each distribution with chi-square, as computed by hand from the placed schools', () => {
      const sector = result.dimensions.find((d) => d.key === 'sector')!;
      const n = counted().length;
      const done = counted().filter((p) => p.completed).length;
      let chi = 0;
      for (const kind of ['po', 'vo'] as const) {
        const expected = (counted().filter((p) => p.sector === kind).length / n) * done;
        const observed = counted().filter((p) => p.sector === kind && p.completed).length;
        chi += (observed - expected) ** 2 / expected;
      }
      expect(sector.test!.statistic).toBeCloseTo(chi, 10);
      expect(sector.test!.df).toBe(1);
      expect(sector.summary).toContain('χ²');
    });

    it('names the lagging groups with the filter that reaches exactly them', () => {
      expect(result.lagging.length).toBeGreaterThan(0);
      expect(result.lagging[0]!.name).toBe('vo-scholen in SWV G: 1 van 21');
      expect(result.lagging[0]!.filter).toEqual({ swvIds: [swvIds.G], sectors: ['vo'] });
      // Utrecht holds exactly SWV G's schools: one group, named after the SWV.
      expect(result.lagging.map((g) => g.label)).toContain('scholen in SWV G');
      expect(result.lagging.map((g) => g.label)).not.toContain('scholen in Utrecht');
      expect(new Set(result.lagging.map((g) => g.key)).size).toBe(result.lagging.length);
    });

    it('reaches the schools of one province and denominatie with a wave filter on them', async () => {
      const db = getDatabase().db;
      const res = await send('POST', `/api/mail/rounds/${roundId}/mailings`, {
        kind: 'reminder',
        target: { status: 'not-completed', provinces: [' Utrecht'], denominations: ['Openbaar'] },
        dueAt: new Date(clock.now().getTime() + 3_600_000).toISOString(),
      });
      expect(res.statusCode).toBe(201);
      const wave = await db.selectFrom('mailings').selectAll().where('id', '=', res.json().id).executeTakeFirstOrThrow();
      expect(wave.target).toEqual({ status: 'not-completed', provinces: ['Utrecht'], denominations: ['Openbaar'] });
      const reached = await targetedInvitations(db, roundId, parseTarget(wave.target, wave.kind), clock.now());
      const wanted = placed.filter((p) => p.province === 'Utrecht' && p.denomination === 'Openbaar' && !p.completed).map((p) => p.invitationId);
      expect(wanted.length).toBeGreaterThan(5);
      expect(reached.map((c) => c.id).sort((a, b) => a - b)).toEqual(wanted.sort((a, b) => a - b));
    });

    it('schedules a reminder for a lagging group through the wave API, reaching only its schools that have not completed', async () => {
      for (const group of result.lagging) {
        const res = await send('POST', `/api/mail/rounds/${roundId}/mailings`, {
          kind: 'reminder',
          target: { status: 'not-completed', ...group.filter },
          dueAt: clock.now().toISOString(),
        });
        expect(res.statusCode, group.name).toBe(201);
        const wave = await getDatabase().db.selectFrom('mailings').selectAll().where('id', '=', res.json().id).executeTakeFirstOrThrow();
        expect(wave.target).toEqual({ status: 'not-completed', ...group.filter });
        const reached = await targetedInvitations(getDatabase().db, roundId, parseTarget(wave.target, wave.kind), clock.now());
        const inGroup = (p: Placed) =>
          (!group.filter.swvIds || group.filter.swvIds.includes(swvIds[p.swv])) &&
          (!group.filter.sectors || group.filter.sectors.includes(p.sector)) &&
          (!group.filter.provinces || group.filter.provinces.includes(p.province)) &&
          (!group.filter.denominations || (p.denomination !== null && group.filter.denominations.includes(p.denomination))) &&
          (!group.filter.situations || group.filter.situations.includes(p.swv === 'G' ? 'vo-vo' : 'po-po'));
        // The erased school has no address any more. The one not mailed yet is reached too: a
        // 'not-completed' reminder does not ask for an earlier invitation (the wave rule's own choice).
        const wanted = placed.filter((p) => inGroup(p) && !p.completed && p.invitationId !== placed.at(-1)!.invitationId);
        expect(reached.map((c) => c.id).sort((a, b) => a - b), group.name).toEqual(wanted.map((p) => p.invitationId).sort((a, b) => a - b));
      }
    });

    it('refuses province and denominatie filters that are empty or too long', async () => {
      for (const target of [{ provinces: [''] }, { provinces: ['x'.repeat(101)] }, { denominations: ['   '] }, { provinces: ['A', 'A'] }]) {
        const res = await send('POST', `/api/mail/rounds/${roundId}/mailings`, {
          kind: 'reminder',
          target: { status: 'not-completed', ...target },
          dueAt: clock.now().toISOString(),
        });
        expect(res.statusCode, JSON.stringify(target)).toBe(400);
        expect(res.json().message).toBe('De gegevens zijn niet volledig of niet geldig.');
      }
    });

    it('reports an empty round without tests or lagging groups', async () => {
      const res = await get(`/api/analysis/rounds/${emptyRoundId}/representativeness`);
      expect(res.statusCode).toBe(200);
      const empty: Representativeness = res.json();
      expect(empty.invited).toBe(0);
      expect(empty.lagging).toEqual([]);
      expect(empty.dimensions.find((d) => d.key === 'sector')!.summary).toBe('Er zijn nog geen scholen uitgenodigd.');
    });
  });
});
