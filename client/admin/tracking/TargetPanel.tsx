import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, call } from '../../shared/api';
import { formatCount, formatRate } from '../../shared/tracking/format';
import { formatDateTime } from '../../shared/time';
import type { SampleSizeAnswer, TargetCalculation, TargetView } from '../../../contract/api/analysis';
import type { DashboardSnapshot } from '../../../contract/api/tracking';
import { TargetEditor } from './Funnel';
import { TableHead } from '../../shared/TableHead';
import { TableWrap } from '../../shared/TableWrap';

const CONFIDENCES = [0.8, 0.9, 0.95, 0.99];
const pct = (x: number) => `${String(Math.round(x * 1000) / 10).replace('.', ',')}%`;

/** "5", "5%", "2,5" → 0.05, 0.05, 0.025; null when it is not a number. */
export function parsePercent(value: string): number | null {
  const cleaned = value.trim().replace('%', '').replace(',', '.').trim();
  if (!/^\d+(\.\d+)?$/.test(cleaned)) return null;
  return Number(cleaned) / 100;
}

function describe(c: TargetCalculation): string {
  const population = c.populationSource === 'invited' ? `${formatCount(c.population)} uitgenodigde scholen` : `populatie ${formatCount(c.population)}`;
  return `${population}, foutmarge ${pct(c.margin)}, betrouwbaarheid ${pct(c.confidence)}, spreiding ${pct(c.spread)}`;
}

/** Completed questionnaires per target group, from the dashboard's SWV rows. */
function completedOf(group: TargetCalculation['groups'][number], snapshot: DashboardSnapshot): number {
  if (group.swvId !== undefined) return snapshot.swvs.find((s) => s.swvId === group.swvId)?.completed ?? 0;
  return snapshot.swvs.filter((s) => s.situation === (group.situation ?? null)).reduce((sum, s) => sum + s.completed, 0);
}

/**
 * The round's target: how it was calculated, per SWV or situation when asked for, and a form to
 * calculate it from a sample size (everyone) and make it the target (admins).
 */
