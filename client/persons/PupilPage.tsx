import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import type { ClassInfo } from '../../contract/api/persons';
import { ApiError, call } from '../shared/api';

const PupilSurvey = lazy(() => import('./PupilSurvey'));

type Step = { kind: 'code' } | { kind: 'assent'; session: string } | { kind: 'survey'; session: string } | { kind: 'done' } | { kind: 'no' };

/**
 * The pupil's page on a shared device: type the code, say yes or no, one question a page, and
 * "Klaar" hands the device to the next pupil. The session lives only in this page's memory: every
 * code entry starts afresh, nothing of another pupil is kept in the browser.
 */
export function PupilPage({ token }: { token: string }) {
  const [info, setInfo] = useState<ClassInfo | null>(null);
  const [step, setStep] = useState<Step>({ kind: 'code' });
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call('GET /api/persons/l/:token', { params: { token } }).then(setInfo, (e: unknown) => setError(e instanceof ApiError ? e.message : 'Er ging iets mis.'));
  }, [token]);

  const fail = (e: unknown) => setError(e instanceof ApiError ? e.message : 'Er ging iets mis. Probeer het nog een keer.');

  async function start(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const reply = await call('POST /api/persons/l/:token/start', { params: { token }, body: { code } });
      setCode('');
      setStep(reply.state === 'completed' ? { kind: 'done' } : reply.state === 'open' ? { kind: 'survey', session: reply.session } : { kind: 'assent', session: reply.session });
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  async function assent(session: string, yes: boolean) {
    setBusy(true);
    setError(null);
    try {
      await call('POST /api/persons/p/:token/assent', { params: { token: session }, body: { assent: yes } });
      setStep(yes ? { kind: 'survey', session } : { kind: 'no' });
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  const next = () => {
    setStep({ kind: 'code' });
    setError(null);
  };

  return (
    <main className="pp-main pp-pupil">
      {info && (
        <p className="mr-muted">
          {info.schoolName} · klas {info.classLabel}
        </p>
      )}
      {step.kind === 'code' && (
        <form onSubmit={start} noValidate>
          <h1>Welkom!</h1>
          <label htmlFor="code">Typ je code</label>
          <input id="code" className="pp-code" autoComplete="off" autoCapitalize="characters" spellCheck={false} value={code} onChange={(e) => setCode(e.target.value)} />
          {error && <p className="mr-error" role="alert">{error}</p>}
          <div className="pp-actions">
            <button type="submit" disabled={busy || !info}>
              Start
            </button>
          </div>
        </form>
      )}
      {step.kind === 'assent' && (
        <section aria-labelledby="assent">
          <h1 id="assent">Doe je mee?</h1>
          <p>We willen weten hoe het met je gaat op school. Er zijn geen goede of foute antwoorden. We weten niet wie jij bent. Je mag altijd stoppen.</p>
          {error && <p className="mr-error" role="alert">{error}</p>}
          <div className="pp-actions">
            <button type="button" disabled={busy} onClick={() => assent(step.session, true)}>
              Ja, ik doe mee
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => assent(step.session, false)}>
              Nee, ik doe niet mee
            </button>
          </div>
        </section>
      )}
      {step.kind === 'survey' && (
        <Suspense fallback={<p>Laden…</p>}>
          <PupilSurvey session={step.session} onDone={() => setStep({ kind: 'done' })} />
        </Suspense>
      )}
      {(step.kind === 'done' || step.kind === 'no') && (
        <section aria-labelledby="done">
          <h1 id="done">{step.kind === 'done' ? 'Klaar! Dank je wel.' : 'Dat is goed. Dank je wel.'}</h1>
          <div className="pp-actions">
            <button type="button" onClick={next}>
              Volgende leerling
            </button>
          </div>
        </section>
      )}
    </main>
  );
}
