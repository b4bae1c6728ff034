import { describe, expect, it } from 'vitest';
import { Model } from 'survey-core';
import { runConditionsOnClearedAnswers } from '../../contract/survey-conditions';
import { buildSurvey, getQuestionnaire, variablesFor, visibleQuestionNames, type QuestionnaireContent } from '../../server/questionnaires';

/**
 * survey-core 3.0.0 skips a condition that reads a part of an answer (`{matrix.row}`) when that
 * answer is cleared, so a question it showed stays shown (contract/survey-conditions.ts). Found by
 * the routing property (ROUTING_SEED=1625250510, Eemland 2025's hb_zichtbaar).
 */
const json = {
  clearInvisibleValues: 'onHidden',
  pages: [
    { name: 'filter', elements: [{ type: 'radiogroup', name: 'filter', choices: ['ja', 'nee'] }] },
    {
      name: 'matrix',
      elements: [
        { type: 'matrix', name: 'zichtbaar', visibleIf: "{filter} = 'ja'", columns: ['goed', 'slecht'], rows: ['prof', 'ouders'] },
        { type: 'text', name: 'hoe', visibleIf: "{zichtbaar.prof} anyof ['goed']", isRequired: true },
        { type: 'text', name: 'waarom', visibleIf: "{zichtbaar} notempty" },
      ],
    },
  ],
};

const shown = (survey: Model) => survey.getAllQuestions(true).map((q) => q.name);

function answered(fix: boolean): Model {
  const survey = new Model(json);
  if (fix) runConditionsOnClearedAnswers(survey);
  survey.setValue('filter', 'ja');
  survey.getQuestionByName('zichtbaar').value = { prof: 'goed' };
  expect(shown(survey)).toEqual(['filter', 'zichtbaar', 'hoe', 'waarom']);
  return survey;
}

describe('conditions that read a matrix row after the matrix is cleared', () => {
  it('survey-core alone keeps the row condition shown (when this fails, survey-core fixed it and the helper can go)', () => {
    const survey = answered(false);
    survey.getQuestionByName('zichtbaar').clearValue();
    expect(survey.data).toEqual({ filter: 'ja' });
    expect(shown(survey)).toContain('hoe');
  });

  it('hides the question when the school clears the matrix', () => {
    const survey = answered(true);
    survey.getQuestionByName('zichtbaar').clearValue();
    expect(survey.data).toEqual({ filter: 'ja' });
    expect(shown(survey)).toEqual(['filter', 'zichtbaar']);
    // And shows it again on a new answer.
    survey.getQuestionByName('zichtbaar').value = { prof: 'goed' };
    expect(shown(survey)).toEqual(['filter', 'zichtbaar', 'hoe', 'waarom']);
  });

  it('hides the question when the matrix is hidden and its answer cleared with it, and keeps it hidden when the matrix comes back', () => {
    const survey = answered(true);
    survey.setValue('filter', 'nee');
    expect(survey.data).toEqual({ filter: 'nee' });
    expect(shown(survey)).toEqual(['filter']);
    survey.setValue('filter', 'ja');
    expect(shown(survey)).toEqual(['filter', 'zichtbaar']);
    // Nothing required is left that the school can no longer see a reason for.
    expect(survey.validate(false)).toBe(true);
  });

  it('the server model (buildSurvey) agrees with the server routing after Eemland 2025\'s matrix is cleared', () => {
    const content = getQuestionnaire('eemland-monitor-2025').content as QuestionnaireContent;
    const variables = variablesFor({ situation: null, sector: 'vo', schoolName: 'De Proefschool', schoolKind: 'vo', actor: null });
    const survey = buildSurvey(content, variables);
    survey.setValue('toestemming', 'ja');
    survey.setValue('hb_filter', 'ja');
    survey.getQuestionByName('hb_zichtbaar').value = { professionals: 'zeer_goed' };
    expect(shown(survey)).toContain('hb_zichtbaar_prof_hoe');
    survey.getQuestionByName('hb_zichtbaar').clearValue();
    expect(shown(survey)).not.toContain('hb_zichtbaar_prof_hoe');
    const asked = survey.getAllQuestions(true).filter((q) => q.getType() !== 'html').map((q) => q.name);
    expect(asked.sort()).toEqual(visibleQuestionNames(content, variables, survey.data).sort());
  });
});
