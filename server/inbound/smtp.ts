import type { Kysely } from 'kysely';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { Clock } from '../clock';
import type { DB } from '../db/types';
import { mailAddress } from '../mailings/templates';
import { parseVerpAddress } from '../mailings/verp';
import { processInbound, readInbound, type InboundOptions } from './process';

/**
 * An SMTP receiver on a port of its own (INBOUND_SMTP_PORT), for installations that receive
 * their bounce domain's mail directly (MX → this port, usually behind the site's MTA). It takes
 * mail only for our own addresses: a signed VERP address, the bounce address or the From
 * address; anything else is refused at RCPT (550), so it is no open relay or catch-all. The
 * final "250" is given only after processInbound committed, so the sending MTA keeps (and
 * retries) a message we crashed on.
 */

export interface InboundSmtpServer {
  port: number;
  close(): Promise<void>;
}

const MAX_SIZE = 10 * 1024 * 1024;

export async function startInboundSmtp(
  deps: { db: Kysely<DB>; clock: Clock },
  o: { port: number; host: string; mailFrom: string; bounceAddress?: string; options: InboundOptions; log?: (message: string, fields?: Record<string, unknown>) => void },
): Promise<InboundSmtpServer> {
  const ours = new Set([mailAddress(o.mailFrom).toLowerCase(), ...(o.bounceAddress ? [o.bounceAddress.toLowerCase()] : [])]);
  const accepts = (address: string) => ours.has(address.toLowerCase()) || parseVerpAddress(address, o.options.secret) !== null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    size: MAX_SIZE,
    banner: 'Meetronde inbound',
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (!accepts(address.address)) {
        const error = new Error('No such recipient here') as Error & { responseCode: number };
        error.responseCode = 550;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          const error = new Error('Message too large') as Error & { responseCode: number };
          error.responseCode = 552;
          return callback(error);
        }
        const raw = Buffer.concat(chunks);
        const source = { channel: 'smtp' as const, sourceRef: `smtp:${session.id}`, envelopeRecipients: session.envelope.rcptTo.map((r) => r.address) };
        const now = deps.clock.now();
        readInbound(raw, source, o.options)
          .then((message) => deps.db.transaction().execute((trx) => processInbound(trx, message, source, o.options, now)))
          .then(() => callback())
          .catch((error: unknown) => {
            o.log?.('inbound: processing a received message failed', { error: error instanceof Error ? error.name : 'Error' });
            const e = new Error('Temporary failure, try again later') as Error & { responseCode: number };
            e.responseCode = 451;
            callback(e);
          });
      });
    },
  });
  server.on('error', (error) => o.log?.('inbound: SMTP receiver error', { error: error.name }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : o.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
