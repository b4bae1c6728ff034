import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

/**
 * A real SMTP server on loopback that keeps what it accepts, for the mail tests. It can refuse
 * recipients (451 for a while, 550 for good), go away (refuse connections) and come back on the
 * same port, hold messages before answering the final "." so a test can kill a sender while
 * mails are in flight, and drop the connection after taking a message without acknowledging it.
 */
export interface ReceivedMail {
  to: string;
  envelopeFrom: string | null;
  messageId: string;
  subject: string;
  text: string;
  html: string | null;
  headers: ParsedMail['headers'];
  raw: ParsedMail;
}

export interface SinkOptions {
  /** Called per RCPT TO; return an SMTP code (e.g. 451, 550) to refuse, or null to accept. */
  onRecipient?: (address: string) => number | null;
  /** Called per MAIL FROM; return an SMTP code to refuse the sender. */
  onSender?: (address: string) => number | null;
  /** Called when a message's data arrived; resolve to answer 250 (or throw to answer 451). */
  beforeAccept?: (mail: ReceivedMail) => Promise<void>;
  /**
   * Called once a message is complete and kept; return true to drop the connection instead of
   * answering 250: the relay has the mail, the sender never hears so.
   */
  dropAfterData?: (mail: ReceivedMail) => boolean;
}

export interface SmtpSink {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** Messages to this address, in order of arrival. */
  to(address: string): ReceivedMail[];
  /** Resolves when at least `n` messages were accepted. */
  waitForCount(n: number, timeoutMs?: number): Promise<void>;
  /** Stops listening: connections are refused until `resume()`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
  options: SinkOptions;
}

function errorWithCode(code: number, message: string): Error {
  const error = new Error(message) as Error & { responseCode: number };
  error.responseCode = code;
  return error;
}

export async function startSmtpSink(options: SinkOptions = {}, port = 0): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  let server: SMTPServer | undefined;

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 100,
      onMailFrom(address: SMTPServerAddress, _session, callback) {
        const code = sink.options.onSender?.(address.address) ?? null;
        if (code) return callback(errorWithCode(code, 'Sender refused'));
        callback();
      },
      onRcptTo(address: SMTPServerAddress, _session, callback) {
        const code = sink.options.onRecipient?.(address.address) ?? null;
        if (code) return callback(errorWithCode(code, `${code >= 500 ? 'Mailbox unavailable' : 'Try again later'}: <${address.address}>`));
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then(async (parsed) => {
            const rcpt = session.envelope.rcptTo[0]?.address ?? '';
            const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
            const mail: ReceivedMail = {
              to: rcpt,
              envelopeFrom: from,
              messageId: parsed.messageId ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : null,
              headers: parsed.headers,
              raw: parsed,
            };
            if (sink.options.beforeAccept) await sink.options.beforeAccept(mail);
            received.push(mail);
            for (const w of waiters.splice(0)) w();
            if (sink.options.dropAfterData?.(mail)) {
              const connection = [...(server?.connections ?? [])].find((c) => (c as { id?: string }).id === session.id) as
                | { _socket?: { destroy(): void } }
                | undefined;
              connection?._socket?.destroy();
              return;
            }
            callback();
          })
          .catch(() => callback(errorWithCode(451, 'Temporary failure')));
      },
    });

  const listen = (p: number) =>
    new Promise<number>((resolve, reject) => {
      server = create();
      server.on('error', () => {});
      const net = server.listen(p, '127.0.0.1', () => {
        const address = net.address();
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no address'));
      });
      net.once('error', reject);
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      for (const connection of s.connections) (connection as { close?: () => void }).close?.();
      s.close(() => resolve());
    });

  const actualPort = await listen(port);
  const sink: SmtpSink = {
    port: actualPort,
    url: `smtp://127.0.0.1:${actualPort}`,
    received,
    options,
    to: (address) => received.filter((m) => m.to.toLowerCase() === address.toLowerCase()),
    waitForCount(n, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`SMTP sink: ${received.length} of ${n} messages arrived`)), timeoutMs);
        const check = () => {
          if (received.length >= n) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    pause: stop,
    async resume() {
      await listen(actualPort);
    },
    close: stop,
  };
  return sink;
}

/**
 * Makes the relay accept `count` mails (of those `only` picks; others pass untouched), then hold
 * every further one before its final answer, like a slow relay at the moment something fails.
 * A held mail was never accepted (no 250). After `release()` the held mails get their answer:
 * `then: 'fail'` drops them (the connection is gone, 451), `'accept'` accepts them.
 */
export function holdAfter(sink: SmtpSink, count: number, options: { then: 'fail' | 'accept'; only?: (mail: ReceivedMail) => boolean }): { held(): number; release(): void } {
  let accepted = 0;
  let held = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  sink.options.beforeAccept = async (mail) => {
    if (options.only && !options.only(mail)) return;
    if (accepted < count) {
      accepted++;
      return;
    }
    held++;
    await released;
    if (options.then === 'fail') throw new Error('connection gone');
  };
  return { held: () => held, release: () => release() };
}
