import { useEffect, useState, type FormEvent } from 'react';
import type { CoordinatorView } from '../../contract/api/persons';
import { CLASS_GRADES, CLASS_GRADE_LABELS, type ClassGrade } from '../../contract/vocabulary';
import { ApiError, call } from '../shared/api';

interface ClassRow {
  label: string;
  grade: string;
  pupils: string;
}
interface TeacherRow {
  email: string;
  classes: string[];
}

const problemsOf = (e: unknown): string[] => {
  if (e instanceof ApiError) {
    const details = Array.isArray(e.details) ? (e.details as Array<{ problem?: string }>).map((d) => d.problem ?? '').filter(Boolean) : [];
    return [e.message, ...details];
  }
  return ['Er ging iets mis. Probeer het opnieuw.'];
};

/** The coordinator's page: does the school take part, with which classes and teachers; then the sheets per class. */
export function CoordinatorPage({ token }: { token: string }) {
  const [view, setView] = useState<CoordinatorView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [participates, setParticipates] = useState<boolean | null>(null);
  const [classes, setClasses] = useState<ClassRow[]>([{ label: '', grade: '', pupils: '' }]);
  const [teachers, setTeachers] = useState<TeacherRow[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const adopt = (v: CoordinatorView) => {
    setView(v);
    setParticipates(v.participation === 'unknown' ? null : v.participation === 'yes');
    if (v.classes.length > 0) setClasses(v.classes.map((c) => ({ label: c.label, grade: c.grade, pupils: String(c.pupils) })));
    setTeachers(v.teachers.map((t) => ({ email: t.email, classes: t.classes })));
  };

  useEffect(() => {
    call('GET /api/persons/c/:token', { params: { token } }).then(adopt, (e: unknown) => setLoadError(problemsOf(e)[0]!));
  }, [token]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (participates === null) return setProblems(['Kies of uw school meedoet.']);
    setBusy(true);
    setSaved(false);
    try {
      const reply = await call('PUT /api/persons/c/:token/registration', {
        params: { token },
        body: {
          participates,
          classes: participates ? classes.map((c) => ({ label: c.label, grade: c.grade, pupils: c.pupils.trim() === '' ? 0 : Math.trunc(Number(c.pupils)) || 0 })) : [],
          teachers: participates ? teachers : [],
        },
      });
      adopt(reply);
      setProblems([]);
      setSaved(true);
    } catch (e) {
      setProblems(problemsOf(e));
    } finally {
      setBusy(false);
    }
  }

  if (loadError) return <main className="pp-main"><h1>Aanmelden</h1><p className="mr-error" role="alert">{loadError}</p></main>;
  if (!view) return <main className="pp-main"><p>Laden…</p></main>;
  const labels = classes.map((c) => c.label.trim()).filter(Boolean);
  const base = `/api/persons/c/${encodeURIComponent(token)}/classes`;

  return (
    <main className="pp-main">
      <h1>Aanmelden: {view.schoolName}</h1>
      <p>
        {view.studyName}, {view.roundName}. Geef aan of uw school meedoet, met welke klassen en hoeveel leerlingen. U krijgt daarna per klas een vel met codes om uit te
        delen, een sleutellijst die op school blijft en een brief voor de ouders. Wij vragen en bewaren geen namen van leerlingen.
      </p>
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>Doet uw school mee?</legend>
          <label className="pp-choice">
            <input type="radio" name="participates" checked={participates === true} onChange={() => setParticipates(true)} /> Ja, wij doen mee
          </label>
          <label className="pp-choice">
            <input type="radio" name="participates" checked={participates === false} onChange={() => setParticipates(false)} /> Nee, wij doen niet mee
          </label>
        </fieldset>
        {participates && (
          <>
            <fieldset>
              <legend>Klassen</legend>
              {classes.map((c, i) => (
                <div className="pp-row" key={i}>
                  <div>
                    <label htmlFor={`class-${i}-label`}>Naam klas {i + 1}</label>
                    <input id={`class-${i}-label`} value={c.label} placeholder="bijv. 6A" onChange={(e) => setClasses(classes.map((x, j) => (j === i ? { ...x, label: e.target.value } : x)))} />
                  </div>
                  <div>
                    <label htmlFor={`class-${i}-grade`}>Groep of leerjaar</label>
                    <select id={`class-${i}-grade`} value={c.grade} onChange={(e) => setClasses(classes.map((x, j) => (j === i ? { ...x, grade: e.target.value } : x)))}>
                      <option value="">Kies…</option>
                      {CLASS_GRADES.map((g) => (
                        <option key={g} value={g}>
                          {CLASS_GRADE_LABELS[g as ClassGrade]}
                        </option>
                      ))}
                    </select>
                  </div>
                  <div>
                    <label htmlFor={`class-${i}-pupils`}>Leerlingen</label>
                    <input id={`class-${i}-pupils`} inputMode="numeric" value={c.pupils} onChange={(e) => setClasses(classes.map((x, j) => (j === i ? { ...x, pupils: e.target.value } : x)))} />
                  </div>
                  <button type="button" className="secondary" aria-label={`Klas ${i + 1} verwijderen`} onClick={() => setClasses(classes.filter((_, j) => j !== i))}>
                    Verwijderen
                  </button>
                </div>
              ))}
              <button type="button" className="secondary" onClick={() => setClasses([...classes, { label: '', grade: '', pupils: '' }])}>
                Klas toevoegen
              </button>
            </fieldset>
            <fieldset>
              <legend>Leerkrachten (zij krijgen een eigen vragenlijst)</legend>
              {teachers.map((t, i) => (
                <div key={i} className="mr-card" style={{ marginBottom: '0.5rem' }}>
                  <label htmlFor={`teacher-${i}-email`}>E-mailadres leerkracht {i + 1}</label>
                  <input id={`teacher-${i}-email`} type="email" value={t.email} onChange={(e) => setTeachers(teachers.map((x, j) => (j === i ? { ...x, email: e.target.value } : x)))} />
                  <div role="group" aria-label={`Klassen van leerkracht ${i + 1}`}>
                    {labels.map((l) => (
                      <label key={l} className="pp-choice">
                        <input
                          type="checkbox"
                          checked={t.classes.includes(l)}
                          onChange={(e) => setTeachers(teachers.map((x, j) => (j === i ? { ...x, classes: e.target.checked ? [...x.classes, l] : x.classes.filter((y) => y !== l) } : x)))}
                        />
                        {l}
                      </label>
                    ))}
                  </div>
                  <button type="button" className="secondary" onClick={() => setTeachers(teachers.filter((_, j) => j !== i))}>
                    Leerkracht verwijderen
                  </button>
                </div>
              ))}
              <button type="button" className="secondary" onClick={() => setTeachers([...teachers, { email: '', classes: [] }])}>
                Leerkracht toevoegen
              </button>
            </fieldset>
          </>
        )}
        {problems.length > 0 && (
          <div className="pp-problems" role="alert">
            <p>
              <strong>{problems[0]}</strong>
            </p>
            <ul>{problems.slice(1).map((p, i) => <li key={i}>{p}</li>)}</ul>
          </div>
        )}
        {saved && (
          <p className="pp-ok" role="status">
            Opgeslagen.
          </p>
        )}
        <div className="pp-actions">
          <button type="submit" disabled={busy}>
            Aanmelding opslaan
          </button>
        </div>
      </form>
      {view.participation === 'yes' && view.classes.length > 0 && (
        <section aria-labelledby="sheets">
          <h2 id="sheets">Per klas afdrukken</h2>
          {view.followUp && (
            <p className="mr-muted">
              Dit is een vervolgmeting. Leerlingen die de vorige keer meededen, houden hun code (ook als ze van klas wisselden). Vul per klas hun codes in
              uit de sleutellijst van de vorige meting; nieuwe leerlingen krijgen een nieuwe code. Druk de codes af nadat u alle oude codes heeft ingevuld.
            </p>
          )}
          <ul className="pp-classes">
            {view.classes.map((c) => (
              <li key={c.id}>
                <strong>
                  {c.label} ({CLASS_GRADE_LABELS[c.grade as ClassGrade] ?? c.grade}, {c.pupils} leerlingen)
                </strong>
                <br />
                <a href={`${base}/${c.id}/codes`} target="_blank" rel="noopener">
                  Codes afdrukken
                </a>
                <a href={`${base}/${c.id}/key-list`}>Sleutellijst (Excel)</a>
                <a href={`${base}/${c.id}/letter`} target="_blank" rel="noopener">
                  Brief voor ouders
                </a>
                <br />
                <span className="mr-muted">Link voor de klas: {c.classLink}</span>
                {c.parentSurveyLink && (
                  <>
                    <br />
                    <span className="mr-muted">
                      Vragenlijst voor de ouders van deze klas (stuur deze link zelf door, bijvoorbeeld via de nieuwsbrief of de ouderapp): {c.parentSurveyLink}
                    </span>
                  </>
                )}
                {view.followUp && <Reissue token={token} classId={c.id} label={c.label} onDone={() => call('GET /api/persons/c/:token', { params: { token } }).then(adopt)} />}
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}

/** Follow-up round: the round-1 codes of one class, pasted or as the key list of the previous measurement. */
function Reissue({ token, classId, label, onDone }: { token: string; classId: number; label: string; onDone: () => void }) {
  const [codes, setCodes] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setDone(null);
    try {
      let keyList: string | undefined;
      if (file) {
        const bytes = new Uint8Array(await file.arrayBuffer());
        let binary = '';
        for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        keyList = btoa(binary);
      }
      const reply = await call('POST /api/persons/c/:token/classes/:classId/reissue', { params: { token, classId }, body: file ? { keyList } : { codes } });
      setProblems([]);
      setCodes('');
      setFile(null);
      setDone(`${reply.reissued} codes opnieuw uitgegeven; klas ${label} heeft nu ${reply.pupils} leerlingen.`);
      onDone();
    } catch (e) {
      setProblems(problemsOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="pp-reissue" onSubmit={submit} aria-label={`Codes van de vorige meting voor klas ${label}`}>
      <label htmlFor={`reissue-${classId}`}>Codes van de vorige meting (één per regel)</label>
      <textarea id={`reissue-${classId}`} rows={4} value={codes} onChange={(e) => setCodes(e.target.value)} />
      <label htmlFor={`reissue-file-${classId}`}>of de sleutellijst van de vorige meting (Excel; alleen de kolom Code wordt gelezen, namen niet)</label>
      <input id={`reissue-file-${classId}`} type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      {problems.length > 0 && (
        <ul className="mr-error" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {done && <p role="status">{done}</p>}
      <button type="submit" disabled={busy}>
        Codes opnieuw uitgeven
      </button>
    </form>
  );
}
