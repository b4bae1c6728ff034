import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, call } from '../../shared/api';
import { formatDateTime } from '../../shared/time';
import type { SwvLinkInfo, SwvRow } from '../../../contract/api/tracking';
import { TableHead } from '../../shared/TableHead';
import { TableWrap } from '../../shared/TableWrap';

/** Admins make read-only links for an SWV's project leader, and revoke them. */
export function SwvLinks({ roundId, swvs }: { roundId: number; swvs: SwvRow[] }) {
  const [links, setLinks] = useState<SwvLinkInfo[] | null>(null);
  const [swvId, setSwvId] = useState('');
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<{ url: string; swv: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setLinks((await call('GET /api/tracking/rounds/:roundId/swv-links', { params: { roundId } })).links);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'De links konden niet worden geladen.');
    }
  }, [roundId]);
  useEffect(() => void load(), [load]);

  const assigned = swvs.filter((s) => s.assigned);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (!swvId) {
      setError('Kies een samenwerkingsverband.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await call('POST /api/tracking/rounds/:roundId/swv-links', {
        params: { roundId },
        body: { swvId: Number(swvId), label: label.trim() || null },
      });
      const swv = assigned.find((s) => s.swvId === Number(swvId));
      setCreated({ url: result.url, swv: swv ? `${swv.code} ${swv.name}` : '' });
      setLabel('');
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'De link kon niet worden gemaakt.');
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (link: SwvLinkInfo) => {
    if (!window.confirm(`Link voor ${link.swvCode} intrekken? Wie de link heeft, ziet daarna niets meer.`)) return;
    try {
      await call('POST /api/tracking/swv-links/:linkId/revoke', { params: { linkId: link.id } });
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Intrekken mislukt.');
    }
  };

  return (
    <section className="mr-card" aria-labelledby="links-title">
      <h2 id="links-title">Links voor projectleiders</h2>
      <p className="mr-muted mr-small">
        Een link laat één samenwerkingsverband de status van zijn eigen scholen zien (uitgenodigd, begonnen, ingevuld), zonder antwoorden
        en zonder andere samenwerkingsverbanden. Geen account nodig; u kunt de link altijd intrekken.
      </p>
      <form onSubmit={create} className="mr-filters">
        <div>
          <label htmlFor="link-swv">Samenwerkingsverband</label>
          <select id="link-swv" value={swvId} onChange={(e) => setSwvId(e.target.value)}>
            <option value="">Kies…</option>
            {assigned.map((s) => (
              <option key={s.swvId} value={s.swvId}>
                {s.regionLetter ?? '–'} · {s.code} {s.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="link-label">Voor wie (optioneel)</label>
          <input id="link-label" value={label} maxLength={200} placeholder="bijv. projectleider po" onChange={(e) => setLabel(e.target.value)} />
        </div>
        <div className="mr-align-end">
          <button type="submit" disabled={busy}>Link maken</button>
        </div>
      </form>
      {error && <p className="mr-error" role="alert">{error}</p>}
      {created && (
        <div className="mr-notice" role="status">
          <p>
            Link voor {created.swv}. Kopieer hem nu: hij wordt maar één keer getoond.
          </p>
          <input readOnly value={created.url} aria-label="Nieuwe link" onFocus={(e) => e.target.select()} data-testid="new-link" />
          <button type="button" className="secondary" onClick={() => void navigator.clipboard?.writeText(created.url)}>
            Kopiëren
          </button>
        </div>
      )}
      {links && links.length > 0 && (
        <TableWrap label="Tabel: SWV-links">
          <table className="mr-table">
            <TableHead scoped columns={['Samenwerkingsverband', 'Voor wie', 'Gemaakt', 'Laatst gebruikt', 'Status']} />
            <tbody>
              {links.map((l) => (
                <tr key={l.id}>
                  <td>
                    {l.swvCode} {l.swvName}
                  </td>
                  <td>{l.label ?? '–'}</td>
                  <td>{formatDateTime(l.createdAt)}</td>
                  <td>{formatDateTime(l.lastUsedAt)}</td>
                  <td>
                    {l.revokedAt ? (
                      <span className="mr-muted">Ingetrokken {formatDateTime(l.revokedAt)}</span>
                    ) : (
                      <button type="button" className="secondary" onClick={() => void revoke(l)}>
                        Intrekken
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
