import { useState } from 'react';
import type { AssignmentImportReport, RoundDetail } from '../../../../contract/api/rounds';
import { call } from '../../../shared/api';
import { useSession } from '../../session';
import { uploadFile } from '../../upload';
import { ActionForm, ErrorMessage, errorText, number, Section, TableWrap, useCall } from '../../ui/kit';
import { type RoundOptions } from '../RoundsPage';
import { NO_SITUATION, situationText } from './labels';

export function SwvSection({
  round,
  admin,
  situations,
  options,
  onChanged,
}: {
  round: RoundDetail;
  admin: boolean;
  situations: Map<string, string>;
  options: RoundOptions | null;
  onChanged: () => void;
}) {
  const editable = admin && round.status === 'draft';
  const [error, setError] = useState<string | null>(null);
  const remove = async (code: string) => {
    setError(null);
    try {
      await call('DELETE /api/rounds/:id/swvs/:code', { params: { id: round.id, code } });
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <Section title={`Samenwerkingsverbanden (${round.swvs.length})`} id="swvs-title">
      {round.swvs.length === 0 ? (
        <p className="mr-muted">Er doen nog geen samenwerkingsverbanden mee.</p>
      ) : (
        <TableWrap label="Samenwerkingsverbanden van deze meting">
          <table>
            <thead>
              <tr>
                <th>Letter</th>
                <th>SWV</th>
                <th>Naam</th>
                <th>Situatie</th>
                {editable && <th><span className="mr-sr-only">Acties</span></th>}
              </tr>
            </thead>
            <tbody>
              {round.swvs.map((s) => (
                <tr key={s.id}>
                  <td>{s.regionLetter}</td>
                  <td>{s.code}</td>
                  <td>
                    {s.name}
                    {!s.active && <span className="mr-badge warn"> inactief</span>}
                  </td>
                  <td>{situationText(situations, s.situation)}</td>
                  {editable && (
                    <td>
                      <button className="secondary small" onClick={() => void remove(s.code)} aria-label={`${s.code} verwijderen`}>
                        Verwijderen
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <ErrorMessage error={error} />
      {editable && <AssignForm roundId={round.id} needsSituation={round.needsSituation ?? true} options={options} onAssigned={onChanged} />}
      {editable && <AssignUpload roundId={round.id} onAssigned={onChanged} />}
    </Section>
  );
}

export function AssignForm({ roundId, needsSituation, options, onAssigned }: { roundId: number; needsSituation: boolean; options: RoundOptions | null; onAssigned: () => void }) {
  const swvs = useCall('GET /api/swvs', {});
  const [code, setCode] = useState('');
  const [situation, setSituation] = useState('');
  const [letter, setLetter] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setError(null);
    try {
      await call('PUT /api/rounds/:id/swvs/:code', { params: { id: roundId, code }, body: { situation, regionLetter: letter } });
      setCode('');
      setLetter('');
      onAssigned();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <>
      <h3>Samenwerkingsverband toevoegen</h3>
      <ActionForm onSubmit={submit}>
        <div>
          <label htmlFor="assign-swv">Samenwerkingsverband</label>
          <select id="assign-swv" value={code} onChange={(e) => setCode(e.target.value)} required>
            <option value="">Kies…</option>
            {(swvs.data ?? [])
              .filter((s) => s.active)
              .map((s) => (
                <option key={s.code} value={s.code}>
                  {s.code} {s.name}
                </option>
              ))}
          </select>
        </div>
        <div>
          <label htmlFor="assign-situation">Samenwerkingssituatie</label>
          <select id="assign-situation" value={situation} onChange={(e) => setSituation(e.target.value)} required={needsSituation}>
            <option value="">{needsSituation ? 'Kies…' : NO_SITUATION}</option>
            {(options?.situations ?? []).map((s) => (
              <option key={s.code} value={s.code}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="assign-letter">Regioletter</label>
          <input id="assign-letter" value={letter} onChange={(e) => setLetter(e.target.value.toUpperCase())} maxLength={2} required />
        </div>
        <div className="mr-actions">
          <button type="submit">Toevoegen</button>
        </div>
      </ActionForm>
      <ErrorMessage error={error ?? swvs.error} />
    </>
  );
}

export function AssignUpload({ roundId, onAssigned }: { roundId: number; onAssigned: () => void }) {
  const { csrfToken } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<AssignmentImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async (dryRun: boolean) => {
    if (!file) return;
    setError(null);
    try {
      const result = await uploadFile<AssignmentImportReport>(`/api/rounds/${roundId}/swvs/import?dryRun=${dryRun}`, file, csrfToken);
      setReport(result);
      if (result.applied) onAssigned();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <div className="mr-subsection">
      <h3 id="assign-upload-title">Samenwerkingsverbanden uit een lijst</h3>
      <p className="mr-muted" id="assign-upload-hint">
        Een CSV- of Excel-bestand met de kolommen SWV-code, situatie en regioletter. Eerst controleren, dan toewijzen.
      </p>
      <label htmlFor="assign-file">Lijst met samenwerkingsverbanden</label>
      <div className="mr-inline-form">
        <input
          id="assign-file"
          type="file"
          aria-describedby="assign-upload-hint"
          accept=".csv,.txt,.xlsx"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setReport(null);
          }}
        />
        <button className="secondary" onClick={() => void send(true)} disabled={!file}>
          Lijst controleren
        </button>
      </div>
      <ErrorMessage error={error} />
      {report && (
        <div role="status">
          <p>
            {report.lines} regels: {report.added.length} nieuw, {report.changed.length} gewijzigd, {report.unchanged} ongewijzigd,{' '}
            {report.rejected.length} afgewezen.
          </p>
          {report.rejected.length > 0 && (
            <>
              <p className="mr-error">Er wordt niets toegewezen zolang er afgewezen regels zijn.</p>
              <ul>
                {report.rejected.map((r) => (
                  <li key={r.line}>
                    Regel {r.line}: {r.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
          {report.applied ? (
            <p className="mr-ok">De samenwerkingsverbanden zijn toegewezen.</p>
          ) : (
            report.rejected.length === 0 && <button onClick={() => void send(false)}>Toewijzen</button>
          )}
        </div>
      )}
    </div>
  );
}
