/**
 * A mail's HTML as the school would see it, in a sandboxed frame: no scripts run (the sandbox
 * allows none, and the page's CSP forbids inline scripts anyway), links open in a new tab.
 */
export function MailFrame({ html, title }: { html: string; title: string }) {
  const doc = `<base target="_blank">${html}`;
  return (
    <iframe
      className="mr-mail-frame"
      title={title}
      sandbox="allow-popups allow-popups-to-escape-sandbox"
      referrerPolicy="no-referrer"
      srcDoc={doc}
      style={{ width: '100%', minHeight: '28rem', border: '1px solid var(--mr-line)', borderRadius: 6, background: '#fff' }}
    />
  );
}

export function MailView({ subject, text, html, from, to }: { subject: string; text: string; html: string | null; from?: string; to?: string }) {
  return (
    <div>
      <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '0.25rem 0.75rem', margin: '0 0 0.75rem' }}>
        {from && (
          <>
            <dt>Van</dt>
            <dd style={{ margin: 0, overflowWrap: 'anywhere' }}>{from}</dd>
          </>
        )}
        {to && (
          <>
            <dt>Aan</dt>
            <dd style={{ margin: 0, overflowWrap: 'anywhere' }}>{to}</dd>
          </>
        )}
        <dt>Onderwerp</dt>
        <dd style={{ margin: 0, overflowWrap: 'anywhere' }} data-testid="mail-subject">{subject}</dd>
      </dl>
      {html && <MailFrame html={html} title={`Voorbeeld: ${subject}`} />}
      <details style={{ marginTop: '0.75rem' }}>
        <summary>Tekstversie</summary>
        <pre style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', background: '#fff', padding: '0.75rem', border: '1px solid var(--mr-line)' }}>{text}</pre>
      </details>
    </div>
  );
}
