import { useMemo } from 'react';
import { AnswerSummary } from '../shared/survey/AnswerSummary';
import { createSurveyModel, summarize } from '../shared/survey/model';
import type { SurveyPayload } from './respondent-api';

/** The school's own answers on the thank-you page (needs survey-core for titles and display texts). */
export default function CompletedSummary({ survey }: { survey: SurveyPayload }) {
  const items = useMemo(() => {
    const model = createSurveyModel(survey.questionnaire, survey.variables);
    model.data = survey.data ?? {};
    return summarize(model);
  }, [survey]);
  return <AnswerSummary items={items} />;
}
