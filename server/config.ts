import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { makePrivateDir } from './files';

/** Typed configuration, read from the environment. The defaults need nothing installed. */
export interface Config {
  /** Port to listen on. */
  port: number;
  host: string;
  /** The address schools and admins reach the app at; used in e-mailed links. */
  publicUrl: string;
  /** postgres://… for a real server; undefined means embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  /** Folder for the embedded database, the generated secret and other local state. */
  dataDir: string;
  /** Key for token derivation and signing; generated and kept in the data folder when unset. */
  secret: string;
  /** smtp://… or smtps://… of the relay; undefined means mail is captured in the database. */
  smtpUrl: string | undefined;
  /** Sender address of outgoing mail. */
  mailFrom: string;
  /** Relay limits (0 = no limit). */
  mailPerMinute: number;
  mailPerHour: number;
  mailPerDay: number;
  /**
   * How long a worker's claim on an outbox row holds without renewal (MAIL_LEASE_SECONDS). A live
   * worker renews its claims every `mailHeartbeatMs`; the claims of a worker that stopped renewing
   * (its process died) are taken over by another worker once this much time has passed.
   */
  mailLeaseMs: number;
  /** How often a worker renews the claims it holds (MAIL_HEARTBEAT_SECONDS). */
  mailHeartbeatMs: number;
  /** Run the background worker (outbox, scheduled mailings) in this process. */
  runWorker: boolean;
  /**
   * Behind a TLS-terminating proxy: whose X-Forwarded-* to believe. A list of the proxies'
   * addresses or CIDR ranges (preferred), or the number of proxy hops in front of the app; false
   * when the app is reached directly. Never "any peer": that lets every client choose its own
   * address and so escape every per-address limit.
   */
  trustProxy: TrustProxy;
  logLevel: string;
  /** Requests per minute per client address on the respondent routes (/api/s/…); 0 = no limit. */
  respondentRateLimit: number;
  /**
   * Envelope sender (Return-Path) base address: every message goes out with
   * `<local>+<outbox id>.<signature>@<domain>` of it (VERP), so a bounce names its message.
   * BOUNCE_ADDRESS; default the MAIL_FROM address. Optional so older callers keep working.
   */
  bounceAddress?: string;
  /** Mail that comes back: an IMAP mailbox and/or an SMTP receiver (server/inbound/). */
  inbound?: InboundConfig;
  /** DKIM signing of outgoing mail (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY[_FILE]). */
  dkim?: DkimConfig;
  /** The relay preset whose limits were applied (MAIL_RELAY_PRESET), for the admin's information. */
  relayPreset?: RelayPresetName;
}

export type TrustProxy = false | number | string[];
export interface InboundConfig {
  /** imap://user:password@host:port/Mailbox or imaps://…; undefined = no polling. */
  imapUrl?: string;
  /** Poll interval in ms (IMAP_POLL_SECONDS, default 60). */
  imapPollMs: number;
  /** Port of the SMTP receiver (INBOUND_SMTP_PORT); 0 = off. */
  smtpPort: number;
  smtpHost: string;
  /** Temporary failures (4.x.x DSNs) of one invitation before it counts as unreachable (BOUNCE_SOFT_LIMIT, default 3). */
  softBounceLimit: number;
  /** Human replies are forwarded here when set (REPLIES_FORWARD_TO). */
  forwardRepliesTo?: string;
}

