import nodemailer from 'nodemailer';
import type { Config } from '../config';

/** One mail as handed to the relay. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  messageId: string;
  headers: Record<string, string>;
  /** Envelope sender (Return-Path), VERP-style (verp.ts); the From address when absent. */
  envelopeFrom?: string;
}

export type SendOutcome =
  | { ok: true; response: string }
  /** The relay refused this message for good (5xx on RCPT or DATA): the address bounces. */
  | { ok: false; permanent: true; response: string | null; error: string }
  /** 4xx, connection refused or lost, timeouts, a relay misconfiguration: try again later. */
  | { ok: false; permanent: false; connection: boolean; response: string | null; error: string };

export interface MailTransport {
  readonly kind: 'smtp' | 'capture';
  /** How many messages may usefully be in flight at once. */
  readonly concurrency: number;
  /**
   * How many messages the relay can have at once (the pool's connections); the worker lets at
   * most twice this many be sent and not yet recorded. Unset: no relay (capture) or unknown.
   */
  readonly connections?: number;
  send(mail: OutgoingMail): Promise<SendOutcome>;
  close(): void;
}

/** No SMTP_URL: the message stays in the database and the admin app shows it. */
export function captureTransport(): MailTransport {
  return {
    kind: 'capture',
    concurrency: 50,
    async send() {
      return { ok: true, response: 'vastgelegd in de database (geen SMTP_URL ingesteld)' };
    },
    close() {},
  };
}

interface SmtpErrorShape {
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
}

/** Mail addresses out of an error text before it is stored or logged anywhere it should not be. */
export function scrubAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g, '[adres]');
}

/** Turns a nodemailer error into a retry decision. */
export function classifySmtpError(error: unknown): SendOutcome {
  const e = (error ?? {}) as SmtpErrorShape;
  // The relay's answer often quotes the address; the row keeps it without (the retention purge
  // empties the row's address columns, not this one).
  const response = typeof e.response === 'string' ? scrubAddresses(e.response).slice(0, 500) : null;
  const message = error instanceof Error ? error.message : String(error);
  const summary = scrubAddresses(`${e.code ?? 'ERROR'}${e.command ? ` ${e.command}` : ''}: ${message}`).slice(0, 500);
  // Only a refusal of the recipient or the message says something about the address; a 5xx on
  // AUTH or MAIL FROM is our configuration, not the school's address.
  const aboutTheMessage = e.command === 'RCPT TO' || e.command === 'DATA';
  if (e.responseCode && e.responseCode >= 500 && e.permanent !== false && aboutTheMessage) {
    return { ok: false, permanent: true, response, error: summary };
  }
  const connection = !e.responseCode;
  return { ok: false, permanent: false, connection, response, error: summary };
}

export interface SmtpTransportOptions {
  maxConnections?: number;
  maxMessages?: number;
  /** DKIM signing (nodemailer's `dkim` option); see docs/mail-deliverability.md. */
  dkim?: { domainName: string; keySelector: string; privateKey: string };
}

/** A pooled nodemailer transport to SMTP_URL. */
export function smtpTransport(smtpUrl: string, options: SmtpTransportOptions = {}): MailTransport {
  const maxConnections = options.maxConnections ?? 5;
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections,
    maxMessages: options.maxMessages ?? 100,
    // Fail (and retry later) well within the outbox's claim lease, never hang a wave.
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
    // The outbox retries with backoff itself; a message must not be resent behind its back.
    maxRequeues: 0,
    ...(options.dkim ? { dkim: options.dkim } : {}),
  });
  // Connection errors of idle pool sockets must not crash the process; sends report their own.
  transporter.on('error', () => {});
  return {
    kind: 'smtp',
    // Deep enough that the pool's connections never wait for the next claim.
    concurrency: maxConnections * 20,
    connections: maxConnections,
    async send(mail) {
      try {
        const info = await transporter.sendMail({
          from: mail.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          ...(mail.html ? { html: mail.html } : {}),
          messageId: mail.messageId,
          headers: mail.headers,
          ...(mail.envelopeFrom ? { envelope: { from: mail.envelopeFrom, to: mail.to } } : {}),
        });
        return { ok: true, response: scrubAddresses(String(info.response ?? '')).slice(0, 500) };
      } catch (error) {
        return classifySmtpError(error);
      }
    },
    close() {
      transporter.close();
    },
  };
}

export function transportFromConfig(config: Pick<Config, 'smtpUrl' | 'dkim'>): MailTransport {
  return config.smtpUrl ? smtpTransport(config.smtpUrl, { dkim: config.dkim }) : captureTransport();
}
