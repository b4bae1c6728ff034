import { useCallback, useEffect, useState } from 'react';
import type { OutboxMessageView } from '../../../../contract/api/mailings';
import { ApiError, call, type Reply } from '../../../shared/api';
import { Link } from '../../router';
import { KIND_LABELS, limitsText, OUTBOX_STATUS_LABELS, TARGET_LABELS, type OutboxStatus } from './format';
import { formatDateTime, ZONE_LABEL } from '../../../shared/time';
import { MailView } from './MailPreview';
import { TableHead } from '../../../shared/TableHead';
import { TableWrap } from '../../../shared/TableWrap';

type OutboxData = Reply<'GET /api/mail/outbox'>;

const PAGE = 50;

/** Why a message waits, failed, was retried or taken over: the reason kept on the row. */
function reason(r: { status: OutboxStatus; lastError: string | null; nextAttemptAt: string }): string {
  const retry = r.status === 'pending' && r.lastError ? `Nieuwe poging vanaf ${formatDateTime(r.nextAttemptAt)}. ` : '';
  return `${retry}${r.lastError ?? ''}`;
}

/** Every mail, newest first. Without SMTP_URL this is where mail "arrives". */
export function OutboxPage() {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const [data, setData] = useState<OutboxData | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    const query: { offset: number; limit: number; status?: OutboxStatus } = { offset, limit: PAGE };
    if (status) query.status = status as OutboxStatus;
    call('GET /api/mail/outbox', { query })
      .then(setData)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'Laden is niet gelukt.'));
  }, [status, offset]);
  useEffect(load, [load]);

  return (
    <section className="mr-card" aria-labelledby="outbox-title">
      <h1 id="outbox-title">Outbox</h1>
      {data?.capture && (
        <p role="note">
          Er is geen SMTP-server ingesteld (SMTP_URL). E-mail wordt daarom niet verstuurd maar hier bewaard, precies zoals de school
          hem zou krijgen. Stel SMTP_URL in om echt te versturen.
        </p>
      )}
      <div style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap', alignItems: 'end' }}>
        <div style={{ flex: '0 1 14rem' }}>
          <label htmlFor="outbox-status">Status</label>
          <select id="outbox-status" value={status} onChange={(e) => { setStatus(e.target.value); setOffset(0); }}>
            <option value="">alle</option>
            {(Object.keys(OUTBOX_STATUS_LABELS) as OutboxStatus[]).map((s) => (
              <option key={s} value={s}>{OUTBOX_STATUS_LABELS[s]}</option>
            ))}
          </select>
        </div>
        <button type="button" className="secondary" onClick={load}>Vernieuwen</button>
      </div>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {data && data.planned.length > 0 && (
        <>
          <h2>Gepland</h2>
          <p className="mr-muted">
            Golven die nog moeten beginnen. Wie precies een e-mail krijgt, wordt bepaald op het moment van versturen; daarna gaan ze in het
            tempo van de mailserver ({limitsText(data.limits)}).
          </p>
          <TableWrap label="Tabel: geplande golven">
            <table data-testid="planned-waves">
              <TableHead columns={['Meting', 'Soort', 'Voor wie', `Vanaf (${ZONE_LABEL})`, ['E-mails', 'num']]} />
              <tbody>
                {data.planned.map((w) => (
                  <tr key={w.mailingId}>
                    <td>
                      <Link to={`/mail/rounds/${w.roundId}`}>{w.roundName}</Link>
                    </td>
                    <td>{KIND_LABELS[w.kind]}</td>
                    <td>
                      {TARGET_LABELS[w.target.status]}
                      {w.target.afterDays !== undefined ? `, ${w.target.afterDays} dagen na elke uitnodiging` : ''}
                    </td>
                    <td>{formatDateTime(w.dueAt)}</td>
                    <td className="num">{w.target.afterDays !== undefined ? `tot ${w.count}` : w.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <h2>Berichten</h2>
        </>
      )}
      {data && (
        <>
          <p className="mr-muted">{data.total} {data.total === 1 ? 'bericht' : 'berichten'} in de outbox.</p>
          <div style={{ overflowX: 'auto' }} role="region" aria-label="Tabel: berichten" tabIndex={0}>
            <table>
              <TableHead columns={['Aan', 'Onderwerp', 'Soort', 'Status', `Verstuurd of gepland (${ZONE_LABEL})`, 'Melding']} />
              <tbody>
                {data.rows.map((r) => (
                  <tr key={r.id}>
                    <td style={{ overflowWrap: 'anywhere' }}>{r.to}</td>
                    <td>
                      <Link to={`/mail/outbox/${r.id}`}>{r.subject}</Link>
                    </td>
                    <td>{r.mailingKind ? KIND_LABELS[r.mailingKind] : 'overig'}</td>
                    <td>{OUTBOX_STATUS_LABELS[r.status]}{r.attempts > 1 ? ` (${r.attempts} pogingen)` : ''}</td>
                    <td>{r.sentAt ? formatDateTime(r.sentAt) : r.plannedAt ? `gepland ${formatDateTime(r.plannedAt)}` : '—'}</td>
                    <td style={{ overflowWrap: 'anywhere' }}>{reason(r)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p style={{ display: 'flex', gap: '0.5rem' }}>
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Vorige</button>
            <button type="button" className="secondary" disabled={offset + PAGE >= data.total} onClick={() => setOffset(offset + PAGE)}>Volgende</button>
          </p>
        </>
      )}
    </section>
  );
}

type OutboxMessage = OutboxMessageView;

export function OutboxMessagePage({ params }: { params: Record<string, string> }) {
  const id = Number(params.messageId);
  const [message, setMessage] = useState<OutboxMessage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const load = useCallback(() => {
    call('GET /api/mail/outbox/:messageId', { params: { messageId: id } })
      .then(setMessage)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'Laden is niet gelukt.'));
  }, [id]);
  useEffect(load, [load]);

  async function retry() {
    try {
      await call('POST /api/mail/outbox/:messageId/retry', { params: { messageId: id } });
      setNotice('Het bericht staat weer in de wachtrij.');
      load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Dat is niet gelukt.');
    }
  }

  if (error) return <section className="mr-card"><p className="mr-error" role="alert">{error}</p></section>;
  if (!message) return <section className="mr-card"><p>Bezig met laden…</p></section>;
  return (
    <section className="mr-card">
      <p><Link to="/mail/outbox">← Outbox</Link></p>
      <h1>Bericht</h1>
      <p className="mr-muted">
        {OUTBOX_STATUS_LABELS[message.status]}
        {message.sentAt ? ` op ${formatDateTime(message.sentAt)}` : ''}
        {message.liveLinks ? '' : ' · de persoonlijke links zijn hier verborgen'}
      </p>
      {(message.attempts > 1 || message.lastError) && (
        <p>
          {message.attempts} {message.attempts === 1 ? 'poging' : 'pogingen'}. {reason(message)}
          {message.smtpResponse && message.status !== 'sent' ? ` Antwoord van de mailserver: ${message.smtpResponse}` : ''}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      {message.status === 'failed' && (
        <p><button type="button" onClick={retry}>Opnieuw versturen</button></p>
      )}
      <MailView subject={message.subject} text={message.text} html={message.html} from={message.from} to={message.to} />
      {Object.keys(message.headers).length > 0 && (
        <details style={{ marginTop: '0.75rem' }}>
          <summary>Extra kopregels</summary>
          <pre style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {Object.entries(message.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}
          </pre>
        </details>
      )}
    </section>
  );
}
