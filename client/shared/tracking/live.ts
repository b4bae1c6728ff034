import { useEffect, useState } from 'react';
import { ApiError } from '../api';

/**
 * A value the server keeps up to date: fetched once, then replaced by every `snapshot` event of
 * its Server-Sent Events stream. EventSource reconnects by itself after a dropped connection (the
 * server ends streams every few minutes so sessions and links are checked again).
 */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped' | 'gone';

/**
 * `load` fetches the value through the contract (`call('GET /api/…')`); `eventsUrl` is its stream.
 * The stream's URL identifies the value: a new URL loads again.
 */
export function useLive<T>(load: () => Promise<T>, eventsUrl: string): { data: T | null; error: string | null; state: LiveState } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    let cancelled = false;
    let source: EventSource | null = null;
    setData(null);
    setError(null);
    setState('connecting');
    load()
      .then((value) => {
        if (cancelled) return;
        setData(value);
        source = new EventSource(eventsUrl);
        source.addEventListener('open', () => setState('live'));
        source.addEventListener('snapshot', (event) => {
          setData(JSON.parse((event as MessageEvent<string>).data) as T);
          setState('live');
        });
        source.addEventListener('gone', () => {
          setState('gone');
          source?.close();
        });
        source.addEventListener('error', () => {
          if (!source) return;
          setState(source.readyState === EventSource.CLOSED ? 'stopped' : 'reconnecting');
        });
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(e instanceof ApiError ? e.message : 'Er ging iets mis bij het laden.');
      });
    return () => {
      cancelled = true;
      source?.close();
    };
    // `load` is a new function on every render; the stream's URL names what it loads.
  }, [eventsUrl]);

  return { data, error, state };
}

export function liveLabel(state: LiveState): string {
  switch (state) {
    case 'connecting':
      return 'Verbinden…';
    case 'live':
      return 'Live';
    case 'reconnecting':
      return 'Verbinding kwijt, opnieuw verbinden…';
    case 'stopped':
      return 'Live bijwerken gestopt. Herlaad de pagina.';
    case 'gone':
      return 'Niet meer beschikbaar';
  }
}
