import { useEffect } from 'react';
import { ApiError, call } from '../shared/api';
import { createSurveyModel, type QuestionnaireJson } from '../shared/survey/model';
import { SurveyWithError, useSurveyState } from './survey-state';

/** The questionnaire for a pupil: one question a page, large type, saved after every answer. */
export default function PupilSurvey({ session, onDone }: { session: string; onDone: () => void }) {
  const { model, setModel, error, setError, revision, saving } = useSurveyState();

  useEffect(() => {
    let alive = true;
    call('GET /api/persons/p/:token', { params: { token: session } }).then(
      (view) => {
        if (!alive) return;
        if (view.state === 'completed') return onDone();
        revision.current = view.revision;
        const m = createSurveyModel(view.questionnaire as QuestionnaireJson, {});
        m.questionsOnPageMode = 'questionPerPage';
        m.completeText = 'Klaar';
        m.data = view.data;
        // The questionnaire's consent question is the pupil's own yes on the first screen (and the
        // parents' rule): not asked again; the server counts it as given.
        const consent = (view.questionnaire as { meetronde?: { consent?: { question?: string; yes?: string } } } | null)?.meetronde?.consent;
        const consentQuestion = consent?.question ? m.getQuestionByName(consent.question) : null;
        if (consentQuestion && consent?.yes) {
          consentQuestion.visible = false;
          m.setValue(consent.question!, consent.yes);
        }
        const save = (complete: boolean) => {
          saving.current = saving.current.then(async () => {
            try {
              const route = complete ? ('POST /api/persons/p/:token/complete' as const) : ('PUT /api/persons/p/:token/answers' as const);
              const reply = await call(route, { params: { token: session }, body: { data: m.data as Record<string, unknown>, revision: revision.current } });
              revision.current = reply.revision;
              if (complete) onDone();
            } catch (e) {
              setError(e instanceof ApiError ? e.message : 'Je antwoord is niet opgeslagen. Probeer het nog een keer.');
            }
          });
        };
        m.onValueChanged.add(() => save(false));
        m.onComplete.add(() => save(true));
        setModel(m);
      },
      (e: unknown) => setError(e instanceof ApiError ? e.message : 'Er ging iets mis.'),
    );
    return () => {
      alive = false;
    };
  }, [session]);

  return <SurveyWithError model={model} error={error} />;
}