export function TargetPanel({ roundId, snapshot, isAdmin }: { roundId: number; snapshot: DashboardSnapshot; isAdmin: boolean }) {
  const [view, setView] = useState<TargetView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [source, setSource] = useState<'invited' | 'manual'>('invited');
  const [population, setPopulation] = useState('');
  const [margin, setMargin] = useState('5');
  const [confidence, setConfidence] = useState('0.9');
  const [spread, setSpread] = useState('50');
  const [breakdown, setBreakdown] = useState<'none' | 'swv' | 'situation'>('none');
  const [answer, setAnswer] = useState<SampleSizeAnswer | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const target = snapshot.round.target;

  useEffect(() => {
    let cancelled = false;
    call('GET /api/analysis/rounds/:id/target', { params: { id: roundId } })
      .then((v) => {
        if (cancelled) return;
        setView(v);
        const c = v.calculation;
        if (c) {
          setSource(c.populationSource);
          if (c.populationSource === 'manual') setPopulation(String(c.population));
          setMargin(String(Math.round(c.margin * 1000) / 10).replace('.', ','));
          setConfidence(String(c.confidence));
          setSpread(String(Math.round(c.spread * 1000) / 10).replace('.', ','));
          setBreakdown(c.breakdown);
        }
      })
      .catch((e: unknown) => !cancelled && setLoadError(e instanceof ApiError ? e.message : 'Het doel kon niet worden geladen.'));
    return () => {
      cancelled = true;
    };
    // The stored calculation changes only through this panel or when the target is changed.
  }, [roundId, target]);

  const inputs = () => {
    const m = parsePercent(margin);
    const s = parsePercent(spread);
    if (m === null) return 'Vul de foutmarge in als percentage, bijvoorbeeld 5.';
    if (s === null) return 'Vul de verwachte spreiding in als percentage, bijvoorbeeld 50.';
    const n = source === 'invited' ? (view?.invited ?? 0) : Number(population.trim().replace(/\./g, ''));
    if (source === 'manual' && !/^\d[\d.]*$/.test(population.trim())) return 'Vul de populatie in: het aantal scholen.';
    if (source === 'invited' && n === 0) return 'Deze meting heeft nog geen uitgenodigde scholen; vul de populatie zelf in.';
    return { population: n, margin: m, confidence: Number(confidence), spread: s };
  };

  const run = async (save: boolean) => {
    setMessage(null);
    setAnswer(null);
    const p = inputs();
    if (typeof p === 'string') {
      setMessage({ error: true, text: p });
      return;
    }
    setBusy(true);
    try {
      if (save) {
        const body = { populationSource: source, ...(source === 'manual' ? { population: p.population } : {}), margin: p.margin, confidence: p.confidence, spread: p.spread, breakdown };
        const saved = await call('PUT /api/analysis/rounds/:id/target', { params: { id: roundId }, body });
        setView((v) => (v ? { ...v, target: saved.target, calculation: saved.calculation } : v));
        setAnswer(saved.calculation);
        setMessage({ error: false, text: `Doel opgeslagen: ${formatCount(saved.target)} respondenten.` });
      } else {
        const result = await call('POST /api/analysis/sample-size', { body: p });
        setAnswer(result);
      }
    } catch (e) {
      setMessage({ error: true, text: e instanceof ApiError ? e.message : 'Berekenen mislukt.' });
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(false);
  };

  const calc = view?.calculation ?? null;
  return (
    <section className="mr-card" aria-labelledby="target-title" data-testid="target-panel">
      <h2 id="target-title">Doel</h2>
      {loadError && <p className="mr-error" role="alert">{loadError}</p>}
      <p>
        {target === null ? 'Nog geen doel ingesteld.' : <>Doel: <strong data-testid="target-value">{formatCount(target)}</strong> respondenten.</>}
        {calc && (
          <span className="mr-muted">
            {' '}Berekend {formatDateTime(calc.updatedAt)} uit {describe(calc)}: {formatCount(calc.required)}.
            {target !== null && target !== calc.required ? ' Het doel is daarna met de hand aangepast.' : ''}
          </span>
        )}
      </p>
      {calc && calc.groups.length > 0 && (
        <TableWrap label="Tabel: streefaantal per groep">
          <table className="mr-table" data-testid="target-groups">
            <caption className="mr-muted mr-small" style={{ textAlign: 'left' }}>
              Doel per {calc.breakdown === 'swv' ? 'samenwerkingsverband' : 'samenwerkingssituatie'}: het totaal verdeeld naar aandeel in de uitgenodigde scholen.
            </caption>
            <TableHead scoped columns={['Groep', ['Uitgenodigd', 'num'], ['Doel', 'num'], ['Ingevuld', 'num'], ['Bereikt', 'num']]} />
            <tbody>
              {calc.groups.map((g) => {
                const done = completedOf(g, snapshot);
                return (
                  <tr key={g.key}>
                    <th scope="row" style={{ whiteSpace: 'normal' }}>{g.label}</th>
                    <td className="num">{formatCount(g.invited)}</td>
                    <td className="num">{formatCount(g.target)}</td>
                    <td className="num">{formatCount(done)}</td>
                    <td className="num">{formatRate(g.target > 0 ? done / g.target : null)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
      <details>
        <summary>Doel berekenen uit de steekproefgrootte</summary>
        <form onSubmit={submit} aria-label="Steekproefgrootte berekenen" className="mr-target-form">
          <fieldset>
            <legend>Populatie</legend>
            <label className="mr-choice">
              <input type="radio" name="population-source" checked={source === 'invited'} onChange={() => setSource('invited')} />
              De uitgenodigde scholen van deze meting ({formatCount(view?.invited ?? 0)})
            </label>
            <label className="mr-choice">
              <input type="radio" name="population-source" checked={source === 'manual'} onChange={() => setSource('manual')} />
              Zelf invullen
            </label>
            {source === 'manual' && (
              <input aria-label="Populatie (aantal scholen)" inputMode="numeric" maxLength={10} value={population} placeholder="bijv. 4500" onChange={(e) => setPopulation(e.target.value)} />
            )}
          </fieldset>
          <div className="mr-filters">
            <div>
              <label htmlFor="target-margin">Foutmarge (%)</label>
              <input id="target-margin" inputMode="decimal" maxLength={6} value={margin} onChange={(e) => setMargin(e.target.value)} />
            </div>
            <div>
              <label htmlFor="target-confidence">Betrouwbaarheid</label>
              <select id="target-confidence" value={confidence} onChange={(e) => setConfidence(e.target.value)}>
                {CONFIDENCES.map((c) => (
                  <option key={c} value={String(c)}>{pct(c)}</option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="target-spread">Verwachte spreiding (%)</label>
              <input id="target-spread" inputMode="decimal" maxLength={6} value={spread} onChange={(e) => setSpread(e.target.value)} />
            </div>
            <div>
              <label htmlFor="target-breakdown">Ook per groep</label>
              <select id="target-breakdown" value={breakdown} onChange={(e) => setBreakdown(e.target.value as typeof breakdown)}>
                <option value="none">Nee</option>
                <option value="swv">Per samenwerkingsverband</option>
                <option value="situation">Per samenwerkingssituatie</option>
              </select>
            </div>
          </div>
          <p className="mr-muted mr-small">
            Met eindige-populatiecorrectie. Een spreiding van 50% is het voorzichtigst. Per groep wordt het totaal verdeeld naar het aandeel van
            de groep in de uitgenodigde scholen (geen eigen foutmarge per groep).
          </p>
          <div className="mr-row">
            <button type="submit" className="secondary" disabled={busy}>Berekenen</button>
            {isAdmin && (
              <button type="button" disabled={busy} onClick={() => void run(true)}>Als doel opslaan</button>
            )}
          </div>
          {answer && !message?.error && (
            <p data-testid="sample-size-result" role="status">
              Nodig: <strong>{formatCount(answer.required)}</strong> respondenten bij een populatie van {formatCount(answer.population)} (zonder
              eindige-populatiecorrectie {formatCount(answer.withoutCorrection)}).
            </p>
          )}
          {message && (
            <p className={message.error ? 'mr-error' : 'mr-muted'} role={message.error ? 'alert' : 'status'}>{message.text}</p>
          )}
        </form>
      </details>
      {isAdmin && (
        <details>
          <summary>Doel met de hand instellen</summary>
          <TargetEditor key={String(target)} roundId={roundId} target={target} />
        </details>
      )}
    </section>
  );
}
