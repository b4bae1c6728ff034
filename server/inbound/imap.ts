import { ImapFlow } from 'imapflow';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { DB } from '../db/types';
import type { PeriodicTask, WorkerLog } from '../tasks';
import { processInbound, readInbound, type InboundOptions } from './process';

/**
 * Polls an IMAP mailbox (IMAP_URL, e.g. imaps://bounces%40school.nl:password@imap.example.nl/INBOX)
 * for mail that came back. Every unseen message is fetched, processed (processInbound: once,
 * in one transaction with its effect) and only then flagged \Seen. A crash between fetching
 * and the commit leaves the message unseen, so the next poll processes it; a crash between the
 * commit and the flag makes the next poll find it recorded and only flag it. Several instances
 * may poll the same mailbox: the database decides which one processes a message.
 */

export interface ImapSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
  /** imaps with a self-signed certificate (?tls=insecure): tests and internal servers only. */
  rejectUnauthorized: boolean;
}

export function parseImapUrl(url: string): ImapSettings {
  const u = new URL(url);
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX',
    rejectUnauthorized: u.searchParams.get('tls') !== 'insecure',
  };
}

export interface PollResult {
  fetched: number;
  processed: number;
  duplicates: number;
  /** More unseen messages than one run takes. */
  more: boolean;
}

export async function pollMailbox(
  db: Kysely<DB>,
  settings: ImapSettings,
  options: InboundOptions,
  clock: Clock,
  o: { batch?: number; signal?: AbortSignal } = {},
): Promise<PollResult> {
  const batch = o.batch ?? 100;
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: { user: settings.user, pass: settings.pass },
    logger: false,
    tls: { rejectUnauthorized: settings.rejectUnauthorized },
    // Plain IMAP only where the URL says so (a local server); imapflow would upgrade with STARTTLS when offered.
    doSTARTTLS: settings.secure ? undefined : false,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 120_000,
  });
  client.on('error', () => {});
  const result: PollResult = { fetched: 0, processed: 0, duplicates: 0, more: false };
  await client.connect();
  try {
    const lock = await client.getMailboxLock(settings.mailbox);
    try {
      const mailbox = client.mailbox;
      const uidValidity = mailbox ? String(mailbox.uidValidity) : '0';
      const unseen = (await client.search({ seen: false }, { uid: true })) || [];
      unseen.sort((a, b) => a - b);
      result.more = unseen.length > batch;
      for (const uid of unseen.slice(0, batch)) {
        if (o.signal?.aborted) {
          result.more = true;
          break;
        }
        const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
        if (!message || !message.source) continue;
        result.fetched++;
        const source = { channel: 'imap' as const, sourceRef: `imap:${settings.mailbox}:${uidValidity}:${uid}` };
        const now = clock.now();
        const read = await readInbound(message.source, source, options);
        const outcome = await db.transaction().execute((trx) => processInbound(trx, read, source, options, now));
        if (outcome.duplicate) result.duplicates++;
        else result.processed++;
        // Only after the commit: a crash before this line leaves the message to the next poll.
        await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      }
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return result;
}

/** The worker's IMAP task. */
export function imapTask(deps: { db: Kysely<DB>; clock: Clock }, imapUrl: string, intervalMs: number, options: InboundOptions, log?: WorkerLog): PeriodicTask {
  const settings = parseImapUrl(imapUrl);
  return {
    name: 'inbound-imap',
    intervalMs,
    async run({ signal }) {
      try {
        const result = await pollMailbox(deps.db, settings, options, deps.clock, { signal });
        return result.more;
      } catch (error) {
        // Never the message: it can carry the mailbox's address or password.
        log?.('inbound: polling the IMAP mailbox failed', { error: error instanceof Error ? error.name : 'Error', code: (error as { code?: unknown })?.code });
        return false;
      }
    },
  };
}
