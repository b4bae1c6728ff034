import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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
  /** Run the background worker (outbox, scheduled mailings) in this process. */
  runWorker: boolean;
  /** Behind a TLS-terminating proxy: trust X-Forwarded-* and mark cookies Secure. */
  trustProxy: boolean;
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

/** Reads the secret from SECRET, or from `<dataDir>/secret`, creating it on first start. */
function resolveSecret(env: NodeJS.ProcessEnv, dataDir: string): string {
  const fromEnv = env.SECRET?.trim();
  if (fromEnv) {
    if (fromEnv.length < 32) throw new ConfigError('SECRET must be at least 32 characters long');
    return fromEnv;
  }
  const file = path.join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
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
    trustProxy: boolFrom(env, 'TRUST_PROXY', false),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    respondentRateLimit: intFrom(env, 'RESPONDENT_RATE_LIMIT', 600),
  };
}
