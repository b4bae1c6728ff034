import { useEffect, useRef, useState } from 'react';
import type { Model } from 'survey-core';
import type { ClassInfo } from '../../contract/api/persons';
import { ApiError, call } from '../shared/api';
import { createSurveyModel, type QuestionnaireJson } from '../shared/survey/model';
import { SurveyView } from '../shared/survey/SurveyView';

/**
 * Parents as respondents (issue 20): the link the school passed on (/ov/<token>). Starting makes
 * the parent a respondent of this class; the session lives only in this page's memory. The
 * questionnaire runs with the variables the server sends (actor = parent and the parents' texts).
 */
export function ParentSurveyPage({ token }: { token: string }) {
  const [info, setInfo] = useState<ClassInfo | null>(null);
  const [session, setSession] = useState<string | null>(null);
  const [model, setModel] = useState<Model | null>(null);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const revision = useRef(0);
  const saving = useRef<Promise<void>>(Promise.resolve());
  const message = (e: unknown, fallback: string) => (e instanceof ApiError ? e.message : fallback);

  useEffect(() => {
    call('GET /api/persons/ov/:token', { params: { token } }).then(setInfo, (e: unknown) => setError(message(e, 'Er ging iets mis.')));
  }, [token]);

  useEffect(() => {
    if (!session) return;
    let alive = true;
    call('GET /api/persons/q/:token', { params: { token: session } }).then(
      (view) => {
        if (!alive) return;
        if (view.state === 'completed') return setDone(true);
        revision.current = view.revision;
        const m = createSurveyModel(view.questionnaire as QuestionnaireJson, view.variables);
        m.data = view.data;
        const save = (complete: boolean) => {
          saving.current = saving.current.then(async () => {
            try {
              const route = complete ? ('POST /api/persons/q/:token/complete' as const) : ('PUT /api/persons/q/:token/answers' as const);
              const reply = await call(route, { params: { token: session }, body: { data: m.data as Record<string, unknown>, revision: revision.current } });
              revision.current = reply.revision;
              setError(null);
              if (complete) setDone(true);
            } catch (e) {
              setError(message(e, 'Uw antwoord is niet opgeslagen. Probeer het nog een keer.'));
            }
          });
        };
        m.onValueChanged.add(() => save(false));
        m.onComplete.add(() => save(true));
        setModel(m);
      },
      (e: unknown) => setError(message(e, 'Er ging iets mis.')),
    );
    return () => {
      alive = false;
    };
  }, [session]);

  async function start() {
    setBusy(true);
    setError(null);
    try {
      setSession((await call('POST /api/persons/ov/:token/start', { params: { token } })).session);
    } catch (e) {
      setError(message(e, 'Er ging iets mis. Probeer het opnieuw.'));
    } finally {
      setBusy(false);
    }
  }

  if (done)
    return (
      <main className="pp-main">
        <h1>Hartelijk dank!</h1>
        <p>Uw antwoorden zijn opgeslagen. U kunt dit venster nu sluiten.</p>
      </main>
    );
  if (model)
    return (
      <main className="pp-main">
        {error && <p className="mr-error" role="alert">{error}</p>}
        <SurveyView model={model} />
      </main>
    );
  return (
    <main className="pp-main">
      <h1>Vragenlijst voor ouders</h1>
      {info ? (
        <>
          <p>
            {info.schoolName}, klas {info.classLabel}: onderzoek {info.studyName} ({info.roundName}). De school heeft u deze link gestuurd. Wij vragen geen naam en geen
            e-mailadres.
          </p>
          {error && <p className="mr-error" role="alert">{error}</p>}
          <div className="pp-actions">
            <button type="button" onClick={start} disabled={busy || session !== null}>
              Begin met de vragenlijst
            </button>
          </div>
        </>
      ) : error ? (
        <p className="mr-error" role="alert">{error}</p>
      ) : (
        <p>Laden…</p>
      )}
    </main>
  );
}
