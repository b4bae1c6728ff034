import type { Database } from '../../server/db/database';
import { notify } from '../../server/db/database';
import { ROUND_CHANNEL } from '../../server/tracking/counts';

/** Round notifications sent while `work` runs; a marker sent afterwards tells when all arrived. */
export async function roundNotificationsOf(database: Pick<Database, 'db' | 'listen'>, work: () => Promise<void>): Promise<string[]> {
  const got: string[] = [];
  let markerSeen: () => void = () => {};
  const marker = new Promise<void>((resolve) => (markerSeen = resolve));
  const unlisten = await database.listen(ROUND_CHANNEL, (payload) => {
    if (payload === 'marker') markerSeen();
    else got.push(payload);
  });
  try {
    await work();
    await notify(database.db, ROUND_CHANNEL, 'marker');
    await marker;
  } finally {
    await unlisten();
  }
  return got;
}
