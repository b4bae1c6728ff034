import { afterAll, beforeAll } from 'vitest';
import type { Config } from '../../server/config';
import type { Database } from '../../server/db/database';
import { loginAs, makeTestApp, type TestApp } from './app';

export type AdminSession = Awaited<ReturnType<typeof loginAs>>;

/**
 * The app a suite shares on its database, with an admin logged in at the app's clock: `receive`
 * gets them in beforeAll; the app closes in afterAll.
 */
export function adminAppForSuite(getDatabase: () => Database, config: Partial<Config>, receive: (t: TestApp & { admin: AdminSession }) => void): void {
  let app: TestApp['app'] | undefined;
  beforeAll(async () => {
    const t = await makeTestApp(getDatabase(), { config });
    app = t.app;
    receive({ ...t, admin: await loginAs(getDatabase().db, 'admin', t.clock.now()) });
  });
  afterAll(async () => {
    await app?.close();
  });
}
