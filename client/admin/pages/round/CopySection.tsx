import { useState } from 'react';
import type { RoundDetail } from '../../../../contract/api/rounds';
import { call } from '../../../shared/api';
import { useRouter } from '../../router';
import { ActionForm, ErrorMessage, errorText, Section } from '../../ui/kit';
import { fromDateInput } from '../../../shared/time';

export function CopySection({ round }: { round: RoundDetail }) {
  const { navigate } = useRouter();
  const [name, setName] = useState('');
  const [opens, setOpens] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <Section title="Volgende meting" id="copy-title">
      <p className="mr-muted">
        Een kopie met dezelfde vragenlijst, samenwerkingsverbanden, situaties en regioletters, zodat de metingen te vergelijken zijn.
      </p>
      <ActionForm
        onSubmit={async () => {
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
      </ActionForm>
      <ErrorMessage error={error} />
    </Section>
  );
}
