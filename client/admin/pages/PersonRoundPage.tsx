import { useEffect, useState } from 'react';
import type { PersonRoundSettings, PersonTracking } from '../../../contract/api/persons';
import { CLASS_GRADE_LABELS, CONSENT_MODE_LABELS, PERSON_ROLES, PERSON_ROLE_LABELS, UNIT_TYPE_LABELS, type ClassGrade, type PersonRole } from '../../../contract/vocabulary';
import { ApiError, call } from '../../shared/api';
import { Link } from '../router';
import { useSession } from '../session';

const pct = (rate: number | null) => (rate === null ? '–' : `${rate.toLocaleString('nl-NL')}%`);

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

  const load = () => {
    call('GET /api/persons/rounds/:id/settings', { params: { id } }).then((s) => {
      setSettings(s);
      if (s.consentMode) setConsentMode(s.consentMode);
      if (s.roles.length) setRoles(s.roles);
      setPrevious(s.previousRoundId === null ? '' : String(s.previousRoundId));
    }, (e: unknown) => setError(e instanceof ApiError ? e.message : 'Laden mislukt.'));
    call('GET /api/persons/rounds/:id/tracking', { params: { id } }).then(setTracking, () => {});
  };
  useEffect(load, [id]);

  async function save() {
    setSaved(false);
    try {
      setSettings(await call('PUT /api/persons/rounds/:id/settings', { params: { id }, body: { consentMode, roles, previousRoundId: previous.trim() === '' ? null : Math.trunc(Number(previous)) || 0 } }));
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
            <p>
              <label htmlFor="previous-round">Vervolg op meting (nummer van de vorige meting met personen; leeg voor een eerste meting)</label>
              <input id="previous-round" inputMode="numeric" value={previous} onChange={(e) => setPrevious(e.target.value)} style={{ width: '8rem' }} />
            </p>
            <p>
              <button type="button" onClick={save}>
                Opslaan als meting per persoon
              </button>{' '}
              {saved && <span role="status">Opgeslagen. De uitnodiging gaat naar de contactpersoon van elke school, met een aanmeldlink.</span>}
            </p>
          </fieldset>
        )}
      </section>
      {tracking && tracking.unitType === 'person' && (
        <section className="mr-card mr-section">
          <h2>Respons</h2>
          <p>
            Totaal: {tracking.total.registered} leerlingen aangemeld, {tracking.total.objections} bezwaren, {tracking.total.consents} toestemmingen, {tracking.total.started}{' '}
            begonnen, {tracking.total.completed} klaar ({pct(tracking.total.rate)}).
          </p>
          <table className="mr-stack">
            <thead>
              <tr>
                <th scope="col">School / klas</th>
                <th scope="col">Aangemeld</th>
                <th scope="col">Bezwaar</th>
                <th scope="col">Toestemming</th>
                <th scope="col">Wil niet</th>
                <th scope="col">Begonnen</th>
                <th scope="col">Klaar</th>
                <th scope="col">Respons</th>
              </tr>
            </thead>
            <tbody>
              {tracking.schools.flatMap((s) => [
                <tr key={`s${s.invitationId}`}>
                  <th scope="row">
                    {s.schoolName} <span className="mr-muted">({s.participation === 'yes' ? 'doet mee' : s.participation === 'no' ? 'doet niet mee' : 'nog niet aangemeld'})</span>
                  </th>
                  <td>{s.registered}</td>
                  <td>{s.objections}</td>
                  <td>{s.consents}</td>
                  <td>{s.refused}</td>
                  <td>{s.started}</td>
                  <td>{s.completed}</td>
                  <td>{pct(s.rate)}</td>
                </tr>,
                ...s.classes.map((c) => (
                  <tr key={`c${c.classId}`}>
                    <td>
                      ↳ {c.label} ({CLASS_GRADE_LABELS[c.grade as ClassGrade] ?? c.grade})
                    </td>
                    <td>{c.registered}</td>
                    <td>{c.objections}</td>
                    <td>{c.consents}</td>
                    <td>{c.refused}</td>
                    <td>{c.started}</td>
                    <td>{c.completed}</td>
                    <td>{pct(c.rate)}</td>
                  </tr>
                )),
              ])}
            </tbody>
          </table>
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
