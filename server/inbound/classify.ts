import { simpleParser } from 'mailparser';
import { parseVerpAddress } from '../mailings/verp';
import { fieldGroups, parseHeaderBlock, parseMime, walk, type MimePart } from './mime';

/**
 * What came back, and what it is about.
 *
 * - bounce: a delivery status notification (RFC 3464 multipart/report; report-type=
 *   delivery-status), or a non-standard bounce from a mailer daemon (old Exim, qmail, some
 *   Exchange set-ups). `permanent` for 5.x.x / 5xx, temporary for 4.x.x / 4xx and "delayed".
 * - delivered: a DSN that reports success (Action: delivered / relayed / expanded): nothing to do.
 * - complaint: a feedback report (RFC 5965, ARF): the recipient marked the mail as spam.
 * - auto-reply: RFC 3834 (Auto-Submitted other than "no") and the out-of-office forms without
 *   it: X-Autoreply, X-Autorespond, Precedence/X-Precedence auto_reply (or bulk/junk/list),
 *   Exchange's X-Auto-Response-Suppress with an automatic-reply subject, and subjects such as
 *   "Afwezig", "Out of office", "Automatisch antwoord", "Automatic reply".
 * - reply: everything else: a person wrote back.
 */
export type InboundKind = 'bounce' | 'delivered' | 'complaint' | 'auto-reply' | 'reply';

export interface Classification {
  kind: InboundKind;
  /** For bounces: 5.x.x (or 5xx, or a daemon's "permanent" wording) → true. */
  permanent: boolean;
  /** Enhanced status code (RFC 3463) or the SMTP reply code, when given. */
  status: string | null;
  /** The failed recipient a DSN names (Final-Recipient / Original-Recipient / X-Failed-Recipients). */
  recipient: string | null;
  /** ARF Feedback-Type. */
  feedbackType: string | null;
  /** Outbox id from a signed VERP address among the recipients (envelope or headers). */
  verpOutboxId: number | null;
  /** Message-IDs this message refers to: In-Reply-To, References, the quoted original's Message-ID. */
  referencedIds: string[];
  /** The sender's address (lower case), for replies. */
  from: string | null;
  fromName: string | null;
  subject: string;
  /** Plain text of a reply (trimmed to 20 000 characters); null for machine mail. */
  text: string | null;
  /** The message's own Message-ID. */
  messageId: string | null;
  /** Why it was classified so (for the admin and tests), e.g. 'dsn', 'auto-submitted', 'subject'. */
  reason: string;
}

const AUTO_REPLY_SUBJECT =
  /^\s*(?:\[[^\]]*\]\s*)?(?:automatisch(?:e)? (?:antwoord|beantwoord|bericht|reply)|automatic reply|auto(?:matic)?[- ]?(?:reply|response|antwoord)|autoreply|out of (?:the )?office|ooo\b|afwezig|afwezigheid|afwezigheidsmelding|niet aanwezig|niet op kantoor|vakantie(?:melding)?|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|absence)/i;
const DAEMON_FROM = /^(?:mailer-daemon|postmaster|mail delivery (?:system|subsystem)|microsoftexchange[0-9a-f]*|mdaemon|double-bounce)@/i;
const DAEMON_NAME = /mail delivery (?:system|subsystem)|mailer-daemon|postmaster|microsoft outlook|mail administrator/i;
const BOUNCE_SUBJECT =
  /(?:undeliver(?:ed|able)|delivery (?:status notification|has failed|failure|failed|incomplete)|returned mail|mail delivery failed|failure notice|non[- ]?delivery|niet (?:bezorgd|afgeleverd)|onbestelbaar|kan niet worden bezorgd|bezorging (?:is )?mislukt|delivery delayed|warning: message .* delayed|delayed mail)/i;

function headerValue(part: MimePart, name: string): string | null {
  return part.headers.get(name)?.[0] ?? null;
}

function normaliseMessageId(value: string): string[] {
  return [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1]!.toLowerCase());
}

