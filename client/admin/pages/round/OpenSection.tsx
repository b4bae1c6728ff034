import { useEffect, useState, type ReactNode } from 'react';
import type { OpeningPlan } from '../../../../contract/api/mailings';
import type { RoundDetail, RoundPreview } from '../../../../contract/api/rounds';
import { call } from '../../../shared/api';
import { formatDateTime, fromDateTimeInput, toDateTimeInput, ZONE_LABEL } from '../../../shared/time';
import { limitsText } from '../mail/format';
import { Link } from '../../router';
import { ConfirmActions, ErrorMessage, errorText, number, Section } from '../../ui/kit';

export type { OpeningPlan };

/**
 * Opening, with the plan of what it will send before the admin confirms: how many invitations,
 * to whom, from when (now or a chosen moment, nothing silent), at the relay's pace, and when
 * the reminders follow.
 */
export function OpenSection({ round, preview, onOpened }: { round: RoundDetail; preview: RoundPreview; onOpened: (note: ReactNode) => void }) {
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
    call('POST /api/mail/rounds/:roundId/opening-plan', { params: { roundId: round.id }, body: { sendAt } })
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
          <ConfirmActions label="Ja, meting openen" onConfirm={() => void open()} onCancel={() => setConfirming(false)} disabled={!plan} />
        </div>
      )}
      <ErrorMessage error={error} />
    </Section>
  );
}
