import { describe, expect, it } from 'vitest';
import { diffQuestionnaires, questionShapes, variableComparability } from '../../server/questionnaires/questionnaire-diff';
import { getQuestionnaire } from '../../server/questionnaires';

const v2022 = {
  pages: [
    {
      name: 'p1',
      elements: [
        { type: 'radiogroup', name: 'Q_mate', title: 'Werkt uw school samen?', choices: [{ value: 'wel', text: 'Ja' }, { value: 'geen', text: 'Nee' }] },
        { type: 'checkbox', name: 'Q_functie', title: 'Uw functie', choices: ['Leraar', 'Schoolleider'] },
        { type: 'comment', name: 'Q_weg', title: 'Verdwijnt' },
      ],
    },
    {
      name: 'p2',
      visibleIf: "{Q_mate} = 'wel'",
      elements: [
        {
          type: 'matrix',
          name: 'A_wf',
          title: 'Werkzame factoren',
          rows: [{ value: 'r1', text: 'Gedeelde visie' }],
          columns: [{ value: 1, text: 'Niet' }, { value: 2, text: 'Wel' }],
        },
      ],
    },
  ],
};

const v2023 = {
  pages: [
    {
      name: 'p1',
      elements: [
        {
          type: 'radiogroup',
          name: 'Q_mate',
          title: { nl: 'Werkt uw school samen rondom (hoog)begaafdheid?' },
          choices: [
            { value: 'wel', text: 'Ja' },
            { value: 'plannen', text: 'Nog niet, wel plannen' },
            { value: 'geen', text: 'Nee' },
          ],
        },
        { type: 'checkbox', name: 'Q_functie', title: 'Uw functie', choices: ['Leraar', 'Schoolleider'] },
        { type: 'text', name: 'Q_nieuw', title: 'Nieuw' },
      ],
    },
    {
      name: 'p2',
      visibleIf: "{Q_mate} anyof ['wel', 'plannen']",
      elements: [
        {
          type: 'matrix',
          name: 'A_wf',
          title: 'Werkzame factoren',
          rows: [{ value: 'r1', text: 'Gedeelde visie' }],
          columns: [{ value: 1, text: 'Niet' }, { value: 2, text: 'Deels' }, { value: 3, text: 'Wel' }],
        },
      ],
    },
  ],
};

describe('questionnaire comparison', () => {
  const diff = diffQuestionnaires(v2022, v2023);

  it('lists added and removed questions', () => {
    expect(diff.added.map((q) => q.name)).toEqual(['Q_nieuw']);
    expect(diff.removed.map((q) => q.name)).toEqual(['Q_weg']);
  });

  it('describes rewording and new options, and calls a question with a new option partly comparable', () => {
    const mate = diff.changed.find((c) => c.name === 'Q_mate')!;
    expect(mate.changes).toContain('vraagtekst gewijzigd: "Werkt uw school samen?" → "Werkt uw school samen rondom (hoog)begaafdheid?"');
    expect(mate.changes).toContain('antwoordoptie toegevoegd: "Nog niet, wel plannen"');
    expect(mate.comparability).toBe('partly');
  });

  it('sees routing inherited from the page, and a changed answer scale as not comparable', () => {
    const wf = diff.changed.find((c) => c.name === 'A_wf')!;
    expect(wf.changes.some((c) => c.startsWith('routering (visibleIf) gewijzigd'))).toBe(true);
    expect(wf.comparability).toBe('not');
  });

  it('keeps identical questions comparable', () => {
    expect(diff.unchanged).toEqual(['Q_functie']);
    expect(diff.comparable).toEqual(['Q_functie']);
  });

  it('copes with malformed input instead of throwing', () => {
    expect(questionShapes(null)).toEqual([]);
    expect(questionShapes({ pages: [{ elements: [null, 5, { type: 'text' }] }] })).toEqual([]);
    expect(diffQuestionnaires({}, v2023).added).toHaveLength(4);
  });
});

describe('Eemland measurement 1 → 2', () => {
  const m1 = getQuestionnaire('eemland-monitor-2024').content;
  const m2 = getQuestionnaire('eemland-monitor-2025').content;
  const diff = diffQuestionnaires(m1, m2);
  const comparable = variableComparability(m1, m2);

  it('sees the open knelpunten of M1 and the closed ones of M2 as different questions, not one that changed type', () => {
    expect(diff.removed.map((q) => q.name)).toEqual(['a_knelpunten_open', 'b_knelpunten_open', 'c_knelpunten_open']);
    for (const p of ['a', 'b', 'c']) {
      expect(diff.added.map((q) => q.name)).toEqual(expect.arrayContaining([`${p}_knelpunten`, `${p}_knelpunten_toelichting`]));
      expect(comparable(`${p}_knelpunten`)).toBe('nieuw');
    }
    expect(diff.changed.filter((c) => c.changes.some((t) => t.startsWith('vraagtype')))).toEqual([]);
  });

  it('reports the new §6 question and the two new themes as added', () => {
    const added = diff.added.map((q) => q.name);
    expect(added).toEqual(expect.arrayContaining(['pok_profijt', 'pok_budget_ingezet', 'pok_scholing', 'hb_filter', 'hb_inzet']));
    expect(diff.added.find((q) => q.name === 'pok_profijt')?.type).toBe('comment');
  });

  it('reports the other reference period as such and keeps the question comparable', () => {
    const inzet = diff.changed.find((c) => c.name === 'inzet_type')!;
    expect(inzet.changes).toEqual(['referentieperiode gewijzigd: 2022-2023 → 2023-2024']);
    expect(inzet.comparability).toBe('comparable');
    expect(diff.comparable).toContain('inzet_type');
  });

  it('marks options new in M2 as nvt beside M1 and keeps the goal blocks unchanged', () => {
    const resultaten = diff.changed.find((c) => c.name === 'a_resultaten')!;
    expect(resultaten.changes).toEqual(['antwoordoptie toegevoegd: "Aantal verwijzingen naar tussenvoorzieningen is gedaald"']);
    expect(comparable('a_resultaten', { choice: 'a_res_05' })).toBe('nvt');
    expect(comparable('a_resultaten', { choice: 'a_res_01' })).toBe('ja');
    expect(diff.unchanged).toEqual(expect.arrayContaining(['a_activiteiten', 'swv_doelen', 'eigen_activiteiten', 'eigen_waarom']));
  });
});
