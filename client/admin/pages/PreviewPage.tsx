import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react';
import type { QuestionnaireListItem } from '../../../contract/api/questionnaires';
import { SITUATION_LABELS, SITUATIONS, type Situation } from '../../../contract/vocabulary';
import { ApiError, call, type Reply } from '../../shared/api';
import { ErrorMessage, SelectField, SWV_SECTOR_OPTIONS } from '../ui/kit';

// SurveyJS is large: only researchers who open a preview load it.
const PreviewSurvey = lazy(() => import('../../shared/survey/PreviewSurvey'));

type QuestionnaireRow = QuestionnaireListItem;
type Preview = Reply<'GET /api/preview/:questionnaireId'>;

const SITUATION_OPTIONS: Array<[string, string]> = [
  ['', 'Geen (vragenlijst zonder situaties)'],
  ...SITUATIONS.map((s): [string, string] => [s, SITUATION_LABELS[s]]),
];

/** A questionnaire version as a school in a chosen situation and sector sees it; stores nothing. */
export function PreviewPage() {
  const [questionnaires, setQuestionnaires] = useState<QuestionnaireRow[]>([]);
  const [id, setId] = useState('');
  const [situation, setSituation] = useState('po-ko');
  const [sector, setSector] = useState('po');
  const [preview, setPreview] = useState<(Preview & { label: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call('GET /api/questionnaires')
      .then((rows) => {
        setQuestionnaires(rows);
        setId(rows[0]?.id ?? '');
      })
      .catch((e) => setError(e instanceof ApiError ? e.message : 'De vragenlijsten konden niet worden geladen.'));
  }, []);

  async function show(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const query = { situation: (situation || undefined) as Situation | undefined, sector: (sector || undefined) as 'po' | 'vo' | undefined };
      const result = await call('GET /api/preview/:questionnaireId', { params: { questionnaireId: id }, query });
      const title = questionnaires.find((q) => q.id === id)?.title ?? id;
      const situationLabel = SITUATION_OPTIONS.find(([value]) => value === situation)?.[1] ?? '';
      setPreview({ ...result, label: `${title} · ${situation ? situationLabel.toLowerCase() : 'geen situatie'} · sector ${sector}` });
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Het voorbeeld kon niet worden geladen.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Voorbeeld van een vragenlijst</h1>
      <form className="mr-card" onSubmit={show}>
        <p className="mr-muted">Bekijk een vragenlijst zoals een school hem ziet. Er wordt niets opgeslagen.</p>
        <div className="mr-filters">
          <div>
            <label htmlFor="preview-questionnaire">Vragenlijst</label>
            <select id="preview-questionnaire" value={id} onChange={(e) => setId(e.target.value)}>
              {questionnaires.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.title} ({q.version ?? q.id}){q.problems ? ` – ${q.problems} problemen` : ''}
                </option>
              ))}
            </select>
          </div>
          <SelectField id="preview-situation" label="Samenwerkingssituatie" value={situation} onChange={setSituation} options={SITUATION_OPTIONS} />
          <SelectField id="preview-sector" label="Sector van het samenwerkingsverband" value={sector} onChange={setSector} options={SWV_SECTOR_OPTIONS} />
        </div>
        <div className="mr-actions">
          <button type="submit" disabled={busy || !id}>
            {busy ? 'Bezig…' : 'Voorbeeld tonen'}
          </button>
        </div>
        <ErrorMessage error={error} />
      </form>
      {preview && (
        <section aria-label="Voorbeeld" className="mr-preview">
          <p className="mr-muted" data-testid="preview-label">{preview.label}</p>
          <Suspense fallback={<p>Vragenlijst laden…</p>}>
            <PreviewSurvey key={preview.label + JSON.stringify(preview.variables)} questionnaire={preview.questionnaire} variables={preview.variables} />
          </Suspense>
        </section>
      )}
    </>
  );
}
