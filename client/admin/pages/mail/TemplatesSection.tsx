import { useEffect, useState, type FormEvent } from 'react';
import type { InvitationMailRow, MailTemplate, Preview } from '../../../../contract/api/mailings';
import { ApiError, call, type Reply } from '../../../shared/api';
import { KIND_LABELS, type MailingKind } from './format';
import { MailView } from './MailPreview';

type Template = MailTemplate;
type Templates = Reply<'GET /api/mail/rounds/:roundId/templates'>;
type SchoolOption = Pick<InvitationMailRow, 'invitationId' | 'schoolName'>;

function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const details = Array.isArray(e.details) ? (e.details as Array<{ problem?: string }>).map((d) => d.problem).filter(Boolean) : [];
    return [e.message, ...details].join(' ');
  }
  return 'Er ging iets mis.';
}

/** The round's invitation and reminder texts, with a preview for one of its schools. */
export function TemplatesSection({ roundId }: { roundId: number }) {
  const [templates, setTemplates] = useState<Templates | null>(null);
  const [kind, setKind] = useState<MailingKind>('invitation');
  const [draft, setDraft] = useState<Template | null>(null);
  const [schools, setSchools] = useState<SchoolOption[]>([]);
  const [schoolId, setSchoolId] = useState<string>('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    call('GET /api/mail/rounds/:roundId/templates', { params: { roundId } })
      .then((t) => {
        setTemplates(t);
        setDraft(t.invitation);
      })
      .catch((e) => setMessage({ ok: false, text: errorText(e) }));
    call('GET /api/mail/rounds/:roundId/invitations', { params: { roundId }, query: { limit: 200 } })
      .then((r) => setSchools(r.rows))
      .catch(() => {});
  }, [roundId]);

  if (!templates || !draft) return <section className="mr-card" style={{ marginTop: '1rem' }}><h2>Sjablonen</h2><p>{message?.text ?? 'Bezig met laden…'}</p></section>;

  const choose = (k: MailingKind) => {
    setKind(k);
    setDraft(templates[k]);
    setPreview(null);
    setMessage(null);
  };
  const edit = (field: 'subject' | 'text' | 'html', value: string) => {
    setDraft({ ...draft, [field]: value });
    setPreview(null);
  };

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const saved = await call('PUT /api/mail/rounds/:roundId/templates/:kind', { params: { roundId, kind }, body: { subject: draft!.subject, text: draft!.text, html: draft!.html } });
      setTemplates({ ...templates!, [kind]: saved });
      setDraft(saved);
      setMessage({ ok: true, text: 'Het sjabloon is opgeslagen. Het geldt voor e-mails die vanaf nu in de wachtrij komen.' });
    } catch (e) {
      setMessage({ ok: false, text: errorText(e) });
    } finally {
      setBusy(false);
    }
  }

  async function reset() {
    if (!window.confirm('Het standaardsjabloon terugzetten? Uw eigen tekst gaat verloren.')) return;
    setBusy(true);
    setMessage(null);
    try {
      const restored = await call('DELETE /api/mail/rounds/:roundId/templates/:kind', { params: { roundId, kind } });
      setTemplates({ ...templates!, [kind]: restored });
      setDraft(restored);
      setPreview(null);
    } catch (e) {
      setMessage({ ok: false, text: errorText(e) });
    } finally {
      setBusy(false);
    }
  }

  async function showPreview() {
    setBusy(true);
    setMessage(null);
    try {
      const body = { subject: draft!.subject, text: draft!.text, html: draft!.html, ...(schoolId ? { invitationId: Number(schoolId) } : {}) };
      setPreview(await call('POST /api/mail/rounds/:roundId/templates/:kind/preview', { params: { roundId, kind }, body }));
    } catch (e) {
      setMessage({ ok: false, text: errorText(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="mr-card" aria-labelledby="templates-heading" style={{ marginTop: '1rem' }}>
      <h2 id="templates-heading">Sjablonen</h2>
      <div role="tablist" style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap' }}>
        {(['invitation', 'reminder'] as const).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={kind === k} className={kind === k ? undefined : 'secondary'} onClick={() => choose(k)}>
            {KIND_LABELS[k]}
          </button>
        ))}
      </div>
      <p className="mr-muted">
        {templates[kind].isDefault ? 'Dit is het standaardsjabloon.' : 'Deze meting heeft een eigen sjabloon.'} Plaatshouders:{' '}
        {Object.entries(templates.placeholders).map(([name, meaning], i) => (
          <span key={name}>
            {i > 0 && ', '}
            <code>{`{{${name}}}`}</code> ({meaning})
          </span>
        ))}
        .
      </p>
      <form onSubmit={save}>
        <label htmlFor="tpl-subject">Onderwerp</label>
        <input id="tpl-subject" value={draft.subject} maxLength={200} onChange={(e) => edit('subject', e.target.value)} required />
        <label htmlFor="tpl-text">Tekst (platte tekst)</label>
        <textarea id="tpl-text" rows={12} value={draft.text} onChange={(e) => edit('text', e.target.value)} required />
        <label htmlFor="tpl-html">Tekst (HTML)</label>
        <textarea id="tpl-html" rows={12} value={draft.html} onChange={(e) => edit('html', e.target.value)} required style={{ fontFamily: 'monospace', fontSize: '0.85rem' }} />
        {message && (
          <p className={message.ok ? undefined : 'mr-error'} role={message.ok ? 'status' : 'alert'}>
            {message.text}
          </p>
        )}
        <label htmlFor="tpl-school">Voorbeeld voor school</label>
        <select id="tpl-school" value={schoolId} onChange={(e) => { setSchoolId(e.target.value); setPreview(null); }}>
          <option value="">Eerste school van de meting</option>
          {schools.map((s) => (
            <option key={s.invitationId} value={s.invitationId}>{s.schoolName}</option>
          ))}
        </select>
        <p style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap' }}>
          <button type="submit" disabled={busy}>Opslaan</button>
          <button type="button" className="secondary" disabled={busy} onClick={showPreview}>Voorbeeld tonen</button>
          {!templates[kind].isDefault && (
            <button type="button" className="secondary" disabled={busy} onClick={reset}>Standaard terugzetten</button>
          )}
        </p>
      </form>
      {preview && (
        <div aria-label="Voorbeeld" style={{ marginTop: '1rem' }}>
          <h3>Voorbeeld{preview.school ? ` voor ${preview.school.name}` : ''}</h3>
          <p className="mr-muted">De links in het voorbeeld zijn voorbeeldlinks; elke school krijgt haar eigen link.</p>
          <MailView subject={preview.subject} text={preview.text} html={preview.html} />
        </div>
      )}
    </section>
  );
}
