import { useEffect, useState, type ReactNode } from 'react';
import type { AssignmentImportReport, RoundDetail, RoundPreview, RoundSchool } from '../../../contract/api/rounds';
import { api, call } from '../../shared/api';
import { fromDateTimeInput, toDateTimeInput, ZONE_LABEL } from '../../shared/time';
import { limitsText } from './mail/format';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { uploadFile } from '../upload';
import {
  closeDayInput,
  ErrorMessage,
  errorText,
  formatCloseMoment,
  formatDateTime,
  fromDateInput,
  number,
  Section,
  TableWrap,
  toDateInput,
  useCall,
} from '../ui/kit';
import { parseDays, StatusBadge, type RoundOptions } from './RoundsPage';
import { EmailCell } from './SchoolsPage';

/** Label of an SWV's situation, also when it has none (an SWV's own monitor). */
const NO_SITUATION = 'Geen samenwerkingssituatie';
function situationText(situations: Map<string, string>, situation: string | null): string {
  return situation ? (situations.get(situation) ?? situation) : NO_SITUATION;
}


/** One round (meting): settings, SWVs, who will be invited, opening, corrections, copying. */
export function RoundPage({ params }: { params: Record<string, string> }) {
  const user = useSession();
  const id = Number(params.id);
  const round = useCall('GET /api/rounds/:id', Number.isInteger(id) ? { params: { id } } : null);
  const options = useCall('GET /api/rounds/options', {});
  const preview = useCall('GET /api/rounds/:id/preview', Number.isInteger(id) ? { params: { id } } : null);
  const reload = () => {
    round.reload();
    preview.reload();
  };
  // What opening did, kept here: the opening section itself goes away once the round is open.
  const [openedNote, setOpenedNote] = useState<ReactNode>(null);
  const r = round.data;
  if (round.error) return <ErrorMessage error={round.error} />;
  if (!r) return <p>Bezig met laden…</p>;
  const admin = user.role === 'admin';
  const situations = new Map((options.data?.situations ?? []).map((s) => [s.code, s.label]));

  return (
    <>
      <section className="mr-card mr-section">
        <p className="mr-muted">
          <Link to="/rounds">Metingen</Link> › {r.study_name}
        </p>
        <h1>
          {r.name} <StatusBadge status={r.status} />
        </h1>
        <dl className="mr-counts">
          <div>
            <dt>Opent</dt>
            <dd className="text">{r.opens_at ? formatDateTime(r.opens_at, { zone: true }) : 'bij openen'}</dd>
          </div>
          <div>
            <dt>Sluit</dt>
            <dd className="text">{r.closes_at ? formatCloseMoment(r.closes_at) : 'zes weken na openen'}</dd>
          </div>
          <div>
            <dt>Vragenlijst</dt>
            <dd className="text">{r.questionnaire_title ? `${r.questionnaire_title} (${r.questionnaire_version})` : 'nog niet gekozen'}</dd>
          </div>
          <div>
            <dt>Herinnering na</dt>
            <dd className="text">
              {r.reminder_policy.afterDays.length ? `${r.reminder_policy.afterDays.join(' en ')} dagen` : 'geen herinnering'}
            </dd>
          </div>
        </dl>
        {r.previous_round_id && (
          <p>
            Vorige meting: <Link to={`/rounds/${r.previous_round_id}`}>{r.previous_round_name}</Link>
          </p>
        )}
        {admin && r.status !== 'closed' && <Settings round={r} options={options.data} onSaved={reload} />}
      </section>

      <SwvSection round={r} admin={admin} situations={situations} options={options.data} onChanged={reload} />
      {preview.data && <PreviewSection round={r} preview={preview.data} admin={admin} situations={situations} onChanged={reload} />}
      <ErrorMessage error={preview.error} />
      {admin && r.status === 'draft' && preview.data && (
        <OpenSection
          round={r}
          preview={preview.data}
          onOpened={(note) => {
            setOpenedNote(note);
            reload();
          }}
        />
      )}
      {openedNote && (
        <section className="mr-card mr-section" aria-label="Meting geopend">
          <p className="mr-ok" role="status">
            {openedNote}
          </p>
        </section>
      )}
      {admin && r.status === 'open' && <CloseSection round={r} onClosed={reload} />}
      {admin && <CopySection round={r} />}
    </>
  );
}

