import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartType,
  type Plugin,
} from 'chart.js';
import { useEffect, useRef } from 'react';
import { formatCount } from './format';

// Only what the tracking charts draw, so the bundle carries no more of chart.js than that.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

export const COLORS = {
  current: '#1d5e8c',
  currentLight: 'rgba(29, 94, 140, 0.35)',
  previous: '#b4621b',
  marker: '#6b3fa0',
  grid: '#d9dee5',
  ink: '#1f2a37',
};

export interface Marker {
  /** Index on the category axis. */
  index: number;
  label: string;
}

declare module 'chart.js' {
  interface PluginOptionsByType<TType extends ChartType> {
    mrMarkers?: { markers?: Marker[]; fontSize?: number };
  }
}

/** Dashed vertical lines with a label, for the mailings on the timeline. */
const markerPlugin: Plugin<'bar' | 'line'> = {
  id: 'mrMarkers',
  afterDatasetsDraw(chart) {
    const markers = chart.options.plugins?.mrMarkers;
    if (!markers?.markers?.length) return;
    const { ctx, chartArea } = chart;
    const x = chart.scales.x;
    if (!x) return;
    ctx.save();
    ctx.strokeStyle = COLORS.marker;
    ctx.fillStyle = COLORS.marker;
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.font = `${markers.fontSize ?? 12}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    let row = 0;
    for (const marker of markers.markers) {
      // chart.js hands plugin options over as deep-partial.
      if (marker?.index === undefined || marker.label === undefined) continue;
      const px = x.getPixelForValue(marker.index);
      if (px < chartArea.left - 1 || px > chartArea.right + 1) continue;
      ctx.beginPath();
      ctx.moveTo(px, chartArea.top);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      const width = ctx.measureText(marker.label).width;
      const left = Math.min(px + 4, chartArea.right - width);
      ctx.fillText(marker.label, left, chartArea.top + 2 + (row % 3) * ((markers.fontSize ?? 12) + 4));
      row += 1;
    }
    ctx.restore();
  },
};
Chart.register(markerPlugin);

/** A chart.js chart on a canvas, updated in place when its configuration changes. */
export function ChartCanvas({ config, label, height = 280 }: { config: ChartConfiguration<'bar' | 'line'>; label: string; height?: number }) {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const chart = useRef<Chart<'bar' | 'line'> | null>(null);

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, config);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
    // Created once; later configurations update it below.
  }, []);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data = config.data;
    if (config.options) current.options = config.options;
    current.update('none');
  }, [config]);

  return (
    <div className="mr-chart" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

/** Options every tracking chart shares: Dutch numbers, readable fonts, no animation (live data). */
export function baseOptions(large: boolean) {
  const size = large ? 18 : 13;
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false as const,
    locale: 'nl-NL',
    font: { size },
    scales: {
      x: { ticks: { font: { size }, color: COLORS.ink, autoSkip: true, maxRotation: 0 }, grid: { display: false } },
      y: {
        beginAtZero: true,
        ticks: { font: { size }, color: COLORS.ink, precision: 0, callback: (v: string | number) => formatCount(Number(v)) },
        grid: { color: COLORS.grid },
      },
    },
    plugins: {
      legend: { labels: { font: { size }, color: COLORS.ink } },
      tooltip: { bodyFont: { size }, titleFont: { size } },
    },
  };
}
