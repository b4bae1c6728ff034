import { useState } from 'react';
import type { ImportReport } from '../../../server/schools/import-types';
import { useSession } from '../session';
import { uploadFile } from '../upload';
import { ErrorMessage, errorText, number, Section, TableWrap, useApi } from './address-common';

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
  const types = useApi<Array<{ type: string; label: string }>>('/api/imports/types');
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

  const confirm = async () => {
    if (!file || !report) return;
    setBusy(true);
    setError(null);
    try {
      setReport(await uploadFile<ImportReport>(`/api/imports?dryRun=false&type=${report.type}&fingerprint=${report.fingerprint}`, file, csrfToken));
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
          e-mailadressen, of een eigen lijst met vestigingscode en e-mailadres (CSV of Excel). Eerst ziet u wat er zou veranderen; pas na
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
      {report && <ReportView report={report} busy={busy} onConfirm={confirm} />}
    </>
  );
}

function ReportView({ report, busy, onConfirm }: { report: ImportReport; busy: boolean; onConfirm: () => void }) {
  const [allRejected, setAllRejected] = useState(false);
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
          </p>
          <button onClick={onConfirm} disabled={busy}>
            Importeren
          </button>
        </div>
      )}

      {report.rejected.length > 0 && (
        <>
          <h3>Afgewezen regels</h3>
          <TableWrap label="Afgewezen regels">
            <table className="compact">
              <thead>
                <tr>
                  <th className="num">Regel</th>
                  <th>Code</th>
                  <th>Reden</th>
                </tr>
              </thead>
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
              <thead>
                <tr>
                  <th>Code</th>
                  <th>Naam</th>
                  <th>Wat</th>
                </tr>
              </thead>
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
