import { lazy, Suspense, useEffect, useMemo, useRef, useState, type ChangeEvent } from 'react';
import { SCHOOL_KIND_LABELS, SCHOOL_KINDS as SCHOOL_KIND_CODES, SITUATION_LABELS, SITUATIONS as SITUATION_CODES } from '../../../contract/vocabulary';
import type { CheckReply, RoutingCheck, VersionEntry } from '../../../contract/api/questionnaires-authoring';
import { ApiError, call } from '../../shared/api';
import { Link, useRouter } from '../router';
import { ErrorMessage, SelectField, SWV_SECTOR_OPTIONS } from '../ui/kit';
import { TableHead } from '../../shared/TableHead';

// SurveyJS is large: it loads when a preview is shown, not with the admin app.
const QuestionnairePreview = lazy(() => import('../../shared/survey/QuestionnairePreview'));

const errorText = (e: unknown, fallback: string) => (e instanceof ApiError ? e.message : fallback);

const SITUATIONS = SITUATION_CODES.map((code): [string, string] => [code, SITUATION_LABELS[code]]);
const SCHOOL_KINDS = SCHOOL_KIND_CODES.map((code): [string, string] => [code, SCHOOL_KIND_LABELS[code]]);
const WIDTH_OPTIONS: Array<[string, string]> = [
  ['desktop', 'Computer'],
  ['phone', 'Telefoon (375 pixels)'],
];

