import { useState, type ReactNode } from 'react';
import { Link } from '../../router';
import { useSession } from '../../session';
import { ErrorMessage, useCall } from '../../ui/kit';
import { formatCloseMoment, formatDateTime } from '../../../shared/time';
import { StatusBadge } from '../RoundsPage';
import { CloseSection } from './CloseSection';
import { CopySection } from './CopySection';
import { OpenSection } from './OpenSection';
import { PreviewSection } from './PreviewSection';
import { Settings } from './Settings';
import { SwvSection } from './SwvSection';

/** One round (meting): settings, SWVs, who will be invited, opening, corrections, copying. */
export function RoundPage({ params }: { params: Record<string, string> }) {
  const user = useSession();
  const id = Number(params.id);
  const round = useCall('GET /api/rounds/:id', Number.isInteger(id) ? { params: { id } } : null);
  const options = useCall('GET /api/rounds/options', {});
  const preview = useCall('GET /api/rounds/:id/preview', Number.isInteger(id) ? { params: { id } } : null);
  const reload = () => {
    round.reload();
    preview.reload();
  };
  // What opening did, kept here: the opening section itself goes away once the round is open.
  const [openedNote, setOpenedNote] = useState<ReactNode>(null);
  const r = round.data;
  if (round.error) return <ErrorMessage error={round.error} />;
  if (!r) return <p>Bezig met laden…</p>;
  const admin = user.role === 'admin';
  const situations = new Map((options.data?.situations ?? []).map((s) => [s.code, s.label]));

  return (
    <>
      <section className="mr-card mr-section">
        <p className="mr-muted">
          <Link to="/rounds">Metingen</Link> › {r.study_name}
        </p>
        <h1>
          {r.name} <StatusBadge status={r.status} />
        </h1>
        <dl className="mr-counts">
          <div>
            <dt>Opent</dt>
            <dd className="text">{r.opens_at ? formatDateTime(r.opens_at, { zone: true }) : 'bij openen'}</dd>
          </div>
          <div>
            <dt>Sluit</dt>
            <dd className="text">{r.closes_at ? formatCloseMoment(r.closes_at) : 'zes weken na openen'}</dd>
          </div>
          <div>
            <dt>Vragenlijst</dt>
            <dd className="text">{r.questionnaire_title ? `${r.questionnaire_title} (${r.questionnaire_version})` : 'nog niet gekozen'}</dd>
          </div>
          <div>
            <dt>Herinnering na</dt>
            <dd className="text">
              {r.reminder_policy.afterDays.length ? `${r.reminder_policy.afterDays.join(' en ')} dagen` : 'geen herinnering'}
            </dd>
          </div>
        </dl>
        {r.previous_round_id && (
          <p>
            Vorige meting: <Link to={`/rounds/${r.previous_round_id}`}>{r.previous_round_name}</Link>
          </p>
        )}
        <p>
          <Link to={`/rounds/${r.id}/personen`}>Meting per persoon: leerlingen, leerkrachten, klassen en toestemming</Link>
        </p>
        {admin && (
          <p>
            <Link to={`/rounds/${r.id}/partners`}>Partners die scholen noemden (sneeuwbalronde)</Link>
          </p>
        )}
        {admin && r.status !== 'closed' && <Settings round={r} options={options.data} onSaved={reload} />}
      </section>

      <SwvSection round={r} admin={admin} situations={situations} options={options.data} onChanged={reload} />
      {preview.data && <PreviewSection round={r} preview={preview.data} admin={admin} situations={situations} onChanged={reload} />}
      <ErrorMessage error={preview.error} />
      {admin && r.status === 'draft' && preview.data && (
        <OpenSection
          round={r}
          preview={preview.data}
          onOpened={(note) => {
            setOpenedNote(note);
            reload();
          }}
        />
      )}
      {openedNote && (
        <section className="mr-card mr-section" aria-label="Meting geopend">
          <p className="mr-ok" role="status">
            {openedNote}
          </p>
        </section>
      )}
      {admin && r.status === 'open' && <CloseSection round={r} onClosed={reload} />}
      {admin && <CopySection round={r} />}
    </>
  );
}
