/**
 * The page a school opens from its personal link (/s/<token>). The questionnaire itself is
 * rendered with survey-react-ui once the respondent API exists; until then the page says so.
 */
export function RespondentApp() {
  return (
    <main style={{ maxWidth: '40rem', margin: '3rem auto', padding: '0 1rem' }}>
      <div className="mr-card">
        <h1>Vragenlijst</h1>
        <p>Deze vragenlijst is nog niet beschikbaar. Probeer het later opnieuw.</p>
      </div>
    </main>
  );
}
