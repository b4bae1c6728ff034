import { useState } from 'react';
import type { SchoolRow } from '../../../contract/api/schools';
import { call } from '../../shared/api';
import { useSession } from '../session';
import { ErrorMessage, errorText, number, Section, SelectField, TableWrap, useCall } from '../ui/kit';
import { TableHead } from '../../shared/TableHead';

type Filter = 'all' | 'inactive' | 'no-email' | 'admin-email';

const FILTERS: Array<[Filter, string]> = [
  ['all', 'Alle actieve vestigingen'],
  ['no-email', 'Zonder e-mailadres'],
  ['admin-email', 'Adres handmatig ingevoerd'],
  ['inactive', 'Niet meer in de DUO-lijst (inactief)'],
];

const PAGE = 50;

/** The schools as imported, searchable; admins correct an address here. */
export function SchoolsPage() {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<Filter>('all');
  const [limit, setLimit] = useState(PAGE);
  const list = useCall('GET /api/schools', { query: { filter, limit, ...(search ? { q: search } : {}) } });

  return (
    <Section title="Scholen" id="schools-title" level={1}>
      <form
        className="mr-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setLimit(PAGE);
          setSearch(q.trim());
        }}
      >
        <div>
          <label htmlFor="school-search">Zoek op naam, vestigingscode of plaats</label>
          <input id="school-search" type="search" value={q} onChange={(e) => setQ(e.target.value)} maxLength={100} />
        </div>
        <SelectField
          id="school-filter"
          label="Toon"
          value={filter}
          onChange={(value) => {
            setLimit(PAGE);
            setFilter(value as Filter);
          }}
          options={FILTERS}
        />
        <div className="mr-actions">
          <button type="submit">Zoeken</button>
        </div>
      </form>
      <ErrorMessage error={list.error} />
      {list.data && (
        <>
          <p className="mr-muted" role="status">
            {number(list.data.total)} vestigingen gevonden.
          </p>
          <SchoolTable schools={list.data.schools} onChanged={list.reload} />
          {list.data.total > list.data.schools.length && (
            <button className="secondary" onClick={() => setLimit((l) => Math.min(500, l + PAGE * 2))} disabled={limit >= 500}>
              Meer tonen
            </button>
          )}
        </>
      )}
    </Section>
  );
}

function SchoolTable({ schools, onChanged }: { schools: SchoolRow[]; onChanged: () => void }) {
  return (
    <TableWrap label="Vestigingen">
      <table>
        <TableHead columns={['Code', 'Naam', 'Plaats', 'SWV', 'E-mailadres']} />
        <tbody>
          {schools.map((s) => (
            <tr key={s.id}>
              <td>{s.locationCode}</td>
              <td>
                {s.name}
                {!s.active && <span className="mr-badge"> inactief</span>}
              </td>
              <td>{s.city ?? ''}</td>
              <td>{s.swvs.join(', ')}</td>
              <td>
                <EmailCell schoolId={s.id} email={s.email} sourceLabel={s.emailSourceLabel} usable={s.emailUsable} onSaved={onChanged} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** Shows a school's address; an admin can correct it in place. */
export function EmailCell({
  schoolId,
  email,
  sourceLabel,
  usable,
  onSaved,
}: {
  schoolId: number;
  email: string | null;
  sourceLabel?: string | null;
  usable?: boolean;
  onSaved: () => void;
}) {
  const user = useSession();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(email ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!editing) {
    return (
      <span className="mr-inline-form">
        <span>
          {email ?? <span className="mr-muted">geen</span>}
          {email && usable === false && <span className="mr-badge warn"> ongeldig</span>}
          {sourceLabel && <span className="mr-muted"> ({sourceLabel})</span>}
        </span>
        {user.role === 'admin' && (
          <button className="secondary small" onClick={() => setEditing(true)} aria-label={`Adres corrigeren van school ${schoolId}`}>
            Adres corrigeren
          </button>
        )}
      </span>
    );
  }
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await call('PUT /api/schools/:id/email', { params: { id: schoolId }, body: { email: value.trim() === '' ? null : value.trim() } });
      setEditing(false);
      onSaved();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="mr-inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <input type="text" inputMode="email" autoComplete="off" aria-label="Nieuw e-mailadres" value={value} onChange={(e) => setValue(e.target.value)} maxLength={254} autoFocus />
      <button type="submit" className="small" disabled={busy}>
        Opslaan
      </button>
      <button type="button" className="secondary small" onClick={() => setEditing(false)}>
        Annuleren
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}
