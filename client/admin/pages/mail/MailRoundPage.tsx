import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { InvitationMailRow } from '../../../../contract/api/mailings';
import { ApiError, call, type Reply } from '../../../shared/api';
import { Link } from '../../router';
import { OUTBOX_STATUS_LABELS } from './format';
import { formatDateTime } from '../../../shared/time';
import { TemplatesSection } from './TemplatesSection';
import { WavesSection } from './WavesSection';
import { TableHead } from '../../../shared/TableHead';

type RoundMail = Reply<'GET /api/mail/rounds/:roundId/mailings'>;

/** One round's mail: its waves, its templates and the mail state of each school. */
export function MailRoundPage({ params }: { params: Record<string, string> }) {
  const roundId = Number(params.roundId);
  const [data, setData] = useState<RoundMail | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    call('GET /api/mail/rounds/:roundId/mailings', { params: { roundId } })
      .then(setData)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'Laden is niet gelukt.'));
  }, [roundId]);
  useEffect(load, [load]);

  if (error) return <section className="mr-card"><p className="mr-error" role="alert">{error}</p></section>;
  if (!data) return <section className="mr-card"><p>Bezig met laden…</p></section>;
  return (
    <>
      <section className="mr-card">
        <p><Link to="/mail">← E-mail</Link></p>
        <h1>E-mail voor {data.round.name}</h1>
        <p className="mr-muted">
          {data.round.studyName} · open van {formatDateTime(data.round.opensAt)} tot {formatDateTime(data.round.closesAt)}
        </p>
      </section>
      <WavesSection roundId={roundId} mailings={data.mailings} swvs={data.swvs} onChange={load} />
      <TemplatesSection roundId={roundId} />
      <SchoolsSection roundId={roundId} />
    </>
  );
}

const INVITATION_STATUS: Record<string, string> = {
  pending: 'nog niet uitgenodigd',
  invited: 'uitgenodigd',
  opened: 'link geopend',
  refused: 'geweigerd',
  started: 'begonnen',
  completed: 'afgerond',
};

function SchoolsSection({ roundId }: { roundId: number }) {
  const [search, setSearch] = useState('');
  const [problem, setProblem] = useState('');
  const [result, setResult] = useState<{ total: number; rows: InvitationMailRow[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    (q: string, p: string) => {
      const query: { limit: number; search?: string; problem?: 'bounced' | 'opted-out' | 'failed' } = { limit: 50 };
      if (q.trim()) query.search = q.trim();
      if (p) query.problem = p as NonNullable<typeof query.problem>;
      call('GET /api/mail/rounds/:roundId/invitations', { params: { roundId }, query })
        .then(setResult)
        .catch((e) => setError(e instanceof ApiError ? e.message : 'Laden is niet gelukt.'));
    },
    [roundId],
  );
  useEffect(() => load('', ''), [load]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    load(search, problem);
  };

  return (
    <section className="mr-card" aria-labelledby="schools-heading" style={{ marginTop: '1rem' }}>
      <h2 id="schools-heading">Berichtenlog per school</h2>
      <form onSubmit={submit} style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap', alignItems: 'end' }}>
        <div style={{ flex: '1 1 12rem' }}>
          <label htmlFor="school-search">School of vestigingscode</label>
          <input id="school-search" value={search} maxLength={100} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div style={{ flex: '0 1 12rem' }}>
          <label htmlFor="school-problem">Alleen</label>
          <select id="school-problem" value={problem} onChange={(e) => setProblem(e.target.value)}>
            <option value="">alle scholen</option>
            <option value="bounced">onbestelbaar</option>
            <option value="failed">mislukt</option>
            <option value="opted-out">afgemeld</option>
          </select>
        </div>
        <button type="submit">Zoeken</button>
      </form>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {result && (
        <>
          <p className="mr-muted">{result.total} {result.total === 1 ? 'school' : 'scholen'}{result.total > result.rows.length ? `, de eerste ${result.rows.length} getoond` : ''}.</p>
          <div style={{ overflowX: 'auto' }} role="region" aria-label="Tabel: berichten per school" tabIndex={0}>
            <table>
              <TableHead columns={['School', 'SWV', 'Status', 'Laatste bericht', 'Bijzonderheden']} />
              <tbody>
                {result.rows.map((r) => (
                  <tr key={r.invitationId}>
                    <td>
                      <Link to={`/mail/invitations/${r.invitationId}`}>{r.schoolName}</Link> <span className="mr-muted">{r.locationCode}</span>
                    </td>
                    <td>{r.swvName}</td>
                    <td>{INVITATION_STATUS[r.status] ?? r.status}</td>
                    <td>{r.lastMessageStatus ? `${OUTBOX_STATUS_LABELS[r.lastMessageStatus]} (${r.messages})` : '—'}</td>
                    <td>
                      {[r.bouncedAt ? 'onbestelbaar' : '', r.optedOutAt ? 'afgemeld' : ''].filter(Boolean).join(', ') || '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
