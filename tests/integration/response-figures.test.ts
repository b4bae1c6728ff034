import { parse } from 'csv-parse/sync';
import { beforeAll, expect, it } from 'vitest';
import { representativeness } from '../../server/analysis/representativeness';
import { roundReport } from '../../server/exports/report-tables';
import { swvCsv } from '../../server/tracking/csv';
import { dashboardSnapshot } from '../../server/tracking/dashboard';
import { createSwvLink, findSwvLink, swvViewSnapshot } from '../../server/tracking/swv-view';
import type { DashboardSnapshot } from '../../contract/api/tracking';
import { describeEachDatabase } from '../helpers/db';
import { seedRoundWithResponses, type SeededRound } from '../../server/demo/data/random-responses';

/**
 * One definition of invited, reached, bounced and response rate (server/tracking/definitions.ts):
 * the dashboard (and its CSV export), the SWV view, the report tables and the
 * representativeness panel show the same figures for a round with relay-refused (550) schools,
 * schools whose mail is still queued, opted-out, excluded and erased schools.
 */

const SWVS = [
  { code: 'PO3101', situation: 'po-ko' as const, letter: 'K', schools: 30 },
  { code: 'PO3102', situation: 'po-vo' as const, letter: 'G', schools: 26 },
  { code: 'VO3103', situation: 'po-vo' as const, letter: 'G', schools: 24 },
];

interface Expected {
  invited: number;
  bounced: number;
  reached: number;
  completed: number;
  /** Listed as "E-mail onbestelbaar" in the SWV view: bounced and not further along. */
  unreachable: number;
}

