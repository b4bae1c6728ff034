import { useEffect, useState } from 'react';
import { SITUATION_LABELS, SITUATIONS as SITUATION_CODES } from '../../../contract/vocabulary';
import type { PrintModel } from '../../../contract/api/questionnaires-authoring';
import { ApiError, call } from '../../shared/api';
import { sanitizeHtml } from '../../shared/survey/sanitize';
import { Link, useRouter } from '../router';
import { ErrorMessage } from '../ui/kit';
import './questionnaire-print.css';

const SITUATIONS: Array<[string, string]> = [
  ['', 'Alle situaties tegelijk'],
  ...SITUATION_CODES.map((code): [string, string] => [code, SITUATION_LABELS[code]]),
];

/** Questionnaire HTML, sanitised on the server and here again (DOMPurify) before it is shown. */
function Html({ html, as: Tag = 'span', className }: { html: string; as?: 'span' | 'div' | 'h2' | 'h3'; className?: string }) {
  return <Tag className={className} dangerouslySetInnerHTML={{ __html: sanitizeHtml(html) }} />;
}

/**
 * The printable questionnaire (issue 27): every page and question with its options and which
 * respondents see it, for one situation or all at once. PDF: the browser's own print dialog
 * ("Opslaan als PDF" in Chromium); the print style sheet leaves out the menu and buttons.
 */
export function QuestionnairePrintPage({ params }: { params: Record<string, string> }) {
  const ref = params.ref!;
  const { search } = useRouter();
  const [situation, setSituation] = useState(search.get('situatie') ?? '');
  const [model, setModel] = useState<PrintModel | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setModel(null);
    call('GET /api/questionnaire-versions/:ref/print', { params: { ref }, query: situation ? { situation: situation as 'po-vo' } : {} })
      .then(setModel)
      .catch((e) => setError(e instanceof ApiError ? e.message : 'De vragenlijst kon niet worden geladen.'));
  }, [ref, situation]);

  useEffect(() => {
    if (model) document.title = `${model.title} ${model.version} – vragenlijst`;
  }, [model]);

  const situationLabel = SITUATIONS.find(([v]) => v === situation)?.[1] ?? '';
  return (
    <div className="mr-print">
      <div className="mr-print-controls">
        <p>
          <Link to="/vragenlijsten">← Vragenlijsten</Link>
        </p>
        <div className="mr-inline">
          <label htmlFor="print-situation">Situatie</label>
          <select id="print-situation" value={situation} onChange={(e) => setSituation(e.target.value)}>
            {SITUATIONS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => window.print()}>
            Afdrukken of opslaan als PDF
          </button>
        </div>
        <p className="mr-muted">Kies in het afdrukvenster van de browser ‘Opslaan als PDF’ om een PDF te downloaden.</p>
      </div>
      <ErrorMessage error={error} />
      {model && (
        <article aria-label="Vragenlijst om af te drukken">
          <header className="mr-print-head">
            <h1>{model.title}</h1>
            <p>
              Versie {model.version} ({model.key}) · {situation ? `situatie: ${situationLabel.toLowerCase()}` : 'alle situaties; [partner] en [thema] hangen af van de situatie'}
            </p>
          </header>
          {model.pages.map((page, p) => (
            <section key={page.name} className="mr-print-page" aria-label={`Pagina ${p + 1}`}>
              <h2>
                Pagina {p + 1}
                {page.title ? ': ' : ''}
                {page.title && <Html html={page.title} />}
              </h2>
              <p className="mr-print-who">Wie ziet deze pagina: {page.shownTo}</p>
              {page.description && <Html as="div" html={page.description} />}
              {page.elements.map((e) =>
                e.kind === 'html' ? (
                  <Html key={e.name || e.title} as="div" className="mr-print-text" html={e.title} />
                ) : (
                  <div key={e.name} className="mr-print-question" data-question={e.name}>
                    <h3>
                      {e.number}. <Html html={e.title} />
                      {e.required && <span aria-label="verplicht"> *</span>}
                    </h3>
                    <p className="mr-print-meta">
                      <code>{e.name}</code> · {e.typeLabel}
                      {e.shownTo !== page.shownTo && <> · Wie ziet deze vraag: {e.shownTo}</>}
                    </p>
                    {e.description && <Html as="div" className="mr-print-description" html={e.description} />}
                    {e.rows.length > 0 ? (
                      <table className="mr-print-matrix">
                        <thead>
                          <tr>
                            <th />
                            {e.columns.map((c) => (
                              <th key={c.value}>
                                <Html html={c.text} />
                              </th>
                            ))}
                          </tr>
                        </thead>
                        <tbody>
                          {e.rows.map((r) => (
                            <tr key={r.value}>
                              <th scope="row">
                                <Html html={r.text} />
                              </th>
                              {e.columns.map((c) => (
                                <td key={c.value}>○</td>
                              ))}
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    ) : e.choices.length > 0 || e.other || e.none ? (
                      <ul className={e.type === 'checkbox' || e.type === 'tagbox' ? 'mr-print-options square' : 'mr-print-options'}>
                        {e.choices.map((c) => (
                          <li key={c.value}>
                            <Html html={c.text} /> <span className="mr-print-value">[{c.value}]</span>
                          </li>
                        ))}
                        {e.other && (
                          <li>
                            <Html html={e.other} /> …………………
                          </li>
                        )}
                        {e.none && (
                          <li>
                            <Html html={e.none} />
                          </li>
                        )}
                      </ul>
                    ) : e.type === 'boolean' ? (
                      <ul className="mr-print-options">
                        <li>Ja</li>
                        <li>Nee</li>
                      </ul>
                    ) : (
                      <div className="mr-print-answer" aria-hidden="true" />
                    )}
                  </div>
                ),
              )}
            </section>
          ))}
        </article>
      )}
    </div>
  );
}
