import { useMemo, useState } from 'react';
import { formatCount, formatRate } from '../../shared/tracking/format';
import { formatDateTime } from '../../shared/time';
import { NO_SITUATION_SHORT, SITUATION_SHORT } from '../../../contract/vocabulary';
import type { SwvRow } from '../../../contract/api/tracking';
import { TableWrap } from '../../shared/TableWrap';

const shortSituation = (r: SwvRow) => (r.situation ? SITUATION_SHORT[r.situation] : NO_SITUATION_SHORT);

type SortKey = 'regionLetter' | 'code' | 'name' | 'situationLabel' | 'sector' | 'invited' | 'completed' | 'responseRate' | 'refused' | 'inProgress' | 'lastActivityAt';

const COLUMNS: Array<{ key: SortKey; label: string; numeric?: boolean }> = [
  { key: 'regionLetter', label: 'Regio' },
  { key: 'code', label: 'Code' },
  { key: 'name', label: 'Naam' },
  { key: 'situationLabel', label: 'Situatie' },
  { key: 'sector', label: 'Sector' },
  { key: 'invited', label: 'Uitgenodigd', numeric: true },
  { key: 'completed', label: 'Ingevuld', numeric: true },
  { key: 'responseRate', label: 'Respons', numeric: true },
  { key: 'refused', label: 'Geweigerd', numeric: true },
  { key: 'inProgress', label: 'Bezig', numeric: true },
  { key: 'lastActivityAt', label: 'Laatste activiteit' },
];

function compare(a: SwvRow, b: SwvRow, key: SortKey): number {
  const x = a[key];
  const y = b[key];
  if (x === y) return 0;
  if (x === null || x === undefined) return 1; // empty values last, either direction
  if (y === null || y === undefined) return -1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x).localeCompare(String(y), 'nl');
}

export function SwvTable({ rows, csvUrl }: { rows: SwvRow[]; csvUrl: string }) {
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'regionLetter', dir: 1 });
  const [query, setQuery] = useState('');
  const [situation, setSituation] = useState('');
  const [sector, setSector] = useState('');

  const situations = useMemo(() => [...new Set(rows.map(shortSituation))], [rows]);
  const shown = useMemo(() => {
    const q = query.trim().toLocaleLowerCase('nl');
    const filtered = rows.filter(
      (r) =>
        (!q || `${r.regionLetter ?? ''} ${r.code} ${r.name}`.toLocaleLowerCase('nl').includes(q)) &&
        (!situation || shortSituation(r) === situation) &&
        (!sector || r.sector === sector),
    );
    return filtered.sort((a, b) => {
      const c = compare(a, b, sort.key);
      const bothPresent = a[sort.key] !== null && b[sort.key] !== null;
      return (bothPresent ? c * sort.dir : c) || a.code.localeCompare(b.code);
    });
  }, [rows, query, situation, sector, sort]);

  return (
    <section className="mr-card" aria-labelledby="swv-table-title">
      <div className="mr-section-head">
        <h2 id="swv-table-title">Respons per samenwerkingsverband</h2>
        <a className="mr-button secondary-link" href={csvUrl} download>
          Exporteren (CSV)
        </a>
      </div>
      <div className="mr-filters">
        <div>
          <label htmlFor="swv-filter">Zoeken</label>
          <input id="swv-filter" type="search" value={query} maxLength={100} placeholder="Regio, code of naam" onChange={(e) => setQuery(e.target.value)} />
        </div>
        <div>
          <label htmlFor="swv-situation">Situatie</label>
          <select id="swv-situation" value={situation} onChange={(e) => setSituation(e.target.value)}>
            <option value="">Alle situaties</option>
            {situations.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="swv-sector">Sector</label>
          <select id="swv-sector" value={sector} onChange={(e) => setSector(e.target.value)}>
            <option value="">Po en vo</option>
            <option value="po">Po</option>
            <option value="vo">Vo</option>
          </select>
        </div>
      </div>
      <TableWrap label="Tabel: respons per samenwerkingsverband">
        <table className="mr-table mr-swv-table" data-testid="swv-table">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  className={c.numeric ? 'num' : undefined}
                  aria-sort={sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}
                  scope="col"
                >
                  <button
                    type="button"
                    className="mr-sort"
                    onClick={() => setSort((s) => ({ key: c.key, dir: s.key === c.key ? (s.dir === 1 ? -1 : 1) : c.numeric ? -1 : 1 }))}
                  >
                    {c.label}
                    <span aria-hidden="true">{sort.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</span>
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.swvId} data-swv={r.code}>
                <td>{r.regionLetter ?? '–'}</td>
                <td>{r.code}</td>
                <td>{r.name}</td>
                <td title={r.situationLabel}>{shortSituation(r)}</td>
                <td>{r.sector.toUpperCase()}</td>
                <td className="num">{formatCount(r.invited)}</td>
                <td className="num" data-testid="swv-completed">{formatCount(r.completed)}</td>
                <td className="num">{formatRate(r.responseRate)}</td>
                <td className="num">{formatCount(r.refused)}</td>
                <td className="num">{formatCount(r.inProgress)}</td>
                <td>{formatDateTime(r.lastActivityAt)}</td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={COLUMNS.length} className="mr-muted">Geen samenwerkingsverbanden gevonden.</td>
              </tr>
            )}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}
