import { useMemo } from 'react';
import { createSurveyModel, type QuestionnaireJson } from './model';
import { SurveyView } from './SurveyView';

/**
 * A candidate questionnaire as a respondent sees it, for the editor's live preview (issue 27):
 * the variables of the chosen situation, sector and school, and optionally the answers that put
 * the respondent on a route (consent and the branch question), starting on the first page after
 * the branch question. Nothing is sent. Loaded lazily with SurveyJS.
 */
export default function QuestionnairePreview({
  questionnaire,
  variables,
  initial,
  startAfter,
}: {
  questionnaire: QuestionnaireJson;
  variables: Record<string, string>;
  initial: Record<string, unknown>;
  startAfter?: string;
}) {
  const built = useMemo(() => {
    try {
      const model = createSurveyModel(questionnaire, variables);
      model.data = { ...initial };
      if (startAfter) {
        const question = model.getQuestionByName(startAfter);
        const pages = model.visiblePages;
        const at = question ? pages.findIndex((p) => p.questions.includes(question)) : -1;
        if (at >= 0 && at + 1 < pages.length) model.currentPage = pages[at + 1]!;
      }
      return { model, error: null };
    } catch (e) {
      return { model: null, error: (e as Error).message };
    }
  }, [questionnaire, variables, initial, startAfter]);
  if (!built.model) return <p className="mr-error">SurveyJS kan deze vragenlijst niet tonen: {built.error}</p>;
  return <SurveyView model={built.model} />;
}
