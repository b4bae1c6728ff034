import { useEffect, useState, type FormEvent } from 'react';
import type { ClassInfo } from '../../contract/api/persons';
import { ApiError, call } from '../shared/api';

/** A parent objects (or, with active consent, agrees) with the child's code. */
export function ParentPage({ token }: { token: string }) {
  const [info, setInfo] = useState<ClassInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [decision, setDecision] = useState<'objection' | 'consent' | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call('GET /api/persons/o/:token', { params: { token } }).then(setInfo, (e: unknown) => setError(e instanceof ApiError ? e.message : 'Er ging iets mis.'));
  }, [token]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!info) return;
    const chosen = info.consentMode === 'passive' ? 'objection' : decision;
    if (!chosen) return setError('Kies of u toestemming geeft of niet.');
    setBusy(true);
    setError(null);
    try {
      await call('POST /api/persons/o/:token', { params: { token }, body: { code, decision: chosen } });
      setDone(
        chosen === 'objection'
          ? 'Uw bezwaar is vastgelegd. Uw kind doet niet mee; antwoorden die al gegeven waren zijn gewist.'
          : 'Uw toestemming is vastgelegd. U kunt die hier altijd weer intrekken.',
      );
      setCode('');
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Er ging iets mis. Probeer het opnieuw.');
    } finally {
      setBusy(false);
    }
  }

  if (!info) return <main className="pp-main"><h1>Ouders en verzorgers</h1>{error ? <p className="mr-error" role="alert">{error}</p> : <p>Laden…</p>}</main>;
  return (
    <main className="pp-main">
      <h1>{info.consentMode === 'passive' ? 'Bezwaar maken' : 'Toestemming geven'}</h1>
      <p>
        {info.schoolName}, klas {info.classLabel}: onderzoek {info.studyName} ({info.roundName}). Vul de code van uw kind in. Wij vragen geen naam: alleen de school weet welke
        code bij welk kind hoort.
      </p>
      <form onSubmit={submit} noValidate>
        <label htmlFor="code">Code van uw kind</label>
        <input id="code" className="pp-code" autoComplete="off" autoCapitalize="characters" spellCheck={false} value={code} onChange={(e) => setCode(e.target.value)} placeholder="bijv. K7QM-3XWD" />
        {info.consentMode === 'active' && (
          <fieldset>
            <legend>Uw keuze</legend>
            <label className="pp-choice">
              <input type="radio" name="decision" checked={decision === 'consent'} onChange={() => setDecision('consent')} /> Ik geef toestemming: mijn kind mag meedoen
            </label>
            <label className="pp-choice">
              <input type="radio" name="decision" checked={decision === 'objection'} onChange={() => setDecision('objection')} /> Ik geef geen toestemming (of trek die in)
            </label>
          </fieldset>
        )}
        {error && <p className="mr-error" role="alert">{error}</p>}
        {done && <p className="pp-ok" role="status">{done}</p>}
        <div className="pp-actions">
          <button type="submit" disabled={busy}>
            {info.consentMode === 'passive' ? 'Bezwaar maken: mijn kind doet niet mee' : 'Keuze opslaan'}
          </button>
        </div>
      </form>
    </main>
  );
}