export interface DkimConfig {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/**
 * Throttling presets for common relays (per minute / hour / day). Conservative values below the
 * providers' published limits, since a whole wave goes to many different recipients:
 * - microsoft365: Exchange Online allows 30 messages per minute and 10 000 recipients per day per
 *   mailbox;
 * - google-workspace: Gmail/Workspace SMTP relay allows 10 000 recipients per day per user for
 *   smtp-relay; sending through a mailbox (smtp.gmail.com) 2 000 per day;
 * - surf: SURFmailfilter's outgoing relay for institutions, 500 messages per hour.
 * MAIL_PER_MINUTE / HOUR / DAY override a preset's value.
 */
export const RELAY_PRESETS = {
  microsoft365: { perMinute: 25, perHour: 1_200, perDay: 9_000 },
  'google-workspace': { perMinute: 60, perHour: 1_500, perDay: 1_800 },
  surf: { perMinute: 20, perHour: 480, perDay: 10_000 },
} as const;
export type RelayPresetName = keyof typeof RELAY_PRESETS;

export class ConfigError extends Error {}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function boolFrom(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One trusted proxy entry: an IPv4/IPv6 address, a CIDR range, or loopback/linklocal/uniquelocal. */
function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || !address) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY: unset/false = no proxy; a number = that many proxy hops (only when the app cannot
 * be reached around the proxy); otherwise a comma-separated list of the proxies' addresses or
 * ranges. A bare "true" is refused: it would believe X-Forwarded-For from anyone.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const value = raw?.trim() ?? '';
  const lower = value.toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(lower)) return false;
  if (['true', 'yes', 'on'].includes(lower)) {
    throw new ConfigError(
      'TRUST_PROXY=true would believe X-Forwarded-For from any client. Set it to the address(es) of your proxy ' +
        '(e.g. TRUST_PROXY=127.0.0.1 or TRUST_PROXY=10.0.0.0/8) or to the number of proxies in front (e.g. TRUST_PROXY=1).',
    );
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) throw new ConfigError(`TRUST_PROXY: ${hops} proxy hops is not plausible`);
    return hops;
  }
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = entries.filter((entry) => !isProxyEntry(entry));
  if (bad.length > 0 || entries.length === 0) {
    throw new ConfigError(`TRUST_PROXY must be a number of hops or a list of IP addresses/CIDR ranges, got "${bad.join(', ') || value}"`);
  }
  return entries;
}

/** Secrets that were published as defaults (older docker-compose.yml): anyone could derive links and pseudonyms. */
const PUBLISHED_SECRETS = new Set(['change-me-to-a-long-random-string-of-at-least-32-chars']);

