import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseTrustProxy } from '../../server/config';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'meetronde-config-'));

describe('loadConfig', () => {
  it('defaults to the embedded database and captured mail', () => {
    const dir = tmp();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.smtpUrl).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
  });

  it('generates the secret once and keeps it in the data folder, readable by the owner only', () => {
    const dir = tmp();
    const first = loadConfig({ DATA_DIR: dir }).secret;
    const second = loadConfig({ DATA_DIR: dir }).secret;
    expect(first).toHaveLength(43);
    expect(second).toBe(first);
    expect(readFileSync(path.join(dir, 'secret'), 'utf8').trim()).toBe(first);
    expect(statSync(path.join(dir, 'secret')).mode & 0o077).toBe(0);
  });

  it('rejects malformed values with a message naming the variable', () => {
    const dir = tmp();
    expect(() => loadConfig({ DATA_DIR: dir, PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dir, DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DATA_DIR: dir, SMTP_URL: 'http://x' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ DATA_DIR: dir, SECRET: 'short' })).toThrow(/SECRET/);
    expect(() => loadConfig({ DATA_DIR: dir, RUN_WORKER: 'maybe' })).toThrow(/RUN_WORKER/);
  });

  it('gives outbox claims a 30 s lease renewed every 10 s, and refuses a lease shorter than two heartbeats', () => {
    const dir = tmp();
    const config = loadConfig({ DATA_DIR: dir });
    expect([config.mailLeaseMs, config.mailHeartbeatMs]).toEqual([30_000, 10_000]);
    const short = loadConfig({ DATA_DIR: dir, MAIL_LEASE_SECONDS: '4', MAIL_HEARTBEAT_SECONDS: '1' });
    expect([short.mailLeaseMs, short.mailHeartbeatMs]).toEqual([4_000, 1_000]);
    expect(() => loadConfig({ DATA_DIR: dir, MAIL_LEASE_SECONDS: '15' })).toThrow(/MAIL_LEASE_SECONDS/);
    expect(() => loadConfig({ DATA_DIR: dir, MAIL_HEARTBEAT_SECONDS: '0' })).toThrow(/MAIL_HEARTBEAT_SECONDS/);
    expect(() => loadConfig({ DATA_DIR: dir, MAIL_LEASE_SECONDS: 'soon' })).toThrow(/MAIL_LEASE_SECONDS/);
  });

  it('strips a trailing slash from PUBLIC_URL', () => {
    expect(loadConfig({ DATA_DIR: tmp(), PUBLIC_URL: 'https://meetronde.example.nl/' }).publicUrl).toBe('https://meetronde.example.nl');
  });

  it('reads TRUST_PROXY as a list of proxy addresses or ranges, or a hop count, and refuses a bare true', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('127.0.0.1')).toEqual(['127.0.0.1']);
    expect(parseTrustProxy(' 10.0.0.0/8, ::1 ,fd00::/8,loopback')).toEqual(['10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('2')).toBe(2);
    for (const bare of ['true', 'TRUE', 'yes', 'on']) expect(() => parseTrustProxy(bare)).toThrow(/any client/);
    for (const bad of ['10.0.0.0/33', 'proxy.example.nl', '10.0.0.1/abc', '99']) expect(() => parseTrustProxy(bad)).toThrow(ConfigError);
    expect(loadConfig({ DATA_DIR: tmp(), TRUST_PROXY: '172.16.0.0/12' }).trustProxy).toEqual(['172.16.0.0/12']);
    expect(() => loadConfig({ DATA_DIR: tmp(), TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
  });
});
