import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError } from '../../shared/api';
import './addresses.css';

/** Small pieces shared by the address-list and round pages. Times: client/shared/time.ts. */

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
