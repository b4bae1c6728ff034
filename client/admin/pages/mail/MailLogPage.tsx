import { useEffect, useState } from 'react';
import type { MessageLog } from '../../../../contract/api/mailings';
import { ApiError, call } from '../../../shared/api';
import { Link } from '../../router';
import { KIND_LABELS, OUTBOX_STATUS_LABELS, type MailingKind, type OutboxStatus } from './format';
import { formatDateTime } from '../../../shared/time';
import { TableHead } from '../../../shared/TableHead';

const EVENT_LABELS: Record<string, string> = {
  queued: 'in de wachtrij gezet',
  sent: 'verstuurd',
  failed: 'mislukt',
  bounced: 'onbestelbaar',
  skipped: 'niet verstuurd',
  retrying: 'tijdelijk mislukt, wordt opnieuw geprobeerd',
  opened: 'link geopend',
  started: 'begonnen met de vragenlijst',
  completed: 'vragenlijst afgerond',
  refused: 'toestemming geweigerd',
  'opted-out': 'afgemeld voor e-mail',
  'invitation-bounced': 'adres gemarkeerd als onbestelbaar',
};

/** What was sent to one school when, and what happened with it. */
export function MailLogPage({ params }: { params: Record<string, string> }) {
  const [log, setLog] = useState<MessageLog | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('GET /api/mail/invitations/:invitationId/log', { params: { invitationId: Number(params.invitationId) } })
      .then(setLog)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'Laden is niet gelukt.'));
  }, [params.invitationId]);

  if (error) return <section className="mr-card"><p className="mr-error" role="alert">{error}</p></section>;
  if (!log) return <section className="mr-card"><p>Bezig met laden…</p></section>;
  return (
    <>
      <section className="mr-card">
        <p><Link to={`/mail/rounds/${log.invitation.roundId}`}>← Terug naar de meting</Link></p>
        <h1>Berichtenlog: {log.invitation.schoolName}</h1>
        <p className="mr-muted">
          {log.invitation.locationCode}
          {log.invitation.hasAddress ? '' : ' · geen e-mailadres'}
        </p>
        <h2>Tijdlijn</h2>
        {log.events.length === 0 ? (
          <p>Nog niets gebeurd.</p>
        ) : (
          <ol style={{ paddingLeft: '1.25rem' }} data-testid="mail-log-events">
            {log.events.map((e, i) => (
              <li key={i}>
                <strong>{formatDateTime(e.at)}</strong> — {e.mailingKind ? `${KIND_LABELS[e.mailingKind]}: ` : ''}
                {EVENT_LABELS[e.kind] ?? e.kind}
                {e.detail ? <span className="mr-muted"> ({e.detail})</span> : null}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section className="mr-card" style={{ marginTop: '1rem' }}>
        <h2>Berichten</h2>
        <div style={{ overflowX: 'auto' }} role="region" aria-label="Tabel: berichten" tabIndex={0}>
          <table>
            <TableHead columns={['Soort', 'Onderwerp', 'Status', ['Pogingen', 'num'], 'Verstuurd', 'Laatste antwoord']} />
            <tbody>
              {log.messages.map((m) => (
                <tr key={m.id}>
                  <td>{m.mailingKind ? KIND_LABELS[m.mailingKind] : 'overig'}</td>
                  <td>
                    <Link to={`/mail/outbox/${m.id}`}>{m.subject}</Link>
                  </td>
                  <td>
                    {OUTBOX_STATUS_LABELS[m.status]}
                    {m.status === 'pending' && m.attempts > 0 ? `, volgende poging ${formatDateTime(m.nextAttemptAt)}` : ''}
                  </td>
                  <td className="num">{m.attempts}</td>
                  <td>{formatDateTime(m.sentAt)}</td>
                  <td className="mr-muted" style={{ overflowWrap: 'anywhere' }}>{m.lastError ?? m.smtpResponse ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
