import { useEffect, useState } from 'react';
import type { ExternalScoresReport, PersonRoundSettings, PersonTracking } from '../../../contract/api/persons';
import { CLASS_GRADE_LABELS, CONSENT_MODE_LABELS, PERSON_ROLES, PERSON_ROLE_LABELS, UNIT_TYPE_LABELS, type ClassGrade, type PersonRole } from '../../../contract/vocabulary';
import { ApiError, call } from '../../shared/api';
import { Link } from '../router';
import { uploadFile } from '../upload';
import { useSession } from '../session';
import { TableHead } from '../../shared/TableHead';
import { PersonProfessionals } from './PersonProfessionals';

const pct = (rate: number | null) => (rate === null ? '–' : `${rate.toLocaleString('nl-NL')}%`);

/** The counts of a school's or a class's row in the tracking table. */
function CountCells({ counts: c }: { counts: { registered: number; objections: number; consents: number; refused: number; started: number; completed: number; rate: number | null } }) {
  return (
    <>
      <td>{c.registered}</td>
      <td>{c.objections}</td>
      <td>{c.consents}</td>
      <td>{c.refused}</td>
      <td>{c.started}</td>
      <td>{c.completed}</td>
      <td>{pct(c.rate)}</td>
    </>
  );
}

/**
 * A person round (issue 19): the unit type and consent mode of a draft round, and tracking per
 * school and class (registered pupils, parents' objections and consents, started, completed,
 * response rate), with totals per SWV and role.
 */
