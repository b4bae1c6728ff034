import type { AreaDeps } from '../area';
import type { PeriodicTask, WorkerLog } from '../tasks';
import { imapTask } from './imap';
import type { InboundOptions } from './process';
import { startInboundSmtp } from './smtp';

/** What processing needs from the configuration. */
export function inboundOptions(config: AreaDeps['config']): InboundOptions {
  return {
    secret: config.secret,
    softBounceLimit: config.inbound?.softBounceLimit ?? 3,
    forwardRepliesTo: config.inbound?.forwardRepliesTo,
    publicUrl: config.publicUrl,
  };
}

/** The worker's inbound tasks: the IMAP poll when IMAP_URL is set. */
export function inboundTasks(deps: AreaDeps, log?: WorkerLog): PeriodicTask[] {
  const imapUrl = deps.config.inbound?.imapUrl;
  if (!imapUrl) return [];
  return [imapTask(deps, imapUrl, deps.config.inbound?.imapPollMs ?? 60_000, inboundOptions(deps.config), log)];
}

/**
 * The SMTP receiver as a worker task: it starts listening on the first run (so it runs where
 * the worker runs) and stops with the worker.
 */
export function inboundSmtpTask(deps: AreaDeps, log?: WorkerLog): PeriodicTask[] {
  const port = deps.config.inbound?.smtpPort ?? 0;
  if (!port) return [];
  let server: Awaited<ReturnType<typeof startInboundSmtp>> | null = null;
  let starting: Promise<void> | null = null;
  return [
    {
      name: 'inbound-smtp',
      intervalMs: 60_000,
      async run() {
        if (server || starting) return false;
        starting = startInboundSmtp(deps, {
          port,
          host: deps.config.inbound?.smtpHost ?? '0.0.0.0',
          mailFrom: deps.config.mailFrom,
          bounceAddress: deps.config.bounceAddress,
          options: inboundOptions(deps.config),
          log,
        })
          .then((s) => {
            server = s;
          })
          .catch((error: unknown) => {
            log?.('inbound: the SMTP receiver could not start', { error: error instanceof Error ? error.name : 'Error', code: (error as { code?: unknown })?.code });
          })
          .finally(() => {
            starting = null;
          });
        await starting;
        return false;
      },
      async close() {
        await starting;
        await server?.close();
        server = null;
      },
    },
  ];
}
