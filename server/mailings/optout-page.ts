import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml } from './templates';

/** What an opt-out link names: the study and round the mail was about, and whether it was used already. */
export interface OptOutSubject {
  studyName: string;
  roundName: string;
  optedOut?: boolean;
}

/** Opt-out links are public and cheap to guess at: 30 requests a minute per address. */
export const OPT_OUT_RATE_LIMIT = { max: 30, timeWindow: '1 minute' };

/**
 * The opt-out routes take any body: the RFC 8058 one-click POST of a mail client arrives as a
 * form body or without one. Call on the plain scope the routes are registered in.
 */
export function acceptAnyOptOutBody(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => done(null, body));
}

/** GET of an opt-out link: not valid, already opted out, or the question with a POST button to `action`. */
export function optOutQuestionPage(reply: FastifyReply, found: OptOutSubject | null | undefined, action: string) {
  if (!found) return optOutInvalidPage(reply);
  const about = `${escapeHtml(found.studyName)} (${escapeHtml(found.roundName)})`;
  if (found.optedOut) return sendOptOutPage(reply, 200, 'U bent afgemeld', `<p>U bent afgemeld. U ontvangt geen e-mail meer over ${about}.</p>`);
  return sendOptOutPage(
    reply,
    200,
    'Afmelden',
    `<p>Wilt u geen uitnodigingen en herinneringen meer ontvangen over ${about}?</p>` +
      `<form method="post" action="${escapeHtml(action)}"><button type="submit">Afmelden</button></form>`,
  );
}

export function optOutInvalidPage(reply: FastifyReply) {
  return sendOptOutPage(reply, 404, 'Link niet geldig', '<p>Deze afmeldlink is niet (meer) geldig.</p>');
}

export function optOutDonePage(reply: FastifyReply, found: OptOutSubject) {
  return sendOptOutPage(reply, 200, 'U bent afgemeld', `<p>U bent afgemeld. U ontvangt geen e-mail meer over ${escapeHtml(found.studyName)} (${escapeHtml(found.roundName)}).</p>`);
}

/** The small Dutch page of an opt-out link: not cached, no referrer. */
function sendOptOutPage(reply: FastifyReply, status: number, title: string, body: string) {
  reply.header('cache-control', 'no-store');
  reply.header('referrer-policy', 'no-referrer');
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      '<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
        `<title>${escapeHtml(title)} – Meetronde</title>` +
        '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}' +
        'button{font-size:1rem;padding:.6rem 1.2rem;background:#1d4f91;color:#fff;border:0;border-radius:4px;cursor:pointer}</style>' +
        `</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    );
}
