import { describe, expect, it } from 'vitest';
import { diffQuestionnaires, questionShapes } from '../../server/analysis/questionnaire-diff';

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
