import type { ChartConfiguration } from 'chart.js';
import { useMemo, useState } from 'react';
import { baseOptions, ChartCanvas, COLORS, type Marker } from '../../shared/tracking/charts';
import { formatCount } from '../../shared/tracking/format';
import { formatCalendarDay, formatCalendarDayShort } from '../../shared/time';
import type { DashboardSnapshot, SwvRow } from '../../../contract/api/tracking';

const KIND = { invitation: 'Uitnodiging', reminder: 'Herinnering' } as const;

/** Completed responses per day and in total, with every mailing marked. */
export function TimelineChart({ snapshot, large }: { snapshot: DashboardSnapshot; large: boolean }) {
  const { days, mailings } = snapshot.timeline;
  const config = useMemo<ChartConfiguration<'bar' | 'line'>>(() => {
    const index = new Map(days.map((d, i) => [d.date, i]));
    const markers: Marker[] = mailings
      .filter((m) => index.has(m.date))
      .map((m) => ({ index: index.get(m.date)!, label: `${KIND[m.kind]}${m.status === 'scheduled' ? ' (gepland)' : ''}` }));
    const options = baseOptions(large);
    return {
      type: 'bar',
      data: {
        labels: days.map((d) => formatCalendarDayShort(d.date)),
        datasets: [
          { type: 'bar', label: 'Ingevuld per dag', data: days.map((d) => d.completed), backgroundColor: COLORS.currentLight, yAxisID: 'y', order: 2 },
          {
            type: 'line',
            label: 'Ingevuld totaal',
            data: days.map((d) => d.cumulative),
            borderColor: COLORS.current,
            backgroundColor: COLORS.current,
            pointRadius: 0,
            borderWidth: large ? 4 : 2,
            yAxisID: 'total',
            order: 1,
          },
        ],
      },
      options: {
        ...options,
        scales: {
          x: options.scales.x,
          y: { ...options.scales.y, title: { display: true, text: 'per dag', font: { size: options.font.size } } },
          total: { ...options.scales.y, position: 'right', grid: { display: false }, title: { display: true, text: 'totaal', font: { size: options.font.size } } },
        },
        plugins: {
          ...options.plugins,
          tooltip: {
            ...options.plugins.tooltip,
            callbacks: { title: (items) => (items[0] ? formatCalendarDay(days[items[0].dataIndex]!.date) : '') },
          },
          mrMarkers: { markers, fontSize: large ? 16 : 12 },
        },
      },
    };
  }, [days, mailings, large]);

  return (
    <section className="mr-card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Ingevulde vragenlijsten in de tijd</h2>
      {days.length === 0 ? (
        <p className="mr-muted">Nog geen gegevens: de meting is nog niet begonnen.</p>
      ) : (
        <>
          <ChartCanvas config={config} label="Ingevulde vragenlijsten per dag en in totaal, met de verstuurde mailings" height={large ? 420 : 300} />
          <ul className="mr-mailings">
            {mailings.map((m) => (
              <li key={m.id}>
                <span className="mr-marker" aria-hidden="true" /> {KIND[m.kind]} {m.status === 'scheduled' ? 'gepland op' : 'op'} {formatCalendarDay(m.date)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

const swvLabel = (r: SwvRow) => `${r.regionLetter ?? '–'} ${r.sector.toUpperCase()} (${r.code})`;

/** Each SWV next to its previous round: completed responses, and the course of one SWV day by day. */
export function PreviousRoundCharts({ snapshot, large }: { snapshot: DashboardSnapshot; large: boolean }) {
  const previous = snapshot.round.previousRound;
  const rows = snapshot.swvs;
  const [selected, setSelected] = useState<number | null>(null);
  const chosen = rows.find((r) => r.swvId === selected) ?? rows.find((r) => r.previous) ?? rows[0] ?? null;

  const bars = useMemo<ChartConfiguration<'bar' | 'line'>>(() => {
    const options = baseOptions(large);
    return {
      type: 'bar',
      data: {
        labels: rows.map(swvLabel),
        datasets: [
          { label: previous?.name ?? 'Vorige meting', data: rows.map((r) => r.previous?.completed ?? 0), backgroundColor: COLORS.previous },
          { label: snapshot.round.name, data: rows.map((r) => r.completed), backgroundColor: COLORS.current },
        ],
      },
      options: { ...options, indexAxis: 'y', scales: { x: { ...options.scales.y }, y: { ...options.scales.x, ticks: { ...options.scales.x.ticks, autoSkip: false } } } },
    };
  }, [rows, previous, snapshot.round.name, large]);

  const course = useMemo<ChartConfiguration<'bar' | 'line'>>(() => {
    const options = baseOptions(large);
    const { start, previousStart } = snapshot.timeline;
    const cumulative = (days: Record<string, number>, from: string | null, length: number) => {
      const out: number[] = [];
      if (!from) return out;
      let total = 0;
      const base = Date.parse(`${from}T00:00:00Z`);
      for (const [date, n] of Object.entries(days)) if (/^\d{4}-\d{2}-\d{2}$/.test(date) && Date.parse(`${date}T00:00:00Z`) < base) total += n;
      for (let i = 0; i < length; i++) {
        total += days[new Date(base + i * 86_400_000).toISOString().slice(0, 10)] ?? 0;
        out.push(total);
      }
      return out;
    };
    const length = Math.max(snapshot.timeline.days.length, 42);
    return {
      type: 'line',
      data: {
        labels: Array.from({ length }, (_, i) => `dag ${i + 1}`),
        datasets: [
          {
            label: previous?.name ?? 'Vorige meting',
            data: chosen?.previous ? cumulative(chosen.previous.days, previousStart, length) : [],
            borderColor: COLORS.previous,
            backgroundColor: COLORS.previous,
            pointRadius: 0,
            borderWidth: large ? 4 : 2,
          },
          {
            label: snapshot.round.name,
            data: chosen ? cumulative(chosen.days, start, snapshot.timeline.days.length) : [],
            borderColor: COLORS.current,
            backgroundColor: COLORS.current,
            pointRadius: 0,
            borderWidth: large ? 4 : 2,
          },
        ],
      },
      options,
    };
  }, [chosen, previous, snapshot.timeline, snapshot.round.name, large]);

  if (!previous) {
    return (
      <section className="mr-card">
        <h2>Vergelijking met de vorige meting</h2>
        <p className="mr-muted">Deze meting heeft geen vorige meting om mee te vergelijken.</p>
      </section>
    );
  }
  return (
    <section className="mr-card" aria-labelledby="compare-title">
      <h2 id="compare-title">
        {snapshot.round.name} naast {previous.name}
      </h2>
      <ChartCanvas config={bars} label={`Ingevulde vragenlijsten per samenwerkingsverband, ${snapshot.round.name} naast ${previous.name}`} height={Math.max(240, rows.length * (large ? 56 : 40))} />
      {chosen && (
        <>
          <label htmlFor="compare-swv">Verloop per samenwerkingsverband (dagen sinds de start)</label>
          <select id="compare-swv" value={chosen.swvId} onChange={(e) => setSelected(Number(e.target.value))}>
            {rows.map((r) => (
              <option key={r.swvId} value={r.swvId}>
                {swvLabel(r)} {r.name}
                {r.previous ? '' : ' (nieuw)'}
              </option>
            ))}
          </select>
          <ChartCanvas config={course} label={`Verloop van ${chosen.name}: ${snapshot.round.name} naast ${previous.name}`} height={large ? 380 : 260} />
          <p className="mr-muted mr-small">
            {chosen.name}: {formatCount(chosen.completed)} ingevuld in {snapshot.round.name}
            {chosen.previous ? `, ${formatCount(chosen.previous.completed)} in ${previous.name}` : `; deed niet mee aan ${previous.name}`}.
          </p>
        </>
      )}
    </section>
  );
}
