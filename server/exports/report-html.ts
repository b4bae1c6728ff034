import { figureSvg } from './figures';
import type { RoundReport } from '../../contract/api/exports';

/**
 * The whole report as one printable page: the figures (inline SVG) and every table as the
 * platform prints it (Dutch decimal comma). Printing it in a browser ("Opslaan als PDF") gives
 * a clean PDF: A4 landscape, table headers repeated on each page, no table row or figure split.
 */

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function reportHtml(report: RoundReport): string {
  const figures = report.figures.map((f) => `<figure class="figure" id="${escape(f.id)}">${figureSvg(f)}</figure>`).join('\n');
  const tables = report.tables
    .map((t) => {
      const head = `<tr>${t.head.map((h, i) => `<th scope="col"${i > 0 ? ' class="num"' : ''}>${escape(h)}</th>`).join('')}</tr>`;
      const rows = t.rows
        .map((r) => `<tr${r.total ? ' class="total"' : ''}><th scope="row">${escape(r.label)}</th>${r.display.map((d) => `<td class="num">${escape(d)}</td>`).join('')}</tr>`)
        .join('\n');
      return `<section class="table" id="${escape(t.id)}"><h2>${escape(t.title)}</h2>${t.note ? `<p class="note">${escape(t.note)}</p>` : ''}<table><thead>${head}</thead><tbody>${rows}</tbody></table></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapport — ${escape(report.round.name)}</title>
<style>
@page{size:A4 landscape;margin:12mm}
body{font-family:Arial,Helvetica,sans-serif;color:#1f2a37;margin:1.5rem;font-size:13px}
h1{font-size:20px;margin:0 0 .25rem}h2{font-size:14px;margin:1.2rem 0 .2rem}
.note{color:#5b6776;margin:.1rem 0 .4rem;font-size:11px}
table{border-collapse:collapse;width:100%;margin-bottom:.5rem}
th,td{border-bottom:1px solid #d9dee5;padding:.2rem .4rem;text-align:left;vertical-align:top}
thead th{background:#f2f4f7}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total th,tr.total td{font-weight:bold}
.figure{margin:1rem 0}.figure svg{max-width:100%;height:auto}
@media print{body{margin:0;font-size:9px}th,td{padding:.1rem .25rem}thead th,thead th.num{white-space:normal;overflow-wrap:anywhere;hyphens:auto}tbody th{overflow-wrap:anywhere}thead{display:table-header-group}tr,.figure,h2,.note{break-inside:avoid}h2{break-after:avoid}.figure{break-inside:avoid}}
</style></head><body>
<h1>Rapport — ${escape(report.round.name)}</h1>
<p>${report.completed} volledig ingevulde vragenlijsten${report.previousRound ? `; vergeleken met ${escape(report.previousRound)} waar de vraag vergelijkbaar is` : ''}. Percentages met één decimaal, gemiddelden met twee; de basis (n) is wie de vraag kreeg, de optie te zien kreeg en antwoordde.</p>
<h2>Figuren</h2>
${figures}
${tables}
</body></html>
`;
}
