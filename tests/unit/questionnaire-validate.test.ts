import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { validateAndRoute, validateResponse, variablesFor, visibleQuestionNames, type QuestionnaireContent, type ValidationResult } from '../../server/questionnaires';
import { randomAnswers } from '../../server/demo/data/random-responses';
import { seededRandom } from '../../server/demo/data/random';
import { aCheckbox, aComment, aMatrix, aPage, aQuestionnaire, aRadio } from '../fixtures/questionnaires';

/** Routing: `samen` picks the branch; `reden` only for 'geen'; `toelichting` only when reden = 'anders_x'. */
const routed = aQuestionnaire({
  meta: { variables: ['situatie'], branch: { question: 'samen', values: ['wel', 'geen'] } },
  pages: [
    aPage('hoofd', [
      aRadio('samen', ['wel', 'geen'], { isRequired: true }),
      aCheckbox('doelen', ['a', 'b', 'c'], {
        isRequired: true,
        visibleIf: "{samen} = 'wel'",
        showOtherItem: true,
        showNoneItem: true,
        choices: [
          { value: 'a', text: 'Doel a' },
          { value: 'b', text: 'Doel b' },
          { value: 'c', text: 'Alleen in po-ko', visibleIf: "{situatie} = 'po-ko'" },
          { value: 'x', text: 'Weet ik niet', isExclusive: true },
        ],
      }),
      aRadio('reden', ['tijd', 'geld'], { isRequired: true, visibleIf: "{samen} = 'geen'", showOtherItem: true }),
      aComment('toelichting', { visibleIf: "{reden} = 'geld'", maxLength: 20 }),
      aMatrix('schaal', ['r1', 'r2'], [1, 2, 3], {
        rows: [
          { value: 'r1', text: 'Rij 1' },
          { value: 'r2', text: 'Rij 2, alleen po-ko', visibleIf: "{situatie} = 'po-ko'" },
        ],
      }),
    ]),
  ],
});

const vars = { situatie: 'po-vo' };
const yes = { toestemming: 'ja' };

