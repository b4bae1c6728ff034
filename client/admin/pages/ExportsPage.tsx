import { useEffect, useState } from 'react';
import type { ExportRound, RoundReport } from '../../../contract/api/exports';
import { SITUATION_LABELS, SITUATIONS } from '../../../contract/vocabulary';
import { ApiError, call, type Reply } from '../../shared/api';
import { Link } from '../router';
import { useSession } from '../session';

type RoundRow = ExportRound;
type ExportsIndex = Reply<'GET /api/exports/rounds'>;

const SITUATION_OPTIONS: Array<[string, string]> = [['', 'Alle situaties'], ...SITUATIONS.map((s): [string, string] => [s, SITUATION_LABELS[s]])];

/** Export of a round's responses for analysis, with the codebook and the report's tables. */
export function ExportsPage() {
  const [index, setIndex] = useState<ExportsIndex | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('GET /api/exports/rounds')
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
            {SITUATION_OPTIONS.map(([value, label]) => (
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

type ReportTable = RoundReport['tables'][number];
type ReportFigure = RoundReport['figures'][number];

/** Draws the server's SVG on a canvas and saves it as PNG (twice the size, for print). */
async function downloadPng(svgUrl: string, fileName: string) {
  const svgText = await (await fetch(svgUrl, { credentials: 'same-origin' })).text();
  // A data: URL (allowed for images by the page's CSP, unlike blob:); a plain SVG keeps the canvas clean.
  const blobUrl = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  {
    const image = new Image();
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('svg'));
      image.src = blobUrl;
    });
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth * 2;
    canvas.height = image.naturalHeight * 2;
    const context = canvas.getContext('2d')!;
    context.scale(2, 2);
    context.drawImage(image, 0, 0);
    const png = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!png) return;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(png);
    link.download = fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  }
}

function FigureCard({ roundId, figure, alpha }: { roundId: string; figure: ReportFigure; alpha: string }) {
  const url = `/api/exports/rounds/${encodeURIComponent(roundId)}/figures/${encodeURIComponent(figure.id)}.svg?alpha=${encodeURIComponent(alpha)}`;
  return (
    <figure className="mr-card mr-table-card" data-testid={`figuur-${figure.id}`}>
      <img src={url} alt={`${figure.title}${figure.note ? ` (${figure.note})` : ''}`} style={{ maxWidth: '100%', height: 'auto' }} />
      <figcaption>
        <a href={`${url}&download=true`} download>
          Download SVG
        </a>{' '}
        · <button type="button" onClick={() => void downloadPng(url, `${figure.id}.png`)}>Download PNG</button>
      </figcaption>
    </figure>
  );
}

/** The round's report: figures and tables as the report lays them out, with the previous measurement beside this one. */
export function ReportTablesPage({ params }: { params: Record<string, string> }) {
  const [report, setReport] = useState<RoundReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [alpha, setAlpha] = useState('0.6');
  const roundId = params.roundId ?? '';
  useSession();
  useEffect(() => {
    const threshold = Number(alpha);
    if (!(threshold >= 0 && threshold <= 1)) return;
    call('GET /api/exports/rounds/:roundId/report', { params: { roundId: Number(roundId) }, query: { alpha: threshold } })
      .then((r) => {
        setReport(r);
        setError(null);
      })
      .catch((e) => setError(e instanceof ApiError ? e.message : 'De tabellen konden niet worden geladen.'));
  }, [roundId, alpha]);

  if (error) return <p className="mr-error" role="alert">{error}</p>;
  if (!report) return <p>Bezig met tellen…</p>;
  const base = `/api/exports/rounds/${encodeURIComponent(roundId)}`;
  const alphaValid = Number(alpha) >= 0 && Number(alpha) <= 1 && alpha.trim() !== '';
  return (
    <section className="mr-report">
      <p>
        <Link to="/exports">← Exporteren</Link>
      </p>
      <h1>Tabellen — {report.round.name}</h1>
      <p>
        {report.completed} volledig ingevulde vragenlijsten
        {report.previousRound ? `, naast ${report.previousRound} waar de vraag vergelijkbaar is` : ''}. Percentages delen door wie de vraag kreeg, de
        optie te zien kreeg en antwoordde; "niet gevraagd" staat apart van "geen antwoord".
      </p>
      <p>
        <a href={`${base}/report.xlsx?alpha=${encodeURIComponent(alpha)}`} download>
          Download als Excel (een blad per tabel)
        </a>{' '}
        ·{' '}
        <a href={`${base}/report.html?alpha=${encodeURIComponent(alpha)}`} target="_blank" rel="noreferrer">
          Afdrukbare versie (PDF via afdrukken)
        </a>
      </p>
      <p>
        <label>
          Drempel voor betrouwbaarheid van schalen (Cronbachs alfa):{' '}
          <input
            type="number"
            min={0}
            max={1}
            step={0.05}
            value={alpha}
            onChange={(e) => setAlpha(e.target.value)}
            aria-invalid={!alphaValid}
            style={{ width: '6rem' }}
          />
        </label>
        {!alphaValid && <span className="mr-error"> Vul een getal tussen 0 en 1 in.</span>}
      </p>
      {report.figures.map((figure) => (
        <FigureCard key={figure.id} roundId={roundId} figure={figure} alpha={alphaValid ? alpha : '0.6'} />
      ))}
      {report.tables.map((table) => (
        <figure key={table.id} className="mr-card mr-table-card" data-testid={`tabel-${table.id}`}>
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
                    {row.display.map((cell, c) => (
                      <td key={c} className="num">
                        {cell}
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
