import { useEffect, useState } from 'react';
import { ApiError, call, type Reply } from '../../shared/api';
import { formatDateTime } from '../../shared/time';
import { Link } from '../router';

/**
 * "Berichten": mail that came back from schools. Replies written by people (beside school and
 * round, the school linked to its message log, where the address can be corrected and the
 * invitation sent again); auto-replies, bounces and complaints with what they did.
 */

type Kind = 'reply' | 'auto-reply' | 'bounce' | 'complaint' | 'all';

type InboundMessage = Reply<'GET /api/inbound/messages'>['messages'][number];

const KIND_TABS: Array<[Kind, string]> = [
  ['reply', 'Antwoorden'],
  ['auto-reply', 'Automatische antwoorden'],
  ['bounce', 'Onbestelbaar'],
  ['complaint', 'Spamklachten'],
  ['all', 'Alles'],
];

const KIND_LABELS: Record<InboundMessage['kind'], string> = {
  reply: 'antwoord',
  'auto-reply': 'automatisch antwoord',
  bounce: 'onbestelbaar',
  complaint: 'spamklacht',
  delivered: 'afleverbericht',
};

const EFFECT_LABELS: Record<string, string> = {
  unreachable: 'school gemarkeerd als onbereikbaar',
  'soft-bounce': 'tijdelijk niet bezorgd (geteld)',
  'opted-out': 'school afgemeld voor verdere mail',
  noted: 'genoteerd',
  listed: 'op deze pagina gezet',
  ignored: 'genegeerd',
  unmatched: 'niet te koppelen aan een verstuurde mail',
  'address-changed': 'adres is inmiddels gewijzigd; niets gedaan',
};

export function MessagesPage() {
  const [kind, setKind] = useState<Kind>('reply');
  const [openOnly, setOpenOnly] = useState(false);
  const [data, setData] = useState<Reply<'GET /api/inbound/messages'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    setError(null);
    call('GET /api/inbound/messages', { query: { kind, ...(openOnly ? { open: true } : {}) } })
      .then(setData)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'De berichten konden niet worden geladen.'));
  }, [kind, openOnly, reload]);

  async function toggle(message: InboundMessage) {
    try {
      await call('POST /api/inbound/messages/:id/handled', { params: { id: message.id }, body: { handled: !message.handledAt } });
      setReload((n) => n + 1);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Opslaan is niet gelukt.');
    }
  }

  return (
    <section>
      <h1>Berichten</h1>
      <p>Mail die terugkwam op verstuurde uitnodigingen en herinneringen: antwoorden van scholen, afwezigheidsmeldingen en meldingen dat een adres niet bestaat.</p>
      <div role="tablist" className="mr-tabs">
        {KIND_TABS.map(([k, label]) => (
          <button key={k} type="button" role="tab" aria-selected={kind === k} onClick={() => setKind(k)}>
            {label}
          </button>
        ))}
      </div>
      <label>
        <input type="checkbox" checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} /> Alleen nog niet afgehandeld
      </label>
      {error && <p role="alert">{error}</p>}
      {data && data.messages.length === 0 && <p>Geen berichten.</p>}
      {data && (
        <ul className="mr-messages" data-testid="inbound-messages">
          {data.messages.map((m) => (
            <li key={m.id} data-testid="inbound-message">
              <p>
                <strong>{m.school ? (m.invitationId ? <Link to={`/mail/invitations/${m.invitationId}`}>{m.school.name}</Link> : m.school.name) : 'Onbekende school'}</strong>
                {m.round && <> · {m.round.name}</>} · {formatDateTime(m.receivedAt)} · {KIND_LABELS[m.kind]}
                {m.statusCode && <> ({m.statusCode})</>}
              </p>
              <p>
                {m.fromName ? `${m.fromName} ` : ''}
                {m.from && <>&lt;{m.from}&gt;</>} — {m.subject ?? ''}
              </p>
              {m.text && <pre className="mr-message-text">{m.text}</pre>}
              <p>
                {EFFECT_LABELS[m.effect] ?? m.effect}
                {m.unreachable && ' · adres onbestelbaar: corrigeer het adres bij de school om de uitnodiging opnieuw te sturen'}
                {m.forwarded && ' · doorgestuurd naar de onderzoekers'}
              </p>
              <button type="button" onClick={() => void toggle(m)}>
                {m.handledAt ? 'Markeer als open' : 'Markeer als afgehandeld'}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
