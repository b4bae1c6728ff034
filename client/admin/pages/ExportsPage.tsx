import { useEffect, useState } from 'react';
import { api, ApiError } from '../../shared/api';
import { Link } from '../router';
import { useSession } from '../session';

interface RoundRow {
  id: number;
  name: string;
  status: string;
  study: string;
  completed: number;
  partial: number;
  hasQuestionnaire: boolean;
}

interface ExportsIndex {
  rounds: RoundRow[];
  formats: Array<{ id: string; label: string }>;
}

const SITUATIONS: Array<[string, string]> = [
  ['', 'Alle situaties'],
  ['po-ko', 'Tussen po en kinderopvang'],
  ['po-vo', 'Tussen po en vo'],
  ['po-po', 'Samenwerking binnen po'],
  ['vo-vo', 'Samenwerking binnen vo'],
  ['vso-vo', 'Tussen voortgezet speciaal en regulier onderwijs'],
  ['ow-jh', 'Tussen onderwijs en jeugdhulp'],
];

/** Export of a round's responses for analysis, with the codebook and the report's tables. */
export function ExportsPage() {
  const [index, setIndex] = useState<ExportsIndex | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<ExportsIndex>('GET', '/api/exports/rounds')
      .then(setIndex)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'De metingen konden niet worden geladen.'));
  }, []);

  if (error) return <p className="mr-error" role="alert">{error}</p>;
  if (!index) return <p>Bezig met laden…</p>;
  return (
    <section>
      <h1>Exporteren</h1>
      <p className="mr-muted">
        Exports zijn standaard gepseudonimiseerd: een vast respondentnummer en een schoolcode in plaats van naam, BRIN en adres.
      </p>
      {index.rounds.length === 0 ? (
        <p className="mr-card">Er zijn nog geen metingen.</p>
      ) : (
        index.rounds.map((round) => <RoundExport key={round.id} round={round} formats={index.formats} />)
      )}
    </section>
  );
}

function RoundExport({ round, formats }: { round: RoundRow; formats: ExportsIndex['formats'] }) {
  const [format, setFormat] = useState('sav');
  const [includePartial, setIncludePartial] = useState(false);
  const [identifiers, setIdentifiers] = useState(false);
  const [situation, setSituation] = useState('');
  const base = `/api/exports/rounds/${round.id}`;
  const params = new URLSearchParams({ format });
  if (includePartial) params.set('include', 'all');
  if (identifiers) params.set('identifiers', 'true');
  if (situation) params.set('situation', situation);
  const disabled = !round.hasQuestionnaire;

  return (
    <article className="mr-card mr-export">
      <h2>
        {round.name} <span className="mr-muted">({round.study})</span>
      </h2>
      <p>
        {round.completed} volledig ingevuld · {round.partial} gedeeltelijk
      </p>
      {disabled ? (
        <p className="mr-muted">Aan deze meting is nog geen vragenlijst gekoppeld.</p>
      ) : (
        <>
          <fieldset>
            <legend>Bestandsformaat</legend>
            {formats.map((f) => (
              <label key={f.id} className="mr-inline">
                <input type="radio" name={`format-${round.id}`} value={f.id} checked={format === f.id} onChange={() => setFormat(f.id)} /> {f.label}
              </label>
            ))}
          </fieldset>
          <label className="mr-inline">
            <input type="checkbox" checked={includePartial} onChange={(e) => setIncludePartial(e.target.checked)} /> Ook gedeeltelijk
            ingevulde vragenlijsten (gemarkeerd met status 2)
          </label>
          <label className="mr-inline">
            <input type="checkbox" checked={identifiers} onChange={(e) => setIdentifiers(e.target.checked)} /> Met schoolnaam, BRIN en
            adres
          </label>
          {identifiers && (
            <p className="mr-warning" role="note">
              Een export met identificerende gegevens bevat persoonsgegevens in de zin van de AVG. Het downloaden wordt vastgelegd in het
              logboek. Bewaar het bestand alleen op een beveiligde plek.
            </p>
          )}
          <label htmlFor={`situation-${round.id}`}>Samenwerkingssituatie</label>
          <select id={`situation-${round.id}`} value={situation} onChange={(e) => setSituation(e.target.value)}>
            {SITUATIONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <p className="mr-actions">
            <a className="mr-button" href={`${base}/responses?${params}`} download>
              Download export
            </a>
            <a href={`${base}/codebook${situation ? `?situation=${situation}` : ''}`} target="_blank" rel="noopener">
              Codeboek bekijken
            </a>
            <a href={`${base}/codebook?format=csv`} download>
              Codeboek (CSV)
            </a>
            <Link to={`/exports/${round.id}`}>Tabellen bekijken</Link>
          </p>
        </>
      )}
    </article>
  );
}

interface ReportTable {
  id: string;
  title: string;
  note?: string;
  head: string[];
  rows: Array<{ label: string; cells: Array<number | string | null>; total?: boolean }>;
}

const number = new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1 });

/** The round's standard tables as the report lays them out. */
export function ReportTablesPage({ params }: { params: Record<string, string> }) {
  const [report, setReport] = useState<{ round: { name: string }; completed: number; tables: ReportTable[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useSession();
  useEffect(() => {
    api<{ round: { name: string }; completed: number; tables: ReportTable[] }>('GET', `/api/exports/rounds/${encodeURIComponent(params.roundId ?? '')}/report`)
      .then(setReport)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'De tabellen konden niet worden geladen.'));
  }, [params.roundId]);

  if (error) return <p className="mr-error" role="alert">{error}</p>;
  if (!report) return <p>Bezig met tellen…</p>;
  return (
    <section className="mr-report">
      <p>
        <Link to="/exports">← Exporteren</Link>
      </p>
      <h1>Tabellen — {report.round.name}</h1>
      <p>
        {report.completed} volledig ingevulde vragenlijsten.{' '}
        <a href={`/api/exports/rounds/${encodeURIComponent(params.roundId ?? '')}/report.xlsx`} download>
          Download als Excel
        </a>
      </p>
      {report.tables.map((table) => (
        <figure key={table.id} className="mr-card mr-table-card">
          <figcaption>
            <strong>{table.title}</strong>
            {table.note && <div className="mr-muted">{table.note}</div>}
          </figcaption>
          <div className="mr-scroll" role="region" aria-label={`Tabel: ${table.title}`} tabIndex={0}>
            <table>
              <thead>
                <tr>
                  {table.head.map((h, i) => (
                    <th key={i} className={i > 0 ? 'num' : undefined} scope="col">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {table.rows.map((row, r) => (
                  <tr key={r} className={row.total ? 'mr-total' : undefined}>
                    <th scope="row">{row.label}</th>
                    {row.cells.map((cell, c) => (
                      <td key={c} className="num">
                        {typeof cell === 'number' ? number.format(cell) : (cell ?? '—')}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </figure>
      ))}
    </section>
  );
}