/** Reads the secret from SECRET, or from `<dataDir>/secret`, creating it on first start. */
function resolveSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  const fromEnv = env.SECRET?.trim();
  if (fromEnv) {
    if (fromEnv.length < 32) throw new ConfigError('SECRET must be at least 32 characters long');
    if (PUBLISHED_SECRETS.has(fromEnv)) {
      throw new ConfigError('SECRET is the example value published with docker-compose.yml; set a long random secret of your own');
    }
    return fromEnv;
  }
  const file = path.join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  makePrivateDir(dataDir);
  const secret = randomBytes(32).toString('base64url');
  // 'wx' fails if another process created it in between; then we read theirs.
  try {
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    return readFileSync(file, 'utf8').trim();
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intFrom(env, 'PORT', 3000);
  const host = env.HOST?.trim() || '0.0.0.0';
  const dataDir = path.resolve(env.DATA_DIR?.trim() || 'data');
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const smtpUrl = env.SMTP_URL?.trim() || undefined;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) {
    throw new ConfigError('SMTP_URL must start with smtp:// or smtps://');
  }
  const publicUrl = (env.PUBLIC_URL?.trim() || `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL is not a valid URL: "${publicUrl}"`);
  }
  const mailLeaseSeconds = intFrom(env, 'MAIL_LEASE_SECONDS', 30);
  const mailHeartbeatSeconds = intFrom(env, 'MAIL_HEARTBEAT_SECONDS', 10);
  if (mailHeartbeatSeconds < 1) throw new ConfigError('MAIL_HEARTBEAT_SECONDS must be at least 1');
  if (mailLeaseSeconds < 2 * mailHeartbeatSeconds) {
    throw new ConfigError(
      `MAIL_LEASE_SECONDS (${mailLeaseSeconds}) must be at least twice MAIL_HEARTBEAT_SECONDS (${mailHeartbeatSeconds}), so one missed heartbeat does not lose a claim`,
    );
  }
  const presetName = env.MAIL_RELAY_PRESET?.trim().toLowerCase() || undefined;
  if (presetName && !(presetName in RELAY_PRESETS)) {
    throw new ConfigError(`MAIL_RELAY_PRESET must be one of ${Object.keys(RELAY_PRESETS).join(', ')}, got "${presetName}"`);
  }
  const preset = presetName ? RELAY_PRESETS[presetName as RelayPresetName] : { perMinute: 0, perHour: 0, perDay: 0 };
  const mailFrom = env.MAIL_FROM?.trim() || 'Meetronde <noreply@meetronde.localhost>';
  const bounceAddress = env.BOUNCE_ADDRESS?.trim() || undefined;
  if (bounceAddress && !/^[^\s@<>+]+@[A-Za-z0-9.-]+$/.test(bounceAddress)) {
    throw new ConfigError('BOUNCE_ADDRESS must be a plain address without "+" (e.g. bounces@example.nl)');
  }
  const imapUrl = env.IMAP_URL?.trim() || undefined;
  if (imapUrl && !/^imaps?:\/\//.test(imapUrl)) throw new ConfigError('IMAP_URL must start with imap:// or imaps://');
  const forwardRepliesTo = env.REPLIES_FORWARD_TO?.trim() || undefined;
  if (forwardRepliesTo && !/^[^\s@<>]+@[^\s@<>]+$/.test(forwardRepliesTo)) throw new ConfigError('REPLIES_FORWARD_TO must be an e-mail address');
  const dkimDomain = env.DKIM_DOMAIN?.trim() || undefined;
  let dkim: DkimConfig | undefined;
  if (dkimDomain) {
    const keyFile = env.DKIM_PRIVATE_KEY_FILE?.trim();
    const privateKey = keyFile ? readFileSync(keyFile, 'utf8') : (env.DKIM_PRIVATE_KEY ?? '').replace(/\\n/g, '\n');
    const keySelector = env.DKIM_SELECTOR?.trim() || '';
    if (!keySelector || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
      throw new ConfigError('DKIM_DOMAIN needs DKIM_SELECTOR and a PEM private key in DKIM_PRIVATE_KEY or DKIM_PRIVATE_KEY_FILE');
    }
    dkim = { domainName: dkimDomain, keySelector, privateKey };
  }
  return {
    port,
    host,
    publicUrl,
    databaseUrl,
    dataDir,
    secret: resolveSecret(env, dataDir),
    smtpUrl,
    mailFrom,
    mailPerMinute: intFrom(env, 'MAIL_PER_MINUTE', preset.perMinute),
    mailPerHour: intFrom(env, 'MAIL_PER_HOUR', preset.perHour),
    mailPerDay: intFrom(env, 'MAIL_PER_DAY', preset.perDay),
    mailLeaseMs: mailLeaseSeconds * 1000,
    mailHeartbeatMs: mailHeartbeatSeconds * 1000,
    ...(presetName ? { relayPreset: presetName as RelayPresetName } : {}),
    ...(bounceAddress ? { bounceAddress } : {}),
    ...(dkim ? { dkim } : {}),
    inbound: {
      imapUrl,
      imapPollMs: intFrom(env, 'IMAP_POLL_SECONDS', 60) * 1000,
      smtpPort: intFrom(env, 'INBOUND_SMTP_PORT', 0),
      smtpHost: env.INBOUND_SMTP_HOST?.trim() || '0.0.0.0',
      softBounceLimit: Math.max(1, intFrom(env, 'BOUNCE_SOFT_LIMIT', 3)),
      forwardRepliesTo,
    },
    runWorker: boolFrom(env, 'RUN_WORKER', true),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    respondentRateLimit: intFrom(env, 'RESPONDENT_RATE_LIMIT', 600),
  };
}
