/**
 * A school at once (issue 21): 600 pupils (20 classes of 30) open their links, give consent and
 * save their first page within the same minute, all from one address (a school's NAT: here
 * loopback), against the real app (buildApp, PostgreSQL) with its default respondent rate limit
 * ON. Baseline in the same process and the same minutes: a bare Fastify server whose three routes
 * each do one statement (a SELECT for opening, an INSERT for consent and for the save), driven by
 * the same schedule. Requests come from a child process (bench/_class-load.ts).
 *
 * Schedule: class k starts at k × 1.5 s (so all 20 within 30 s); a pupil opens the link within
 * 3 s of the class's start, gives consent 1–3 s later and saves the first page 2–5 s after that.
 * Targets: no request refused (no 429, no error), p99 of the first save < 250 ms.
 *
 * Run: `npm run bench -- class` or `npx tsx bench/class-at-once.ts [--classes=20] [--pupils=30] [--profile]`
 * (`--profile`: a CPU profile of the server process during the app's run).
 */
import Fastify from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../server/app';
import { systemClock } from '../server/clock';
import { openPostgres, type Database } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { newInvitationToken } from '../server/invitations/tokens';
import { readMeta, snapshotVersion, validateResponse, variablesFor, type QuestionnaireContent } from '../server/questionnaires';
import { randomAnswers } from '../server/demo/data/random-responses';
import { seededRandom } from '../server/demo/data/random';
import type { ClassJob, ClassReport, Pupil, Step } from './_class-load';
import { cpuProfile, createBenchDatabase, createOpenRound, loadAverage, percentile, postgresCpuBetween, profileByPackage, profileTables, postgresCpuByPid, recordResults, table, BENCH_SECRET, benchAppConfig, startLoader, type ProfileSummary, runBench, benchInvitation } from './lib';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const CLASSES = Number(arg('classes') ?? 20);
const PER_CLASS = Number(arg('pupils') ?? 30);
const SECRET = BENCH_SECRET;
const POOL = 10;
const PROFILE = process.argv.includes('--profile');

async function seed(database: Database, count: number) {
  const db = database.db;
  const version = await snapshotVersion(db, 'image-samenwerking-2023');
  const content = version.content as QuestionnaireContent;
  const meta = readMeta(content);
  const variables = variablesFor({ situation: 'po-vo', sector: 'po', schoolName: 'Basisschool De Klas', schoolKind: 'po' });
  const rng = seededRandom(21);
  const given = { [meta.consent.question]: meta.consent.yes, ...(meta.branch ? { [meta.branch.question]: meta.branch.values[0] } : {}) };
  const firstPage = validateResponse(content, variables, randomAnswers(content, variables, rng, { given, stopAfter: 6 }), { mode: 'partial' });
  if (!firstPage.ok) throw new Error('generated answers do not validate');
  const now = new Date();
  const { roundId, swvId } = await createOpenRound(db, { versionId: version.id, slug: 'bench-class', roundName: 'Meting klas', swvCode: 'PO9998', swvName: 'SWV Klas', situation: 'po-vo' });
  const tokens = Array.from({ length: count }, () => newInvitationToken(SECRET));
  const schools = await db
    .insertInto('schools')
    .values(tokens.map((_, i) => ({ location_code: `8${i.toString(36).toUpperCase().padStart(3, '0')}00`, brin: `8${i.toString(36).toUpperCase().padStart(3, '0')}`, name: `Leerling ${i}`, kind: 'po' as const })))
    .returning('id')
    .execute();
  await db
    .insertInto('invitations')
    .values(
      schools.map((s, k) => ({ ...benchInvitation({ roundId, swvId }, s.id, tokens[k]!, `leerling${k}@bench.test`, now), status: 'invited' as const })),
    )
    .execute();
  await sql`analyze`.execute(db);
  return { roundId, tokens: tokens.map((t) => t.token), consentAnswer: meta.consent.yes, data: JSON.stringify(firstPage.data) };
}

