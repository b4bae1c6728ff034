import { useState } from 'react';
import type { RoundDetail } from '../../../../contract/api/rounds';
import { call } from '../../../shared/api';
import { closeDayInput, fromDateInput, toDateInput, ZONE_LABEL } from '../../../shared/time';
import { ActionForm, ErrorMessage, errorText } from '../../ui/kit';
import { parseDays, type RoundOptions } from '../RoundsPage';

export function Settings({ round, options, onSaved }: { round: RoundDetail; options: RoundOptions | null; onSaved: () => void }) {
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
    <ActionForm onSubmit={save}>
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
    </ActionForm>
  );
}
