import { useEffect, useRef, useState } from 'react';
import { ApiError, call } from '../../shared/api';
import { formatCount, formatRate } from '../../shared/tracking/format';
import type { DimensionResult, LaggingGroup, Representativeness } from '../../../contract/api/analysis';
import type { DashboardSnapshot } from '../../../contract/api/tracking';
import { formatDateTime, fromDateTimeInput as fromLocalInput, toDateTimeInput as toLocalInput } from '../../shared/time';
import { TableHead } from '../../shared/TableHead';
import { TableWrap } from '../../shared/TableWrap';

/** How long to wait after a live update before counting again (changes often come in bursts). */
const REFETCH_DELAY_MS = 1500;

const decimal1 = new Intl.NumberFormat('nl-NL', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const decimal3 = new Intl.NumberFormat('nl-NL', { minimumFractionDigits: 3, maximumFractionDigits: 3 });

function verdict(d: DimensionResult): string {
  if (!d.available) return 'niet bekend';
  if (!d.test) return 'geen toets';
  const p = d.test.pValue < 0.001 ? 'p < 0,001' : `p = ${decimal3.format(d.test.pValue)}`;
  return d.test.pValue < 0.05 ? `wijkt af (${p})` : `geen aanwijzing voor scheefheid (${p})`;
}

function DimensionTable({ d, open }: { d: DimensionResult; open: boolean }) {
  return (
    <details open={open} className="mr-dimension" data-dimension={d.key}>
      <summary>
        <strong>{d.title}</strong> <span className="mr-muted">— {verdict(d)}</span>
      </summary>
      {d.available && d.categories.length > 0 && (
        <TableWrap label={`Tabel: representativiteit naar ${d.title.toLowerCase()}`}>
          <table className="mr-table" data-testid={`repr-${d.key}`}>
            <TableHead scoped columns={[d.title, ['Uitgenodigd', 'num'], ['Aandeel', 'num'], ['Ingevuld', 'num'], ['Aandeel', 'num'], ['Verwacht', 'num'], ['Respons', 'num']]} />
            <tbody>
              {d.categories.map((c) => (
                <tr key={c.key} className={c.invited > 0 && c.completed < c.expected - 0.5 ? 'mr-behind' : undefined}>
                  <th scope="row" className="mr-school">{c.label}</th>
                  <td className="num">{formatCount(c.invited)}</td>
                  <td className="num">{formatRate(c.invitedShare)}</td>
                  <td className="num">{formatCount(c.completed)}</td>
                  <td className="num">{formatRate(c.completedShare)}</td>
                  <td className="num">{decimal1.format(c.expected)}</td>
                  <td className="num">{formatRate(c.responseRate)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Totaal</th>
                <td className="num">{formatCount(d.invited)}</td>
                <td className="num">{d.invited > 0 ? '100,0%' : '–'}</td>
                <td className="num">{formatCount(d.completed)}</td>
                <td className="num">{d.completed > 0 ? '100,0%' : '–'}</td>
                <td className="num">{decimal1.format(d.completed)}</td>
                <td className="num">{formatRate(d.invited > 0 ? d.completed / d.invited : null)}</td>
              </tr>
            </tfoot>
          </table>
        </TableWrap>
      )}
      <p data-testid={`repr-${d.key}-summary`}>{d.summary}</p>
      {d.test && (
        <p className="mr-muted mr-small">
          χ² = {decimal1.format(d.test.statistic)}, vrijheidsgraden {d.test.df}, p = {decimal3.format(d.test.pValue)}
          {d.mergeNote ? ` · ${d.mergeNote}` : ''}
        </p>
      )}
    </details>
  );
}

type Schedule = { group: LaggingGroup; when: 'now' | 'later'; at: string };

/** Admins plan a reminder wave for exactly one lagging group, through the mail-wave API. */
function ScheduleForm({ roundId, schedule, onChange, onDone, onCancel }: {
  roundId: number;
  schedule: Schedule;
  onChange: (s: Schedule) => void;
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [estimate, setEstimate] = useState<number | null>(null);
  const target = { status: 'not-completed' as const, ...schedule.group.filter };
  const dueAt = schedule.when === 'now' ? new Date().toISOString() : fromLocalInput(schedule.at);

  useEffect(() => {
    let cancelled = false;
    call('POST /api/mail/rounds/:roundId/estimate', { params: { roundId }, body: { kind: 'reminder', target, dueAt: new Date().toISOString() } })
      .then((e) => !cancelled && setEstimate(e.count))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
    // Estimated once per group: who is reached changes only as schools respond.
  }, [roundId, schedule.group.key]);

  const submit = async () => {
    setError(null);
    if (!dueAt) {
      setError('Kies een geldig tijdstip.');
      return;
    }
    setBusy(true);
    try {
      const created = await call('POST /api/mail/rounds/:roundId/mailings', { params: { roundId }, body: { kind: 'reminder', target, dueAt } });
      onDone(
        `Herinnering gepland voor ${schedule.group.label} (golf ${created.id}, ${schedule.when === 'now' ? 'gaat nu uit' : formatDateTime(dueAt)}).`,
      );
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Plannen mislukt.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="mr-notice" role="group" aria-label={`Herinnering voor ${schedule.group.label}`}>
      <p style={{ margin: 0 }}>
        Herinnering aan de scholen van <strong>{schedule.group.label}</strong> die nog niet hebben afgerond
        {estimate !== null ? ` (nu ${formatCount(estimate)} bereikbaar)` : ''}.
      </p>
      <div className="mr-row">
        <label className="mr-choice">
          <input type="radio" name="when" checked={schedule.when === 'now'} onChange={() => onChange({ ...schedule, when: 'now' })} /> Nu versturen
        </label>
        <label className="mr-choice">
          <input type="radio" name="when" checked={schedule.when === 'later'} onChange={() => onChange({ ...schedule, when: 'later' })} /> Op tijdstip
        </label>
        {schedule.when === 'later' && (
          <input type="datetime-local" aria-label="Tijdstip" value={schedule.at} onChange={(e) => onChange({ ...schedule, at: e.target.value })} />
        )}
      </div>
      <div className="mr-row">
        <button type="button" disabled={busy} onClick={() => void submit()}>Herinnering plannen</button>
        <button type="button" className="secondary" disabled={busy} onClick={onCancel}>Annuleren</button>
      </div>
      {error && <p className="mr-error" role="alert">{error}</p>}
    </div>
  );
}

/**
 * Is the response representative? Per dimension the invited against the completed schools with a
 * chi-square test, and the groups that lag most, each with a button for a reminder to exactly them.
 * Counted again (debounced) after every live update of the dashboard.
 */
export function RepresentativenessPanel({ roundId, snapshot, isAdmin }: { roundId: number; snapshot: DashboardSnapshot; isAdmin: boolean }) {
  const [data, setData] = useState<Representativeness | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [schedule, setSchedule] = useState<Schedule | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const first = useRef(true);

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      call('GET /api/analysis/rounds/:id/representativeness', { params: { id: roundId } })
        .then((value) => {
          if (cancelled) return;
          setData(value);
          setError(null);
        })
        .catch((e: unknown) => !cancelled && setError(e instanceof ApiError ? e.message : 'De representativiteit kon niet worden berekend.'));
    const delay = first.current ? 0 : REFETCH_DELAY_MS;
    first.current = false;
    const timer = setTimeout(() => void load(), delay);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [roundId, snapshot]);

  const open = snapshot.round.status !== 'closed';
  return (
    <section className="mr-card mr-repr" aria-labelledby="repr-title" data-testid="representativeness">
      <h2 id="repr-title">Representativiteit</h2>
      <p className="mr-muted mr-small">
        Zijn de scholen die invulden naar kenmerken zo verdeeld als de uitgenodigde scholen? Verwacht = het aantal ingevulde vragenlijsten als
        elke groep even goed had gerespondeerd als het geheel. De chi-kwadraattoets zegt of de verschillen groter zijn dan toeval.
      </p>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {!data ? (
        !error && <p>Bezig met berekenen…</p>
      ) : (
        <>
          <h3>Achterblijvende groepen</h3>
          {data.lagging.length === 0 ? (
            <p className="mr-muted" data-testid="lagging-none">
              {data.completed === 0 ? 'Nog geen ingevulde vragenlijsten.' : `Geen groep van minstens ${data.minGroupSize} scholen blijft duidelijk achter.`}
            </p>
          ) : (
            <>
              <p className="mr-muted mr-small">
                Groepen van minstens {data.minGroupSize} uitgenodigde scholen, gerangschikt naar het aantal ingevulde vragenlijsten dat ze tekortkomen
                bij evenredige respons.
              </p>
              <ol className="mr-lagging" data-testid="lagging-groups">
                {data.lagging.map((g) => (
                  <li key={g.key} data-group={g.key}>
                    <div>
                      <strong className="mr-lagging-name">{g.name}</strong>
                      <span className="mr-muted mr-small">
                        {' '}· {formatRate(g.responseRate)} respons, verwacht {decimal1.format(g.expected)}, {decimal1.format(g.shortfall)} te weinig
                      </span>
                    </div>
                    {isAdmin && open && (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => {
                          setDone(null);
                          setSchedule({ group: g, when: 'now', at: toLocalInput(new Date(Date.now() + 60 * 60 * 1000)) });
                        }}
                      >
                        Herinnering plannen voor deze groep
                      </button>
                    )}
                    {schedule?.group.key === g.key && (
                      <ScheduleForm
                        roundId={roundId}
                        schedule={schedule}
                        onChange={setSchedule}
                        onCancel={() => setSchedule(null)}
                        onDone={(text) => {
                          setSchedule(null);
                          setDone(text);
                        }}
                      />
                    )}
                  </li>
                ))}
              </ol>
            </>
          )}
          {done && <p role="status" data-testid="schedule-done">{done}</p>}
          <h3>Per kenmerk</h3>
          {data.dimensions.map((d) => (
            <DimensionTable key={d.key} d={d} open={d.key === 'sector' || d.key === 'swv'} />
          ))}
        </>
      )}
    </section>
  );
}
