import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './process';

const run = promisify(execFile);

/**
 * A real Postfix instance of its own (Debian's postfix package) for the bounce tests: its own
 * config and queue directories in a temp folder, smtpd on a free loopback port, no system
 * instance touched. It relays everything to loopback ports the test chooses (transport map), so
 * a refusal further on makes Postfix write a real RFC 3464 DSN to the envelope sender.
 *
 * Postfix's master runs as root and drops privileges to the `postfix` user (it cannot run
 * unprivileged), so the tests skip, loudly, when not run as root or without the binary.
 */
export const POSTFIX_BIN = '/usr/sbin/postfix';

export function postfixUnavailable(): string | null {
  if (!existsSync(POSTFIX_BIN)) return 'postfix is not installed (apt-get install postfix; .ci/run does this)';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'postfix needs root to start its master process';
  return null;
}

export interface PostfixInstance {
  port: number;
  dir: string;
  /** The instance's log (maillog_file), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

const SERVICES = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

/**
 * Starts Postfix. `routes`: domain → loopback port for mail to that domain ('*' for the rest).
 */
export async function startPostfix(routes: Record<string, number>): Promise<PostfixInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meetronde-postfix-'));
  // The postfix user must reach the queue below it.
  chmodSync(dir, 0o755);
  const config = path.join(dir, 'etc');
  const queue = path.join(dir, 'queue');
  const data = path.join(dir, 'data');
  for (const d of [config, queue, data]) mkdirSync(d, { recursive: true });
  const port = await freePort();
  const transport = Object.entries(routes)
    .map(([domain, p]) => `${domain} smtp:[127.0.0.1]:${p}`)
    .join('\n');
  writeFileSync(path.join(config, 'transport'), transport + '\n');
  writeFileSync(
    path.join(config, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${queue}`,
      `data_directory = ${data}`,
      'command_directory = /usr/sbin',
      'daemon_directory = /usr/lib/postfix/sbin',
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = relay.meetronde.test',
      'mydomain = meetronde.test',
      'myorigin = $myhostname',
      'mydestination =',
      'local_recipient_maps =',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      'smtpd_relay_restrictions = permit_mynetworks, reject',
      `transport_maps = texthash:${path.join(config, 'transport')}`,
      'smtp_tls_security_level = none',
      'smtpd_tls_security_level = none',
      'smtputf8_enable = no',
      'biff = no',
      'alias_maps =',
      'alias_database =',
      'maillog_file = ' + path.join(dir, 'maillog'),
      `maillog_file_prefixes = ${dir}`,
      'smtp_dns_support_level = disabled',
      'disable_dns_lookups = yes',
      'bounce_queue_lifetime = 0',
      'maximal_queue_lifetime = 1h',
      'queue_run_delay = 5s',
      'minimal_backoff_time = 5s',
      'maximal_backoff_time = 10s',
      'delay_warning_time = 0',
    ].join('\n') + '\n',
  );
  writeFileSync(path.join(config, 'master.cf'), `127.0.0.1:${port} inet n - n - - smtpd\n${SERVICES}`);
  const env = { ...process.env, MAIL_CONFIG: config };
  await run(POSTFIX_BIN, ['-c', config, 'set-permissions'], { env }).catch(() => {});
  await run(POSTFIX_BIN, ['-c', config, 'check'], { env });
  await run(POSTFIX_BIN, ['-c', config, 'start'], { env });
  return {
    port,
    dir,
    log: () => (existsSync(path.join(dir, 'maillog')) ? readFileSync(path.join(dir, 'maillog'), 'utf8') : ''),
    async stop() {
      await run(POSTFIX_BIN, ['-c', config, 'stop'], { env }).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
