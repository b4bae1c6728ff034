import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError } from '../../shared/api';
import './addresses.css';

/** Small pieces shared by the address-list and round pages. */

const dateTime = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' });
const dateOnly = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'long', year: 'numeric' });

export function formatDateTime(value: string | Date | null | undefined): string {
  return value ? dateTime.format(new Date(value)) : '—';
}

export function formatDate(value: string | Date | null | undefined): string {
  return value ? dateOnly.format(new Date(value)) : '—';
}

export const number = (n: number) => n.toLocaleString('nl-NL');

/** `2023-03-13` from a stored time, for a date input (local time). */
export function toDateInput(value: string | null | undefined): string {
  if (!value) return '';
  const d = new Date(value);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A date input's day as a moment: opening at 8.00, closing at 23.59 local time. */
export function fromDateInput(value: string, kind: 'opens' | 'closes'): string | null {
  if (!value) return null;
  return new Date(`${value}T${kind === 'opens' ? '08:00' : '23:59'}:00`).toISOString();
}

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

/** Loads JSON from the API; `reload()` fetches again. */
export function useApi<T>(url: string | null): { data: T | null; error: string | null; reload: () => void; loading: boolean } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!url) return;
    let cancelled = false;
    setLoading(true);
    api<T>('GET', url)
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
  }, [url, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload, loading };
}

/** A table that scrolls sideways on a phone instead of squeezing its columns. */
export function TableWrap({ children, label }: { children: ReactNode; label: string }) {
  return (
    <div className="mr-table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  return (
    <section className="mr-card mr-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}
