import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './process';

/**
 * A real IMAP server (Debian's dovecot-imapd) for the polling tests: started by the test with
 * its own config in a temp folder, on a free loopback port, one test user from a passwd-file,
 * maildir storage. Nothing of a system Dovecot is used or touched. Dovecot's master runs as root
 * and serves the mail user with the `mail` account's uid, so the tests skip, loudly, when not
 * root or without the binary.
 */
export const DOVECOT_BIN = '/usr/sbin/dovecot';

export function dovecotUnavailable(): string | null {
  if (!existsSync(DOVECOT_BIN) || !existsSync('/usr/lib/dovecot/imap')) return 'dovecot-imapd is not installed (apt-get install dovecot-imapd; .ci/run does this)';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'dovecot needs root to start its master process';
  return null;
}

export interface DovecotInstance {
  port: number;
  user: string;
  password: string;
  /** imap://user:password@127.0.0.1:port/INBOX */
  url: string;
  log(): string;
  stop(): Promise<void>;
}

const MAIL_UID = 8; // Debian's `mail` user

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`dovecot did not listen on ${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

export async function startDovecot(): Promise<DovecotInstance> {
  const dir = mkdtempSync(path.join(tmpdir(), 'meetronde-dovecot-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const user = 'bounces';
  const password = 'test-password-123';
  const home = path.join(dir, 'home', user);
  for (const d of [path.join(dir, 'run'), path.join(dir, 'state'), home]) mkdirSync(d, { recursive: true });
  chownSync(path.join(dir, 'home'), MAIL_UID, MAIL_UID);
  chownSync(home, MAIL_UID, MAIL_UID);
  writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}:${MAIL_UID}:${MAIL_UID}::${home}::\n`);
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = ${MAIL_UID}
last_valid_uid = ${MAIL_UID}
first_valid_gid = ${MAIL_UID}
mail_location = maildir:~/Maildir
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
  );
  const child: ChildProcess = spawn(DOVECOT_BIN, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const log = () => output + (existsSync(path.join(dir, 'dovecot.log')) ? readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : '');
  try {
    await waitForPort(port, 15_000);
  } catch (error) {
    child.kill('SIGTERM');
    throw new Error(`${(error as Error).message}\n${log()}`);
  }
  return {
    port,
    user,
    password,
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
