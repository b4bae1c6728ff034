import { useRef, useState } from 'react';
import type { Model } from 'survey-core';
import { SurveyView } from '../shared/survey/SurveyView';

/**
 * What a questionnaire component of the persons app keeps: the model once loaded, the Dutch error,
 * the revision the server gave last and the chain of saves (one at a time, in order).
 */
export function useSurveyState() {
  const [model, setModel] = useState<Model | null>(null);
  const [error, setError] = useState<string | null>(null);
  const revision = useRef(0);
  const saving = useRef<Promise<void>>(Promise.resolve());
  return { model, setModel, error, setError, revision, saving };
}

/** The questionnaire with the error above it; "Laden…" until it is there (and no error). */
export function SurveyWithError({ model, error }: { model: Model | null; error: string | null }) {
  return (
    <>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {model ? <SurveyView model={model} /> : !error && <p>Laden…</p>}
    </>
  );
}
