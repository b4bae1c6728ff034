import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { ApiRoute } from '../../../contract/api';
import { ApiError, call, type CallInput, type Reply } from '../../shared/api';
import './kit.css';

/** The admin pages' small UI kit: sections, tables, errors, and loading a route (`useCall`). */

export const number = (n: number) => n.toLocaleString('nl-NL');

export function errorText(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Er ging iets mis. Probeer het opnieuw.';
}

export function ErrorMessage({ error }: { error: string | null }) {
  return error ? (
    <p className="mr-error" role="alert">
      {error}
    </p>
  ) : null;
}

/**
 * Loads a GET route of the contract, e.g. `useCall('GET /api/rounds/:id', { params: { id } })`;
 * `null` input loads nothing (yet). `reload()` fetches again.
 */
export function useCall<R extends ApiRoute>(
  route: R,
  input: CallInput<R> | null,
): { data: Reply<R> | null; error: string | null; reload: () => void; loading: boolean } {
  const [data, setData] = useState<Reply<R> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const key = input === null ? null : JSON.stringify(input);
  useEffect(() => {
    if (key === null) return;
    let cancelled = false;
    setLoading(true);
    const load = call as (route: R, input: CallInput<R>) => Promise<Reply<R>>;
    load(route, JSON.parse(key) as CallInput<R>)
      .then((d) => {
        if (!cancelled) {
          setData(d);
          setError(null);
        }
      })
      .catch((e: unknown) => !cancelled && setError(errorText(e)))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [route, key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload, loading };
}

/** Shared with the tracking panels and the SWV view (client/shared/TableWrap.tsx). */
export { TableWrap } from '../../shared/TableWrap';

/** A card with a heading; `level={1}` for the page's first section (its title). */
export function Section({ title, children, id, level = 2 }: { title: string; children: ReactNode; id?: string; level?: 1 | 2 }) {
  const Heading = level === 1 ? 'h1' : 'h2';
  return (
    <section className="mr-card mr-section" aria-labelledby={id}>
      <Heading id={id}>{title}</Heading>
      {children}
    </section>
  );
}

/** The sectors of a samenwerkingsverband, as select options. */
export const SWV_SECTOR_OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['po', 'po'],
  ['vo', 'vo'],
];

/** A labelled select in a filter row; options as [value, label] pairs. */
export function SelectField({
  id,
  label,
  value,
  onChange,
  options,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: ReadonlyArray<readonly [string, string]>;
}) {
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * A form's submit state: `run(action)` marks it busy, clears the error, and shows the server's
 * Dutch message (or `fallback`) when the action throws.
 */
export function useSubmit(fallback: string) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : fallback);
    } finally {
      setBusy(false);
    }
  }
  return { error, setError, busy, run };
}

/** An admin form (`mr-form`): submitting runs `onSubmit` instead of reloading the page. */
export function ActionForm({ onSubmit, children }: { onSubmit: () => Promise<void>; children: ReactNode }) {
  return (
    <form
      className="mr-form"
      onSubmit={(e) => {
        e.preventDefault();
        void onSubmit();
      }}
    >
      {children}
    </form>
  );
}

/** The end of a form: its error, if any, and the submit button (which says 'Bezig…' while busy). */
export function FormEnd({ error, busy, label }: { error: string | null; busy: boolean; label: string }) {
  return (
    <>
      {error && <p className="mr-error" role="alert">{error}</p>}
      <p>
        <button type="submit" disabled={busy}>{busy ? 'Bezig…' : label}</button>
      </p>
    </>
  );
}

/** A page reached by a link from a mail, while the link is checked. */
export function LoadingPage() {
  return <main className="mr-narrow"><p>Bezig met laden…</p></main>;
}

/** A page reached by a link from a mail whose link no longer works. */
export function InvalidLinkPage({ message }: { message: string }) {
  return (
    <main className="mr-narrow">
      <div className="mr-card">
        <h1>Link niet (meer) geldig</h1>
        <p>{message}</p>
        <p><a href="/admin/">Naar inloggen</a></p>
      </div>
    </main>
  );
}

/** The two buttons under a confirmation question: do it (red when `danger`), or cancel. */
export function ConfirmActions({ label, onConfirm, onCancel, danger = false, disabled = false }: { label: string; onConfirm: () => void; onCancel: () => void; danger?: boolean; disabled?: boolean }) {
  return (
    <div className="mr-actions">
      <button className={danger ? 'danger' : undefined} onClick={onConfirm} disabled={disabled}>
        {label}
      </button>
      <button className="secondary" onClick={onCancel}>
        Annuleren
      </button>
    </div>
  );
}
