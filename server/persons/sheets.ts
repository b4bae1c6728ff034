import ExcelJS from 'exceljs';
import { renderSVG } from 'uqr';
import { CLASS_GRADE_LABELS, type ClassGrade } from '../../contract/vocabulary';
import { escapeHtml } from '../mailings/templates';
import { formatCode } from '../invitations/person-links';

/**
 * What a coordinator prints: per class a sheet with one code per pupil (cut into slips) and a QR
 * code to the class link, a parent letter with the objection route, and the key list (XLSX) the
 * school keeps, with an empty name column the school fills in. Names never come back to us.
 * The HTML has no scripts (CSP: script-src 'self'); printing is the browser's own Ctrl+P.
 */
export interface SheetInput {
  schoolName: string;
  studyName: string;
  roundName: string;
  classLabel: string;
  grade: string;
  classLink: string;
  codes: Array<{ seq: number; code: string }>;
}

const gradeLabel = (grade: string) => CLASS_GRADE_LABELS[grade as ClassGrade] ?? grade;

const PRINT_CSS = `
  body { font-family: Arial, Helvetica, sans-serif; color: #111; margin: 1.5rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
  .intro { max-width: 48rem; }
  .slips { display: grid; grid-template-columns: repeat(2, 1fr); gap: 0; margin-top: 1rem; }
  .slip { border: 1px dashed #666; padding: .8rem 1rem; break-inside: avoid; page-break-inside: avoid; display: flex; gap: 1rem; align-items: center; }
  .slip svg { width: 6.5rem; height: 6.5rem; flex: none; }
  .code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 1.9rem; letter-spacing: .12em; font-weight: bold; }
  .small { font-size: .85rem; color: #333; word-break: break-all; }
  @media print { body { margin: 0; } .noprint { display: none; } }
`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${PRINT_CSS}</style></head><body>${body}</body></html>`;
}

export function codeSheetHtml(s: SheetInput): string {
  const qr = renderSVG(s.classLink, { border: 1, pixelSize: 4 });
  const slips = s.codes
    .map(
      (c) => `<div class="slip" data-seq="${c.seq}">${qr}<div><div>Leerling ${c.seq} · ${escapeHtml(s.classLabel)}</div>
        <div class="code" data-code="${c.code}">${formatCode(c.code)}</div>
        <div class="small">Scan de QR-code of ga naar<br>${escapeHtml(s.classLink)}<br>en typ deze code.</div></div></div>`,
    )
    .join('');
  return page(
    `Codes ${s.classLabel} – ${s.schoolName}`,
    `<h1>Codes voor klas ${escapeHtml(s.classLabel)} (${escapeHtml(gradeLabel(s.grade))})</h1>
    <p class="intro">${escapeHtml(s.schoolName)} · ${escapeHtml(s.studyName)}, ${escapeHtml(s.roundName)}.<br>
    Knip de strookjes los. Schrijf op de sleutellijst (Excel) welke leerling welk nummer krijgt; die lijst blijft op school.
    Geef leerlingen van wie de ouders bezwaar hebben gemaakt geen strookje.</p>
    <p class="noprint">Afdrukken: Ctrl+P (of Cmd+P).</p>
    <div class="slips">${slips}</div>`,
  );
}

export interface LetterInput {
  schoolName: string;
  studyName: string;
  roundName: string;
  classLabel: string;
  parentLink: string;
  consentMode: 'passive' | 'active';
}

export function parentLetterHtml(l: LetterInput): string {
  const passive = l.consentMode === 'passive';
  return page(
    `Brief aan ouders – ${l.classLabel}`,
    `<h1>Aan de ouders en verzorgers van de leerlingen van klas ${escapeHtml(l.classLabel)}</h1>
    <p class="intro">${escapeHtml(l.schoolName)} doet mee aan het onderzoek ${escapeHtml(l.studyName)} (${escapeHtml(l.roundName)}).
    In de klas vullen leerlingen een korte vragenlijst in op de computer of tablet. Uw kind krijgt daarvoor een persoonlijke code op een strookje.
    Wij vragen geen namen: de onderzoekers weten niet welke leerling bij welke code hoort. Alleen de school heeft die lijst.</p>
    ${
      passive
        ? `<p class="intro"><strong>Wilt u niet dat uw kind meedoet?</strong> Dan kunt u bezwaar maken. Ga naar <strong>${escapeHtml(l.parentLink)}</strong> en vul de code van uw kind in
        (de school geeft u die code), of laat het de leerkracht weten. Als uw kind al antwoorden heeft gegeven, worden die gewist.</p>`
        : `<p class="intro"><strong>Uw kind doet alleen mee als u daarvoor toestemming geeft.</strong> Ga naar <strong>${escapeHtml(l.parentLink)}</strong> en vul de code van uw kind in
        (de school geeft u die code). U kunt uw toestemming later altijd intrekken; antwoorden die uw kind al gaf worden dan gewist.</p>`
    }
    <p class="intro">Uw kind mag ook zelf kiezen: het eerste scherm vraagt of het mee wil doen, en stoppen mag altijd.</p>
    <p class="intro">Met vriendelijke groet,<br>${escapeHtml(l.schoolName)}</p>`,
  );
}

export async function keyListXlsx(s: Omit<SheetInput, 'classLink'>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(`Klas ${s.classLabel}`.slice(0, 31).replace(/[\\/?*[\]:]/g, '-'));
  sheet.columns = [
    { header: 'Nummer', key: 'seq', width: 10 },
    { header: 'Code', key: 'code', width: 14 },
    { header: 'Naam leerling (alleen op school bewaren)', key: 'name', width: 40 },
    { header: 'Bezwaar ouders (ja/nee)', key: 'objection', width: 24 },
  ];
  sheet.getRow(1).font = { bold: true };
  for (const c of s.codes) sheet.addRow({ seq: c.seq, code: formatCode(c.code), name: '', objection: '' });
  const info = workbook.addWorksheet('Uitleg');
  info.addRow([`${s.schoolName} · klas ${s.classLabel} · ${s.studyName}, ${s.roundName}`]);
  info.addRow(['Deze sleutellijst blijft op school. Stuur hem nooit naar de onderzoekers.']);
  info.addRow(['Bewaar hem tot de volgende meting: dan krijgt elke leerling dezelfde code (ook in een andere klas).']);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
