import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffQuestionnaires, variableComparability } from '../../server/questionnaires/questionnaire-diff';
import type { App } from '../../server/app';
import { getQuestionnaire } from '../../server/questionnaires';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { seedRoundWithResponses, type SeededRound } from '../../server/demo/data/random-responses';

const content = (id: string) => getQuestionnaire(id).content!;

describe('comparing the real measurements', () => {
  it('Eemland 2024 → 2025: the two new themes, the knelpunten closed, and the new result options', () => {
    const diff = diffQuestionnaires(content('eemland-monitor-2024'), content('eemland-monitor-2025'));
    const added = diff.added.map((q) => q.name);
    expect(added).toEqual(expect.arrayContaining(['pok_budget_ingezet', 'pok_inzet', 'hb_filter', 'hb_inzet', 'a_knelpunten_toelichting']));
    // The open knelpunten of M1 and the closed ones of M2 are different questions with different names (issue 18).
    expect(added).toEqual(expect.arrayContaining(['a_knelpunten', 'b_knelpunten', 'c_knelpunten', 'pok_profijt']));
    expect(diff.removed.map((q) => q.name)).toEqual(['a_knelpunten_open', 'b_knelpunten_open', 'c_knelpunten_open']);
    const results = diff.changed.find((c) => c.name === 'b_resultaten')!;
    expect(results.comparability).toBe('partly');
    expect(results.changes.filter((c) => c.startsWith('antwoordoptie toegevoegd'))).toHaveLength(3);
    expect(diff.comparable).toEqual(expect.arrayContaining(['inzet_type', 'swv_doelen', 'a_activiteiten']));
  });

  it('IMAGE 2022 → 2023: "voldoende gelegenheid" added; questions the sources do not show for 2022 are not called comparable', () => {
    const before = content('image-samenwerking-2022');
    const diff = diffQuestionnaires(before, content('image-samenwerking-2023'));
    expect(diff.added).toEqual([]);
    // 2022 asked schools to name their partners (footnote 11, issue 20); 2023 went to schools only.
    expect(diff.removed.map((q) => q.name)).toEqual(['A_partners_genoemd']);
    const condities = diff.changed.find((c) => c.name === 'A_condities')!;
    expect(condities.changes).toEqual([expect.stringMatching(/^stelling toegevoegd: "Er is voldoende gelegenheid/)]);
    expect(condities.comparability).toBe('partly');
    // The 2022 file is a reconstruction: only what the report shows for 2022 compares.
    const functie = diff.changed.find((c) => c.name === 'Q_functie')!;
    expect(functie.comparability).toBe('not');
    expect(functie.changes[0]).toMatch(/reconstructie/);
    expect(diff.comparable.sort()).toEqual(
      ['Q_consent', 'Q_mate', 'A_tevredenheid_samenwerking', 'A_wf_communicatie', 'A_wf_visie', 'A_wf_vertrouwen', 'A_wf_gelijkwaardigheid', 'A_wf_sturing', 'P_stimulering', 'A_manier_stimulering', 'P_tevredenheid_ondersteuning'].sort(),
    );
    const comparable = variableComparability(before, content('image-samenwerking-2023'));
    expect(comparable('A_condities', { row: 'gelegenheid' })).toBe('nvt');
    expect(comparable('A_condities', { row: 'tijd' })).toBe('ja');
    expect(comparable('Q_mate')).toBe('ja');
    expect(comparable('Q_functie', { choice: 'leraar' })).toBe('onbekend');
    expect(comparable('P_opbrengsten_beleid', { choice: 'kennis' })).toBe('onbekend');
  });
});

describeEachDatabase('measurements side by side', (getDatabase) => {
  let app: App;
  let first: SeededRound;
  let second: SeededRound;
  let cookie: string;
  const swvs = [{ code: 'PO2901', situation: 'po-po' as const, letter: 'A', schools: 10 }];

  beforeAll(async () => {
    const db = getDatabase().db;
    ({ app } = await makeTestApp(getDatabase()));
    await app.ready();
    first = await seedRoundWithResponses(db, { seed: 21, swvs, questionnaire: 'image-samenwerking-2022', roundName: 'Meting 2022' });
    second = await seedRoundWithResponses(db, { seed: 22, swvs, questionnaire: 'image-samenwerking-2023', roundName: 'Meting 2023' });
    await db.updateTable('rounds').set({ previous_round_id: first.roundId }).where('id', '=', second.roundId).execute();
    cookie = (await loginAs(db, 'researcher')).headers.cookie;
  });
  afterAll(async () => app?.close());

  const get = (url: string) => app.inject({ url, headers: { cookie } });

  it('compares a round\'s pinned questionnaire with a file, for researchers', async () => {
    const sources = (await get('/api/analysis/compare/sources')).json() as { sources: Array<{ ref: string; label: string }> };
    expect(sources.sources.map((s) => s.ref)).toEqual(expect.arrayContaining(['file:eemland-monitor-2024', `version:${first.versionId}`]));
    const res = await get(`/api/analysis/compare?from=version:${first.versionId}&to=file:image-samenwerking-2023`);
    expect(res.statusCode).toBe(200);
    expect(res.json().from).toContain('Meting 2022');
    expect(res.json().diff.changed.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['A_condities', 'Q_functie']));
    expect((await app.inject({ url: `/api/analysis/compare?from=file:x&to=file:y` })).statusCode).toBe(401);
  });

  it('refuses references that are not questionnaires with a clear error', async () => {
    for (const [from, to, status] of [
      ['file:../../etc/passwd', 'file:image-samenwerking-2023', 400],
      ['drop table rounds', 'file:image-samenwerking-2023', 400],
      ['version:99999', 'file:image-samenwerking-2023', 404],
      ['file:bestaat-niet-2020', 'file:image-samenwerking-2023', 404],
    ] as const) {
      const res = await get(`/api/analysis/compare?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      expect(res.statusCode, from).toBe(status);
      expect(typeof res.json().message).toBe('string');
    }
  });

  it('marks in the codebook which variables compare with the previous measurement', async () => {
    const csv = (await get(`/api/exports/rounds/${second.roundId}/codebook?format=csv`)).body;
    const line = (name: string) => csv.split('\r\n').find((l) => l.startsWith(`${name},`))!;
    expect(csv.split('\r\n')[0]).toMatch(/,vergelijkbaar$/);
    expect(line('A_condities_gelegenheid')).toMatch(/nvt \(optie niet voorgelegd in de vorige meting\)$/);
    expect(line('A_condities_tijd')).toMatch(/,ja$/);
    expect(line('Q_mate')).toMatch(/,ja$/);
    const html = (await get(`/api/exports/rounds/${second.roundId}/codebook`)).body;
    expect(html).toContain('Vergelijkbaar met vorige meting');
    // The first measurement has nothing to compare with, so no such column.
    expect((await get(`/api/exports/rounds/${first.roundId}/codebook?format=csv`)).body.split('\r\n')[0]).not.toContain('vergelijkbaar');
  });

  it('sets the previous measurement\'s counts beside this one in the report tables', async () => {
    const report = (await get(`/api/exports/rounds/${second.roundId}/report`)).json() as {
      tables: Array<{ id: string; head: string[]; rows: Array<{ label: string; cells: Array<number | string | null> }> }>;
    };
    const mate = report.tables.find((t) => t.id === 'vraag-Q_mate')!;
    expect(mate.head.slice(-2)).toEqual(['Meting 2022', '% Meting 2022']);
    const firstCompleted = first.schools.filter((s) => s.status === 'completed');
    const wel = mate.rows.find((r) => r.label.startsWith('Mijn school werkt samen'))!;
    expect(wel.cells.at(-2)).toBe(firstCompleted.filter((s) => s.data!.Q_mate === 'wel').length);
    const n = mate.rows.find((r) => r.label === 'n')!;
    expect(n.cells.at(-2)).toBe(firstCompleted.length);
  });
});
