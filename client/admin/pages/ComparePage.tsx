import { useEffect, useState, type FormEvent } from 'react';
import type { Comparability } from '../../../contract/api/questionnaires';
import { ApiError, call, type Reply } from '../../shared/api';
import { ErrorMessage } from '../ui/kit';

type Source = Reply<'GET /api/analysis/compare/sources'>['sources'][number];

const VERDICT: Record<Comparability, string> = {
  same: 'vergelijkbaar',
  comparable: 'vergelijkbaar (anders geformuleerd of andere routering)',
  partly: 'deels vergelijkbaar (andere antwoordopties)',
  not: 'niet vergelijkbaar',
};

/** Two versions of a questionnaire side by side: what was added, removed, reworded, rerouted. */
export function ComparePage() {
  const [sources, setSources] = useState<Source[]>([]);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [result, setResult] = useState<Reply<'GET /api/analysis/compare'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call('GET /api/analysis/compare/sources')
      .then((r) => {
        setSources(r.sources);
        setFrom(r.sources[0]?.ref ?? '');
        setTo(r.sources[1]?.ref ?? r.sources[0]?.ref ?? '');
      })
      .catch((e) => setError(e instanceof ApiError ? e.message : 'De vragenlijsten konden niet worden geladen.'));
  }, []);

  async function compare(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setResult(await call('GET /api/analysis/compare', { query: { from, to } }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Vergelijken is niet gelukt.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1>Metingen vergelijken</h1>
      <p className="mr-muted">Welke vragen zijn nieuw, verdwenen of veranderd, en welke variabelen kunt u naast elkaar zetten?</p>
      <form className="mr-card" onSubmit={compare}>
        <label htmlFor="compare-from">Eerdere versie</label>
        <select id="compare-from" value={from} onChange={(e) => setFrom(e.target.value)}>
          {sources.map((s) => (
            <option key={s.ref} value={s.ref}>
              {s.label}
            </option>
          ))}
        </select>
        <label htmlFor="compare-to">Latere versie</label>
        <select id="compare-to" value={to} onChange={(e) => setTo(e.target.value)}>
          {sources.map((s) => (
            <option key={s.ref} value={s.ref}>
              {s.label}
            </option>
          ))}
        </select>
        <p>
          <button type="submit" disabled={busy || !from || !to}>
            {busy ? 'Bezig…' : 'Vergelijken'}
          </button>
        </p>
      </form>
      <ErrorMessage error={error} />
      {result && (
        <div className="mr-compare">
          <h2>
            {result.from} → {result.to}
          </h2>
          <p>
            {result.diff.comparable.length} vergelijkbare vragen · {result.diff.added.length} nieuw · {result.diff.removed.length} verdwenen ·{' '}
            {result.diff.changed.length} gewijzigd
          </p>
          {result.diff.changed.length > 0 && (
            <article className="mr-card">
              <h3>Gewijzigd</h3>
              <ul>
                {result.diff.changed.map((c) => (
                  <li key={c.name}>
                    <code>{c.name}</code> {c.title} — <strong>{VERDICT[c.comparability]}</strong>
                    <ul>
                      {c.changes.map((change, i) => (
                        <li key={i}>{change}</li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            </article>
          )}
          {result.diff.added.length > 0 && (
            <article className="mr-card">
              <h3>Nieuw</h3>
              <ul>
                {result.diff.added.map((q) => (
                  <li key={q.name}>
                    <code>{q.name}</code> {q.title}
                  </li>
                ))}
              </ul>
            </article>
          )}
          {result.diff.removed.length > 0 && (
            <article className="mr-card">
              <h3>Verdwenen</h3>
              <ul>
                {result.diff.removed.map((q) => (
                  <li key={q.name}>
                    <code>{q.name}</code> {q.title}
                  </li>
                ))}
              </ul>
            </article>
          )}
          <article className="mr-card">
            <h3>Vergelijkbare variabelen</h3>
            <p className="mr-wrap">{result.diff.comparable.map((n) => <code key={n}>{n} </code>)}</p>
          </article>
        </div>
      )}
    </section>
  );
}
