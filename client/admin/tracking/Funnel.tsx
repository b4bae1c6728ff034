import { useState, type FormEvent } from 'react';
import { ApiError, call } from '../../shared/api';
import { formatCount, formatRate } from '../../shared/tracking/format';
import type { DashboardSnapshot } from '../../../contract/api/tracking';

const STEPS: Array<{ key: keyof DashboardSnapshot['funnel']; label: string; hint: string }> = [
  { key: 'invited', label: 'Uitgenodigd', hint: 'scholen naar wie de uitnodiging is verstuurd' },
  { key: 'delivered', label: 'Mail afgeleverd', hint: 'minstens één mail door de mailserver aangenomen' },
  { key: 'bounced', label: 'Onbestelbaar', hint: 'mail kwam terug (adres werkt niet)' },
  { key: 'optedOut', label: 'Afgemeld', hint: 'school wil geen mail meer over deze meting' },
  { key: 'opened', label: 'Link geopend', hint: 'persoonlijke link minstens één keer geopend' },
  { key: 'refused', label: 'Toestemming geweigerd', hint: 'school doet niet mee' },
  { key: 'started', label: 'Begonnen', hint: 'toestemming gegeven (ook wie al klaar is)' },
  { key: 'completed', label: 'Ingevuld', hint: 'vragenlijst afgerond' },
];

export function Funnel({ snapshot }: { snapshot: DashboardSnapshot }) {
  const { funnel } = snapshot;
  const max = Math.max(1, funnel.invited);
  return (
    <section className="mr-card mr-funnel" aria-labelledby="funnel-title">
      <h2 id="funnel-title">Trechter</h2>
      <div className="mr-headline">
        <div>
          <span className="mr-big" data-testid="response-rate">{formatRate(funnel.responseRate)}</span>
          <span className="mr-muted"> respons ({formatCount(funnel.completed)} van {formatCount(funnel.invited)} uitgenodigd)</span>
        </div>
        <div>
          {snapshot.round.target === null ? (
            <span className="mr-muted">Geen doel ingesteld</span>
          ) : (
            <span>
              Doel {formatCount(snapshot.round.target)} respondenten: <strong>{formatRate(funnel.targetProgress)}</strong> bereikt
            </span>
          )}
        </div>
      </div>
      <ol className="mr-steps">
        {STEPS.map((step) => {
          const value = funnel[step.key] as number;
          return (
            <li key={step.key} data-step={step.key}>
              <span className="mr-step-label" title={step.hint}>{step.label}</span>
              <span className="mr-step-bar" aria-hidden="true">
                <span style={{ width: `${Math.min(100, (value / max) * 100)}%` }} />
              </span>
              <span className="mr-step-value" data-testid={`funnel-${step.key}`}>{formatCount(value)}</span>
            </li>
          );
        })}
      </ol>
      <p className="mr-muted mr-small">
        Nog niet verstuurd: {formatCount(funnel.notYetSent)} · Bezig: {formatCount(funnel.inProgress)} · Uitgesloten: {formatCount(funnel.excluded)}
        {funnel.erased > 0 ? ` · Gegevens verwijderd op verzoek: ${formatCount(funnel.erased)} (telt mee als uitgenodigd)` : ''}
      </p>
    </section>
  );
}

/** Admins set or clear the round's target number of respondents. */
export function TargetEditor({ roundId, target }: { roundId: number; target: number | null }) {
  const [value, setValue] = useState(target === null ? '' : String(target));
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (next: number | null) => {
    setBusy(true);
    setMessage(null);
    try {
      if (next === null) await call('DELETE /api/tracking/rounds/:roundId/target', { params: { roundId } });
      else await call('PUT /api/tracking/rounds/:roundId/target', { params: { roundId }, body: { target: next } });
      setMessage({ error: false, text: next === null ? 'Doel gewist.' : 'Doel opgeslagen.' });
      if (next === null) setValue('');
    } catch (e) {
      setMessage({ error: true, text: e instanceof ApiError ? e.message : 'Opslaan mislukt.' });
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1) {
      setMessage({ error: true, text: 'Vul een heel getal groter dan 0 in.' });
      return;
    }
    void save(n);
  };

  return (
    <form className="mr-inline-form" onSubmit={submit} aria-label="Doel instellen">
      <label htmlFor="target-input">Doel (aantal respondenten)</label>
      <div className="mr-row">
        <input
          id="target-input"
          inputMode="numeric"
          value={value}
          placeholder="bijv. 256"
          onChange={(e) => setValue(e.target.value)}
          maxLength={9}
        />
        <button type="submit" disabled={busy}>Opslaan</button>
        {target !== null && (
          <button type="button" className="secondary" disabled={busy} onClick={() => void save(null)}>
            Doel wissen
          </button>
        )}
      </div>
      {message && (
        <p className={message.error ? 'mr-error' : 'mr-muted'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </form>
  );
}
