import { useEffect } from 'react';
import type { InvitedSurveyView } from '../../contract/api/persons';
import { ApiError } from '../shared/api';
import { createSurveyModel, type QuestionnaireJson } from '../shared/survey/model';
import { SurveyWithError, useSurveyState } from './survey-state';

/** Where the questionnaire comes from and goes to: a teacher's about one class, a professional's. */
export interface InvitedSurveySource {
  load(): Promise<InvitedSurveyView>;
  save(body: { data: Record<string, unknown>; revision: number }): Promise<{ revision: number }>;
  complete(body: { data: Record<string, unknown>; revision: number }): Promise<{ revision: number }>;
}

/**
 * The questionnaire of a teacher (about one class) or a professional: saved after every answer
 * (with the revision the server gave), checked by the server on "Versturen"; problems it reports
 * are shown in Dutch. The consent question was answered on the first screen, so it is hidden
 * here. `id` names the questionnaire: a new one loads afresh.
 */
export default function InvitedSurvey({ id, source, onDone }: { id: string; source: InvitedSurveySource; onDone: () => void }) {
  const { model, setModel, error, setError, revision, saving } = useSurveyState();

  useEffect(() => {
    let alive = true;
    source.load().then(
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
              const reply = await source.save({ data: answers(), revision: revision.current });
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
              const reply = await source.complete({ data: answers(), revision: revision.current });
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
  }, [id]);

  return <SurveyWithError model={model} error={error} />;
}