function Settings({ round, options, onSaved }: { round: RoundDetail; options: RoundOptions | null; onSaved: () => void }) {
  const draft = round.status === 'draft';
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(round.name);
  const [opens, setOpens] = useState(toDateInput(round.opens_at));
  const initialClose = closeDayInput(round.closes_at);
  const [closes, setCloses] = useState(initialClose.day);
  const [closesTime, setClosesTime] = useState(initialClose.time);
  const [reminders, setReminders] = useState(round.reminder_policy.afterDays.join(', '));
  const [questionnaireId, setQuestionnaireId] = useState('');
  const [error, setError] = useState<string | null>(null);
  if (!open) {
    return (
      <button className="secondary" onClick={() => setOpen(true)}>
        Instellingen wijzigen
      </button>
    );
  }
  const save = async () => {
    setError(null);
    const reminderDays = parseDays(reminders);
    if (!reminderDays) return setError('Herinneringen: geef dagen als hele getallen, bijvoorbeeld "14" of "14, 28".');
    try {
      await call('PATCH /api/rounds/:id', { params: { id: round.id }, body: {
        name,
        ...(draft ? { opensAt: fromDateInput(opens, 'opens') } : {}),
        ...(closes !== initialClose.day || closesTime !== initialClose.time ? { closesAt: fromDateInput(closes, 'closes', closesTime || undefined) } : {}),
        reminderDays,
        ...(draft && questionnaireId ? { questionnaireId } : {}),
      } });
      setOpen(false);
      onSaved();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <form
      className="mr-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div>
        <label htmlFor="edit-name">Naam</label>
        <input id="edit-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </div>
      {draft && (
        <div>
          <label htmlFor="edit-opens">Opent op</label>
          <input id="edit-opens" type="date" value={opens} onChange={(e) => setOpens(e.target.value)} />
        </div>
      )}
      <div>
        <label htmlFor="edit-closes">Sluit op</label>
        <input id="edit-closes" type="date" value={closes} onChange={(e) => setCloses(e.target.value)} />
      </div>
      <div>
        <label htmlFor="edit-closes-time">Sluit om (leeg: aan het eind van die dag)</label>
        <input id="edit-closes-time" type="time" value={closesTime} onChange={(e) => setClosesTime(e.target.value)} aria-describedby="edit-closes-hint" />
        <small id="edit-closes-hint" className="mr-muted">
          {ZONE_LABEL}. Zonder tijd noemt de e-mail de dag ("open tot en met …"); met een tijd noemt hij ook de tijd.
        </small>
      </div>
      <div>
        <label htmlFor="edit-reminders">Herinnering na (dagen)</label>
        <input id="edit-reminders" value={reminders} onChange={(e) => setReminders(e.target.value)} />
      </div>
      {draft && (
        <div>
          <label htmlFor="edit-questionnaire">Vragenlijst</label>
          <select id="edit-questionnaire" value={questionnaireId} onChange={(e) => setQuestionnaireId(e.target.value)}>
            <option value="">{round.questionnaire_title ? 'Ongewijzigd' : 'Kies een vragenlijst'}</option>
            {(options?.questionnaires ?? []).map((q) => (
              <option key={q.id} value={q.id} disabled={!q.usable}>
                {q.title} ({q.id})
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="mr-actions">
        <button type="submit">Opslaan</button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Annuleren
        </button>
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}

function SwvSection({
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

function AssignForm({ roundId, needsSituation, options, onAssigned }: { roundId: number; needsSituation: boolean; options: RoundOptions | null; onAssigned: () => void }) {
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
      <form
        className="mr-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
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
      </form>
      <ErrorMessage error={error ?? swvs.error} />
    </>
  );
}

function AssignUpload({ roundId, onAssigned }: { roundId: number; onAssigned: () => void }) {
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

const STATE_LABELS: Record<RoundSchool['state'], string> = {
  invited: 'uitgenodigd',
  'to-invite': 'uit te nodigen',
  unreachable: 'onbereikbaar',
  excluded: 'uitgesloten',
};

function PreviewSection({
  round,
  preview,
  admin,
  situations,
  onChanged,
}: {
  round: RoundDetail;
  preview: RoundPreview;
  admin: boolean;
  situations: Map<string, string>;
  onChanged: () => void;
}) {
  const draft = round.status === 'draft';
  const canChange = admin && round.status !== 'closed';
  const [error, setError] = useState<string | null>(null);
  const act = async (run: () => Promise<unknown>) => {
    setError(null);
    try {
      await run();
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const t = preview.totals;
  return (
    <Section title={draft ? 'Wie wordt uitgenodigd' : 'Uitnodigingen'} id="preview-title">
      <dl className="mr-counts" aria-label="Totalen">
        <div>
          <dt>Scholen</dt>
          <dd>{number(t.schools)}</dd>
        </div>
        <div>
          <dt>{draft ? 'Worden uitgenodigd' : 'Uitgenodigd'}</dt>
          <dd>{number(draft ? t.toInvite : t.invited)}</dd>
        </div>
        {!draft && (
          <div>
            <dt>Nog uit te nodigen</dt>
            <dd>{number(t.toInvite)}</dd>
          </div>
        )}
        <div>
          <dt>Onbereikbaar</dt>
          <dd>{number(t.unreachable)}</dd>
        </div>
        <div>
          <dt>Uitgesloten</dt>
          <dd>{number(t.excluded)}</dd>
        </div>
      </dl>
      <TableWrap label="Per samenwerkingsverband">
        <table>
          <thead>
            <tr>
              <th>Letter</th>
              <th>SWV</th>
              <th>Situatie</th>
              <th className="num">Scholen</th>
              <th className="num">{draft ? 'Uit te nodigen' : 'Uitgenodigd'}</th>
              <th className="num">Onbereikbaar</th>
              <th className="num">Uitgesloten</th>
            </tr>
          </thead>
          <tbody>
            {preview.swvs.map((s) => (
              <tr key={s.swvId}>
                <td>{s.regionLetter}</td>
                <td title={s.name}>{s.code}</td>
                <td>{situationText(situations, s.situation)}</td>
                <td className="num">{number(s.schools)}</td>
                <td className="num">{number(draft ? s.toInvite : s.invited)}</td>
                <td className="num">{number(s.unreachable)}</td>
                <td className="num">{number(s.excluded)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <ErrorMessage error={error} />

      {!draft && t.toInvite > 0 && (
        <div className="mr-confirm">
          <p>
            {number(t.toInvite)} scholen zijn sinds het openen bereikbaar geworden (adres gecorrigeerd of toegevoegd) en hebben nog geen
            uitnodiging.
          </p>
          {canChange && <button onClick={() => void act(() => call('POST /api/rounds/:id/invite', { params: { id: round.id }, body: {} }))}>Deze scholen uitnodigen</button>}
        </div>
      )}

      <h3>Onbereikbare scholen ({number(preview.unreachable.length)})</h3>
      {preview.unreachable.length === 0 ? (
        <p className="mr-muted">Alle scholen hebben een bruikbaar e-mailadres.</p>
      ) : (
        <SchoolList
          label="Onbereikbare scholen"
          schools={preview.unreachable}
          onChanged={onChanged}
          action={canChange ? (s) => ({ label: 'Uitsluiten', run: () => void act(() => call('POST /api/rounds/:id/schools/:schoolId/exclude', { params: { id: round.id, schoolId: s.schoolId } })) }) : undefined}
        />
      )}

      {preview.excluded.length > 0 && (
        <>
          <h3>Uitgesloten scholen ({number(preview.excluded.length)})</h3>
          <SchoolList
            label="Uitgesloten scholen"
            schools={preview.excluded}
            onChanged={onChanged}
            action={
              canChange
                ? (s) => (s.reason ? null : { label: 'Weer opnemen', run: () => void act(() => call('POST /api/rounds/:id/schools/:schoolId/include', { params: { id: round.id, schoolId: s.schoolId }, body: {} })) })
                : undefined
            }
          />
        </>
      )}
      {canChange && <AddSchool round={round} onAdded={onChanged} />}
      <SchoolBrowser round={round} canChange={canChange} onChanged={onChanged} act={act} />
    </Section>
  );
}

function SchoolList({
  label,
  schools,
  action,
  onChanged,
}: {
  label: string;
  schools: RoundSchool[];
  action?: (s: RoundSchool) => { label: string; run: () => void } | null;
  onChanged: () => void;
}) {
  const [all, setAll] = useState(false);
  const shown = all ? schools : schools.slice(0, 50);
  return (
    <>
      <TableWrap label={label}>
        <table>
          <thead>
            <tr>
              <th>Code</th>
              <th>Naam</th>
              <th>SWV</th>
              <th>Status</th>
              <th>E-mailadres</th>
              {action && <th><span className="mr-sr-only">Acties</span></th>}
            </tr>
          </thead>
          <tbody>
            {shown.map((s) => {
              const a = action?.(s);
              return (
                <tr key={s.schoolId}>
                  <td>{s.locationCode}</td>
                  <td>{s.name}</td>
                  <td>{s.swvCode}</td>
                  <td>
                    {STATE_LABELS[s.state]}
                    {s.reason ? `: ${s.reason}` : ''}
                  </td>
                  <td>
                    <EmailCell schoolId={s.schoolId} email={s.email} usable={s.reason === 'ongeldig e-mailadres' ? false : undefined} onSaved={onChanged} />
                  </td>
                  {action && (
                    <td>
                      {a && (
                        <button className="secondary small" onClick={a.run} aria-label={`${a.label}: ${s.locationCode}`}>
                          {a.label}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
      {!all && schools.length > shown.length && (
        <button className="secondary" onClick={() => setAll(true)}>
          Toon alle {number(schools.length)}
        </button>
      )}
    </>
  );
}

/** All schools of the round by state, e.g. to exclude one that will be invited. */
function SchoolBrowser({
  round,
  canChange,
  onChanged,
  act,
}: {
  round: RoundDetail;
  canChange: boolean;
  onChanged: () => void;
  act: (run: () => Promise<unknown>) => Promise<void>;
}) {
  const [state, setState] = useState<RoundSchool['state'] | ''>('');
  const list = useCall('GET /api/rounds/:id/schools', state ? { params: { id: round.id }, query: { state } } : null);
  return (
    <details
      onToggle={(e) => {
        if (e.currentTarget.open && !state) setState(round.status === 'draft' ? 'to-invite' : 'invited');
      }}
    >
      <summary>Alle scholen van deze meting</summary>
      <label htmlFor="browse-state">Toon</label>
      <select id="browse-state" value={state} onChange={(e) => setState(e.target.value as RoundSchool['state'])}>
        <option value="to-invite">{round.status === 'draft' ? 'Worden uitgenodigd' : 'Nog uit te nodigen'}</option>
        <option value="invited">Uitgenodigd</option>
        <option value="unreachable">Onbereikbaar</option>
        <option value="excluded">Uitgesloten</option>
      </select>
      <ErrorMessage error={list.error} />
      {list.data && (
        <SchoolList
          label="Scholen van deze meting"
          schools={list.data}
          onChanged={() => {
            list.reload();
            onChanged();
          }}
          action={
            canChange && (state === 'to-invite' || state === 'invited')
              ? (s) => ({
                  label: 'Uitsluiten',
                  run: () =>
                    void act(() => call('POST /api/rounds/:id/schools/:schoolId/exclude', { params: { id: round.id, schoolId: s.schoolId } })).then(() => {
                      list.reload();
                    }),
                })
              : undefined
          }
        />
      )}
    </details>
  );
}

function AddSchool({ round, onAdded }: { round: RoundDetail; onAdded: () => void }) {
  const [code, setCode] = useState('');
  const [swvId, setSwvId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async () => {
    setError(null);
    setDone(null);
    try {
      const wanted = code.trim().toUpperCase();
      const found = await call('GET /api/schools', { query: { q: wanted, limit: 5 } });
      const school = found.schools.find((s) => s.locationCode === wanted);
      if (!school) return setError(`Vestiging ${wanted} is niet gevonden. Lees eerst de DUO-lijst in.`);
      const result = await call('POST /api/rounds/:id/schools/:schoolId/include', { params: { id: round.id, schoolId: school.id }, body: { swvId: swvId ? Number(swvId) : null } });
      setDone(`${school.name} doet mee (${STATE_LABELS[result.state]}).`);
      setCode('');
      onAdded();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <details>
      <summary>School toevoegen</summary>
      <form
        className="mr-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div>
          <label htmlFor="add-code">Vestigingscode</label>
          <input id="add-code" value={code} onChange={(e) => setCode(e.target.value)} required maxLength={6} placeholder="12AB00" />
        </div>
        <div>
          <label htmlFor="add-swv">Meetellen bij</label>
          <select id="add-swv" value={swvId} onChange={(e) => setSwvId(e.target.value)}>
            <option value="">Eigen samenwerkingsverband</option>
            {round.swvs.map((s) => (
              <option key={s.id} value={s.id}>
                {s.regionLetter} — {s.code}
              </option>
            ))}
          </select>
        </div>
        <div className="mr-actions">
          <button type="submit">Toevoegen</button>
        </div>
      </form>
      <ErrorMessage error={error} />
      {done && (
        <p className="mr-ok" role="status">
          {done}
        </p>
      )}
    </details>
  );
}

interface OpeningPlan {
  invitations: number;
  unreachable: number;
  swvs: number;
  perSwv: Array<{ code: string; name: string; count: number }>;
  sendAt: string;
  ahead: number;
  finishesAt: string;
  limits: { perMinute: number; perHour: number; perDay: number };
  capture: boolean;
  reminders: Array<{ afterDays: number; firstAt: string; lastAt: string; beforeClose: boolean }>;
  closesAt: string | null;
}

/**
 * Opening, with the plan of what it will send before the admin confirms: how many invitations,
 * to whom, from when (now or a chosen moment, nothing silent), at the relay's pace, and when
 * the reminders follow.
 */
function OpenSection({ round, preview, onOpened }: { round: RoundDetail; preview: RoundPreview; onOpened: (note: ReactNode) => void }) {
  const [confirming, setConfirming] = useState(false);
  // A round that opens later cannot invite before it opens: then the first choice is its opening.
  const opensLater = round.opens_at && new Date(round.opens_at).getTime() > Date.now() ? round.opens_at : null;
  const [when, setWhen] = useState<'now' | 'at'>('now');
  const [at, setAt] = useState(() => toDateTimeInput(opensLater ?? new Date()));
  const [plan, setPlan] = useState<OpeningPlan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const sendAt = when === 'now' ? null : fromDateTimeInput(at);

  useEffect(() => {
    if (!confirming) return;
    if (when === 'at' && !sendAt) return setPlan(null);
    let cancelled = false;
    api<OpeningPlan>('POST', `/api/mail/rounds/${round.id}/opening-plan`, { sendAt })
      .then((p) => !cancelled && setPlan(p))
      .catch((e) => !cancelled && setError(errorText(e)));
    return () => {
      cancelled = true;
    };
  }, [confirming, when, sendAt, round.id]);

  const open = async () => {
    setError(null);
    if (when === 'at' && !sendAt) return setError('Vul een geldig moment in.');
    try {
      const opened = await call('POST /api/rounds/:id/open', { params: { id: round.id }, body: { invitationsAt: when === 'now' ? null : sendAt } });
      onOpened(
        <>
          De meting is geopend: {number(opened.invited)} uitnodigingen aangemaakt.{' '}
          {opened.queued > 0 ? (
            <>
              {number(opened.queued)} e-mails staan nu in de <Link to="/mail/outbox">outbox</Link> en gaan uit in het tempo van de mailserver.
            </>
          ) : (
            opened.invitationsAt && <>De uitnodigingen gaan uit vanaf {formatDateTime(opened.invitationsAt, { zone: true })}.</>
          )}
        </>,
      );
      setConfirming(false);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <Section title="Meting openen" id="open-title">
      {!confirming ? (
        <button onClick={() => setConfirming(true)} disabled={round.swvs.length === 0}>
          Meting openen…
        </button>
      ) : (
        <div className="mr-confirm">
          <fieldset className="mr-when">
            <legend>Wanneer gaan de uitnodigingen uit?</legend>
            <label className="mr-radio">
              <input type="radio" name="open-when" checked={when === 'now'} onChange={() => setWhen('now')} />{' '}
              {opensLater ? `Bij de opening (${formatDateTime(opensLater, { zone: true })})` : 'Nu, direct na het openen'}
            </label>
            <label className="mr-radio">
              <input type="radio" name="open-when" checked={when === 'at'} onChange={() => setWhen('at')} /> Op een moment
            </label>
            {when === 'at' && (
              <div>
                <label htmlFor="open-at">Moment ({ZONE_LABEL})</label>
                <input id="open-at" type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} required />
              </div>
            )}
          </fieldset>
          {plan ? (
            <div data-testid="open-plan" aria-live="polite">
              <p>
                <strong>{number(plan.invitations)} uitnodigingen</strong>, één per school, naar het e-mailadres van de school, in{' '}
                {number(plan.swvs)} {plan.swvs === 1 ? 'samenwerkingsverband' : 'samenwerkingsverbanden'}.
                {plan.unreachable > 0 && ` ${number(plan.unreachable)} scholen zijn onbereikbaar en krijgen er (nog) geen.`}
              </p>
              <p>
                Versturen vanaf <strong>{formatDateTime(plan.sendAt, { zone: true })}</strong>, in het tempo van de mailserver (
                {limitsText(plan.limits)}): de laatste gaat rond {formatDateTime(plan.finishesAt)}.
                {plan.ahead > 0 && ` Eerst gaan nog ${number(plan.ahead)} andere e-mails die al wachten.`}
              </p>
              {plan.reminders.length === 0 ? (
                <p>Er is geen herinnering ingesteld.</p>
              ) : (
                plan.reminders.map((r) => (
                  <p key={r.afterDays}>
                    Herinnering: {r.afterDays} dagen na de eigen uitnodiging van elke school die dan nog niet heeft ingevuld, dus van{' '}
                    {formatDateTime(r.firstAt)} tot ongeveer {formatDateTime(r.lastAt)}.
                    {!r.beforeClose && ' Let op: dat is na de sluiting van de meting; deze herinnering gaat dan niet uit.'}
                  </p>
                ))
              )}
              {plan.capture && (
                <p className="mr-warning">Er is geen SMTP-server ingesteld: de e-mails worden niet echt verstuurd maar bewaard in de outbox.</p>
              )}
              <details>
                <summary>Per samenwerkingsverband</summary>
                <ul>
                  {plan.perSwv.map((s) => (
                    <li key={s.code}>
                      {s.code} {s.name}: {number(s.count)}
                    </li>
                  ))}
                </ul>
              </details>
            </div>
          ) : (
            <p>Bezig met berekenen…</p>
          )}
          <p>
            {preview.totals.unreachable > 0 && `${number(preview.totals.unreachable)} scholen zijn onbereikbaar. `}Na het openen liggen de
            vragenlijst en de samenwerkingsverbanden vast.
          </p>
          <div className="mr-actions">
            <button onClick={() => void open()} disabled={!plan}>
              Ja, meting openen
            </button>
            <button className="secondary" onClick={() => setConfirming(false)}>
              Annuleren
            </button>
          </div>
        </div>
      )}
      <ErrorMessage error={error} />
    </Section>
  );
}

function CloseSection({ round, onClosed }: { round: RoundDetail; onClosed: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = async () => {
    setError(null);
    try {
      await call('POST /api/rounds/:id/close', { params: { id: round.id } });
      setConfirming(false);
      onClosed();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <Section title="Meting sluiten" id="close-title">
      <p>De meting sluit vanzelf op de sluitdatum. Sluit haar eerder als het onderzoek genoeg respons heeft of stopt.</p>
      {!confirming ? (
        <button className="secondary" onClick={() => setConfirming(true)}>
          Meting nu sluiten…
        </button>
      ) : (
        <div className="mr-confirm">
          <p>
            Na het sluiten kunnen scholen hun vragenlijst niet meer invullen en gaan geplande herinneringen niet meer uit. Gegeven
            antwoorden blijven bewaard. Sluiten kan niet ongedaan worden gemaakt.
          </p>
          <div className="mr-actions">
            <button className="danger" onClick={() => void close()}>
              Ja, meting sluiten
            </button>
            <button className="secondary" onClick={() => setConfirming(false)}>
              Annuleren
            </button>
          </div>
        </div>
      )}
      <ErrorMessage error={error} />
    </Section>
  );
}

function CopySection({ round }: { round: RoundDetail }) {
  const { navigate } = useRouter();
  const [name, setName] = useState('');
  const [opens, setOpens] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Section title="Volgende meting" id="copy-title">
      <p className="mr-muted">
        Een kopie met dezelfde vragenlijst, samenwerkingsverbanden, situaties en regioletters, zodat de metingen te vergelijken zijn.
      </p>
      <form
        className="mr-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const copy = await call('POST /api/rounds/:id/copy', { params: { id: round.id }, body: { name, opensAt: fromDateInput(opens, 'opens') } });
            navigate(`/rounds/${copy.id}`);
          } catch (err) {
            setError(errorText(err));
          }
        }}
      >
        <div>
          <label htmlFor="copy-name">Naam van de nieuwe meting</label>
          <input id="copy-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </div>
        <div>
          <label htmlFor="copy-opens">Opent op</label>
          <input id="copy-opens" type="date" value={opens} onChange={(e) => setOpens(e.target.value)} />
        </div>
        <div className="mr-actions">
          <button type="submit">Kopiëren naar nieuwe meting</button>
        </div>
      </form>
      <ErrorMessage error={error} />
    </Section>
  );
}
