import { useState } from 'react';
import type { RoundDetail, RoundPreview, RoundSchool } from '../../../../contract/api/rounds';
import { call } from '../../../shared/api';
import { ActionForm, ErrorMessage, errorText, number, Section, TableWrap, useCall } from '../../ui/kit';
import { EmailCell } from '../SchoolsPage';
import { STATE_LABELS, situationText } from './labels';

export function PreviewSection({
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

export function SchoolList({
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
export function SchoolBrowser({
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

export function AddSchool({ round, onAdded }: { round: RoundDetail; onAdded: () => void }) {
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
      <ActionForm onSubmit={submit}>
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
      </ActionForm>
      <ErrorMessage error={error} />
      {done && (
        <p className="mr-ok" role="status">
          {done}
        </p>
      )}
    </details>
  );
}
