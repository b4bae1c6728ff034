import type { Model } from 'survey-core';
import { Survey } from 'survey-react-ui';
// The fontless style sheet: the default one loads Open Sans from Google, which the CSP blocks.
import 'survey-core/survey-core.fontless.min.css';
import './survey.css';

/** The questionnaire itself, as survey-react-ui renders it; shared by the respondent page and the admin preview. */
export function SurveyView({ model }: { model: Model }) {
  return (
    <div className="mr-survey">
      <Survey model={model} />
    </div>
  );
}
