import { useEffect, useState, type FormEvent } from 'react';
import type { PrivacyRound, PrivacySchool } from '../../../contract/api/privacy';
import { ApiError, call } from '../../shared/api';
import { formatCalendarDay as formatDate, formatDateTime } from '../../shared/time';

type RoundRow = PrivacyRound;
type SchoolRow = PrivacySchool;

const message = (e: unknown, fallback: string) => (e instanceof ApiError ? e.message : fallback);

/** Retention dates, the retention purge, and deleting one school's data in a round (AVG/GDPR). */
export function PrivacyPage() {
  const [data, setData] = useState<{ today: string; rounds: RoundRow[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = () =>
    call('GET /api/privacy/rounds')
      .then(setData)
      .catch((e) => setError(message(e, 'De metingen konden niet worden geladen.')));
  useEffect(() => {
    void load();
  }, []);

  async function purge() {
    setError(null);
    setNotice(null);
    try {
      const result = await call('POST /api/privacy/purge');
      setNotice(result.purged.length === 0 ? 'Er was geen meting op te schonen.' : `${result.purged.length} meting(en) opgeschoond.`);
      await load();
    } catch (e) {
      setError(message(e, 'Opschonen is niet gelukt.'));
    }
  }

  return (
    <>
      <section className="mr-card">
        <h1>Privacy</h1>
        <p className="mr-muted">
          Na de bewaardatum van een meting worden de e-mailadressen, persoonlijke links en verstuurde e-mails verwijderd. De antwoorden
          blijven bewaard, maar zijn dan niet meer te herleiden tot een school.
        </p>
        <p>
          <button className="secondary" onClick={purge}>Verlopen metingen nu opschonen</button>
        </p>
      </section>
      {notice && <p className="mr-notice" role="status">{notice}</p>}
      {error && <p className="mr-error" role="alert">{error}</p>}
      {data === null && !error && <p>Bezig met laden…</p>}
      {data && data.rounds.length === 0 && <p className="mr-muted">Er zijn nog geen metingen.</p>}
      {data && data.rounds.length > 0 && (
        <>
          <h2>Bewaardatum per meting</h2>
          <ul className="mr-list" aria-label="Metingen">
            {data.rounds.map((round) => (
              <RoundRetention key={round.id} round={round} today={data.today} onSaved={(text) => { setNotice(text); void load(); }} />
            ))}
          </ul>
          <EraseSchool rounds={data.rounds.filter((r) => !r.purgedAt)} onErased={() => void load()} />
        </>
      )}
    </>
  );
}

function RoundRetention({ round, today, onSaved }: { round: RoundRow; today: string; onSaved: (text: string) => void }) {
  const [date, setDate] = useState(round.retentionUntil ?? '');
  const [error, setError] = useState<string | null>(null);

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await call('PUT /api/privacy/rounds/:roundId/retention', { params: { roundId: round.id }, body: { retentionUntil: date || null } });
      onSaved(date ? `De bewaardatum van ${round.name} is ${formatDate(date)}.` : `${round.name} heeft geen bewaardatum meer.`);
    } catch (e) {
      setError(message(e, 'De bewaardatum kon niet worden opgeslagen.'));
    }
  }

  return (
    <li className="mr-card">
      <h3 className="mr-list-title">{round.name}</h3>
      <p className="mr-muted">
        {round.studyName} · {round.invitations} uitgenodigd · sluit {formatDate(round.closesOn)}
        {round.erased > 0 && ` · gegevens van ${round.erased} school/scholen verwijderd`}
      </p>
      {round.purgedAt ? (
        <p>Contactgegevens verwijderd op {formatDateTime(round.purgedAt)}; de antwoorden zijn gepseudonimiseerd.</p>
      ) : (
        <form onSubmit={save} aria-label={`Bewaardatum ${round.name}`}>
          <label htmlFor={`retention-${round.id}`}>Contactgegevens verwijderen op</label>
          <div className="mr-inline">
            <input id={`retention-${round.id}`} type="date" min={today} value={date} onChange={(e) => setDate(e.target.value)} />
            <button type="submit">Opslaan</button>
          </div>
          {error && <p className="mr-error" role="alert">{error}</p>}
        </form>
      )}
    </li>
  );
}

function EraseSchool({ rounds, onErased }: { rounds: RoundRow[]; onErased: () => void }) {
  const [roundId, setRoundId] = useState<number | null>(rounds[0]?.id ?? null);
  const [query, setQuery] = useState('');
  const [schools, setSchools] = useState<SchoolRow[] | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function search(event?: FormEvent) {
    event?.preventDefault();
    if (roundId === null) return;
    setError(null);
    try {
      const result = await call('GET /api/privacy/rounds/:roundId/schools', { params: { roundId }, query: { q: query } });
      setSchools(result.schools);
    } catch (e) {
      setError(message(e, 'Zoeken is niet gelukt.'));
    }
  }

  async function erase(school: SchoolRow) {
    if (roundId === null) return;
    setError(null);
    setNotice(null);
    try {
      const result = await call('DELETE /api/privacy/rounds/:roundId/schools/:schoolId', { params: { roundId, schoolId: school.schoolId } });
      setNotice(`De gegevens van ${school.name} zijn verwijderd: ${result.responses} antwoordenset(s) en ${result.messages} e-mail(s), het e-mailadres en de persoonlijke link.`);
      setConfirming(null);
      await search();
      onErased();
    } catch (e) {
      setError(message(e, 'Verwijderen is niet gelukt.'));
    }
  }

  if (rounds.length === 0) return null;
  return (
    <section className="mr-card">
      <h2>Gegevens van één school verwijderen</h2>
      <p className="mr-muted">
        Op verzoek van een school: haar antwoorden, haar e-mails, haar e-mailadres en haar persoonlijke link in deze meting worden
        definitief verwijderd. Het logboek vermeldt alleen dát er is verwijderd.
      </p>
      <form onSubmit={search} aria-label="School zoeken">
        <label htmlFor="erase-round">Meting</label>
        <select id="erase-round" value={roundId ?? ''} onChange={(e) => { setRoundId(Number(e.target.value)); setSchools(null); }}>
          {rounds.map((r) => (
            <option key={r.id} value={r.id}>{r.studyName}: {r.name}</option>
          ))}
        </select>
        <label htmlFor="erase-query">School (naam of BRIN + vestiging)</label>
        <div className="mr-inline">
          <input id="erase-query" value={query} onChange={(e) => setQuery(e.target.value)} minLength={2} maxLength={100} required />
          <button type="submit">Zoeken</button>
        </div>
      </form>
      {notice && <p className="mr-notice" role="status">{notice}</p>}
      {error && <p className="mr-error" role="alert">{error}</p>}
      {schools && schools.length === 0 && <p>Geen school gevonden in deze meting.</p>}
      {schools && schools.length > 0 && (
        <ul className="mr-list" aria-label="Gevonden scholen">
          {schools.map((school) => (
            <li key={school.invitationId}>
              <strong>{school.name}</strong> <span className="mr-muted">{school.locationCode}{school.city ? `, ${school.city}` : ''}</span>
              {school.erasedAt ? (
                <p className="mr-muted">Gegevens verwijderd op {formatDateTime(school.erasedAt)}.</p>
              ) : confirming === school.invitationId ? (
                <p className="mr-actions">
                  <button className="danger" onClick={() => erase(school)}>Definitief verwijderen</button>
                  <button className="secondary" onClick={() => setConfirming(null)}>Annuleren</button>
                </p>
              ) : (
                <p>
                  <button className="secondary" onClick={() => setConfirming(school.invitationId)}>Gegevens verwijderen…</button>
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
