import type { SummaryItem } from './model';
import './survey.css';

/** A school's own answers as a printable list: question titles and the chosen texts. */
export function AnswerSummary({ items, heading = 'Uw antwoorden' }: { items: SummaryItem[]; heading?: string }) {
  return (
    <section className="mr-summary" aria-labelledby="mr-summary-title">
      <div className="mr-summary-head">
        <h2 id="mr-summary-title">{heading}</h2>
        <button type="button" className="mr-no-print" onClick={() => window.print()}>
          Afdrukken
        </button>
      </div>
      {items.length === 0 ? (
        <p className="mr-muted">Er zijn geen antwoorden om te tonen.</p>
      ) : (
        <dl data-testid="summary">
          {items.map((item) => (
            <div key={item.name} className="mr-summary-item">
              <dt>{item.title}</dt>
              {item.lines.map((line, i) => (
                <dd key={i}>{line}</dd>
              ))}
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
