import { TRACKING_ROUND_STATUS_LABELS } from '../../../contract/vocabulary';
import '../../shared/tracking/tracking.css';
import { useEffect, useState } from 'react';
import { ApiError, call } from '../../shared/api';
import { formatCount, formatRate } from '../../shared/tracking/format';
import { formatCloseMoment, formatDate } from '../../shared/time';
import { Link } from '../router';
import type { RoundListItem } from '../../../contract/api/tracking';

const STATUS = TRACKING_ROUND_STATUS_LABELS;

/** The rounds to follow, with their headline figures. */
export function TrackingRoundsPage() {
  const [rounds, setRounds] = useState<RoundListItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('GET /api/tracking/rounds')
      .then((r) => setRounds(r.rounds))
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : 'Er ging iets mis.'));
  }, []);

  return (
    <section className="mr-card">
      <h1>Respons volgen</h1>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {!rounds && !error && <p>Bezig met laden…</p>}
      {rounds && rounds.length === 0 && <p className="mr-muted">Er zijn nog geen metingen.</p>}
      {rounds && rounds.length > 0 && (
        <ul className="mr-round-list">
          {rounds.map((r) => (
            <li key={r.id}>
              <Link to={`/respons/${r.id}`}>
                <strong>{r.studyName}: {r.name}</strong>
              </Link>
              <span className="mr-muted">
                {' '}
                · {STATUS[r.status]} · {formatDate(r.opensAt)} tot {formatCloseMoment(r.closesAt)}
              </span>
              <div>
                {formatCount(r.completed)} van {formatCount(r.invited)} ingevuld ({formatRate(r.responseRate)})
                {r.target === null ? ' · geen doel ingesteld' : ` · doel ${formatCount(r.target)}`}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
