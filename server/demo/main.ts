import { rmSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../app';
import { ScaledClock, systemClock } from '../clock';
import { ConfigError, loadConfig } from '../config';
import { openDatabase, type Database } from '../db/database';
import { migrateToLatest } from '../db/migrator';
import { restrictFileCreation } from '../files';
import { buildWorker, type Worker } from '../worker';
import { hashPassword } from '../auth/password';
import { buildReportReplica } from './replica';
import { DEMO_ADMIN, demoLink, openDemoRound, prepareDemo } from './setup';
import { DemoSimulation } from './simulate';

/**
 * `npm run demo`: the platform on its own embedded data folder with a demo study whose six weeks
 * pass in a few minutes. Never touches the real data folder. Settings: DEMO_DATA_DIR (default
 * ./demo-data, wiped at every start), DEMO_MINUTES (how long the six weeks take, default 4), PORT.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const ROUND_DAYS = 42;

async function main() {
  restrictFileCreation();
  const dataDir = path.resolve(process.env.DEMO_DATA_DIR?.trim() || 'demo-data');
  if (dataDir === path.resolve('data')) throw new ConfigError('DEMO_DATA_DIR may not be the real data folder (./data)');
  const minutes = Number(process.env.DEMO_MINUTES ?? 4);
  if (!(minutes > 0 && minutes <= 24 * 60)) throw new ConfigError('DEMO_MINUTES must be a number of minutes between 0 and 1440');
  rmSync(dataDir, { recursive: true, force: true });

  // The demo is self-contained: embedded database, captured mail, no relay limits, no rate limit
  // on the simulated schools (they all come through this one process).
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    SMTP_URL: '',
    SECRET: '',
    MAIL_PER_MINUTE: '0',
    MAIL_PER_HOUR: '0',
    MAIL_PER_DAY: '0',
    RESPONDENT_RATE_LIMIT: '0',
    RUN_WORKER: 'true',
  });

  console.log('Meetronde-demo wordt voorbereid (synthetische scholen, dit duurt ongeveer een halve minuut)…');
  const database: Database = await openDatabase(config);
  await migrateToLatest(database.db);
  if (process.argv.includes('--replica')) return replicaDemo(config, database);
  const start = new Date();
  const demo = await prepareDemo(database.db, start, (line) => console.log(`  ${line}`));

  const factor = (ROUND_DAYS * DAY_MS) / (minutes * 60_000);
  // Time runs compressed until one day before the round closes, then at real speed, so the
  // round is still open while the newcomer looks around.
  const clock = new ScaledClock(start, factor, { fastUntil: new Date(start.getTime() + (ROUND_DAYS - 1) * DAY_MS) });
  const app = await buildApp(config, { database, clock, authClock: systemClock });
  await app.listen({ port: config.port, host: config.host });

  const invitationIds = await openDemoRound(database.db, demo, clock.now(), config.secret);
  const visitorInvitation = Math.min(...invitationIds);
  const worker: Worker = buildWorker({
    db: database.db,
    database,
    clock,
    config,
    pollMs: 100,
    log: (message, fields) => app.log.error(fields ?? {}, message),
  });
  worker.start();
  const simulation = new DemoSimulation(app, database.db, {
    roundId: demo.roundId,
    secret: config.secret,
    invitationIds,
    skip: [visitorInvitation],
  });

  console.log(`\nMeetronde-demo draait op ${config.publicUrl}/`);
  console.log(`  Inloggen:   ${config.publicUrl}/admin  (${DEMO_ADMIN.email} / ${DEMO_ADMIN.password})`);
  console.log(`  Dashboard:  ${config.publicUrl}/admin/respons/${demo.roundId}`);
  console.log(`  Vul zelf de vragenlijst in als demoschool: ${await demoLink(database.db, visitorInvitation, config.secret, config.publicUrl)}`);
  console.log(`\n${invitationIds.length} scholen uitgenodigd. Zes weken meting duren hier ${minutes} minuten; de herinnering gaat na twee weken.`);
  console.log('Stoppen met Ctrl-C. De demogegevens staan in ' + dataDir + ' en worden bij de volgende start gewist.\n');

  let stopping = false;
  let lastDay = -1;
  let ticking: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    ticking = ticking.then(async () => {
      if (stopping) return;
      const now = clock.now();
      const figures = await simulation.step(now);
      const day = Math.floor((now.getTime() - start.getTime()) / DAY_MS);
      if (day !== lastDay && day % 7 === 0 && clock.fast) {
        lastDay = day;
        const rate = ((figures.completed / invitationIds.length) * 100).toFixed(1);
        console.log(`Dag ${day}: ${figures.opened} links geopend, ${figures.refused} geweigerd, ${figures.completed} ingevuld (${rate}%)`);
      }
      if (!clock.fast && lastDay !== -2) {
        lastDay = -2;
        console.log(
          `Zes weken voorbij: ${figures.completed} van ${invitationIds.length} scholen ingevuld. De meting sluit morgen; de demo blijft draaien tot Ctrl-C.`,
        );
      }
    }).catch((error: unknown) => {
      console.error('Demo-simulatie: fout', error instanceof Error ? error.message : error);
    });
  }, 200);

  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    console.log('\nDemo stopt…');
    await ticking.catch(() => {});
    await worker.stop().catch(() => {});
    await app.close().catch(() => {});
    await database.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

/**
 * `npm run demo -- --replica`: no simulation, but the two IMAGE rounds (2022 and 2023) whose
 * answers reproduce the published report, to look at the report tables and figures.
 */
async function replicaDemo(config: ReturnType<typeof loadConfig>, database: Database) {
  const now = new Date();
  await database.db
    .insertInto('users')
    .values({ email: DEMO_ADMIN.email, name: DEMO_ADMIN.name, role: 'admin', password_hash: await hashPassword(DEMO_ADMIN.password) })
    .execute();
  const rounds = await buildReportReplica(database.db, now);
  const app = await buildApp(config, { database, clock: systemClock, authClock: systemClock });
  await app.listen({ port: config.port, host: config.host });
  console.log(`\nMeetronde-demo (rapport 2023 nagebouwd) draait op ${config.publicUrl}/`);
  console.log(`  Inloggen:   ${config.publicUrl}/admin  (${DEMO_ADMIN.email} / ${DEMO_ADMIN.password})`);
  console.log(`  Tabellen:   ${config.publicUrl}/admin/exports/${rounds.roundId}`);
  console.log(`  Afdrukbaar: ${config.publicUrl}/api/exports/rounds/${rounds.roundId}/report.html (na inloggen)`);
  console.log('Stoppen met Ctrl-C.\n');
  const shutdown = async () => {
    await app.close().catch(() => {});
    await database.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error('De demo kan niet starten:', error instanceof Error ? error.message : error);
  process.exit(1);
});
