import { useEffect } from 'react';
import { ApiError, call } from '../shared/api';
import { createSurveyModel, type QuestionnaireJson } from '../shared/survey/model';
import { SurveyWithError, useSurveyState } from './survey-state';

/**
 * The professional's questionnaire (the round's own), as the teacher's per class: saved after
 * every answer with the revision the server gave, checked by the server on "Versturen". The
 * consent question was answered on the first screen, so it is hidden here.
 */
export default function ProfessionalSurvey({ token, onDone }: { token: string; onDone: () => void }) {
  const { model, setModel, error, setError, revision, saving } = useSurveyState();

  useEffect(() => {
    let alive = true;
    call('GET /api/persons/pr/:token/survey', { params: { token } }).then(
      (view) => {
        if (!alive) return;
        if (view.state === 'completed') return onDone();
        revision.current = view.revision;
        const m = createSurveyModel(view.questionnaire as QuestionnaireJson, view.variables);
        m.completeText = 'Versturen';
        m.data = { ...view.data, [view.consentQuestion]: view.consentYes };
        const consent = m.getQuestionByName(view.consentQuestion);
        if (consent) consent.visible = false;
        const answers = () => {
          const data = { ...(m.data as Record<string, unknown>) };
          delete data[view.consentQuestion];
          return data;
        };
        m.onValueChanged.add(() => {
          saving.current = saving.current.then(async () => {
            try {
              const reply = await call('PUT /api/persons/pr/:token/answers', { params: { token }, body: { data: answers(), revision: revision.current } });
              revision.current = reply.revision;
              setError(null);
            } catch (e) {
              setError(e instanceof ApiError ? e.message : 'Uw antwoord is niet opgeslagen. Probeer het nog een keer.');
            }
          });
        });
        m.onCompleting.add((_sender, options) => {
          options.allow = false;
          saving.current = saving.current.then(async () => {
            try {
              const reply = await call('POST /api/persons/pr/:token/complete', { params: { token }, body: { data: answers(), revision: revision.current } });
              revision.current = reply.revision;
              onDone();
            } catch (e) {
              const details = e instanceof ApiError && Array.isArray(e.details) ? (e.details as Array<{ message?: string }>).map((d) => d.message).filter(Boolean) : [];
              setError(e instanceof ApiError ? [e.message, ...details].join(' ') : 'Versturen is niet gelukt. Probeer het nog een keer.');
            }
          });
        });
        setModel(m);
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : 'Er ging iets mis.'),
    );
    return () => {
      alive = false;
    };
  }, [token]);

  return <SurveyWithError model={model} error={error} />;
}
