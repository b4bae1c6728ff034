import type { FastifyServerOptions } from 'fastify';

/** Where log lines go (stdout unless a test captures them). */
export interface LogStream {
  write(line: string): void;
}

/**
 * Personal links carry secrets in the path (/s/<token>, /api/s/<token>, /u/<token>, and the SWV
 * views /v/<token>, /api/v/<token>) and setup
 * or invite links in the query string. Logs must never contain them, nor cookies.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/\/(s|u|v|api\/s|api\/u|api\/v|api\/optout)\/[^/?#]+/g, '/$1/[token]')
    // Person rounds (server/persons/): coordinator, class, parent, teacher and professional links, sessions.
    .replace(/\/(c|l|o|t|ov|pr|api\/persons\/(?:[clopqta]|ov|pr))\/[^/?#]+/g, '/$1/[token]')
    .replace(/([?&](token|t|invite)=)[^&#]*/gi, '$1[redacted]')
    // An address typed into a search box or a mistyped URL is personal data too.
    .replace(/[^/?&=#\s]+(?:@|%40)[^/?&=#\s]+/gi, '[email]');
}

/**
 * Error messages and stacks may quote data (a driver's "Key (lower(email))=(…) already exists", a
 * token in a thrown message): e-mail addresses and token-like strings are masked.
 */
export function scrubText(text: string): string {
  return text
    .replace(/[A-Za-z0-9._%+!#$&*=?^`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, '[email]')
    .replace(/[A-Za-z0-9_-]{20,}/g, (run) => (/[0-9]/.test(run) && /[A-Za-z]/.test(run) ? '[token]' : run));
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  code?: unknown;
  statusCode?: unknown;
  constructor?: { name?: string };
}

/**
 * Only the error's type, scrubbed message and stack, code and status reach the log; driver
 * fields such as `detail`, `where`, `parameters` or `query` (SQL with values) are left out.
 */
export function serializeError(error: unknown): { type: string; message: string; stack: string; [key: string]: unknown } {
  if (typeof error !== 'object' || error === null) return { type: typeof error, message: scrubText(String(error)), stack: '' };
  const e = error as ErrorLike;
  return {
    type: e.constructor?.name ?? (typeof e.name === 'string' ? e.name : 'Error'),
    message: typeof e.message === 'string' ? scrubText(e.message) : '',
    stack: typeof e.stack === 'string' ? scrubText(e.stack) : '',
    code: typeof e.code === 'string' || typeof e.code === 'number' ? e.code : undefined,
    statusCode: typeof e.statusCode === 'number' ? e.statusCode : undefined,
  };
}

/** Logger options for Fastify; `stream` lets tests capture what would be written. */
export function loggerOptions(level: string, stream?: LogStream): FastifyServerOptions['logger'] {
  if (level === 'silent') return false;
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
      remove: true,
    },
    serializers: {
      err: serializeError,
      req(request: { method: string; url: string; ip?: string; id?: string }) {
        return { method: request.method, url: redactUrl(request.url), reqId: request.id };
      },
    },
  };
}
