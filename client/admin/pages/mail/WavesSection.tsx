import { useState, type FormEvent } from 'react';
import type { Estimate, MailingView } from '../../../../contract/api/mailings';
import type { SchoolKind, Situation } from '../../../../contract/vocabulary';
import { ApiError, call, type Reply } from '../../../shared/api';
import {
  describeTarget,
  KIND_LABELS,
  limitsText,
  MAILING_STATUS_LABELS,
  SECTORS,
  SITUATION_LABELS,
  TARGET_LABELS,
  type MailingKind,
  type Target,
  type TargetStatus,
} from './format';
import { formatDateTime, fromDateTimeInput as fromLocalInput, ZONE_LABEL, toDateTimeInput as toLocalInput } from '../../../shared/time';

export type MailingRow = MailingView;
export type RoundSwv = Reply<'GET /api/mail/rounds/:roundId/mailings'>['swvs'][number];

function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const details = Array.isArray(e.details) ? (e.details as Array<{ problem?: string }>).map((d) => d.problem).filter(Boolean) : [];
    return [e.message, ...details].join(' ');
  }
  return 'Er ging iets mis.';
}

/** The waves of a round: what is planned and sent, and a form to plan another. */
export function WavesSection({ roundId, mailings, swvs, onChange }: { roundId: number; mailings: MailingRow[]; swvs: RoundSwv[]; onChange: () => void }) {
  const swvNames = new Map(swvs.map((s) => [s.id, `${s.code} ${s.name}`]));
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="mr-card" aria-labelledby="waves-heading" style={{ marginTop: '1rem' }}>
      <h2 id="waves-heading">Golven</h2>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {mailings.length === 0 ? (
        <p className="mr-muted">Nog geen golven. Het openen van de meting plant de uitnodiging en de herinnering.</p>
      ) : (
        <div style={{ overflowX: 'auto' }} role="region" aria-label="Tabel: golven" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th>Soort</th>
                <th>Voor wie</th>
                <th>Wanneer ({ZONE_LABEL})</th>
                <th>Status</th>
                <th className="num">Verstuurd</th>
                <th className="num">Wacht</th>
                <th className="num">Onbestelbaar</th>
                <th className="num">Mislukt</th>
                <th><span className="mr-sr-only">Acties</span></th>
              </tr>
            </thead>
            <tbody>
              {mailings.map((m) => (
                <WaveRow key={m.id} mailing={m} swvNames={swvNames} onChange={onChange} onError={setError} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NewWave roundId={roundId} swvs={swvs} onCreated={onChange} />
    </section>
  );
}

function WaveRow({ mailing: m, swvNames, onChange, onError }: { mailing: MailingRow; swvNames: Map<number, string>; onChange: () => void; onError: (e: string | null) => void }) {
  const [editing, setEditing] = useState(false);
  const [due, setDue] = useState(() => toLocalInput(new Date(m.dueAt)));
  const [days, setDays] = useState(String(m.target.afterDays ?? 14));
  const policy = m.target.afterDays !== undefined;
  const open = m.status === 'scheduled' || (policy && m.status === 'sending');

  async function move(event: FormEvent) {
    event.preventDefault();
    onError(null);
    try {
      if (policy) await call('PATCH /api/mail/mailings/:mailingId', { params: { mailingId: m.id }, body: { afterDays: Number(days) } });
      else {
        const dueAt = fromLocalInput(due);
        if (!dueAt) return onError('Vul een geldig tijdstip in.');
        await call('PATCH /api/mail/mailings/:mailingId', { params: { mailingId: m.id }, body: { dueAt } });
      }
      setEditing(false);
      onChange();
    } catch (e) {
      onError(errorText(e));
    }
  }

  async function cancel() {
    if (!window.confirm('Deze golf annuleren? Wat nog niet verstuurd is, wordt niet verstuurd.')) return;
    onError(null);
    try {
      await call('POST /api/mail/mailings/:mailingId/cancel', { params: { mailingId: m.id } });
      onChange();
    } catch (e) {
      onError(errorText(e));
    }
  }

  return (
    <tr>
      <td>{KIND_LABELS[m.kind]}</td>
      <td>{describeTarget(m.target, swvNames)}</td>
      <td>
        {policy ? `${m.target.afterDays} dagen na elke uitnodiging (vanaf ${formatDateTime(m.dueAt)})` : formatDateTime(m.dueAt)}
        {editing && (
          <form onSubmit={move} style={{ display: 'flex', gap: '0.5rem', marginTop: '0.5rem', flexWrap: 'wrap' }}>
            {policy ? (
              <label style={{ margin: 0 }}>
                Dagen na de uitnodiging
                <input type="number" min={1} max={365} value={days} onChange={(e) => setDays(e.target.value)} required />
              </label>
            ) : (
              <label style={{ margin: 0 }}>
                Nieuw tijdstip ({ZONE_LABEL})
                <input type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} required />
              </label>
            )}
            <button type="submit">Opslaan</button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Terug
            </button>
          </form>
        )}
      </td>
      <td>{MAILING_STATUS_LABELS[m.status]}</td>
      <td className="num">{m.counts.sent}</td>
      <td className="num">{m.counts.pending + m.counts.sending}</td>
      <td className="num">{m.counts.bounced}</td>
      <td className="num">{m.counts.failed}</td>
      <td>
        {open && !editing && (
          <span style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap' }}>
            {(m.status === 'scheduled' || policy) && (
              <button type="button" className="secondary" onClick={() => setEditing(true)}>
                Verplaatsen
              </button>
            )}
            <button type="button" className="secondary" onClick={cancel}>
              Annuleren
            </button>
          </span>
        )}
      </td>
    </tr>
  );
}

function NewWave({ roundId, swvs, onCreated }: { roundId: number; swvs: RoundSwv[]; onCreated: () => void }) {
  const [kind, setKind] = useState<MailingKind>('reminder');
  const [status, setStatus] = useState<TargetStatus>('not-completed');
  const [swvIds, setSwvIds] = useState<number[]>([]);
  const [situations, setSituations] = useState<Situation[]>([]);
  const [sectors, setSectors] = useState<SchoolKind[]>([]);
  // No silent default moment: "nu" unless the admin picks one.
  const [when, setWhen] = useState<'now' | 'at'>('now');
  const [due, setDue] = useState(() => toLocalInput(new Date()));
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const situationsInRound = [...new Set(swvs.map((s) => s.situation).filter((s): s is Situation => s !== null))];

  const body = () => {
    const dueAt = when === 'now' ? new Date().toISOString() : fromLocalInput(due);
    if (!dueAt) throw new Error('Vul een geldig tijdstip in.');
    const target: Target = { status };
    if (swvIds.length) target.swvIds = swvIds;
    if (situations.length) target.situations = situations;
    if (sectors.length) target.sectors = sectors;
    return { kind, target, dueAt };
  };
  const changed = () => setEstimate(null);
  const toggle = <T,>(list: T[], value: T, set: (v: T[]) => void) => {
    set(list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
    changed();
  };

  async function calculate() {
    setError(null);
    setBusy(true);
    try {
      setEstimate(await call('POST /api/mail/rounds/:roundId/estimate', { params: { roundId }, body: body() }));
    } catch (e) {
      setError(e instanceof Error && !(e instanceof ApiError) ? e.message : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function schedule(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await call('POST /api/mail/rounds/:roundId/mailings', { params: { roundId }, body: body() });
      setEstimate(null);
      onCreated();
    } catch (e) {
      setError(e instanceof Error && !(e instanceof ApiError) ? e.message : errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={schedule} aria-labelledby="new-wave-heading" style={{ marginTop: '1.25rem' }}>
      <h3 id="new-wave-heading">Nieuwe golf plannen</h3>
      <label htmlFor="wave-kind">Soort</label>
      <select id="wave-kind" value={kind} onChange={(e) => { setKind(e.target.value as MailingKind); changed(); }}>
        <option value="reminder">Herinnering</option>
        <option value="invitation">Uitnodiging</option>
      </select>
      <label htmlFor="wave-status">Voor wie</label>
      <select id="wave-status" value={status} onChange={(e) => { setStatus(e.target.value as TargetStatus); changed(); }}>
        {(Object.keys(TARGET_LABELS) as TargetStatus[]).map((s) => (
          <option key={s} value={s}>{TARGET_LABELS[s]}</option>
        ))}
      </select>
      {swvs.length > 1 && (
        <fieldset style={{ marginTop: '0.75rem' }}>
          <legend>Alleen deze samenwerkingsverbanden (leeg: alle)</legend>
          {swvs.map((s) => (
            <label key={s.id} style={{ fontWeight: 400, margin: 0 }}>
              <input type="checkbox" style={{ width: 'auto', marginRight: '0.4rem' }} checked={swvIds.includes(s.id)} onChange={() => toggle(swvIds, s.id, setSwvIds)} />
              {s.code} {s.name}
            </label>
          ))}
        </fieldset>
      )}
      {situationsInRound.length > 1 && (
        <fieldset style={{ marginTop: '0.75rem' }}>
          <legend>Alleen deze situaties (leeg: alle)</legend>
          {situationsInRound.map((s) => (
            <label key={s} style={{ fontWeight: 400, margin: 0 }}>
              <input type="checkbox" style={{ width: 'auto', marginRight: '0.4rem' }} checked={situations.includes(s)} onChange={() => toggle(situations, s, setSituations)} />
              {SITUATION_LABELS[s] ?? s}
            </label>
          ))}
        </fieldset>
      )}
      <fieldset style={{ marginTop: '0.75rem' }}>
        <legend>Alleen deze sectoren (leeg: alle)</legend>
        {SECTORS.map((s) => (
          <label key={s} style={{ fontWeight: 400, margin: 0, display: 'inline-block', marginRight: '1rem' }}>
            <input type="checkbox" style={{ width: 'auto', marginRight: '0.4rem' }} checked={sectors.includes(s)} onChange={() => toggle(sectors, s, setSectors)} />
            {s}
          </label>
        ))}
      </fieldset>
      <fieldset style={{ marginTop: '0.75rem' }}>
        <legend>Versturen</legend>
        <label className="mr-radio">
          <input type="radio" name="wave-when" checked={when === 'now'} onChange={() => { setWhen('now'); changed(); }} /> Nu
        </label>
        <label className="mr-radio">
          <input type="radio" name="wave-when" checked={when === 'at'} onChange={() => { setWhen('at'); changed(); }} /> Vanaf een moment
        </label>
        {when === 'at' && (
          <>
            <label htmlFor="wave-due">Versturen vanaf ({ZONE_LABEL})</label>
            <input id="wave-due" type="datetime-local" value={due} onChange={(e) => { setDue(e.target.value); changed(); }} required />
          </>
        )}
      </fieldset>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {estimate && (
        <p role="status" data-testid="wave-estimate">
          Deze golf stuurt {estimate.count} {estimate.count === 1 ? 'e-mail' : 'e-mails'}, vanaf {formatDateTime(estimate.startsAt, { zone: true })}
          {estimate.ahead > 0 ? ` (na ${estimate.ahead} e-mails die eerder aan de beurt zijn)` : ''}. Bij de limieten van de
          mailserver ({limitsText(estimate.limits)}) is de laatste verstuurd rond {formatDateTime(estimate.finishesAt)}. Wie
          precies een e-mail krijgt, wordt bepaald op het moment van versturen.
        </p>
      )}
      <p style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap' }}>
        <button type="button" className="secondary" onClick={calculate} disabled={busy}>
          Aantal en duur berekenen
        </button>
        <button type="submit" disabled={busy || !estimate}>
          Golf inplannen
        </button>
      </p>
    </form>
  );
}