/** The baseline: one statement per route, the same shapes of request and answer. */
async function startBare(database: Database) {
  await sql`create table bench_class (id bigserial primary key, token text not null, data jsonb not null, created_at timestamptz not null default now())`.execute(database.db);
  const bare = Fastify({ logger: false });
  bare.get('/bare/:token', async (request) => {
    const { token } = request.params as { token: string };
    const rows = await sql<{ n: number }>`select count(*)::int as n from bench_class where token = ${token}`.execute(database.db);
    return { state: 'consent', seen: rows.rows[0]!.n };
  });
  const insert = async (request: { params: unknown; body: unknown }) => {
    const { token } = request.params as { token: string };
    await sql`insert into bench_class (token, data) values (${token}, ${JSON.stringify(request.body)})`.execute(database.db);
    return { revision: 1, savedAt: new Date().toISOString() };
  };
  bare.post('/bare/:token/consent', insert);
  bare.put('/bare/:token/answers', insert);
  await bare.listen({ port: 0, host: '127.0.0.1' });
  return { app: bare, url: `http://127.0.0.1:${(bare.server.address() as { port: number }).port}` };
}

function schedule(tokens: string[], seedNumber: number): Pupil[] {
  const rng = seededRandom(seedNumber);
  return tokens.map((token, i) => {
    const klass = Math.floor(i / PER_CLASS);
    const openAt = klass * 1500 + rng() * 3000;
    const consentAt = openAt + 1000 + rng() * 2000;
    return { token, openAt, consentAt, saveAt: consentAt + 2000 + rng() * 3000 };
  });
}

const f = (n: number, digits = 0) => (Number.isNaN(n) ? '–' : n.toFixed(digits));

