import { useEffect, useState } from 'react';
import type { CopyPreviousReport, ProfessionalsImportReport, ProfessionalTally } from '../../../contract/api/persons';
import { PERSON_ROLE_LABELS, type PersonRole } from '../../../contract/vocabulary';
import { ApiError, call } from '../../shared/api';
import { uploadFile } from '../upload';

type MatchRow = { role: string; previous: number; previousCompleted: number; continued: number; current: number; completed: number; both: number; notContinued: number; continuedNotCompleted: number };

/**
 * The professionals of a person round (issue 19): import a list (dry run first), copy the
 * previous measurement's professionals, send the invitations, the counts, and in a follow-up
 * round the match report per role.
 */
export function PersonProfessionals({ roundId, csrfToken, followUp, onChange }: { roundId: number; csrfToken: string; followUp: boolean; onChange: () => void }) {
  const [tally, setTally] = useState<ProfessionalTally | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ProfessionalsImportReport | null>(null);
  const [copy, setCopy] = useState<CopyPreviousReport | null>(null);
  const [match, setMatch] = useState<MatchRow[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const load = () => {
    call('GET /api/persons/rounds/:id/professionals', { params: { id: roundId } }).then(setTally, () => setTally(null));
    if (followUp) call('GET /api/persons/rounds/:id/match-report', { params: { id: roundId } }).then((r) => setMatch(r.roles), () => setMatch(null));
  };
  useEffect(load, [roundId, followUp]);

  const fail = (e: unknown, fallback: string) => {
    const details = e instanceof ApiError && Array.isArray(e.details) ? (e.details as Array<{ problem?: string }>).map((d) => d.problem ?? '').filter(Boolean) : [];
    const body = e instanceof ApiError && e.details && !Array.isArray(e.details) ? (e.details as ProfessionalsImportReport) : null;
    if (body?.problems) setReport(body);
    setErrors([e instanceof ApiError ? e.message : fallback, ...details]);
  };
  async function run(action: () => Promise<void>, fallback: string) {
    setBusy(true);
    setErrors([]);
    setStatus(null);
    try {
      await action();
      load();
      onChange();
    } catch (e) {
      fail(e, fallback);
    } finally {
      setBusy(false);
    }
  }
  const importList = (dryRun: boolean) =>
    run(async () => {
      if (!file) throw new Error('Kies eerst een bestand.');
      setReport(await uploadFile<ProfessionalsImportReport>(`/api/persons/rounds/${roundId}/professionals?dryRun=${dryRun}`, file, csrfToken));
    }, 'Inlezen mislukt.');
  const copyPrevious = (dryRun: boolean) =>
    run(async () => setCopy(await call('POST /api/persons/rounds/:id/professionals/copy-previous', { params: { id: roundId }, query: { dryRun } })), 'Overnemen mislukt.');
  const invite = () =>
    run(async () => {
      const r = await call('POST /api/persons/rounds/:id/professionals/invite', { params: { id: roundId } });
      setStatus(r.queued === 0 ? 'Iedereen heeft al een uitnodiging.' : `${r.queued} uitnodigingen staan klaar in de uitgaande e-mail.`);
    }, 'Versturen mislukt.');

  return (
    <section className="mr-card mr-section" aria-labelledby="professionals">
      <h2 id="professionals">Professionals</h2>
      {tally && (
        <p>
          {tally.registered} professionals, {tally.invited} uitgenodigd, {tally.started} begonnen, {tally.completed} klaar, {tally.refused} doen niet mee, {tally.optedOut} afgemeld,{' '}
          {tally.bounced} onbereikbaar{followUp && `; ${tally.continued} uit de vorige meting`}.
        </p>
      )}
      <p>
        Een CSV- of Excel-bestand met een kolom <code>e-mail</code>, en zo u wilt <code>swv</code> (de SWV-code) en <code>functie</code>. Eerst controleren we het bestand; pas daarna
        leest u het in. Bij een fout wordt niets ingelezen. Wie al in de lijst staat, wordt niet dubbel toegevoegd.
      </p>
      <label htmlFor="professional-file">Bestand met professionals</label>
      <input id="professional-file" type="file" accept=".csv,.xlsx,text/csv" onChange={(e) => { setFile(e.target.files?.[0] ?? null); setReport(null); setErrors([]); }} />
      <div className="mr-actions">
        <button type="button" disabled={busy || !file} onClick={() => importList(true)}>
          Controleren
        </button>{' '}
        {report?.dryRun && report.problems.length === 0 && report.added > 0 && (
          <button type="button" disabled={busy} onClick={() => importList(false)}>
            Inlezen ({report.added} nieuwe professionals)
          </button>
        )}
      </div>
      {report && (
        <div role="status">
          <p>
            {report.applied ? 'Ingelezen: ' : 'Controle: '}
            {report.lines} regels, {report.added} nieuw{followUp && ` (waarvan ${report.continued} uit de vorige meting)`}, {report.existing} stonden er al.
          </p>
          {report.problems.length > 0 && (
            <ul>
              {report.problems.map((p, i) => (
                <li key={i}>{p.problem}</li>
              ))}
              {report.moreProblems > 0 && <li>En nog {report.moreProblems} andere problemen.</li>}
            </ul>
          )}
        </div>
      )}
      {followUp && (
        <>
          <h3>Vorige meting</h3>
          <p>Nodig de professionals van de vorige meting opnieuw uit: zij houden hun panelnummer. Wie zich afmeldde of onbereikbaar was, wordt overgeslagen.</p>
          <div className="mr-actions">
            <button type="button" disabled={busy} onClick={() => copyPrevious(true)}>
              Controleren
            </button>{' '}
            {copy?.dryRun && copy.copied > 0 && (
              <button type="button" disabled={busy} onClick={() => copyPrevious(false)}>
                Overnemen ({copy.copied} professionals)
              </button>
            )}
          </div>
          {copy && (
            <p role="status">
              {copy.dryRun ? 'Controle: ' : 'Overgenomen: '}
              {copy.copied} professionals, {copy.existing} stonden er al, {copy.skipped} overgeslagen.
            </p>
          )}
        </>
      )}
      <div className="mr-actions">
        <button type="button" disabled={busy || !tally || tally.registered === tally.invited} onClick={invite}>
          Uitnodigingen versturen
        </button>
      </div>
      {status && <p role="status">{status}</p>}
      {errors.length > 0 && (
        <div className="mr-error" role="alert">
          {errors.map((line, i) => (
            <p key={i}>{line}</p>
          ))}
        </div>
      )}
      {followUp && match && match.length > 0 && (
        <>
          <h3>Koppeling met de vorige meting</h3>
          <table className="mr-stack">
            <thead>
              <tr>
                <th scope="col">Rol</th>
                <th scope="col">Vorige meting</th>
                <th scope="col">Daar klaar</th>
                <th scope="col">Opnieuw gevraagd</th>
                <th scope="col">Deze meting</th>
                <th scope="col">Hier klaar</th>
                <th scope="col">In beide</th>
                <th scope="col">Niet opnieuw gevraagd</th>
              </tr>
            </thead>
            <tbody>
              {match.map((m) => (
                <tr key={m.role}>
                  <th scope="row">{PERSON_ROLE_LABELS[m.role as PersonRole] ?? m.role}</th>
                  <td>{m.previous}</td>
                  <td>{m.previousCompleted}</td>
                  <td>{m.continued}</td>
                  <td>{m.current}</td>
                  <td>{m.completed}</td>
                  <td>{m.both}</td>
                  <td>{m.notContinued}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
