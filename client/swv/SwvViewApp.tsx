import { SCHOOL_STATE_LABELS } from '../../contract/vocabulary';
import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'react';
import { baseOptions, ChartCanvas, COLORS } from '../shared/tracking/charts';
import { formatCount, formatRate } from '../shared/tracking/format';
import { formatCalendarDayShort, formatCloseMoment, formatDate } from '../shared/time';
import { liveLabel, useLive } from '../shared/tracking/live';
import type { SchoolState } from '../../contract/vocabulary';
import { call } from '../shared/api';
import { TableHead } from '../shared/TableHead';
import { TableWrap } from '../shared/TableWrap';

/**
 * The SWV view: what an SWV's project leader sees through the read-only link /v/<token>.
 * Its own schools' status, live; no answers, no other SWVs, no account.
 */

const STATE_LABEL = SCHOOL_STATE_LABELS;

function tokenFromPath(): string {
  const match = /^\/v\/([^/?#]+)/.exec(window.location.pathname);
  if (!match) return '';
  try {
    return encodeURIComponent(decodeURIComponent(match[1]!));
  } catch {
    return encodeURIComponent(match[1]!);
  }
}

export function SwvViewApp() {
  const token = tokenFromPath();
  const { data, error, state } = useLive(() => call('GET /api/v/:token', { params: { token: decodeURIComponent(token) } }), `/api/v/${token}/events`);
  const [filter, setFilter] = useState<SchoolState | ''>('');

  const chart = useMemo<ChartConfiguration<'bar' | 'line'> | null>(() => {
    if (!data || data.timeline.days.length === 0) return null;
    const days = data.timeline.days;
    return {
      type: 'line',
      data: {
        labels: days.map((d) => formatCalendarDayShort(d.date)),
        datasets: [
          { label: 'Ingevuld totaal', data: days.map((d) => d.cumulative), borderColor: COLORS.current, backgroundColor: COLORS.current, pointRadius: 0, borderWidth: 3 },
        ],
      },
      options: baseOptions(false),
    };
  }, [data]);

  if (error || state === 'gone') {
    return (
      <main className="mr-narrow">
        <h1>Link werkt niet</h1>
        <p className="mr-error" role="alert">{error ?? 'Deze link is ingetrokken. Vraag de onderzoekers om een nieuwe link.'}</p>
      </main>
    );
  }
  if (!data) {
    return (
      <main className="mr-narrow">
        <p>Bezig met laden…</p>
      </main>
    );
  }
  const schools = filter ? data.schools.filter((s) => s.state === filter) : data.schools;
  return (
    <main className="mr-swv-view">
      <header className="mr-card">
        <p className="mr-muted mr-small">{data.round.studyName}</p>
        <h1>
          Respons {data.swv.name} ({data.swv.code})
        </h1>
        <p className="mr-muted">
          {/^meting\b/i.test(data.round.name) ? data.round.name : `Meting ${data.round.name}`} · {formatDate(data.round.opensAt)} tot {formatCloseMoment(data.round.closesAt)} · {data.swv.situationLabel}
          {data.swv.regionLetter ? ` · regio ${data.swv.regionLetter}` : ''}
        </p>
        <span className={`mr-live mr-live-${state}`} role="status" data-testid="live-state">{liveLabel(state)}</span>
      </header>
      <section className="mr-card" aria-labelledby="totals-title">
        <h2 id="totals-title">Uw scholen</h2>
        <dl className="mr-totals">
          <div><dt>Uitgenodigd</dt><dd data-testid="total-invited">{formatCount(data.totals.invited)}</dd></div>
          <div><dt>Onbestelbaar</dt><dd data-testid="total-bounced">{formatCount(data.totals.bounced)}</dd></div>
          <div><dt>Begonnen</dt><dd>{formatCount(data.totals.started)}</dd></div>
          <div><dt>Ingevuld</dt><dd data-testid="total-completed">{formatCount(data.totals.completed)}</dd></div>
          <div><dt>Respons</dt><dd data-testid="total-rate">{formatRate(data.totals.responseRate)}</dd></div>
        </dl>
        {data.timeline.previous && (
          <p className="mr-muted">
            Vorige meting ({data.timeline.previous.roundName}): {formatCount(data.timeline.previous.completed)} van {formatCount(data.timeline.previous.invited)} ingevuld.
          </p>
        )}
        {chart && <ChartCanvas config={chart} label="Aantal ingevulde vragenlijsten van uw scholen in de tijd" height={240} />}
      </section>
      <section className="mr-card" aria-labelledby="schools-title">
        <h2 id="schools-title">Status per school</h2>
        <p className="mr-muted mr-small">U ziet alleen of een school is uitgenodigd, begonnen of klaar is; nooit de antwoorden.</p>
        <label htmlFor="state-filter">Toon</label>
        <select id="state-filter" value={filter} onChange={(e) => setFilter(e.target.value as SchoolState | '')}>
          <option value="">Alle scholen ({formatCount(data.schools.length)})</option>
          {(Object.keys(STATE_LABEL) as SchoolState[]).map((s) => (
            <option key={s} value={s}>
              {STATE_LABEL[s]} ({formatCount(data.schools.filter((x) => x.state === s).length)})
            </option>
          ))}
        </select>
        <TableWrap label="Tabel: status per school">
          <table className="mr-table" data-testid="schools">
            <TableHead scoped columns={['School', 'Status']} />
            <tbody>
              {schools.map((s) => (
                <tr key={s.locationCode}>
                  <td className="mr-school">
                    {s.name}
                    <span className="mr-muted mr-small">
                      {s.city ? `${s.city} · ` : ''}
                      {s.locationCode}
                    </span>
                  </td>
                  <td>
                    <span className={`mr-state mr-state-${s.state}`}>{STATE_LABEL[s.state]}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </section>
    </main>
  );
}