async function main() {
  const created = await createBenchDatabase('class');
  const database = openPostgres(created.url, { max: POOL });
  const loader = await startLoader<ClassJob, ClassReport>('./_class-load.ts');
  // The app as deployed: the default respondent rate limit (RESPONDENT_RATE_LIMIT unset).
  const config = benchAppConfig(created.url);
  const count = CLASSES * PER_CLASS;
  try {
    await migrateToLatest(database.db);
    const seeded = await seed(database, count);
    const app = await buildApp(config, { database, clock: systemClock });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const appUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const bare = await startBare(database);
    const rows: Array<Array<string | number>> = [];
    let profile: ProfileSummary | null = null;
    const summary: Record<string, { refused: number; p99: number }> = {};
    // Baseline first, then the app: each its own minute, back to back.
    for (const which of ['bare', 'app'] as const) {
      const load = loadAverage().split(' / ')[0]!;
      const pg0 = postgresCpuByPid();
      const cpu0 = process.cpuUsage();
      const job = {
        url: which === 'app' ? appUrl : bare.url,
        prefix: which === 'app' ? '/api/s' : '/bare',
        pupils: schedule(seeded.tokens, 7),
        consentAnswer: seeded.consentAnswer,
        data: seeded.data,
      };
      // --profile: a CPU profile of the server process during the app's run (sampling costs a little).
      let report!: Awaited<ReturnType<typeof loader.run>>;
      if (which === 'app' && PROFILE) {
        profile = await cpuProfile(async () => {
          report = await loader.run(job);
        });
      } else report = await loader.run(job);
      const cpu = process.cpuUsage(cpu0);
      const backends = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(database.db);
      const pgMs = postgresCpuBetween(pg0, postgresCpuByPid(), new Set(backends.rows.map((r) => r.pid)));
      let refusedAll = 0;
      for (const what of ['open', 'consent', 'save'] as const) {
        const steps = report.steps.filter((s: Step) => s.what === what);
        const ok = steps.filter((s) => s.status >= 200 && s.status < 300);
        const refused = steps.length - ok.length;
        refusedAll += refused;
        const codes = new Map<number, number>();
        for (const s of steps) if (s.status < 200 || s.status >= 300) codes.set(s.status, (codes.get(s.status) ?? 0) + 1);
        const sorted = ok.map((s) => s.ms).sort((a, b) => a - b);
        const label = { open: 'open the link (GET)', consent: 'consent (POST)', save: 'first save (PUT)' }[what];
        rows.push([
          which === 'app' ? `**app: ${label}**` : `bare: ${label} (baseline)`,
          steps.length,
          refused === 0 ? '0' : `**${refused}** (${[...codes].map(([c, n]) => `${n}× ${c || 'error'}`).join(', ')})`,
          f(percentile(sorted, 50), 1),
          f(percentile(sorted, 95), 1),
          f(percentile(sorted, 99), 1),
          f(sorted[sorted.length - 1] ?? Number.NaN),
          load,
        ]);
        if (what === 'save') summary[which] = { refused: 0, p99: percentile(sorted, 99) };
      }
      summary[which]!.refused = refusedAll;
      rows.push([
        `${which === 'app' ? 'app' : 'bare'}: whole run`,
        report.steps.length,
        refusedAll,
        `${f(report.wallMs / 1000, 1)} s`,
        `server CPU ${f((cpu.user + cpu.system) / 1000 / report.steps.length, 2)} ms/req`,
        `PostgreSQL CPU ${f(pgMs / report.steps.length, 2)} ms/req`,
        '',
        load,
      ]);
      console.log(`${which}: ${report.steps.length} requests in ${f(report.wallMs / 1000, 1)} s, ${refusedAll} refused, first save p99 ${f(summary[which]!.p99, 1)} ms`);
    }
    const saved = await sql<{ n: number }>`
      select count(*)::int as n from responses r join invitations i on i.id = r.invitation_id
      where i.round_id = ${seeded.roundId} and r.revision >= 2`.execute(database.db);
    await app.close();
    await bare.app.close();
    const app_ = summary.app!;
    const bare_ = summary.bare!;
    recordResults(`A school at once: ${count} pupils (${CLASSES} classes of ${PER_CLASS}) from one address (bench/class-at-once.ts)`, [
      `Load average at the end: ${loadAverage()} (the machine is shared). The app with its default respondent rate limit`,
      `(RESPONDENT_RATE_LIMIT ${config.respondentRateLimit}: per link, and per address on failed lookups only) and a bare`,
      `Fastify server (one statement per route: SELECT, INSERT, INSERT) in one process, PostgreSQL pool of ${POOL}; every request from`,
      `127.0.0.1 (one address, as a school's NAT). Class k starts at k × 1.5 s; each pupil opens the link within 3 s of its class's`,
      `start, gives consent 1–3 s later, saves the first page 2–5 s after that (same schedule for both). Latency in ms, of the`,
      `answered requests; refused = any answer but 2xx (429, errors).`,
      '',
      ...table(['route', 'requests', 'refused', 'p50', 'p95', 'p99', 'max', 'load (1 min)'], rows),
      '',
      `First saves stored by the app: ${saved.rows[0]!.n} of ${count}.`,
      `**Refused: ${app_.refused}** (target 0: ${app_.refused === 0 ? 'met' : 'missed'}); **first save p99 ${f(app_.p99, 1)} ms** ` +
        `(target < 250 ms: ${app_.p99 < 250 ? 'met' : 'missed'}; bare route ${f(bare_.p99, 1)} ms in the same run).`,
      ...(profile
        ? [
            '',
            `CPU profile of the server process during the app's run (${f(profile.totalMs)} ms sampled; idle is the event loop waiting). By package: ${profileByPackage(profile, f)}.`,
            '',
            ...profileTables(profile, f),
          ]
        : []),
    ]);
  } finally {
    loader.stop();
    await database.close();
    await created.drop();
  }
}

runBench(main);
