/** Small fetch wrapper shared by both apps: JSON in and out, Dutch errors from the server. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (csrfToken && method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network', 'De server is niet bereikbaar. Controleer uw internetverbinding.');
  }
  const text = await response.text();
  const data = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const error = (data ?? {}) as { error?: string; message?: string; details?: unknown };
    throw new ApiError(
      response.status,
      error.error ?? 'http_' + response.status,
      error.message ?? `Er ging iets mis (${response.status}).`,
      error.details,
    );
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// ---- Typed calls through the shared contract (contract/api). Types only: no schema code is bundled.
import type { Api, ApiRoute } from '../../contract/api';
import type { BodyOf, ParamsOf, QueryOf, ReplyOf } from '../../contract/http';

type Optional<K extends string, T> = T extends undefined ? { [P in K]?: undefined } : { [P in K]: T };
export type CallInput<R extends ApiRoute> = Optional<'params', ParamsOf<Api[R]>> &
  Optional<'body', BodyOf<Api[R]>> & { query?: QueryOf<Api[R]> };
export type Reply<R extends ApiRoute> = ReplyOf<Api[R]>;

/**
 * Calls a route by its contract key, e.g. `call('GET /api/rounds/:id', { params: { id } })`.
 * Path parameters are filled in from `params`, `query` becomes the query string, and the reply is
 * typed by the route's reply schema.
 */
export function call<R extends ApiRoute>(route: R, ...args: {} extends CallInput<R> ? [CallInput<R>?] : [CallInput<R>]): Promise<Reply<R>> {
  const input = (args[0] ?? {}) as { params?: Record<string, unknown>; body?: unknown; query?: Record<string, unknown> };
  const space = route.indexOf(' ');
  const method = route.slice(0, space);
  let url = route.slice(space + 1).replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    const value = input.params?.[name];
    if (value === undefined || value === null) throw new Error(`call(${route}): parameter ${name} ontbreekt`);
    return encodeURIComponent(String(value));
  });
  if (input.query) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(input.query)) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const item of value) search.append(key, String(item));
      else search.append(key, String(value));
    }
    const text = search.toString();
    if (text) url += '?' + text;
  }
  return api<Reply<R>>(method, url, input.body);
}
