/**
 * One export (or the baseline) of bench/export.ts in a process of its own, so that its peak RSS is
 * the export's and not the seeding's: `node --import tsx bench/_export-one.ts <database url>
 * <round id> <csv|xlsx|sav|baseline> [--cpu-prof-dir=<dir>]`. Prints one JSON line: seconds, bytes,
 * CPU seconds, RSS at the start and peak RSS (MB), and the seconds planExport took (variables,
 * string widths and scale statistics, before the first row).
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openPostgres } from '../server/db/database';
import { measureFor, planExport } from '../server/exports/export';
import { exportStream, type ExportFormat } from '../server/exports/formats';

const [url, round, what] = process.argv.slice(2) as [string, string, ExportFormat | 'baseline'];
const database = openPostgres(url);
const db = database.db;
const roundId = Number(round);
const rssStart = process.memoryUsage().rss;
let bytes = 0;
// BENCH_EXPORT_DIGEST=1: also the sha256 of the file, to check that a change keeps it byte-identical
// (costs time, so not in measured runs); for .sav without its 176-byte header, which holds the
// time of writing.
const digest = process.env.BENCH_EXPORT_DIGEST ? createHash('sha256') : null;
const skip = what === 'sav' ? 176 : 0;
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    if (digest && bytes + chunk.length > skip) digest.update(chunk.subarray(Math.max(0, skip - bytes)));
    bytes += chunk.length;
    cb();
  },
});
const cpu = process.cpuUsage();
const t0 = performance.now();
let planSeconds = 0;
try {
  if (what === 'baseline') {
    for await (const row of db.selectFrom('responses').select(['data']).stream(500)) bytes += JSON.stringify(row.data).length;
  } else {
    const plan = await planExport(db, 'bench-secret'.repeat(4), roundId, { include: 'completed', identifiers: false, measure: measureFor(what) });
    planSeconds = (performance.now() - t0) / 1000;
    await pipeline(exportStream(plan, what, 'Bench'), sink);
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      seconds,
      planSeconds,
      bytes,
      ...(digest ? { sha256: digest.digest('hex') } : {}),
      cpuSeconds: (used.user + used.system) / 1e6,
      rssStartMb: Math.round(rssStart / 1e6),
      // maxRSS is in KiB.
      peakRssMb: Math.round((process.resourceUsage().maxRSS * 1024) / 1e6),
    }),
  );
} finally {
  await database.close();
}
