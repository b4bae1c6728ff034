import { formatCell } from './report-format';
import type { ReportFigure } from '../../contract/api/exports';

/**
 * The report's figures as SVG, drawn on the server from the same numbers as the tables:
 * horizontal bars, one group per category, one bar per measurement (the earlier one first).
 * 'stacked' bars split 100% over the series (Figuur 1); 'grouped' bars show one value each
 * (Figuur 15, 16). A value that is left out (not comparable, unreliable scale) is said in
 * words instead of drawn as zero.
 */

const PALETTE = ['#1f4e79', '#5b9bd5', '#bdd7ee', '#f4b183', '#a5a5a5', '#70ad47', '#ffc000'];
const MEASUREMENT_COLORS = ['#9dc3e6', '#1f4e79'];

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function wrap(text: string, max = 38): string[] {
  if (text.length <= max) return [text];
  const cut = text.lastIndexOf(' ', max);
  const first = cut > 10 ? text.slice(0, cut) : text.slice(0, max);
  const rest = text.slice(first.length).trim();
  return [first, rest.length > max ? `${rest.slice(0, max - 1)}…` : rest];
}

export function figureSvg(figure: ReportFigure): string {
  const labelWidth = 270;
  const plotWidth = 430;
  const barHeight = 18;
  const barGap = 4;
  const groupGap = 14;
  const top = 56;
  const measurements = figure.measurements;
  const perGroup = measurements.length * (barHeight + barGap) - barGap;
  const plotHeight = figure.categories.length * (perGroup + groupGap);
  const legendItems = figure.kind === 'stacked' ? (measurements.at(-1)?.series.map((s) => s.name) ?? []) : measurements.map((m) => m.name);
  const legendTop = top + plotHeight + 28;
  const width = labelWidth + plotWidth + 80;
  const height = legendTop + 24 * Math.ceil(legendItems.length / 3) + 8;
  const x = (value: number) => ((Math.min(figure.max, Math.max(figure.min, value)) - figure.min) / (figure.max - figure.min)) * plotWidth;
  const format = (v: number) => (figure.unit === '%' ? `${formatCell(v, 'pct')}%` : formatCell(v, 'mean'));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title" font-family="Arial, Helvetica, sans-serif" font-size="12">`,
    `<title id="title">${escape(figure.title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold" fill="#1f2a37">${escape(figure.title)}</text>`,
  );
  if (figure.note) parts.push(`<text x="8" y="38" fill="#5b6776">${escape(figure.note)}</text>`);
  // Axis with ticks.
  const ticks = figure.unit === '%' ? [0, 25, 50, 75, 100] : Array.from({ length: figure.max - figure.min + 1 }, (_, i) => figure.min + i);
  for (const t of ticks) {
    const tx = labelWidth + x(t);
    parts.push(`<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + plotHeight}" stroke="#e3e7ec"/>`);
    parts.push(`<text x="${tx}" y="${top + plotHeight + 14}" text-anchor="middle" fill="#5b6776">${figure.unit === '%' ? `${t}%` : t}</text>`);
  }
  figure.categories.forEach((category, c) => {
    const groupTop = top + c * (perGroup + groupGap);
    const lines = wrap(category);
    lines.forEach((line, i) =>
      parts.push(`<text x="${labelWidth - 8}" y="${groupTop + perGroup / 2 + 4 + (i - (lines.length - 1) / 2) * 13}" text-anchor="end" fill="#1f2a37">${escape(line)}</text>`),
    );
    measurements.forEach((m, k) => {
      const y = groupTop + k * (barHeight + barGap);
      if (measurements.length > 1) parts.push(`<text x="${labelWidth + plotWidth + 6}" y="${y + 13}" fill="#5b6776" font-size="10">${escape(m.name)}</text>`);
      if (figure.kind === 'stacked') {
        let offset = 0;
        const values = m.series.map((s) => s.values[c] ?? null);
        if (values.every((v) => v === null)) {
          parts.push(`<text x="${labelWidth + 4}" y="${y + 13}" fill="#5b6776" font-style="italic">geen gegevens</text>`);
          return;
        }
        m.series.forEach((s, si) => {
          const v = s.values[c] ?? 0;
          const w = x(v);
          parts.push(`<rect x="${labelWidth + offset}" y="${y}" width="${w.toFixed(2)}" height="${barHeight}" fill="${PALETTE[si % PALETTE.length]}"><title>${escape(`${m.name} · ${s.name}: ${format(v)}`)}</title></rect>`);
          if (w > 34) parts.push(`<text x="${labelWidth + offset + w / 2}" y="${y + 13}" text-anchor="middle" fill="${si === 0 ? '#ffffff' : '#1f2a37'}" font-size="11">${format(v)}</text>`);
          offset += w;
        });
      } else {
        const v = m.series[0]?.values[c] ?? null;
        if (v === null) {
          parts.push(`<text x="${labelWidth + 4}" y="${y + 13}" fill="#5b6776" font-style="italic">niet getoond</text>`);
          return;
        }
        const w = x(v);
        const color = MEASUREMENT_COLORS[measurements.length > 1 ? k : 1]!;
        parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(2)}" height="${barHeight}" fill="${color}"><title>${escape(`${m.name}: ${format(v)}`)}</title></rect>`);
        parts.push(`<text x="${labelWidth + w + 4}" y="${y + 13}" fill="#1f2a37" font-size="11">${format(v)}</text>`);
      }
    });
  });
  legendItems.forEach((name, i) => {
    const lx = 8 + (i % 3) * 240;
    const ly = legendTop + Math.floor(i / 3) * 24;
    const color = figure.kind === 'stacked' ? PALETTE[i % PALETTE.length] : MEASUREMENT_COLORS[legendItems.length > 1 ? i : 1];
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color}"/>`, `<text x="${lx + 18}" y="${ly}" fill="#1f2a37">${escape(name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
