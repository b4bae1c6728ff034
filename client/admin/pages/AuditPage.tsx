import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, call, type Reply } from '../../shared/api';
import { formatDateTime } from '../../shared/time';
import { TableHead } from '../../shared/TableHead';

type AuditPage = Reply<'GET /api/audit'>;

interface Filter {
  action: string;
  actor: string;
  target: string;
  from: string;
  to: string;
}

/** Dutch names of the actions this area logs; other areas' actions show their code. */
const ACTION_LABELS: Record<string, string> = {
  'auth.login': 'Ingelogd',
  'user.setup_first_admin': 'Eerste beheerder aangemaakt',
  'user.invited': 'Gebruiker uitgenodigd',
  'user.invite_sent': 'Nieuwe link gestuurd',
  'user.password_set': 'Wachtwoord ingesteld',
  'user.disabled': 'Gebruiker uitgeschakeld',
  'user.enabled': 'Gebruiker ingeschakeld',
  'user.role_changed': 'Rol gewijzigd',
  'privacy.school_erased': 'Gegevens van een school verwijderd',
  'privacy.retention_set': 'Bewaardatum ingesteld',
  'privacy.round_purged': 'Contactgegevens na bewaartermijn verwijderd',
};

const actionLabel = (action: string) => ACTION_LABELS[action] ?? action;
const EMPTY: Filter = { action: '', actor: '', target: '', from: '', to: '' };

function describeDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

/** The audit log: who did what, when. Read-only; admins only. */
export function AuditPage() {
  const [draft, setDraft] = useState<Filter>(EMPTY);
  const [filter, setFilter] = useState<Filter>(EMPTY);
  const [page, setPage] = useState(1);
  const [data, setData] = useState<AuditPage | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const query: Partial<Filter> & { page: number } = { page };
    for (const [key, value] of Object.entries(filter) as Array<[keyof Filter, string]>) if (value.trim()) query[key] = value.trim();
    setError(null);
    call('GET /api/audit', { query })
      .then(setData)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'Het logboek kon niet worden geladen.'));
  }, [filter, page]);

  function apply(event: FormEvent) {
    event.preventDefault();
    setPage(1);
    setFilter(draft);
  }

  const pages = data ? Math.max(1, Math.ceil(data.total / data.pageSize)) : 1;
  const set = (key: keyof Filter) => (e: { target: { value: string } }) => setDraft({ ...draft, [key]: e.target.value });

  return (
    <>
      <section className="mr-card">
        <h1>Logboek</h1>
        <p className="mr-muted">Wie deed wat, en wanneer. Het logboek kan niet worden gewijzigd.</p>
        <form onSubmit={apply} className="mr-filters" aria-label="Filter het logboek">
          <div>
            <label htmlFor="audit-action">Actie</label>
            <select id="audit-action" value={draft.action} onChange={set('action')}>
              <option value="">Alle acties</option>
              {data?.actions.map((action) => (
                <option key={action} value={action}>{actionLabel(action)}</option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="audit-actor">Wie</label>
            <input id="audit-actor" value={draft.actor} onChange={set('actor')} maxLength={254} placeholder="e-mailadres of deel daarvan" />
          </div>
          <div>
            <label htmlFor="audit-target">Waarop</label>
            <input id="audit-target" value={draft.target} onChange={set('target')} maxLength={200} placeholder="bijv. user:3 of round:2" />
          </div>
          <div>
            <label htmlFor="audit-from">Van</label>
            <input id="audit-from" type="date" value={draft.from} onChange={set('from')} />
          </div>
          <div>
            <label htmlFor="audit-to">Tot en met</label>
            <input id="audit-to" type="date" value={draft.to} onChange={set('to')} />
          </div>
          <p className="mr-actions">
            <button type="submit">Filteren</button>
            <button type="button" className="secondary" onClick={() => { setDraft(EMPTY); setFilter(EMPTY); setPage(1); }}>
              Wissen
            </button>
          </p>
        </form>
      </section>

      {error && <p className="mr-error" role="alert">{error}</p>}
      {data && (
        <section className="mr-card">
          <p role="status">
            {data.total === 0 ? 'Geen regels gevonden.' : `${data.total} regels · pagina ${data.page} van ${pages}`}
          </p>
          {data.entries.length > 0 && (
            <table className="mr-stack">
              <TableHead columns={['Wanneer', 'Wie', 'Actie', 'Waarop', 'Details']} />
              <tbody>
                {data.entries.map((entry) => (
                  <tr key={entry.id}>
                    <td data-label="Wanneer">{formatDateTime(entry.at)}</td>
                    <td data-label="Wie" className="mr-break">{entry.actor ?? '—'}</td>
                    <td data-label="Actie" title={entry.action}>{actionLabel(entry.action)}</td>
                    <td data-label="Waarop">{entry.target ?? '—'}</td>
                    <td data-label="Details" className="mr-break">{describeDetails(entry.details) || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p className="mr-actions">
            <button className="secondary" disabled={page <= 1} onClick={() => setPage(page - 1)}>Vorige</button>
            <button className="secondary" disabled={page >= pages} onClick={() => setPage(page + 1)}>Volgende</button>
          </p>
        </section>
      )}
    </>
  );
}
