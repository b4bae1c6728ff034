import { ROUND_STATUS_LABELS } from '../../../contract/vocabulary';
import { useState } from 'react';
import type { RoundListItem, RoundOptions } from '../../../contract/api/rounds';
import { call } from '../../shared/api';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { ZONE_LABEL, formatCloseMoment, formatDate, fromDateInput } from '../../shared/time';
import { ActionForm, ErrorMessage, errorText, number, Section, TableWrap, useCall } from '../ui/kit';
import { TableHead } from '../../shared/TableHead';

export type { RoundListItem, RoundOptions };

export const STATUS_LABELS: Record<string, string> = ROUND_STATUS_LABELS;

export function StatusBadge({ status }: { status: string }) {
  return <span className={`mr-badge ${status === 'open' ? 'open' : ''}`}>{STATUS_LABELS[status] ?? status}</span>;
}

/** "14, 28" → [14, 28]; null when it is not a list of whole numbers. */
export function parseDays(text: string): number[] | null {
  if (text.trim() === '') return [];
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const days = parts.map(Number);
  return days.every((d) => Number.isInteger(d) && d > 0) ? days : null;
}

/** Studies and their rounds (metingen); admins create both here. */
export function RoundsPage() {
  const user = useSession();
  const rounds = useCall('GET /api/rounds', {});
  const studies = useCall('GET /api/studies', {});
  const byStudy = new Map<string, RoundListItem[]>();
  for (const r of rounds.data ?? []) byStudy.set(r.studyName, [...(byStudy.get(r.studyName) ?? []), r]);

  return (
    <>
      <Section title="Metingen" id="rounds-title" level={1}>
        <ErrorMessage error={rounds.error} />
        {rounds.data && rounds.data.length === 0 && <p className="mr-muted">Er zijn nog geen metingen.</p>}
        {[...byStudy.entries()].map(([study, list]) => (
          <div key={study}>
            <h2 className="mr-subhead">{study}</h2>
            <TableWrap label={`Metingen van ${study}`}>
              <table>
                <TableHead columns={['Meting', 'Status', 'Open', 'Sluit', ["SWV's", 'num'], ['Uitgenodigd', 'num']]} />
                <tbody>
                  {list.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Link to={`/rounds/${r.id}`}>{r.name}</Link>
                      </td>
                      <td>
                        <StatusBadge status={r.status} />
                      </td>
                      <td>{formatDate(r.opensAt)}</td>
                      <td>{formatCloseMoment(r.closesAt)}</td>
                      <td className="num">{number(r.swvs)}</td>
                      <td className="num">{number(r.invitations)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </div>
        ))}
      </Section>
      {user.role === 'admin' && (
        <>
          <NewRound studies={studies.data ?? []} />
          <NewStudy onCreated={studies.reload} />
        </>
      )}
    </>
  );
}

function NewStudy({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [senderName, setSenderName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  return (
    <Section title="Nieuw onderzoek" id="new-study-title">
      <ActionForm
        onSubmit={async () => {
          setError(null);
          try {
            await call('POST /api/studies', { body: { name, senderName: senderName.trim() || null } });
            setDone(`Onderzoek "${name}" is aangemaakt.`);
            setName('');
            setSenderName('');
            onCreated();
          } catch (err) {
            setError(errorText(err));
          }
        }}
      >
        <div>
          <label htmlFor="study-name">Naam van het onderzoek</label>
          <input id="study-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </div>
        <div>
          <label htmlFor="study-sender">Afzendernaam in de e-mail</label>
          <input
            id="study-sender"
            value={senderName}
            onChange={(e) => setSenderName(e.target.value)}
            maxLength={200}
            placeholder="Onderzoeksteam IMAGE"
            aria-describedby="study-sender-hint"
          />
          <small id="study-sender-hint" className="mr-muted">
            Scholen zien deze naam onder de uitnodiging en de herinnering ({'{{afzender}}'}). Leeg: de naam van het afzenderadres.
          </small>
        </div>
        <div className="mr-actions">
          <button type="submit">Onderzoek aanmaken</button>
        </div>
      </ActionForm>
      <ErrorMessage error={error} />
      {done && <p className="mr-ok" role="status">{done}</p>}
    </Section>
  );
}

function NewRound({ studies }: { studies: Array<{ id: number; name: string }> }) {
  const { navigate } = useRouter();
  const options = useCall('GET /api/rounds/options', {});
  const [studyId, setStudyId] = useState('');
  const [name, setName] = useState('');
  const [questionnaireId, setQuestionnaireId] = useState('');
  const [opens, setOpens] = useState('');
  const [closes, setCloses] = useState('');
  const [reminders, setReminders] = useState('14');
  const [target, setTarget] = useState('');
  const [error, setError] = useState<string | null>(null);
  const study = studyId || (studies[0] ? String(studies[0].id) : '');

  const submit = async () => {
    setError(null);
    const reminderDays = parseDays(reminders);
    if (!reminderDays) return setError('Herinneringen: geef dagen als hele getallen, bijvoorbeeld "14" of "14, 28".');
    try {
      const round = await call('POST /api/rounds', { body: {
        studyId: Number(study),
        name,
        questionnaireId: questionnaireId || null,
        opensAt: fromDateInput(opens, 'opens'),
        closesAt: fromDateInput(closes, 'closes'),
        reminderDays,
        targetRespondents: target ? Number(target) : null,
      } });
      navigate(`/rounds/${round.id}`);
    } catch (e) {
      setError(errorText(e));
    }
  };

  if (studies.length === 0) {
    return (
      <Section title="Nieuwe meting" id="new-round-title">
        <p className="mr-muted">Maak eerst een onderzoek aan.</p>
      </Section>
    );
  }
  return (
    <Section title="Nieuwe meting" id="new-round-title">
      <ActionForm onSubmit={submit}>
        <div>
          <label htmlFor="round-study">Onderzoek</label>
          <select id="round-study" value={study} onChange={(e) => setStudyId(e.target.value)}>
            {studies.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="round-name">Naam van de meting</label>
          <input id="round-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder="Meting 2024" />
        </div>
        <div>
          <label htmlFor="round-questionnaire">Vragenlijst</label>
          <select id="round-questionnaire" value={questionnaireId} onChange={(e) => setQuestionnaireId(e.target.value)}>
            <option value="">Later kiezen</option>
            {(options.data?.questionnaires ?? []).map((q) => (
              <option key={q.id} value={q.id} disabled={!q.usable}>
                {q.title} ({q.id}){q.usable ? '' : ' — bevat fouten'}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="round-opens">Opent op</label>
          <input id="round-opens" type="date" value={opens} onChange={(e) => setOpens(e.target.value)} />
        </div>
        <div>
          <label htmlFor="round-closes">Sluit op</label>
          <input id="round-closes" type="date" value={closes} onChange={(e) => setCloses(e.target.value)} aria-describedby="round-closes-hint" />
          <small id="round-closes-hint" className="mr-muted">
            Open tot en met die dag (tot middernacht, {ZONE_LABEL}). Leeg:{' '}
            {options.data?.defaultRoundDays === 42 ? 'zes weken' : `${options.data?.defaultRoundDays ?? 42} dagen`} na opening.
          </small>
        </div>
        <div>
          <label htmlFor="round-reminders">Herinnering na (dagen)</label>
          <input id="round-reminders" value={reminders} onChange={(e) => setReminders(e.target.value)} inputMode="numeric" />
        </div>
        <div>
          <label htmlFor="round-target">Streefaantal respondenten</label>
          <input id="round-target" type="number" min={1} value={target} onChange={(e) => setTarget(e.target.value)} />
        </div>
        <div className="mr-actions">
          <button type="submit">Meting aanmaken</button>
        </div>
      </ActionForm>
      <ErrorMessage error={error ?? options.error} />
    </Section>
  );
}