function addressIn(value: string): string | null {
  const bracketed = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  if (bracketed) return bracketed[1]!.toLowerCase();
  const bare = /([^\s;<>"']+@[^\s;<>"']+)/.exec(value);
  return bare ? bare[1]!.replace(/[.,]$/, '').toLowerCase() : null;
}

/** A status code out of free text: an enhanced code first, then a reply code. */
function statusInText(text: string): string | null {
  const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text);
  if (enhanced) return enhanced[1]!;
  const reply = /\b([45]\d\d)[ -]/.exec(text);
  return reply ? reply[1]! : null;
}

interface DsnRecipient {
  action: string;
  status: string | null;
  recipient: string | null;
  diagnostic: string | null;
}

function dsnRecipients(part: MimePart): DsnRecipient[] {
  const groups = fieldGroups(part.body);
  // The first group describes the message (Reporting-MTA, …); the rest one recipient each.
  return groups
    .filter((g) => g.has('action') || g.has('final-recipient') || g.has('status'))
    .map((g) => {
      const recipientField = g.get('final-recipient')?.[0] ?? g.get('original-recipient')?.[0] ?? null;
      const diagnostic = g.get('diagnostic-code')?.[0] ?? null;
      const status = g.get('status')?.[0]?.match(/[245]\.\d{1,3}\.\d{1,3}/)?.[0] ?? (diagnostic ? statusInText(diagnostic) : null);
      return {
        action: (g.get('action')?.[0] ?? '').trim().toLowerCase(),
        status,
        recipient: recipientField ? addressIn(recipientField.replace(/^[^;]*;/, '')) : null,
        diagnostic,
      };
    });
}

function isPermanent(status: string | null, action: string): boolean {
  if (action === 'delayed') return false;
  if (status) return status.startsWith('5');
  return action === 'failed';
}

/** Classifies one raw message. `envelopeRecipients`: RCPT TO addresses, when received over SMTP. */
export async function classifyMessage(raw: Buffer | string, secret: string, envelopeRecipients: string[] = []): Promise<Classification> {
  const buffer = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const parsed = await simpleParser(buffer, { skipImageLinks: true, skipHtmlToText: false, maxHtmlLengthToParse: 1_000_000 });
  const mime = parseMime(buffer.toString('latin1'));
  const header = (name: string): string => {
    const values = mime.headers.get(name);
    return values ? values.join(', ') : '';
  };
  const subject = (parsed.subject ?? '').trim();
  const fromEntry = parsed.from?.value[0];
  const from = fromEntry?.address?.toLowerCase() ?? null;
  const fromName = fromEntry?.name?.trim() || null;
  const messageId = parsed.messageId ? (normaliseMessageId(parsed.messageId)[0] ?? null) : null;

  // Which of our messages: a signed VERP address among the envelope recipients or the headers
  // that carry them after delivery (Delivered-To, X-Original-To, To, Envelope-To, Return-Path).
  let verpOutboxId: number | null = null;
  const candidates = [...envelopeRecipients, ...['delivered-to', 'x-original-to', 'envelope-to', 'to', 'cc', 'x-envelope-to'].flatMap((n) => mime.headers.get(n) ?? [])];
  for (const candidate of candidates) {
    for (const match of candidate.matchAll(/[^\s,<>"';:]+@[^\s,<>"';]+/g)) {
      verpOutboxId = parseVerpAddress(match[0], secret);
      if (verpOutboxId !== null) break;
    }
    if (verpOutboxId !== null) break;
  }

  const referencedIds = new Set<string>([...normaliseMessageId(header('in-reply-to')), ...normaliseMessageId(header('references'))]);
  const base: Omit<Classification, 'kind' | 'reason'> = {
    permanent: false,
    status: null,
    recipient: null,
    feedbackType: null,
    verpOutboxId,
    referencedIds: [],
    from,
    fromName,
    subject,
    text: null,
    messageId,
  };
  const parts = [...walk(mime)];
  // The original message (or its headers) quoted in a report: its Message-ID names our message.
  for (const p of parts) {
    if (p.contentType === 'text/rfc822-headers' || p.contentType === 'message/rfc822-headers') {
      for (const id of normaliseMessageId(parseHeaderBlock(p.body.split(/\r?\n\r?\n/)[0] ?? '').get('message-id')?.[0] ?? '')) referencedIds.add(id);
    }
    if (p.contentType === 'message/rfc822' && p.parts[0]) {
      for (const id of normaliseMessageId(headerValue(p.parts[0], 'message-id') ?? '')) referencedIds.add(id);
    }
  }
  const done = (c: Partial<Classification> & Pick<Classification, 'kind' | 'reason'>): Classification => ({
    ...base,
    referencedIds: [...referencedIds],
    ...c,
  });

  // 1. Feedback report (RFC 5965).
  const feedback = parts.find((p) => p.contentType === 'message/feedback-report');
  if (feedback) {
    const fields = fieldGroups(feedback.body)[0] ?? new Map<string, string[]>();
    const recipient = fields.get('original-rcpt-to')?.[0] ?? fields.get('removal-recipient')?.[0] ?? null;
    return done({
      kind: 'complaint',
      feedbackType: (fields.get('feedback-type')?.[0] ?? 'abuse').toLowerCase(),
      recipient: recipient ? addressIn(recipient) : null,
      reason: 'feedback-report',
    });
  }

  // 2. Delivery status notification (RFC 3464), also message/global-delivery-status (RFC 6533).
  const dsn = parts.find((p) => p.contentType === 'message/delivery-status' || p.contentType === 'message/global-delivery-status');
  if (dsn) {
    const recipients = dsnRecipients(dsn);
    const failed = recipients.find((r) => r.action === 'failed') ?? recipients.find((r) => r.action === 'delayed') ?? recipients[0];
    if (failed && ['delivered', 'relayed', 'expanded'].includes(failed.action)) {
      return done({ kind: 'delivered', recipient: failed.recipient, status: failed.status, reason: 'dsn' });
    }
    const permanent = failed ? isPermanent(failed.status, failed.action) : true;
    return done({ kind: 'bounce', permanent, status: failed?.status ?? null, recipient: failed?.recipient ?? null, reason: 'dsn' });
  }

  // 3. A bounce without a report: from a mailer daemon, or with a bounce's subject and null sender.
  const returnPath = header('return-path');
  const nullSender = /<>/.test(returnPath);
  const daemon = (from !== null && DAEMON_FROM.test(from)) || (fromName !== null && DAEMON_NAME.test(fromName) && BOUNCE_SUBJECT.test(subject));
  if (daemon || (nullSender && BOUNCE_SUBJECT.test(subject)) || header('x-failed-recipients')) {
    const text = parsed.text ?? '';
    const status = statusInText(text);
    const delayed = /delay|delayed|vertraagd|will (?:keep|continue) trying|still trying|temporar/i.test(`${subject}\n${text.slice(0, 3000)}`);
    const permanent = status ? status.startsWith('5') : !delayed;
    const failed = header('x-failed-recipients') || (/^\s*(?:<)?([^\s<>@]+@[^\s<>]+?)(?:>)?:?\s*$/m.exec(text)?.[1] ?? '');
    return done({ kind: 'bounce', permanent, status, recipient: failed ? addressIn(failed) : null, reason: daemon ? 'mailer-daemon' : 'bounce-subject' });
  }

  // 4. Auto-replies (RFC 3834 and the forms without it).
  const autoSubmitted = header('auto-submitted').trim().toLowerCase();
  const precedence = `${header('precedence')} ${header('x-precedence')}`.toLowerCase();
  if (autoSubmitted && !autoSubmitted.startsWith('no')) return done({ kind: 'auto-reply', reason: 'auto-submitted' });
  if (header('x-autoreply') || header('x-autorespond') || header('x-autoresponder') || /^\s*yes/i.test(header('x-auto-reply'))) {
    return done({ kind: 'auto-reply', reason: 'x-autoreply' });
  }
  if (/\b(auto_reply|auto-reply|bulk|junk)\b/.test(precedence)) return done({ kind: 'auto-reply', reason: 'precedence' });
  if (AUTO_REPLY_SUBJECT.test(subject)) return done({ kind: 'auto-reply', reason: 'subject' });

  // 5. A person wrote back.
  const text = (parsed.text ?? '').replace(/\r\n/g, '\n').trim().slice(0, 20_000);
  return done({ kind: 'reply', text, reason: 'human' });
}
