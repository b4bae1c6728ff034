import { useState } from 'react';
import type { RoundDetail } from '../../../../contract/api/rounds';
import { call } from '../../../shared/api';
import { ConfirmActions, ErrorMessage, errorText, Section } from '../../ui/kit';

export function CloseSection({ round, onClosed }: { round: RoundDetail; onClosed: () => void }) {
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
          <ConfirmActions danger label="Ja, meting sluiten" onConfirm={() => void close()} onCancel={() => setConfirming(false)} />
        </div>
      )}
      <ErrorMessage error={error} />
    </Section>
  );
}
