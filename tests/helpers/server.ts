import type { Database } from '../../server/db/database';
import { makeTestApp, type TestApp } from './app';

/** The app listening on a loopback port, for browser and SMTP tests. */
export async function listenTestApp(database: Database, options: Parameters<typeof makeTestApp>[1] = {}): Promise<TestApp & { url: string }> {
  const testApp = await makeTestApp(database, options);
  await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  const address = testApp.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { ...testApp, url: `http://127.0.0.1:${address.port}` };
}