/** One list of questions in the difference with the previous version (added or removed). */
function QuestionList({ heading, questions }: { heading: string; questions: Array<{ name: string; title: string }> }) {
  if (questions.length === 0) return null;
  return (
    <>
      <h4>{heading}</h4>
      <ul>
        {questions.map((q) => (
          <li key={q.name}>
            <code>{q.name}</code> {q.title}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The questionnaire versions: built-in files and versions researchers saved here (issue 27). */
export function QuestionnairesPage() {
  const [versions, setVersions] = useState<VersionEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { search } = useRouter();
  const saved = search.get('opgeslagen');

  useEffect(() => {
    call('GET /api/questionnaire-versions')
      .then((r) => setVersions(r.versions))
      .catch((e) => setError(errorText(e, 'De vragenlijsten konden niet worden geladen.')));
  }, []);

  return (
    <>
      <h1>Vragenlijsten</h1>
      {saved && (
        <p className="mr-notice" role="status">
          Versie opgeslagen ({saved}). U kunt hem nu kiezen bij een nieuwe meting.
        </p>
      )}
      <section className="mr-card">
        <p className="mr-muted">
          De ingebouwde versies staan in de broncode; versies die u hier toevoegt worden opgeslagen en veranderen daarna nooit meer. Een nieuwe versie kunt u uploaden (SurveyJS-JSON) of
          maken vanuit een kopie van een bestaande versie.
        </p>
        <div className="mr-actions">
          <Link to="/vragenlijsten/nieuw" className="mr-button">
            Nieuwe versie uploaden
          </Link>
        </div>
        <ErrorMessage error={error} />
        {versions && (
          <div className="mr-scroll">
            <table aria-label="Versies van vragenlijsten">
              <TableHead columns={['Vragenlijst', 'Versie', 'Herkomst', 'Acties']} />
              <tbody>
                {versions.map((v) => (
                  <tr key={v.ref} data-ref={v.ref}>
                    <td>
                      {v.title}
                      <br />
                      <span className="mr-muted">{v.key ?? v.ref}</span>
                    </td>
                    <td>{v.version ?? '–'}</td>
                    <td>
                      {v.source === 'file' ? 'Ingebouwd' : `Toegevoegd door ${v.createdBy ?? 'onbekend'}${v.createdAt ? ` op ${new Date(v.createdAt).toLocaleString('nl-NL')}` : ''}`}
                      {v.problems > 0 && <span className="mr-error"> – {v.problems} problemen</span>}
                      <br />
                      <span className="mr-muted" title={v.sha256}>
                        sha256 {v.sha256.slice(0, 12)}
                      </span>
                    </td>
                    <td>
                      <div className="mr-inline">
                        <Link to={`/vragenlijsten/${encodeURIComponent(v.ref)}/afdrukken`}>Afdrukken</Link>
                        <Link to={`/vragenlijsten/nieuw?van=${encodeURIComponent(v.ref)}`}>Kopie bewerken</Link>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function parseJson(text: string): { value: Record<string, unknown> | null; error: string | null } {
  if (text.trim() === '') return { value: null, error: null };
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { value: null, error: 'Een vragenlijst is een JSON-object ({ … }).' };
    return { value: value as Record<string, unknown>, error: null };
  } catch (e) {
    return { value: null, error: `Geen geldige JSON: ${(e as Error).message}` };
  }
}

/** Upload or edit a new version, check it (lint, difference, routing), preview it as each respondent, save. */
export function QuestionnaireEditorPage() {
  const { search, navigate } = useRouter();
  const from = search.get('van');
  const [text, setText] = useState('');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [check, setCheck] = useState<(CheckReply & { text: string }) | null>(null);
  const [routing, setRouting] = useState<RoutingCheck | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const poll = useRef<number | null>(null);

  useEffect(() => {
    if (!from) return;
    call('GET /api/questionnaire-versions/:ref', { params: { ref: from } })
      .then((v) => setText(v.text))
      .catch((e) => setLoadError(errorText(e, 'Deze versie kon niet worden geladen.')));
  }, [from]);

  useEffect(() => () => {
    if (poll.current !== null) window.clearTimeout(poll.current);
  }, []);

  // The live preview follows the text, a moment after typing stops.
  const [previewText, setPreviewText] = useState('');
  useEffect(() => {
    const timer = window.setTimeout(() => setPreviewText(text), 600);
    return () => window.clearTimeout(timer);
  }, [text]);
  const parsed = useMemo(() => parseJson(previewText), [previewText]);

  async function onFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    if (file.size > 1024 * 1024) {
      setError(`Het bestand is te groot (${(file.size / 1024 / 1024).toFixed(1).replace('.', ',')} MB); een vragenlijst mag hoogstens 1 MB zijn.`);
      return;
    }
    setError(null);
    setText(await file.text());
    setCheck(null);
    setRouting(null);
  }

  function follow(job: RoutingCheck) {
    setRouting(job);
    if (job.status !== 'running') return;
    poll.current = window.setTimeout(() => {
      call('GET /api/questionnaire-versions/checks/:id', { params: { id: job.id } })
        .then(follow)
        .catch((e) => setRouting({ ...job, status: 'error', message: errorText(e, 'De routeringscontrole is niet meer te volgen.') }));
    }, 500);
  }

  async function runCheck() {
    setBusy(true);
    setError(null);
    if (poll.current !== null) window.clearTimeout(poll.current);
    try {
      const result = await call('POST /api/questionnaire-versions/check', { body: { text } });
      setCheck({ ...result, text });
      setRouting(result.routingCheck);
      if (result.routingCheck) follow(result.routingCheck);
    } catch (e) {
      setError(errorText(e, 'De controle is mislukt.'));
    } finally {
      setBusy(false);
    }
  }

  async function save() {
    if (!check || !routing) return;
    setSaving(true);
    setError(null);
    try {
      const saved = await call('POST /api/questionnaire-versions', { body: { text: check.text, routingCheck: routing.id, basedOn: from ?? null } });
      navigate(`/vragenlijsten?opgeslagen=${encodeURIComponent(`${saved.key} ${saved.version}`)}`);
    } catch (e) {
      setError(errorText(e, 'Opslaan is mislukt.'));
    } finally {
      setSaving(false);
    }
  }

  const stale = check !== null && check.text !== text;
  const canSave = check !== null && !stale && check.ok && routing?.status === 'passed';

  return (
    <>
      <p>
        <Link to="/vragenlijsten">← Vragenlijsten</Link>
      </p>
      <h1>{from ? `Nieuwe versie op basis van ${from}` : 'Nieuwe versie van een vragenlijst'}</h1>
      <ErrorMessage error={loadError} />
      <div className="mr-author">
        <section className="mr-card" aria-labelledby="author-json">
          <h2 id="author-json">SurveyJS-JSON</h2>
          <label htmlFor="author-file">JSON-bestand uploaden</label>
          <input id="author-file" type="file" accept=".json,application/json" onChange={onFile} />
          <label htmlFor="author-text">Of bewerk de tekst</label>
          <textarea
            id="author-text"
            className="mr-json"
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={24}
            aria-describedby="author-text-help"
          />
          <p id="author-text-help" className="mr-muted">
            Geef de nieuwe versie een eigen versienummer in <code>meetronde.version</code> (bijvoorbeeld 2024). HTML in teksten mag (opmaak, links, afbeeldingen in de vragenlijst zelf);
            scripts, event-handlers en afbeeldingen van andere sites worden geweigerd.
          </p>
          {parsed.error && <p className="mr-error">{parsed.error}</p>}
          <div className="mr-actions">
            <button type="button" onClick={runCheck} disabled={busy || text.trim() === ''}>
              {busy ? 'Bezig met controleren…' : 'Controleren'}
            </button>
            <button type="button" onClick={save} disabled={!canSave || saving} title={canSave ? undefined : 'Controleer eerst; opslaan kan als alles klopt.'}>
              {saving ? 'Bezig met opslaan…' : 'Opslaan als nieuwe versie'}
            </button>
          </div>
          <ErrorMessage error={error} />
          {check && <CheckResult check={check} routing={routing} stale={stale} />}
        </section>
        <PreviewPanel content={parsed.value} check={check} />
      </div>
    </>
  );
}

function CheckResult({ check, routing, stale }: { check: CheckReply; routing: RoutingCheck | null; stale: boolean }) {
  return (
    <div aria-live="polite" data-testid="check-result">
      <h2>Controle</h2>
      {stale && <p className="mr-warning">De tekst is gewijzigd sinds de controle: controleer opnieuw voordat u opslaat.</p>}
      <h3>Lint</h3>
      {check.problems.length === 0 ? (
        <p className="mr-notice" data-testid="lint-ok">
          Geen problemen gevonden in {check.title || 'de vragenlijst'} ({check.key} {check.version}).
        </p>
      ) : (
        <>
          <p className="mr-error" data-testid="lint-problems">
            {check.problems.length === 1 ? '1 probleem' : `${check.problems.length} problemen`}: deze versie kan zo niet worden opgeslagen.
          </p>
          <ul>
            {check.problems.map((p, i) => (
              <li key={i}>
                {p.message}
                {p.where && !p.message.includes(p.where) && <span className="mr-muted"> ({p.where})</span>}
                {p.detail && (
                  <details>
                    <summary>Technische details</summary>
                    <span className="mr-wrap">{p.detail}</span>
                  </details>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Verschil met de vorige versie</h3>
      {check.diff ? (
        <div data-testid="diff">
          <p>
            Vergeleken met {check.diff.previous.title} ({check.diff.previous.version}): {check.diff.added.length} toegevoegd, {check.diff.removed.length} verwijderd,{' '}
            {check.diff.changed.length} gewijzigd, {check.diff.unchanged} ongewijzigd.
          </p>
          <QuestionList heading="Nieuwe vragen" questions={check.diff.added} />
          <QuestionList heading="Verwijderde vragen" questions={check.diff.removed} />
          {check.diff.changed.length > 0 && (
            <>
              <h4>Gewijzigde vragen</h4>
              <ul>
                {check.diff.changed.map((q) => (
                  <li key={q.name}>
                    <code>{q.name}</code> – {q.comparability}
                    <ul>
                      {q.changes.map((c, i) => (
                        <li key={i}>{c}</li>
                      ))}
                    </ul>
                  </li>
                ))}
              </ul>
            </>
          )}
          <p>
            <strong>Blijven vergelijkbaar met de vorige versie:</strong> {check.diff.comparable.length} variabelen
            {check.diff.notComparable.length > 0 && (
              <>
                ; <strong>niet of deels vergelijkbaar:</strong> {check.diff.notComparable.join(', ')}
              </>
            )}
            .
          </p>
        </div>
      ) : (
        <p className="mr-muted">{check.diffNote ?? 'Geen vergelijking: de vragenlijst is nog niet te lezen.'}</p>
      )}
      <h3>Routering</h3>
      {routing ? (
        <div data-testid="routing">
          <progress max={routing.total} value={routing.done} aria-label="Voortgang van de routeringscontrole" />{' '}
          <span>
            {routing.done} van {routing.total} reeksen
          </span>
          <p className={routing.status === 'passed' ? 'mr-notice' : routing.status === 'running' ? '' : 'mr-error'} data-testid="routing-status" data-status={routing.status}>
            {routing.message}
          </p>
          {routing.failure && <pre className="mr-wrap">{routing.failure}</pre>}
        </div>
      ) : (
        <p className="mr-muted">De routering wordt gecontroleerd zodra de vragenlijst veilig is en geen lintproblemen heeft.</p>
      )}
    </div>
  );
}

function PreviewPanel({ content, check }: { content: Record<string, unknown> | null; check: CheckReply | null }) {
  const meta = (content?.meetronde ?? null) as { branch?: { question?: string; values?: string[] }; consent?: { question?: string; yes?: string } } | null;
  const branchValues = meta?.branch?.values ?? [];
  const [situation, setSituation] = useState('po-vo');
  const [sector, setSector] = useState('po');
  const [schoolKind, setSchoolKind] = useState('po');
  const [branch, setBranch] = useState('');
  const [width, setWidth] = useState<'desktop' | 'phone'>('desktop');
  const [variables, setVariables] = useState<Record<string, string> | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Problems that make the JSON unsafe to show (scripts, external images): no preview then.
  const unsafe = check?.problems.some((p) => ['html', 'image', 'expression', 'budget', 'size', 'depth'].includes(p.rule)) ?? false;

  useEffect(() => {
    call('GET /api/questionnaire-versions/variables', {
      query: { situation: situation as 'po-vo', sector: sector as 'po', schoolKind: schoolKind as 'po' },
    })
      .then((r) => setVariables(r.variables))
      .catch((e) => setError(errorText(e, 'De variabelen konden niet worden geladen.')));
  }, [situation, sector, schoolKind]);

  const initial = useMemo(() => {
    const data: Record<string, unknown> = {};
    if (branch && meta?.consent?.question && meta.consent.yes) data[meta.consent.question] = meta.consent.yes;
    if (branch && meta?.branch?.question) data[meta.branch.question] = branch;
    return data;
  }, [branch, meta?.consent?.question, meta?.consent?.yes, meta?.branch?.question]);

  return (
    <section className="mr-card" aria-labelledby="author-preview">
      <h2 id="author-preview">Voorbeeld</h2>
      <div className="mr-filters">
        <SelectField id="pv-situation" label="Samenwerkingssituatie" value={situation} onChange={setSituation} options={SITUATIONS} />
        <SelectField id="pv-sector" label="Sector van het samenwerkingsverband" value={sector} onChange={setSector} options={SWV_SECTOR_OPTIONS} />
        <SelectField id="pv-school" label="Soort school" value={schoolKind} onChange={setSchoolKind} options={SCHOOL_KINDS} />
        <SelectField id="pv-branch" label="Route (tak)" value={branch} onChange={setBranch} options={[['', 'Vanaf het begin'], ...branchValues.map((v): [string, string] => [v, v])]} />
        <SelectField id="pv-width" label="Breedte" value={width} onChange={(v) => setWidth(v as 'desktop' | 'phone')} options={WIDTH_OPTIONS} />
      </div>
      {error && <p className="mr-error">{error}</p>}
      {unsafe ? (
        <p className="mr-error">Geen voorbeeld: de controle weigert deze vragenlijst.</p>
      ) : content && variables ? (
        <div className={width === 'phone' ? 'mr-preview-frame phone' : 'mr-preview-frame'} data-testid="author-preview" data-width={width}>
          <Suspense fallback={<p>Voorbeeld laden…</p>}>
            <QuestionnairePreview questionnaire={content} variables={variables} initial={initial} startAfter={branch ? meta?.branch?.question : undefined} />
          </Suspense>
        </div>
      ) : (
        <p className="mr-muted">Het voorbeeld verschijnt zodra de tekst geldige JSON is.</p>
      )}
    </section>
  );
}
