/** A small Server-Sent Events client for tests: real HTTP, events parsed as the browser does. */

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The next event matching `predicate` (earlier non-matching events are skipped). */
  next(predicate?: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Every event received so far. */
  received: SseEvent[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const received: SseEvent[] = [];
  let cursor = 0;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  let done = false;
  let resolveEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));

  const pump = async () => {
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let split: number;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          let event = 'message';
          let id: string | null = null;
          const data: string[] = [];
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event = val;
            else if (field === 'data') {
              data.push(val);
              hasData = true;
            } else if (field === 'id') id = val;
          }
          if (hasData) {
            received.push({ event, data: data.join('\n'), id });
            wake();
          }
        }
      }
    } catch {
      // aborted
    } finally {
      done = true;
      resolveEnded();
      wake();
    }
  };
  void pump();

  return {
    status: response.status,
    headers: response.headers,
    received,
    ended,
    next(predicate = () => true, timeoutMs = 15_000) {
      return new Promise<SseEvent>((resolve, reject) => {
        const check = () => {
          while (cursor < received.length) {
            const event = received[cursor++]!;
            if (predicate(event)) {
              cleanup();
              resolve(event);
              return;
            }
          }
          if (done) {
            cleanup();
            reject(new Error('the event stream ended'));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${received.map((e) => e.event).join(', ')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      controller.abort();
    },
  };
}
