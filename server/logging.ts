import type { FastifyServerOptions } from 'fastify';

/**
 * Personal links carry secrets in the path (/s/<token>, /api/s/<token>, /u/<token>) and setup
 * or invite links in the query string. Logs must never contain them, nor cookies.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/\/(s|u|api\/s|api\/u|api\/optout)\/[^/?#]+/g, '/$1/[token]')
    .replace(/([?&](token|t|invite)=)[^&#]*/gi, '$1[redacted]');
}

export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  if (level === 'silent') return false;
  return {
    level,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
      remove: true,
    },
    serializers: {
      req(request: { method: string; url: string; ip?: string; id?: string }) {
        return { method: request.method, url: redactUrl(request.url), reqId: request.id };
      },
    },
  };
}