export function PersonRoundPage({ params }: { params: Record<string, string> }) {
  const user = useSession();
  const id = Number(params.id);
  const [settings, setSettings] = useState<PersonRoundSettings | null>(null);
  const [tracking, setTracking] = useState<PersonTracking | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [consentMode, setConsentMode] = useState<'passive' | 'active'>('passive');
  const [roles, setRoles] = useState<string[]>(['pupil', 'teacher']);
  const [previous, setPrevious] = useState('');
  const [saved, setSaved] = useState(false);
  const [questionnaires, setQuestionnaires] = useState<Array<{ id: string; title: string; usable: boolean }>>([]);
  const [rounds, setRounds] = useState<Array<{ id: number; name: string; studyName: string }>>([]);
  /** '' keeps what is stored, 'none' clears it, else a questionnaire id from the options. */
  const [teacherQuestionnaireId, setTeacherQuestionnaireId] = useState('');
  const [linkedSchoolRoundId, setLinkedSchoolRoundId] = useState('');

  const load = () => {
    call('GET /api/persons/rounds/:id/settings', { params: { id } }).then((s) => {
      setSettings(s);
      if (s.consentMode) setConsentMode(s.consentMode);
      if (s.roles.length) setRoles(s.roles);
      setPrevious(s.previousRoundId === null ? '' : String(s.previousRoundId));
      setLinkedSchoolRoundId(s.linkedSchoolRoundId === null ? '' : String(s.linkedSchoolRoundId));
    }, (e: unknown) => setError(e instanceof ApiError ? e.message : 'Laden mislukt.'));
    call('GET /api/rounds/options').then((o) => setQuestionnaires(o.questionnaires.filter((q) => q.usable)), () => {});
    call('GET /api/rounds').then((r) => setRounds(r.filter((x) => x.id !== id).map((x) => ({ id: x.id, name: x.name, studyName: x.studyName }))), () => {});
    call('GET /api/persons/rounds/:id/tracking', { params: { id } }).then(setTracking, () => {});
  };
  useEffect(load, [id]);

  // External scores (e.g. LVS) by pupil code: a dry run first, then apply the same file.
  const [scoreFile, setScoreFile] = useState<File | null>(null);
  const [textVariables, setTextVariables] = useState('');
  const [scoreReport, setScoreReport] = useState<ExternalScoresReport | null>(null);
  const [scoreError, setScoreError] = useState<string[]>([]);
  const [scoreBusy, setScoreBusy] = useState(false);

  async function importScores(dryRun: boolean) {
    if (!scoreFile) return setScoreError(['Kies eerst een bestand.']);
    setScoreBusy(true);
    setScoreError([]);
    try {
      const url = `/api/persons/rounds/${id}/external-scores?dryRun=${dryRun}&text=${encodeURIComponent(textVariables)}`;
      setScoreReport(await uploadFile<ExternalScoresReport>(url, scoreFile, user.csrfToken));
    } catch (e) {
      const details = e instanceof ApiError && Array.isArray(e.details) ? (e.details as Array<{ problem?: string }>).map((d) => d.problem ?? '').filter(Boolean) : [];
      const report = e instanceof ApiError && e.details && !Array.isArray(e.details) ? (e.details as ExternalScoresReport) : null;
      if (report?.problems) setScoreReport(report);
      setScoreError([e instanceof ApiError ? e.message : 'Inlezen mislukt.', ...details]);
    } finally {
      setScoreBusy(false);
    }
  }

  async function save() {
    setSaved(false);
    try {
      const body = {
        consentMode,
        roles,
        previousRoundId: previous === '' ? null : Number(previous),
        ...(teacherQuestionnaireId === '' ? {} : { teacherQuestionnaireId: teacherQuestionnaireId === 'none' ? null : teacherQuestionnaireId }),
        linkedSchoolRoundId: linkedSchoolRoundId === '' ? null : Number(linkedSchoolRoundId),
      };
      setSettings(await call('PUT /api/persons/rounds/:id/settings', { params: { id }, body }));
      setTeacherQuestionnaireId('');
      setError(null);
      setSaved(true);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Opslaan mislukt.');
    }
  }

  return (
    <>
      <section className="mr-card mr-section">
        <p className="mr-muted">
          <Link to={`/rounds/${id}`}>Meting</Link> › Personen
        </p>
        <h1>Leerlingen, leerkrachten en klassen</h1>
        {settings && (
          <p>
            Soort meting: {UNIT_TYPE_LABELS[settings.unitType]}.
            {settings.previousRoundId !== null && <> Vervolg op <Link to={`/rounds/${settings.previousRoundId}/personen`}>meting {settings.previousRoundId}</Link>.</>}
          </p>
        )}
        {error && <p className="mr-error" role="alert">{error}</p>}
        {user.role === 'admin' && (
          <fieldset>
            <legend>Meting per persoon (alleen zolang de meting nog niet geopend is)</legend>
            {(['passive', 'active'] as const).map((m) => (
              <label key={m} style={{ fontWeight: 'normal' }}>
                <input type="radio" name="consent" style={{ width: 'auto' }} checked={consentMode === m} onChange={() => setConsentMode(m)} /> {CONSENT_MODE_LABELS[m]}
              </label>
            ))}
            <p>Wie vullen in?</p>
            {PERSON_ROLES.map((r) => (
              <label key={r} style={{ fontWeight: 'normal' }}>
                <input type="checkbox" style={{ width: 'auto' }} checked={roles.includes(r)} onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} />{' '}
                {PERSON_ROLE_LABELS[r as PersonRole]}
              </label>
            ))}
            <label htmlFor="teacher-q">Vragenlijst voor leerkrachten (per klas ingevuld)</label>
            <select id="teacher-q" value={teacherQuestionnaireId} onChange={(e) => setTeacherQuestionnaireId(e.target.value)}>
              <option value="">{settings?.teacherQuestionnaire ? `Zo laten: ${settings.teacherQuestionnaire.title}` : 'Nog geen: kies een vragenlijst'}</option>
              <option value="none">Geen vragenlijst voor leerkrachten</option>
              {questionnaires.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.title}
                </option>
              ))}
            </select>
            <label htmlFor="linked-round">Antwoorden van de school koppelen uit de meting (per school)</label>
            <select id="linked-round" value={linkedSchoolRoundId} onChange={(e) => setLinkedSchoolRoundId(e.target.value)}>
              <option value="">Geen koppeling</option>
              {rounds.map((r) => (
                <option key={r.id} value={String(r.id)}>
                  {r.studyName}: {r.name}
                </option>
              ))}
            </select>
            <label htmlFor="previous-round">Vervolg op meting (dezelfde leerlingen en leerkrachten, een tweede meting)</label>
            <select id="previous-round" value={previous} onChange={(e) => setPrevious(e.target.value)}>
              <option value="">Geen: dit is een eerste meting</option>
              {rounds.map((r) => (
                <option key={r.id} value={String(r.id)}>
                  {r.studyName}: {r.name}
                </option>
              ))}
            </select>
            <p>
              <button type="button" onClick={save}>
                Opslaan als meting per persoon
              </button>{' '}
              {saved && <span role="status">Opgeslagen. De uitnodiging gaat naar de contactpersoon van elke school, met een aanmeldlink.</span>}
            </p>
          </fieldset>
        )}
      </section>
      {settings?.unitType === 'person' && (
        <section className="mr-card mr-section" aria-labelledby="external-scores">
          <h2 id="external-scores">Externe scores (bijvoorbeeld LVS) per leerlingcode</h2>
          <p>
            Een CSV- of Excel-bestand met een kolom <code>code</code> (de leerlingcode van het codevel) en per score een kolom met de naam van de variabele. In de export heten
            ze <code>ext_</code> + naam. Eerst controleren we het bestand; pas daarna leest u het in. Bij een fout wordt niets ingelezen.
          </p>
          <label htmlFor="score-file">Bestand</label>
          <input id="score-file" type="file" accept=".csv,.xlsx,text/csv" onChange={(e) => { setScoreFile(e.target.files?.[0] ?? null); setScoreReport(null); setScoreError([]); }} />
          <label htmlFor="score-text">Variabelen met tekst in plaats van getallen (gescheiden door komma's, mag leeg)</label>
          <input id="score-text" value={textVariables} onChange={(e) => { setTextVariables(e.target.value); setScoreReport(null); }} />
          <div className="mr-actions">
            <button type="button" disabled={scoreBusy || !scoreFile} onClick={() => importScores(true)}>
              Controleren
            </button>{' '}
            {scoreReport?.dryRun && scoreReport.problems.length === 0 && (
              <button type="button" disabled={scoreBusy} onClick={() => importScores(false)}>
                Inlezen ({scoreReport.values} waarden van {scoreReport.pupils} leerlingen)
              </button>
            )}
          </div>
          {scoreError.length > 0 && (
            <div className="mr-error" role="alert">
              {scoreError.map((line, i) => (
                <p key={i}>{line}</p>
              ))}
            </div>
          )}
          {scoreReport && (
            <div role="status">
              <p>
                {scoreReport.applied ? 'Ingelezen: ' : 'Controle: '}
                {scoreReport.lines} regels, {scoreReport.pupils} leerlingen, {scoreReport.values} waarden; variabelen:{' '}
                {scoreReport.variables.map((v) => `${v.name} (${v.kind === 'numeric' ? 'getal' : 'tekst'})`).join(', ')}.
                {scoreReport.skipped > 0 && ` ${scoreReport.skipped} leerlingen overgeslagen: hun ouders maakten bezwaar of gaven geen toestemming.`}
              </p>
              {scoreReport.problems.length > 0 && (
                <ul>
                  {scoreReport.problems.map((p, i) => (
                    <li key={i}>{p.problem}</li>
                  ))}
                  {scoreReport.moreProblems > 0 && <li>En nog {scoreReport.moreProblems} andere problemen.</li>}
                </ul>
              )}
            </div>
          )}
        </section>
      )}
      {tracking && tracking.unitType === 'person' && (
        <section className="mr-card mr-section">
          <h2>Respons</h2>
          <p>
            Totaal: {tracking.total.registered} leerlingen aangemeld, {tracking.total.objections} bezwaren, {tracking.total.consents} toestemmingen, {tracking.total.started}{' '}
            begonnen, {tracking.total.completed} klaar ({pct(tracking.total.rate)}).
          </p>
          <table className="mr-stack">
            <TableHead scoped columns={['School / klas', 'Aangemeld', 'Bezwaar', 'Toestemming', 'Wil niet', 'Begonnen', 'Klaar', 'Respons']} />
            <tbody>
              {tracking.schools.flatMap((s) => [
                <tr key={`s${s.invitationId}`}>
                  <th scope="row">
                    {s.schoolName} <span className="mr-muted">({s.participation === 'yes' ? 'doet mee' : s.participation === 'no' ? 'doet niet mee' : 'nog niet aangemeld'})</span>
                  </th>
                  <CountCells counts={s} />
                </tr>,
                ...s.classes.map((c) => (
                  <tr key={`c${c.classId}`}>
                    <td>
                      ↳ {c.label} ({CLASS_GRADE_LABELS[c.grade as ClassGrade] ?? c.grade})
                    </td>
                    <CountCells counts={c} />
                  </tr>
                )),
              ])}
            </tbody>
          </table>
          {tracking.teachers.registered > 0 && (
            <>
              <h3>Leerkrachten</h3>
              <p>
                Totaal: {tracking.teachers.registered} aangemeld door de school, {tracking.teachers.invited} uitgenodigd, {tracking.teachers.started} begonnen,{' '}
                {tracking.teachers.completed} klaar (alle klassen), {tracking.teachers.refused} doen niet mee, {tracking.teachers.optedOut} afgemeld, {tracking.teachers.bounced} onbereikbaar.
              </p>
              <table className="mr-stack">
                <TableHead scoped columns={['School', 'Aangemeld', 'Uitgenodigd', 'Begonnen', 'Klaar', 'Doet niet mee', 'Afgemeld / onbereikbaar']} />
                <tbody>
                  {tracking.schools
                    .filter((s) => s.teachers.registered > 0)
                    .map((s) => (
                      <tr key={`t${s.invitationId}`}>
                        <th scope="row">{s.schoolName}</th>
                        <td>{s.teachers.registered}</td>
                        <td>{s.teachers.invited}</td>
                        <td>{s.teachers.started}</td>
                        <td>{s.teachers.completed}</td>
                        <td>{s.teachers.refused}</td>
                        <td>
                          {s.teachers.optedOut} / {s.teachers.bounced}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </>
          )}
          {tracking.panel && (
            <p data-testid="panel-both">
              Panel: <strong>{tracking.panel.both} in beide metingen</strong> ({tracking.panel.previous} ingevuld in de vorige meting, {tracking.panel.current} in deze).
            </p>
          )}
          <h3>Per samenwerkingsverband</h3>
          <ul>
            {tracking.swvs.map((w) => (
              <li key={w.swvId}>
                {w.swvName}: {w.participating} van {w.schools} scholen doen mee; {w.completed} van {w.registered} leerlingen klaar ({pct(w.rate)})
              </li>
            ))}
          </ul>
          <h3>Per rol</h3>
          <ul>
            {tracking.roles.map((r) => (
              <li key={r.role}>
                {PERSON_ROLE_LABELS[r.role as PersonRole] ?? r.role}: {r.completed} van {r.registered} klaar ({pct(r.rate)})
              </li>
            ))}
          </ul>
        </section>
      )}
      {settings?.unitType === 'person' && settings.roles.includes('professional') && (
        <PersonProfessionals roundId={id} csrfToken={user.csrfToken} followUp={settings.previousRoundId !== null} onChange={load} />
      )}
      {tracking && tracking.unitType === 'person' && <PersonExport roundId={id} followUp={tracking.panel !== null} />}
    </>
  );
}

/** Downloads of the answers: long (a row per person per measurement) or wide (a row per panel member). */
function PersonExport({ roundId, followUp }: { roundId: number; followUp: boolean }) {
  const [format, setFormat] = useState('sav');
  // The formats and their labels as the round exports offer them.
  const [formats, setFormats] = useState<Array<{ id: string; label: string }>>([]);
  useEffect(() => {
    call('GET /api/exports/rounds').then((index) => setFormats(index.formats), () => setFormats([{ id: 'sav', label: 'SPSS (.sav)' }]));
  }, []);
  const href = (shape: 'long' | 'wide') => `/api/persons/rounds/${roundId}/export?${new URLSearchParams({ shape, format })}`;
  return (
    <section className="mr-card mr-section">
      <h2>Gegevens downloaden</h2>
      <p className="mr-muted">
        Ingevulde vragenlijsten van deze meting{followUp ? ' en de metingen ervoor' : ''}. Personen staan erin onder een panelnummer (pseudoniem), nooit met hun
        code, naam of e-mailadres. Bij leerlingen staan ook de gekoppelde gegevens (leerkracht, school, toetsscores) als die er zijn.
      </p>
      <fieldset>
        <legend>Bestandsformaat</legend>
        {formats.map(({ id, label }) => (
          <label key={id} className="mr-inline">
            <input type="radio" name="person-export-format" value={id} checked={format === id} onChange={() => setFormat(id)} /> {label}
          </label>
        ))}
      </fieldset>
      <p>
        <a className="mr-button" href={href('long')} download>
          Lang: een rij per persoon per meting
        </a>{' '}
        <a className="mr-button" href={href('wide')} download>
          Breed: een rij per panellid (T1_, T2_, in_beide)
        </a>
      </p>
    </section>
  );
}
