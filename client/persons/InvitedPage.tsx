import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../shared/api';

/** What every invited person's page gets first (the roles add their school or SWV, and classes). */
export interface InvitedPageView {
  studyName: string;
  roundName: string;
  state: 'consent' | 'open' | 'refused' | 'completed';
}

/**
 * The page of a person invited by e-mail (a teacher's `/t/<token>`, a professional's
 * `/pr/<token>`): first their own yes or no, then what the role answers (`children`, once they
 * said yes). Plain buttons, usable with the keyboard and on a phone.
 */
export function InvitedPage<V extends InvitedPageView>(props: {
  token: string;
  load: () => Promise<V>;
  consent: (yes: boolean) => Promise<unknown>;
  /** The line above the page: study, round, and the school or SWV. */
  context: (view: V) => string[];
  /** Why we ask them, above the yes and no. */
  intro: (view: V) => string;
  children: (view: V, reload: () => void) => ReactNode;
}) {
  const [view, setView] = useState<V | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : 'Er ging iets mis. Probeer het opnieuw.');
  const load = () => props.load().then(setView, fail);
  useEffect(() => {
    void load();
  }, [props.token]);

  async function consent(yes: boolean) {
    setBusy(true);
    setError(null);
    try {
      await props.consent(yes);
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
      <p className="mr-muted">{props.context(view).join(' · ')}</p>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {(view.state === 'consent' || view.state === 'refused') && (
        <section aria-labelledby="consent">
          <h1 id="consent">Doet u mee?</h1>
          <p>{props.intro(view)}</p>
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
      {(view.state === 'open' || view.state === 'completed') && props.children(view, () => void load())}
    </main>
  );
}
