import { lazy, Suspense, useEffect, useState } from 'react';
import type { ProfessionalView } from '../../contract/api/persons';
import { ApiError, call } from '../shared/api';

const ProfessionalSurvey = lazy(() => import('./ProfessionalSurvey'));

/**
 * The professional's page (`/pr/<token>` from the invitation mail): first the professional's own
 * yes or no, then the questionnaire. Plain buttons, usable with the keyboard and on a phone.
 */
export function ProfessionalPage({ token }: { token: string }) {
  const [view, setView] = useState<ProfessionalView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : 'Er ging iets mis. Probeer het opnieuw.');
  const load = () => call('GET /api/persons/pr/:token', { params: { token } }).then(setView, fail);
  useEffect(() => {
    void load();
  }, [token]);

  async function consent(yes: boolean) {
    setBusy(true);
    setError(null);
    try {
      await call('POST /api/persons/pr/:token/consent', { params: { token }, body: { consent: yes } });
      await load();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  if (!view) return <main className="pp-main">{error ? <p className="mr-error" role="alert">{error}</p> : <p>Laden…</p>}</main>;

  return (
    <main className="pp-main">
      <p className="mr-muted">
        {view.studyName} · {view.roundName}
        {view.swvName ? ` · ${view.swvName}` : ''}
      </p>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {(view.state === 'consent' || view.state === 'refused') && (
        <section aria-labelledby="consent">
          <h1 id="consent">Doet u mee?</h1>
          <p>
            Wij vragen u als professional een vragenlijst in te vullen. Uw antwoorden worden niet aan uw naam of e-mailadres gekoppeld en niemand van uw organisatie of school
            ziet ze. U kunt altijd stoppen.
          </p>
          {view.state === 'refused' && <p className="pp-ok">U heeft aangegeven niet mee te doen. Wij bewaren dan geen antwoorden van u. Wilt u toch meedoen? Dat kan hieronder.</p>}
          <div className="pp-actions">
            <button type="button" disabled={busy} onClick={() => consent(true)}>
              Ja, ik doe mee
            </button>
            {view.state === 'consent' && (
              <button type="button" className="secondary" disabled={busy} onClick={() => consent(false)}>
                Nee, ik doe niet mee
              </button>
            )}
          </div>
        </section>
      )}
      {view.state === 'completed' && (
        <section aria-labelledby="done">
          <h1 id="done">Dank u wel!</h1>
          <p>Uw antwoorden zijn opgeslagen. U kunt dit venster nu sluiten.</p>
        </section>
      )}
      {view.state === 'open' && (
        <section aria-labelledby="survey">
          <h1 id="survey">Vragenlijst</h1>
          {view.hasQuestionnaire ? (
            <Suspense fallback={<p>Laden…</p>}>
              <ProfessionalSurvey token={token} onDone={() => void load()} />
            </Suspense>
          ) : (
            <p>De vragenlijst is nog niet klaar. Probeer het later opnieuw.</p>
          )}
        </section>
      )}
    </main>
  );
}
