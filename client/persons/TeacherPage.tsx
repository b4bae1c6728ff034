import { lazy, Suspense, useEffect, useState } from 'react';
import type { TeacherView } from '../../contract/api/persons';
import { CLASS_GRADE_LABELS, type ClassGrade } from '../../contract/vocabulary';
import { ApiError, call } from '../shared/api';

const TeacherSurvey = lazy(() => import('./TeacherSurvey'));

const STATE_LABELS = { new: 'Nog niet begonnen', started: 'Begonnen', completed: 'Ingevuld' } as const;

/**
 * The teacher's page (`/t/<token>` from the invitation mail): first the teacher's own yes or no,
 * then the list of their classes; the questionnaire is answered once per class. Plain buttons and
 * links, usable with the keyboard and on a phone.
 */
export function TeacherPage({ token }: { token: string }) {
  const [view, setView] = useState<TeacherView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [classId, setClassId] = useState<number | null>(null);

  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : 'Er ging iets mis. Probeer het opnieuw.');
  const load = () => call('GET /api/persons/t/:token', { params: { token } }).then(setView, fail);
  useEffect(() => {
    void load();
  }, [token]);

  async function consent(yes: boolean) {
    setBusy(true);
    setError(null);
    try {
      await call('POST /api/persons/t/:token/consent', { params: { token }, body: { consent: yes } });
      await load();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  if (!view) return <main className="pp-main">{error ? <p className="mr-error" role="alert">{error}</p> : <p>Laden…</p>}</main>;

  const current = view.classes.find((c) => c.classId === classId);
  return (
    <main className="pp-main">
      <p className="mr-muted">
        {view.studyName} · {view.roundName} · {view.schoolName}
      </p>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {(view.state === 'consent' || view.state === 'refused') && (
        <section aria-labelledby="consent">
          <h1 id="consent">Doet u mee?</h1>
          <p>
            Uw school doet mee aan dit onderzoek. Wij vragen u een korte vragenlijst in te vullen over elke klas waaraan u lesgeeft ({view.classes.map((c) => c.label).join(', ')}).
            Uw antwoorden worden gekoppeld aan de klas, niet aan uw naam. Leerlingen, ouders en de school zien uw antwoorden niet. U kunt altijd stoppen.
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
      {(view.state === 'open' || view.state === 'completed') && classId === null && (
        <section aria-labelledby="classes">
          <h1 id="classes">{view.state === 'completed' ? 'Dank u wel! U heeft alles ingevuld.' : 'Uw klassen'}</h1>
          {!view.hasQuestionnaire && <p>De vragenlijst voor leerkrachten is nog niet klaar. Probeer het later opnieuw.</p>}
          <p>Vul de vragenlijst in voor elke klas. Uw antwoorden worden steeds bewaard; u kunt later verdergaan met dezelfde link.</p>
          <ul className="pp-classes">
            {view.classes.map((c) => (
              <li key={c.classId}>
                <strong>Klas {c.label}</strong> ({CLASS_GRADE_LABELS[c.grade as ClassGrade] ?? c.grade}) · {STATE_LABELS[c.state]}{' '}
                {c.state !== 'completed' && view.hasQuestionnaire && (
                  <button type="button" onClick={() => setClassId(c.classId)}>
                    {c.state === 'new' ? `Begin aan klas ${c.label}` : `Verder met klas ${c.label}`}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {classId !== null && current && (
        <Suspense fallback={<p>Laden…</p>}>
          <h1>Klas {current.label}</h1>
          <TeacherSurvey
            token={token}
            classId={classId}
            onDone={() => {
              setClassId(null);
              void load();
            }}
          />
          <p>
            <button type="button" className="secondary" onClick={() => { setClassId(null); void load(); }}>
              Terug naar uw klassen
            </button>
          </p>
        </Suspense>
      )}
    </main>
  );
}
