import { TRACKING_ROUND_STATUS_LABELS } from '../../../contract/vocabulary';
import '../../shared/tracking/tracking.css';
import { useState } from 'react';
import { formatCloseMoment, formatDate } from '../../shared/time';
import { call } from '../../shared/api';
import { liveLabel, useLive } from '../../shared/tracking/live';
import { Link } from '../router';
import { useSession } from '../session';
import { PreviousRoundCharts, TimelineChart } from '../tracking/Charts';
import { Funnel } from '../tracking/Funnel';
import { RepresentativenessPanel } from '../tracking/RepresentativenessPanel';
import { SectorTable, SituationTable } from '../tracking/ReportTables';
import { SwvLinks } from '../tracking/SwvLinks';
import { SwvTable } from '../tracking/SwvTable';
import { TargetPanel } from '../tracking/TargetPanel';

const STATUS = TRACKING_ROUND_STATUS_LABELS;

/** A round's response, live: it updates itself within a second of any change. */
export function TrackingDashboardPage({ params }: { params: Record<string, string> }) {
  const roundId = Number(params.roundId);
  const user = useSession();
  const [large, setLarge] = useState(false);
  const valid = Number.isSafeInteger(roundId) && roundId > 0;
  const id = valid ? roundId : 0;
  const { data, error, state } = useLive(() => call('GET /api/tracking/rounds/:roundId', { params: { roundId: id } }), `/api/tracking/rounds/${id}/events`);

  if (!valid || error) {
    return (
      <section className="mr-card">
        <h1>Respons</h1>
        <p className="mr-error" role="alert">{valid ? error : 'Deze meting bestaat niet.'}</p>
        <p><Link to="/respons">Terug naar de metingen</Link></p>
      </section>
    );
  }
  if (!data) return <p>Bezig met laden…</p>;

  return (
    <div className={`mr-dashboard${large ? ' mr-large' : ''}`}>
      <header className="mr-card mr-dashboard-head">
        <div>
          <p className="mr-muted mr-small"><Link to="/respons">Metingen</Link> › {data.round.studyName}</p>
          <h1>Respons {data.round.name}</h1>
          <p className="mr-muted">
            {STATUS[data.round.status]} · {formatDate(data.round.opensAt)} tot {formatCloseMoment(data.round.closesAt)}
          </p>
        </div>
        <div className="mr-head-actions">
          <span className={`mr-live mr-live-${state}`} role="status" data-testid="live-state">{liveLabel(state)}</span>
          <button type="button" className="secondary" aria-pressed={large} onClick={() => setLarge((l) => !l)}>
            {large ? 'Normale weergave' : 'Groot scherm'}
          </button>
        </div>
      </header>
      {state === 'gone' && <p className="mr-error" role="alert">Deze meting bestaat niet meer.</p>}
      <Funnel snapshot={data} />
      <TargetPanel roundId={roundId} snapshot={data} isAdmin={user.role === 'admin'} />
      <TimelineChart snapshot={data} large={large} />
      <SwvTable rows={data.swvs} csvUrl={`/api/tracking/rounds/${id}/swvs.csv`} />
      <RepresentativenessPanel roundId={roundId} snapshot={data} isAdmin={user.role === 'admin'} />
      {/* A round without samenwerkingssituaties (an SWV's own monitor) has no Tabel 3. */}
      {data.situations.rows.length > 0 && <SituationTable snapshot={data} />}
      <SectorTable snapshot={data} />
      <PreviousRoundCharts snapshot={data} large={large} />
      {user.role === 'admin' && <SwvLinks roundId={roundId} swvs={data.swvs} />}
    </div>
  );
}
