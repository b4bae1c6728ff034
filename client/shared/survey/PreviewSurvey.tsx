import { useEffect, useMemo, useState } from 'react';
import { AnswerSummary } from './AnswerSummary';
import { createSurveyModel, summarize, type Answers, type QuestionnaireJson, type SummaryItem } from './model';
import { SurveyView } from './SurveyView';

/**
 * A questionnaire as a school would see it, for researchers: nothing is sent or stored;
 * completing shows the answers the page collected. Loaded lazily by the admin app, so SurveyJS
 * stays out of the admin bundle.
 */
export default function PreviewSurvey({ questionnaire, variables }: { questionnaire: QuestionnaireJson; variables: Record<string, string> }) {
  const [attempt, setAttempt] = useState(0);
  const [result, setResult] = useState<{ data: Answers; items: SummaryItem[] } | null>(null);
  const model = useMemo(() => createSurveyModel(questionnaire, variables), [questionnaire, variables, attempt]);

  useEffect(() => {
    const onComplete = () => setResult({ data: model.data as Answers, items: summarize(model) });
    model.onComplete.add(onComplete);
    return () => model.onComplete.remove(onComplete);
  }, [model]);

  if (result) {
    return (
      <div className="mr-preview-result">
        <p className="mr-notice" role="status">Klaar: in het voorbeeld is niets opgeslagen. Dit zijn de antwoorden die de pagina zou versturen.</p>
        <div className="mr-card">
          <AnswerSummary items={result.items} heading="Antwoorden in dit voorbeeld" />
        </div>
        <details className="mr-card">
          <summary>Gegevens (JSON)</summary>
          <pre data-testid="preview-data" className="mr-wrap">{JSON.stringify(result.data, null, 2)}</pre>
        </details>
        <button
          type="button"
          onClick={() => {
            setResult(null);
            setAttempt((n) => n + 1);
          }}
        >
          Opnieuw invullen
        </button>
      </div>
    );
  }
  return <SurveyView model={model} />;
}