function okData(result: ValidationResult) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.errors)}`);
  return result;
}

describe('validateResponse: cleaning', () => {
  it('keeps answers to visible questions and drops keys that are no question', () => {
    const data = JSON.parse('{"toestemming":"ja","samen":"wel","doelen":["a"],"hacked":1,"__proto__":{"polluted":true},"constructor":"x","doelen-Comment":"niet gekozen"}');
    const result = okData(validateResponse(routed, vars, data, { mode: 'partial' }));
    expect(result.data).toEqual({ toestemming: 'ja', samen: 'wel', doelen: ['a'] });
    expect(Object.getPrototypeOf(result.data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops values outside the choices, rows and columns, keeping the valid ones', () => {
    const result = okData(
      validateResponse(routed, vars, { ...yes, samen: 'misschien', doelen: ['a', 'zzz', 'a', 7, null, { value: 'b' }], schaal: { r1: 4, r9: 1 } }, { mode: 'partial' }),
    );
    expect(result.data).toEqual({ toestemming: 'ja' });
    const second = okData(validateResponse(routed, vars, { ...yes, samen: 'wel', doelen: ['a', 'zzz', 'a', 'b'], schaal: { r1: 3, r9: 1 } }, { mode: 'partial' }));
    expect(second.data).toEqual({ toestemming: 'ja', samen: 'wel', doelen: ['a', 'b'], schaal: { r1: 3 } });
  });

  it('does not read an unknown single-choice value as an "Anders" text (survey-core would)', () => {
    const result = okData(validateResponse(routed, vars, { ...yes, samen: 'geen', reden: 'zelf verzonnen', 'reden-Comment': 'zelf verzonnen' }, { mode: 'partial' }));
    expect(result.data).toEqual({ toestemming: 'ja', samen: 'geen' });
  });

  it('keeps an "Anders, namelijk" text only when "Anders" is chosen', () => {
    const chosen = okData(validateResponse(routed, vars, { ...yes, samen: 'wel', doelen: ['other'], 'doelen-Comment': 'Eigen doel' }, { mode: 'partial' }));
    expect(chosen.data).toEqual({ toestemming: 'ja', samen: 'wel', doelen: ['other'], 'doelen-Comment': 'Eigen doel' });
    const notChosen = okData(validateResponse(routed, vars, { ...yes, samen: 'wel', doelen: ['a'], 'doelen-Comment': 'Eigen doel' }, { mode: 'partial' }));
    expect(notChosen.data).toEqual({ toestemming: 'ja', samen: 'wel', doelen: ['a'] });
  });

  it('drops answers to questions the branch does not show, and what those answers showed in turn', () => {
    const switched = { ...yes, samen: 'wel', doelen: ['a'], reden: 'geld', toelichting: 'Te duur' };
    const result = okData(validateResponse(routed, vars, switched, { mode: 'partial' }));
    expect(result.data).toEqual({ toestemming: 'ja', samen: 'wel', doelen: ['a'] });
    expect(result.branch).toBe('wel');
    const other = okData(validateResponse(routed, vars, { ...switched, samen: 'geen' }, { mode: 'partial' }));
    expect(other.data).toEqual({ toestemming: 'ja', samen: 'geen', reden: 'geld', toelichting: 'Te duur' });
    expect(other.branch).toBe('geen');
  });

  it('drops a choice or a matrix row that the situation does not show', () => {
    const data = { ...yes, samen: 'wel', doelen: ['a', 'c'], schaal: { r1: 1, r2: 2 } };
    expect(okData(validateResponse(routed, { situatie: 'po-vo' }, data, { mode: 'partial' })).data).toMatchObject({ doelen: ['a'], schaal: { r1: 1 } });
    expect(okData(validateResponse(routed, { situatie: 'po-ko' }, data, { mode: 'partial' })).data).toMatchObject({ doelen: ['a', 'c'], schaal: { r1: 1, r2: 2 } });
  });

  it('accepts numbers sent as their decimal string and stores the number', () => {
    const result = okData(validateResponse(routed, vars, { ...yes, schaal: { r1: '2' } }, { mode: 'partial' }));
    expect(result.data).toEqual({ toestemming: 'ja', schaal: { r1: 2 } });
  });

  it('does not change the object it was given', () => {
    const data = { ...yes, samen: 'wel', doelen: ['a', 'zzz'], hacked: true };
    const copy = structuredClone(data);
    validateResponse(routed, vars, data, { mode: 'complete' });
    expect(data).toEqual(copy);
  });
});

describe('validateResponse: consent', () => {
  it('keeps nothing but the refusal when consent is refused', () => {
    const result = okData(validateResponse(routed, vars, { toestemming: 'nee', samen: 'wel', doelen: ['a'] }, { mode: 'complete' }));
    expect(result).toEqual({ ok: true, data: { toestemming: 'nee' }, branch: null, consent: 'refused' });
  });

  it('keeps no answers before consent is given', () => {
    const result = okData(validateResponse(routed, vars, { samen: 'wel', doelen: ['a'] }, { mode: 'partial' }));
    expect(result).toEqual({ ok: true, data: {}, branch: null, consent: null });
  });

  it('does not complete without a consent answer', () => {
    const result = validateResponse(routed, vars, {}, { mode: 'complete' });
    expect(result).toEqual({ ok: false, errors: [{ question: 'toestemming', message: 'Dit is een vereiste vraag' }] });
  });

  it('reports consent as given once it is', () => {
    expect(okData(validateResponse(routed, vars, yes, { mode: 'partial' })).consent).toBe('given');
  });
});

describe('validateResponse: errors', () => {
  it('lists every visible required question without an answer, in Dutch, in questionnaire order', () => {
    const result = validateResponse(routed, vars, { ...yes, samen: 'wel' }, { mode: 'complete' });
    expect(result).toEqual({ ok: false, errors: [{ question: 'doelen', message: 'Dit is een vereiste vraag' }] });
    const none = validateResponse(routed, vars, yes, { mode: 'complete' });
    expect(none).toEqual({ ok: false, errors: [{ question: 'samen', message: 'Dit is een vereiste vraag' }] });
  });

  it('does not ask for required questions the branch hides', () => {
    const result = okData(validateResponse(routed, vars, { ...yes, samen: 'geen', reden: 'tijd' }, { mode: 'complete' }));
    expect(result.data).toEqual({ toestemming: 'ja', samen: 'geen', reden: 'tijd' });
  });

  it('does not ask for required answers while saving in between', () => {
    expect(validateResponse(routed, vars, yes, { mode: 'partial' }).ok).toBe(true);
  });

  it('asks for the text when "Anders" is chosen without one', () => {
    const result = validateResponse(routed, vars, { ...yes, samen: 'geen', reden: 'other' }, { mode: 'complete' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([{ question: 'reden', message: expect.stringContaining('Anders') }]);
  });

  it('refuses a text longer than the question allows, and accepts one at the limit', () => {
    const base = { ...yes, samen: 'geen', reden: 'geld' };
    expect(validateResponse(routed, vars, { ...base, toelichting: 'x'.repeat(21) }, { mode: 'partial' })).toEqual({
      ok: false,
      errors: [{ question: 'toelichting', message: 'Het antwoord is te lang: maximaal 20 tekens.' }],
    });
    expect(okData(validateResponse(routed, vars, { ...base, toelichting: 'x'.repeat(20) }, { mode: 'partial' })).data.toelichting).toBe('x'.repeat(20));
  });

  it('refuses an "Anders" text longer than the questionnaire allows', () => {
    const result = validateResponse(routed, vars, { ...yes, samen: 'wel', doelen: ['other'], 'doelen-Comment': 'y'.repeat(51) }, { mode: 'partial' });
    expect(result).toEqual({ ok: false, errors: [{ question: 'doelen', message: 'Het antwoord is te lang: maximaal 50 tekens.' }] });
  });

  it('refuses control characters that cannot be stored', () => {
    const result = validateResponse(routed, vars, { ...yes, samen: 'geen', reden: 'geld', toelichting: 'a\u0000b' }, { mode: 'partial' });
    expect(result).toEqual({ ok: false, errors: [{ question: 'toelichting', message: 'Het antwoord bevat tekens die niet zijn toegestaan.' }] });
    expect(okData(validateResponse(routed, vars, { ...yes, samen: 'geen', reden: 'geld', toelichting: 'a\nb\tc' }, { mode: 'partial' })).data.toelichting).toBe('a\nb\tc');
  });

  it('refuses an exclusive choice together with other choices', () => {
    for (const picked of [['a', 'x'], ['none', 'b']]) {
      const result = validateResponse(routed, vars, { ...yes, samen: 'wel', doelen: picked }, { mode: 'partial' });
      expect(result).toEqual({ ok: false, errors: [{ question: 'doelen', message: expect.stringContaining('kan niet samen met andere antwoorden') }] });
    }
    expect(okData(validateResponse(routed, vars, { ...yes, samen: 'wel', doelen: ['none'] }, { mode: 'complete' })).data.doelen).toEqual(['none']);
  });

  it('refuses a submission that is not an object of answers', () => {
    for (const data of [null, [], 'ja', 42, undefined]) {
      expect(validateResponse(routed, vars, data, { mode: 'partial' })).toEqual({
        ok: false,
        errors: [{ question: null, message: 'De antwoorden hebben een ongeldige vorm.' }],
      });
    }
  });
});

describe('visibleQuestionNames', () => {
  it('tells questions that were not asked from questions left open', () => {
    expect(visibleQuestionNames(routed, vars, { ...yes, samen: 'geen' })).toEqual(['toestemming', 'samen', 'reden', 'schaal']);
    expect(visibleQuestionNames(routed, vars, { ...yes, samen: 'wel', reden: 'geld' })).toEqual(['toestemming', 'samen', 'doelen', 'schaal']);
  });

  it('shows only the consent question before and after a refusal', () => {
    expect(visibleQuestionNames(routed, vars, {})).toEqual(['toestemming']);
    expect(visibleQuestionNames(routed, vars, { toestemming: 'nee', samen: 'wel' })).toEqual(['toestemming']);
    expect(visibleQuestionNames(routed, vars, 'garbage')).toEqual(['toestemming']);
  });
});

describe('validateAndRoute', () => {
  it('gives what validateResponse and visibleQuestionNames give for the same answers, from one settling', () => {
    const sets = [{}, yes, { ...yes, samen: 'geen' }, { ...yes, samen: 'geen', reden: 'geld', toelichting: 'x'.repeat(30) }, { ...yes, samen: 'wel', doelen: ['a', 'x'] }, { toestemming: 'nee', samen: 'wel' }];
    for (const data of sets) {
      for (const options of [{ mode: 'partial' as const }, { mode: 'complete' as const }, { mode: 'complete' as const, malformedFirst: true }]) {
        const both = validateAndRoute(routed, vars, data, options);
        expect(both, JSON.stringify({ data, options })).toEqual({ result: validateResponse(routed, vars, data, options), visible: visibleQuestionNames(routed, vars, data) });
      }
    }
  });
});

describe('validateResponse: one reused model per questionnaire', () => {
  it('gives every call the result a new model would, whatever the previous call left behind', () => {
    const content = JSON.parse(readFileSync('questionnaires/image-samenwerking-2023.json', 'utf8')) as QuestionnaireContent;
    const rng = seededRandom(11);
    const situations = ['po-ko', 'po-vo', 'po-po', 'vo-vo', 'vso-vo', 'ow-jh'] as const;
    for (let i = 0; i < 12; i++) {
      const situation = situations[i % situations.length]!;
      const sector = situation.startsWith('vo') || situation === 'vso-vo' ? 'vo' : 'po';
      const variables = variablesFor({ situation, sector, schoolName: `School ${i}`, schoolKind: sector });
      const mate = ['wel', 'plannen', 'geen'][i % 3]!;
      // Complete, partial, incomplete (errors) and malformed answers, interleaved.
      const answers = randomAnswers(content, variables, rng, { given: { Q_consent: 'ja', Q_mate: mate }, stopAfter: i % 4 === 0 ? 3 : undefined });
      if (i % 5 === 0) answers.Q_consent = 'nee';
      if (i % 7 === 0) answers[Object.keys(answers)[2] ?? 'Q_mate'] = { not: 'a valid answer' };
      for (const mode of ['partial', 'complete'] as const) {
        const reused = validateResponse(content, variables, answers, { mode });
        const fresh = validateResponse(structuredClone(content), variables, answers, { mode });
        expect(reused, `call ${i} (${situation}, ${mate}, ${mode})`).toEqual(fresh);
      }
    }
  });
});