describeEachDatabase('one definition of the response figures', (getDatabase) => {
  let round: SeededRound;
  const expected = new Map<number, Expected>();
  const now = new Date('2026-03-20T10:00:00Z');
  let dashboard: DashboardSnapshot;

  beforeAll(async () => {
    const db = getDatabase().db;
    round = await seedRoundWithResponses(db, { seed: 23, swvs: SWVS });
    const invitations = await db.selectFrom('invitations').select(['id', 'swv_id', 'status']).where('round_id', '=', round.roundId).orderBy('id').execute();
    const bySwv = new Map<number, typeof invitations>();
    for (const i of invitations) bySwv.set(i.swv_id, [...(bySwv.get(i.swv_id) ?? []), i]);
    for (const [, list] of bySwv) {
      const notCompleted = list.filter((i) => i.status !== 'completed');
      const completed = list.filter((i) => i.status === 'completed');
      // Refused by the relay with a 550: never invited_at, bounced_at set (what recordFailure writes).
      const refused = notCompleted.slice(0, 2).map((i) => i.id);
      await db.updateTable('invitations').set({ status: 'pending', invited_at: null, opened_at: null, consent_at: null, refused_at: null, started_at: null, bounced_at: now }).where('id', 'in', refused).execute();
      await db.deleteFrom('responses').where('invitation_id', 'in', refused).execute();
      // Accepted, and later a DSN said the address does not exist.
      await db.updateTable('invitations').set({ bounced_at: now }).where('id', '=', notCompleted[2]!.id).execute();
      // Still in the (throttled) invitation wave's queue.
      const queued = notCompleted[3]!.id;
      await db.updateTable('invitations').set({ status: 'pending', invited_at: null, opened_at: null, consent_at: null, refused_at: null, started_at: null }).where('id', '=', queued).execute();
      await db.deleteFrom('responses').where('invitation_id', '=', queued).execute();
      // Opted out.
      await db.updateTable('invitations').set({ opted_out_at: now }).where('id', '=', notCompleted[4]!.id).execute();
      // Excluded: one that had completed, one that had not.
      await db.updateTable('invitations').set({ excluded_at: now }).where('id', 'in', [completed[0]!.id, notCompleted[5]!.id]).execute();
      // Erased on request (the erasure marks it excluded as well and deletes the response).
      await db.deleteFrom('responses').where('invitation_id', '=', completed[1]!.id).execute();
      await db.updateTable('invitations').set({ erased_at: now, excluded_at: now, email: null }).where('id', '=', completed[1]!.id).execute();
    }
    // The definitions written out again, straight from the rows.
    const rows = await db.selectFrom('invitations').selectAll().where('round_id', '=', round.roundId).execute();
    for (const r of rows) {
      const e = expected.get(r.swv_id) ?? { invited: 0, bounced: 0, reached: 0, completed: 0, unreachable: 0 };
      expected.set(r.swv_id, e);
      if (r.erased_at) {
        e.invited += 1;
        e.reached += 1;
        continue;
      }
      if (r.excluded_at) continue;
      const invited = r.invited_at !== null || r.bounced_at !== null || r.status !== 'pending';
      if (!invited) continue;
      e.invited += 1;
      if (r.bounced_at) e.bounced += 1;
      else e.reached += 1;
      if (r.bounced_at && !r.opted_out_at && ['pending', 'invited', 'opened'].includes(r.status)) e.unreachable += 1;
      if (r.status === 'completed') e.completed += 1;
    }
    dashboard = (await dashboardSnapshot(db, round.roundId, now))!;
  });

  const rate = (e: Expected) => e.completed / e.invited;

  it('the dashboard counts relay-refused schools as invited and bounced, queued ones as not yet sent', () => {
    const total = [...expected.values()].reduce((t, e) => ({ invited: t.invited + e.invited, bounced: t.bounced + e.bounced, reached: t.reached + e.reached, completed: t.completed + e.completed, unreachable: 0 }));
    expect(dashboard.funnel.invited).toBe(total.invited);
    expect(dashboard.funnel.bounced).toBe(total.bounced);
    expect(dashboard.funnel.bounced).toBe(SWVS.length * 3);
    expect(dashboard.funnel.reached).toBe(total.reached);
    expect(dashboard.funnel.notYetSent).toBe(SWVS.length);
    expect(dashboard.funnel.completed).toBe(total.completed);
    expect(dashboard.funnel.responseRate).toBeCloseTo(rate(total), 12);
    for (const row of dashboard.swvs) {
      const e = expected.get(row.swvId)!;
      expect({ invited: row.invited, bounced: row.bounced, reached: row.reached, completed: row.completed }).toEqual({ invited: e.invited, bounced: e.bounced, reached: e.reached, completed: e.completed });
      expect(row.responseRate).toBeCloseTo(rate(e), 12);
    }
  });

  it('the SWV view shows the same invited, bounced, completed and rate per SWV', async () => {
    const db = getDatabase().db;
    for (const row of dashboard.swvs) {
      const { token } = await createSwvLink(db, { roundId: round.roundId, swvId: row.swvId, label: null, createdBy: null, now });
      const view = (await swvViewSnapshot(db, (await findSwvLink(db, token))!, now))!;
      const e = expected.get(row.swvId)!;
      expect(view.totals.invited).toBe(e.invited);
      expect(view.totals.bounced).toBe(e.bounced);
      expect(view.totals.completed).toBe(e.completed);
      expect(view.totals.responseRate).toBeCloseTo(rate(e), 12);
      expect(view.schools.filter((s) => s.state === 'unreachable').length).toBe(e.unreachable);
      expect(e.unreachable).toBeGreaterThanOrEqual(2);
      expect(view.schools.filter((s) => s.state === 'not_invited').length).toBe(1);
    }
  });

  it('the report table per SWV divides by the same number', async () => {
    const report = await roundReport(getDatabase().db, round.roundId);
    const table = report.tables.find((t) => t.id === 'respons-swv-sector')!;
    for (const row of dashboard.swvs) {
      const line = table.rows.find((r) => r.label.endsWith(`(${row.code})`))!;
      const e = expected.get(row.swvId)!;
      expect(line.cells).toEqual([row.sector.toUpperCase(), e.completed, e.invited, Math.round(rate(e) * 1000) / 10]);
    }
  });

  it('the exported CSV per SWV carries the same figures', () => {
    const records = parse(swvCsv(dashboard.swvs).replace(/^\uFEFF/, ''), { delimiter: ';', columns: true }) as Array<Record<string, string>>;
    for (const row of dashboard.swvs) {
      const record = records.find((r) => r['SWV-code'] === row.code)!;
      const e = expected.get(row.swvId)!;
      expect(Number(record['Uitgenodigd'])).toBe(e.invited);
      expect(Number(record['Ingevuld'])).toBe(e.completed);
      expect(Number(record['Onbestelbaar'])).toBe(e.bounced);
      expect(record['Respons (%)']).toBe((rate(e) * 100).toFixed(1).replace('.', ','));
    }
  });

  it('the representativeness panel starts from the same invited and completed schools', async () => {
    const result = await representativeness(getDatabase().db, round.roundId);
    const total = [...expected.values()].reduce((t, e) => ({ invited: t.invited + e.invited, completed: t.completed + e.completed }), { invited: 0, completed: 0 });
    expect(result.invited).toBe(total.invited);
    expect(result.completed).toBe(total.completed);
    expect(result.responseRate).toBeCloseTo(dashboard.funnel.responseRate!, 12);
    const swv = result.dimensions.find((d) => d.key === 'swv')!;
    for (const row of dashboard.swvs) {
      const category = swv.categories.find((c) => c.key === `swv:${row.swvId}`)!;
      expect({ invited: category.invited, completed: category.completed }).toEqual({ invited: row.invited, completed: row.completed });
    }
  });
});
