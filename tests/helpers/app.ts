import type { Kysely } from 'kysely';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, type App, type AppDeps } from '../../server/app';
import { createSession } from '../../server/auth/sessions';
import { ManualClock } from '../../server/clock';
import type { Config } from '../../server/config';
import type { Database } from '../../server/db/database';
import type { DB, Role } from '../../server/db/types';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: '127.0.0.1',
    publicUrl: 'http://meetronde.test',
    databaseUrl: undefined,
    dataDir: mkdtempSync(path.join(tmpdir(), 'meetronde-test-')),
    secret: 'test-secret-test-secret-test-secret-0123456789',
    smtpUrl: undefined,
    mailFrom: 'Meetronde test <noreply@meetronde.test>',
    mailPerMinute: 0,
    mailPerHour: 0,
    mailPerDay: 0,
    mailLeaseMs: 30_000,
    mailHeartbeatMs: 10_000,
    runWorker: false,
    trustProxy: false,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    respondentRateLimit: 600,
    ...overrides,
  };
}

export interface TestApp {
  app: App;
  clock: ManualClock;
  config: Config;
}

export async function makeTestApp(
  database: Database,
  options: { clock?: ManualClock; config?: Partial<Config>; deps?: Omit<AppDeps, 'database' | 'clock'> } = {},
): Promise<TestApp> {
  const clock = options.clock ?? new ManualClock();
  const config = testConfig(options.config);
  const app = await buildApp(config, { ...options.deps, database, clock });
  return { app, clock, config };
}

let userCounter = 0;

/** A user of `role` with a live session: the headers to send as that user. */
export async function loginAs(db: Kysely<DB>, role: Role, now = new Date()) {
  userCounter += 1;
  const user = await db
    .insertInto('users')
    .values({ email: `${role}${userCounter}-${Date.now()}@example.test`, name: `Test ${role} ${userCounter}`, role })
    .returning(['id', 'email', 'name', 'role'])
    .executeTakeFirstOrThrow();
  const session = await createSession(db, user.id, now);
  return {
    user,
    csrfToken: session.csrfToken,
    headers: { cookie: `mr_session=${session.cookieValue}`, 'x-csrf-token': session.csrfToken },
  };
}
