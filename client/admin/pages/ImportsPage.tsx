import { useState } from 'react';
import type { AcceptedCorrections, ImportReport, ReuseDecision } from '../../../contract/api/schools';
import { call } from '../../shared/api';
import { useSession } from '../session';
import { uploadFile } from '../upload';
import { ErrorMessage, errorText, number, Section, TableWrap, useCall } from '../ui/kit';
import { TableHead } from '../../shared/TableHead';

const ENCODINGS: Record<string, string> = {
  'utf-8': 'UTF-8',
  'utf-8-bom': 'UTF-8 met BOM',
  'utf-16le': 'UTF-16',
  'utf-16be': 'UTF-16',
  'windows-1252': 'Windows-1252 (ANSI)',
};

const ACTIONS: Record<string, string> = {
  added: 'toegevoegd',
  changed: 'gewijzigd',
  deactivated: 'inactief',
  removed: 'koppeling verwijderd',
};

/** Upload a DUO list or an own address list, see what it would change, then import it. */
export function ImportsPage() {
  const { csrfToken } = useSession();
  const types = useCall('GET /api/imports/types', {});
  const [type, setType] = useState('auto');
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const check = async () => {
    if (!file) return setError('Kies eerst een bestand.');
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await uploadFile<ImportReport>(`/api/imports?dryRun=true&type=${encodeURIComponent(type)}`, file, csrfToken));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (decisions: Record<string, ReuseDecision>) => {
    if (!file || !report) return;
    setBusy(true);
    setError(null);
    const pick = (d: ReuseDecision) => Object.keys(decisions).filter((code) => decisions[code] === d).join(',');
    const reuse = Object.keys(decisions).length ? `&sameSchool=${encodeURIComponent(pick('same'))}&newSchool=${encodeURIComponent(pick('new'))}` : '';
    try {
      setReport(await uploadFile<ImportReport>(`/api/imports?dryRun=false&type=${report.type}&fingerprint=${report.fingerprint}${reuse}`, file, csrfToken));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Section title="Adresbestanden inlezen" id="imports-title" level={1}>
        <p className="mr-muted">
          DUO-lijsten van vestigingen (po, vo, sbo/so/vso), de samenwerkingsverbanden en hun scholen, het DUO-bestand ORGANISATIES met
          e-mailadressen, DUO's leerlingaantallen per vestiging (voor de schoolgrootte), of een eigen lijst met vestigingscode en e-mailadres
          (CSV of Excel). Eerst ziet u wat er zou veranderen; pas na
          uw bevestiging wordt het bestand ingelezen.
        </p>
        <div className="mr-form">
          <div>
            <label htmlFor="import-type">Soort bestand</label>
            <select id="import-type" value={type} onChange={(e) => setType(e.target.value)}>
              <option value="auto">Automatisch herkennen</option>
              {(types.data ?? []).map((t) => (
                <option key={t.type} value={t.type}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="import-file">Bestand</label>
            <input
              id="import-file"
              type="file"
              accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setReport(null);
              }}
            />
          </div>
          <div className="mr-actions">
            <button onClick={check} disabled={busy || !file}>
              Controleren
            </button>
            {busy && <span className="mr-muted">Bezig…</span>}
          </div>
        </div>
        <ErrorMessage error={error ?? types.error} />
      </Section>
      {report && <ReportView key={`${report.fingerprint}-${report.applied}`} report={report} busy={busy} onConfirm={confirm} />}
    </>
  );
}

function ReportView({ report, busy, onConfirm }: { report: ImportReport; busy: boolean; onConfirm: (decisions: Record<string, ReuseDecision>) => void }) {
  const [allRejected, setAllRejected] = useState(false);
  const [decisions, setDecisions] = useState<Record<string, ReuseDecision>>(() =>
    Object.fromEntries(report.reuse.filter((r) => r.decision).map((r) => [r.locationCode, r.decision!])),
  );
  const undecided = report.reuse.filter((r) => !decisions[r.locationCode]).length;
  const c = report.counts;
  const rejected = allRejected ? report.rejected : report.rejected.slice(0, 100);
  const changes = report.changes.slice(0, 200);
  const counts: Array<[string, number]> = [
    ['Regels gelezen', c.lines],
    [report.type === 'swv-schools' ? 'Koppelingen erbij' : 'Toegevoegd', c.added],
    ['Gewijzigd', c.changed],
    ['Ongewijzigd', c.unchanged],
  ];
  if (c.deactivated || report.type.endsWith('locations') || report.type === 'swvs' || report.type === 'swv-schools') {
    counts.push([report.type === 'swv-schools' ? 'Koppelingen eraf' : 'Niet meer in de lijst (inactief)', c.deactivated]);
  }
  if (c.kept) counts.push(['Adres behouden (handmatig of eigen lijst)', c.kept]);
  if (c.skipped) counts.push(['Overgeslagen (niet van toepassing)', c.skipped]);
  if (c.emptyInFile) counts.push(['Geen e-mailadres in het bestand', c.emptyInFile]);
  if (c.swvsCreated) counts.push(['Nieuwe samenwerkingsverbanden', c.swvsCreated]);
  if (report.corrections.length) counts.push(['E-mailadres te verbeteren', report.corrections.length]);
  counts.push(['Afgewezen', c.rejected]);

  return (
    <Section title={report.applied ? 'Ingelezen' : 'Controle: dit zou er veranderen'} id="report-title">
      <p>
        <strong>{report.typeLabel}</strong>
        {report.fileName && <> — {report.fileName}</>}
        <br />
        <span className="mr-muted">
          {report.format === 'xlsx'
            ? 'Excel-bestand'
            : `CSV, ${ENCODINGS[report.encoding ?? ''] ?? report.encoding}, scheidingsteken ${report.separator === '\t' ? 'tab' : report.separator}`}
        </span>
      </p>
      <dl className="mr-counts" aria-label="Aantallen">
        {counts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{number(value)}</dd>
          </div>
        ))}
      </dl>
      {report.applied ? (
        <p className="mr-ok" role="status">
          Het bestand is ingelezen.
        </p>
      ) : (
        <div className="mr-confirm">
          <p>
            Er is nog niets veranderd.{' '}
            {c.rejected === 1 && 'De afgewezen regel wordt overgeslagen. '}
            {c.rejected > 1 && `De ${number(c.rejected)} afgewezen regels worden overgeslagen. `}
            {c.deactivated > 0 && report.type !== 'swv-schools' && `${number(c.deactivated)} vestigingen of verbanden die niet meer in de lijst staan, worden inactief (niet verwijderd). `}
            {c.swvsCreated ? `${number(c.swvsCreated)} samenwerkingsverband${c.swvsCreated === 1 ? '' : 'en'} uit dit bestand ${c.swvsCreated === 1 ? 'is' : 'zijn'} nog onbekend en ${c.swvsCreated === 1 ? 'wordt' : 'worden'} aangemaakt met de code en naam uit het bestand. ` : ''}
            {undecided > 0 && `Kies eerst bij ${undecided === 1 ? 'de hergebruikte vestigingscode' : `alle ${undecided} hergebruikte vestigingscodes`} hieronder of het dezelfde school is. `}
          </p>
          <button onClick={() => onConfirm(decisions)} disabled={busy || undecided > 0}>
            Importeren
          </button>
        </div>
      )}

      {report.reuse.length > 0 && (
        <ReuseDecisions report={report} decisions={decisions} onChange={(code, d) => setDecisions({ ...decisions, [code]: d })} disabled={report.applied || busy} />
      )}
      {report.corrections.length > 0 && <Corrections report={report} />}
      {report.emptyAddresses.length > 0 && (
        <details>
          <summary>Geen e-mailadres in het bestand ({number(c.emptyInFile ?? report.emptyAddresses.length)})</summary>
          <p className="mr-muted">
            Voor deze vestigingen staat in het bestand geen adres, ook niet bij hun instelling. Een adres dat ze al hadden, blijft staan. Vul een
            adres in bij Scholen, of lees een eigen lijst in.
          </p>
          <ul>
            {report.emptyAddresses.slice(0, 500).map((e) => (
              <li key={e.locationCode}>
                {e.locationCode} {e.name}
                {e.keepsAddress ? ' (houdt het adres dat ze al had)' : ''}
              </li>
            ))}
          </ul>
        </details>
      )}

      {report.rejected.length > 0 && (
        <>
          <h3>Afgewezen regels</h3>
          <TableWrap label="Afgewezen regels">
            <table className="compact">
              <TableHead columns={[['Regel', 'num'], 'Code', 'Reden']} />
              <tbody>
                {rejected.map((r) => (
                  <tr key={`${r.line}-${r.reason}`}>
                    <td className="num">{r.line}</td>
                    <td>{r.key ?? ''}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {!allRejected && report.rejected.length > rejected.length && (
            <button className="secondary" onClick={() => setAllRejected(true)}>
              Toon alle {number(report.rejected.length)} afgewezen regels
            </button>
          )}
          {report.rejectedNotListed > 0 && <p className="mr-muted">En nog {number(report.rejectedNotListed)} regels, niet getoond.</p>}
        </>
      )}

      {report.warnings.length > 0 && (
        <details>
          <summary>Waarschuwingen ({number(report.warnings.length)})</summary>
          <ul>
            {report.warnings.slice(0, 200).map((w, i) => (
              <li key={i}>
                {w.line ? `Regel ${w.line}: ` : ''}
                {w.message}
              </li>
            ))}
          </ul>
        </details>
      )}

      {changes.length > 0 && (
        <details>
          <summary>Wijzigingen ({number(report.changes.length + report.changesNotListed)})</summary>
          <TableWrap label="Wijzigingen">
            <table className="compact">
              <TableHead columns={['Code', 'Naam', 'Wat']} />
              <tbody>
                {changes.map((ch) => (
                  <tr key={`${ch.key}-${ch.action}`}>
                    <td>{ch.key}</td>
                    <td>{ch.name ?? ''}</td>
                    <td>
                      {ACTIONS[ch.action]}
                      {ch.fields?.length ? `: ${ch.fields.join(', ')}` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {report.changes.length + report.changesNotListed > changes.length && (
            <p className="mr-muted">De eerste {changes.length} wijzigingen staan hierboven.</p>
          )}
        </details>
      )}
      <details>
        <summary>Gebruikte kolommen</summary>
        <p>{report.columns.map((c) => c.column).join(', ')}</p>
        {report.ignoredColumns.length > 0 && <p className="mr-muted">Niet gebruikt: {report.ignoredColumns.join(', ')}</p>}
      </details>
    </Section>
  );
}

function ReuseDecisions({
  report,
  decisions,
  onChange,
  disabled,
}: {
  report: ImportReport;
  decisions: Record<string, ReuseDecision>;
  onChange: (code: string, decision: ReuseDecision) => void;
  disabled: boolean;
}) {
  return (
    <>
      <h3>Vestigingscodes die nu bij een andere school lijken te horen</h3>
      <p className="mr-muted">
        DUO geeft de code van een gesloten vestiging soms aan een nieuwe school. Kies per code: <strong>dezelfde school</strong> (de gegevens
        worden bijgewerkt) of <strong>nieuwe school</strong> (de oude school wordt gesloten en blijft bestaan voor eerdere metingen; de nieuwe
        school krijgt een eigen plek). Antwoorden uit eerdere metingen houden altijd de school zoals die was bij de uitnodiging.
      </p>
      <TableWrap label="Hergebruikte vestigingscodes">
        <table className="compact">
          <TableHead columns={['Code', 'Nu in Meetronde', 'In het bestand', 'Verschil', 'Besluit']} />
          <tbody>
            {report.reuse.map((r) => (
              <tr key={r.locationCode}>
                <td>
                  {r.locationCode}
                  <br />
                  <span className="mr-muted">regel {r.line}</span>
                </td>
                <td>
                  {r.before.name}
                  <br />
                  <span className="mr-muted">{[r.before.postcode, r.before.city].filter(Boolean).join(' ')}</span>
                </td>
                <td>
                  {r.after.name}
                  <br />
                  <span className="mr-muted">{[r.after.postcode, r.after.city].filter(Boolean).join(' ')}</span>
                </td>
                <td>{r.reasons.join('; ')}</td>
                <td>
                  <fieldset className="mr-choice" disabled={disabled}>
                    <legend className="mr-visually-hidden">Besluit voor {r.locationCode}</legend>
                    <label>
                      <input type="radio" name={`reuse-${r.locationCode}`} checked={decisions[r.locationCode] === 'same'} onChange={() => onChange(r.locationCode, 'same')} />{' '}
                      Dezelfde school
                    </label>
                    <br />
                    <label>
                      <input type="radio" name={`reuse-${r.locationCode}`} checked={decisions[r.locationCode] === 'new'} onChange={() => onChange(r.locationCode, 'new')} />{' '}
                      Nieuwe school
                    </label>
                  </fieldset>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}

function Corrections({ report }: { report: ImportReport }) {
  const [selected, setSelected] = useState<Set<string>>(() => new Set(report.corrections.map((c) => c.locationCode)));
  const [result, setResult] = useState<AcceptedCorrections | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const toggle = (code: string) => {
    const next = new Set(selected);
    if (next.has(code)) next.delete(code);
    else next.add(code);
    setSelected(next);
  };
  const accept = async () => {
    setBusy(true);
    setError(null);
    try {
      const corrections = report.corrections.filter((c) => selected.has(c.locationCode)).map((c) => ({ locationCode: c.locationCode, email: c.suggestion }));
      setResult(await call('POST /api/imports/email-corrections', { body: { corrections } }));
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h3>E-mailadressen met een voorgestelde correctie</h3>
      <p className="mr-muted">
        Deze adressen staan in een herkenbaar verkeerde vorm in het bestand (zoals <code>info(at)school.nl</code>, spaties of een punt aan het
        eind). Ze zijn niet ingelezen. {report.applied ? 'Neem de correcties over die kloppen.' : 'Na het inlezen kunt u de correcties hier in één keer overnemen.'}
      </p>
      <TableWrap label="Voorgestelde correcties">
        <table className="compact">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Alle correcties kiezen"
                  checked={selected.size === report.corrections.length}
                  onChange={(e) => setSelected(new Set(e.target.checked ? report.corrections.map((c) => c.locationCode) : []))}
                />
              </th>
              <th>Code</th>
              <th>School</th>
              <th>In het bestand</th>
              <th>Voorstel</th>
            </tr>
          </thead>
          <tbody>
            {report.corrections.map((c) => (
              <tr key={c.locationCode}>
                <td>
                  <input type="checkbox" aria-label={`Correctie voor ${c.locationCode} kiezen`} checked={selected.has(c.locationCode)} onChange={() => toggle(c.locationCode)} />
                </td>
                <td>{c.locationCode}</td>
                <td>{c.name}</td>
                <td>
                  <code>{c.raw}</code>
                </td>
                <td>
                  <code>{c.suggestion}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {report.applied && !result && (
        <div className="mr-actions">
          <button onClick={accept} disabled={busy || selected.size === 0}>
            {selected.size === 1 ? 'Deze correctie overnemen' : `Deze ${number(selected.size)} correcties overnemen`}
          </button>
        </div>
      )}
      {result && (
        <p className="mr-ok" role="status">
          {number(result.applied)} adres{result.applied === 1 ? '' : 'sen'} overgenomen
          {result.kept ? `; ${number(result.kept)} behouden omdat het adres met de hand of uit een eigen lijst is ingevuld` : ''}
          {result.unchanged ? `; ${number(result.unchanged)} had dit adres al` : ''}
          {result.refused.length ? `; ${number(result.refused.length)} niet overgenomen (${result.refused.map((r) => `${r.locationCode}: ${r.reason}`).join(', ')})` : ''}.
        </p>
      )}
      <ErrorMessage error={error} />
    </>
  );
}
