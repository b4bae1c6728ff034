import { useEffect, useState } from 'react';
import type { MailRoundRow } from '../../../../contract/api/mailings';
import { ApiError, call } from '../../../shared/api';
import { Link } from '../../router';
import { TableHead } from '../../../shared/TableHead';

const ROUND_STATUS: Record<string, string> = { draft: 'concept', open: 'open', closed: 'gesloten' };

/** Entry of the mail area: the rounds, each with its waves, templates and message logs. */
export function MailRoundsPage() {
  const [rounds, setRounds] = useState<MailRoundRow[] | null>(null);
  const [capture, setCapture] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call('GET /api/mail/rounds')
      .then((r) => setRounds(r.rounds))
      .catch((e) => setError(e instanceof ApiError ? e.message : 'Laden is niet gelukt.'));
    call('GET /api/mail/settings')
      .then((s) => setCapture(s.capture))
      .catch(() => {});
  }, []);

  return (
    <section className="mr-card">
      <h1>E-mail</h1>
      {capture && (
        <p role="note">
          Er is geen SMTP-server ingesteld (SMTP_URL): e-mail wordt niet echt verstuurd maar bewaard in de{' '}
          <Link to="/mail/outbox">outbox</Link>.
        </p>
      )}
      <p className="mr-muted">
        Kies een meting om golven te plannen, sjablonen te bewerken of het berichtenlog van een school te bekijken. Alle
        berichten staan in de <Link to="/mail/outbox">outbox</Link>.
      </p>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {rounds === null && !error && <p>Bezig met laden…</p>}
      {rounds && rounds.length === 0 && <p>Er zijn nog geen metingen.</p>}
      {rounds && rounds.length > 0 && (
        <div style={{ overflowX: 'auto' }} role="region" aria-label="Tabel: metingen" tabIndex={0}>
          <table>
            <TableHead columns={['Meting', 'Onderzoek', 'Status', ['Uitnodigingen', 'num'], ['Golven', 'num']]} />
            <tbody>
              {rounds.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/mail/rounds/${r.id}`}>{r.name}</Link>
                  </td>
                  <td>{r.studyName}</td>
                  <td>{ROUND_STATUS[r.status] ?? r.status}</td>
                  <td className="num">{r.invitations}</td>
                  <td className="num">{r.mailings}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
