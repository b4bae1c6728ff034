/**
 * The respondent path under load (issue 10): autosave (PUT /api/s/:token/answers) and completion
 * (POST /api/s/:token/complete) of the real app (buildApp, real PostgreSQL) at 50, 200 and 1,000
 * concurrent simulated respondents, against the baseline of a bare Fastify route in the same
 * process that does one INSERT of the same JSON into a table of its own (same database, same
 * connection pool). Load comes from autocannon in a child process (bench/_load.ts), over loopback.
 * Target: autosave at least 0.5× the bare route's throughput, and p99 under 50 ms, at 200.
 *
 * Each simulated respondent has its own token, in a round with consent given; saves carry the
 * revision the server last answered for that token (see _load.ts), so they are not stale.
 * Completions use each token once (a completed questionnaire cannot be completed again).
 *
 * Run: `npm run bench -- respondent` or `npx tsx bench/respondent.ts [--connections=50,200,1000]
 * [--duration=8] [--complete=600]` (seconds per autosave run; completions per level, at least
 * twice the connections).
 */
import Fastify from 'fastify';
import { sql } from 'kysely';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../server/app';
import { systemClock } from '../server/clock';
import { loadConfig } from '../server/config';
import { openPostgres, type Database } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { newInvitationToken } from '../server/invitations/tokens';
import { readMeta, snapshotVersion, validateResponse, variablesFor, type QuestionnaireContent } from '../server/questionnaires';
import { randomAnswers, seededRandom } from '../tests/fixtures/random-responses';
import type { LoadJob, LoadReport, Respondent } from './_load';
import { cpuProfile, createBenchDatabase, loadAverage, postgresCpuMs, recordResults, table } from './lib';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const LEVELS = (arg('connections') ?? '50,200,1000').split(',').map(Number);
/** Seconds per route, level and mode (split in two runs where they alternate). */
const DURATION = Number(arg('duration') ?? 8);
const COMPLETIONS = Number(arg('complete') ?? 600);
/** Measure the baseline against itself (the harness and the noise floor; nothing recorded). */
const BASELINE_ONLY = process.argv.includes('--baseline-only');
/** Saves per second per respondent in the paced runs. */
const PACE = 1;
const WARMUP_SECONDS = Math.min(2, DURATION);
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
/** Pool size of both the app and the baseline (the app's default). */
const POOL = 10;
const SITUATION = 'po-vo' as const;

const completionsAt = (connections: number) => Math.max(COMPLETIONS, 3 * connections);

interface Seeded {
  roundId: number;
  saveRespondents: Respondent[];
  completionRespondents: Respondent[][];
  partial: string;
  complete: string;
  currentPage: number;
}

/** A round of the IMAGE questionnaire with one invitation per simulated respondent, consent given. */
async function seed(database: Database): Promise<Seeded> {
  const db = database.db;
  const version = await snapshotVersion(db, 'image-samenwerking-2023');
  const content = version.content as QuestionnaireContent;
  const meta = readMeta(content);
  const variables = variablesFor({ situation: SITUATION, sector: 'po', schoolName: 'Basisschool De Bench', schoolKind: 'po' });
  const rng = seededRandom(10);
  const given = { [meta.consent.question]: meta.consent.yes, ...(meta.branch ? { [meta.branch.question]: meta.branch.values[0] } : {}) };
  const partialRaw = randomAnswers(content, variables, rng, { given, stopAfter: 20 });
  const partial = validateResponse(content, variables, partialRaw, { mode: 'partial' });
  const completeRaw = randomAnswers(content, variables, rng, { given });
  const complete = validateResponse(content, variables, completeRaw, { mode: 'complete' });
  if (!partial.ok || !complete.ok) throw new Error('generated answers do not validate');

  const now = new Date();
  const study = await db.insertInto('studies').values({ name: 'IMAGE', slug: 'bench' }).returning('id').executeTakeFirstOrThrow();
  const round = await db
    .insertInto('rounds')
    .values({
      study_id: study.id,
      name: 'Meting bench',
      questionnaire_version_id: version.id,
      status: 'open',
      opens_at: new Date(now.getTime() - 86_400_000),
      closes_at: new Date(now.getTime() + 30 * 86_400_000),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const swv = await db.insertInto('swvs').values({ code: 'PO9999', name: 'SWV Bench', sector: 'po' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('round_swvs').values({ round_id: round.id, swv_id: swv.id, situation: SITUATION, region_letter: 'A' }).execute();

  const saveCount = Math.max(...LEVELS) + spare(Math.max(...LEVELS));
  const completionCounts = LEVELS.map((c) => completionsAt(c) + c);
  const total = saveCount + completionCounts.reduce((a, b) => a + b, 0);
  const consent = JSON.stringify({ [meta.consent.question]: meta.consent.yes });
  const respondents: Respondent[] = [];
  for (let start = 0; start < total; start += 1000) {
    const n = Math.min(1000, total - start);
    const tokens = Array.from({ length: n }, () => newInvitationToken(SECRET));
    const schools = await db
      .insertInto('schools')
      .values(
        tokens.map((_, k) => {
          const i = start + k;
          const brin = `9${i.toString(36).toUpperCase().padStart(3, '0')}`;
          return { location_code: `${brin}00`, brin, name: `Basisschool De Bench ${i}`, kind: 'po' as const };
        }),
      )
      .returning('id')
      .execute();
    const invitations = await db
      .insertInto('invitations')
      .values(
        schools.map((s, k) => ({
          round_id: round.id,
          school_id: s.id,
          swv_id: swv.id,
          token_nonce: tokens[k]!.nonce,
          token_hash: tokens[k]!.hash,
          email: `school${start + k}@bench.test`,
          status: 'started' as const,
          invited_at: now,
          opened_at: now,
          consent_at: now,
          started_at: now,
          last_activity_at: now,
        })),
      )
      .returning('id')
      .execute();
    // What POST /consent leaves behind (docs/respondent-api.md): the consent answer, revision 1.
    await db
      .insertInto('responses')
      .values(invitations.map((inv) => ({ invitation_id: inv.id, data: consent, current_page: 0, revision: 1, created_at: now, updated_at: now })))
      .execute();
    respondents.push(...tokens.map((t) => ({ token: t.token, revision: 1 })));
  }
  await sql`analyze`.execute(db);
  const completionRespondents: Respondent[][] = [];
  let at = saveCount;
  for (const count of completionCounts) {
    completionRespondents.push(respondents.slice(at, at + count));
    at += count;
  }
  return {
    roundId: round.id,
    saveRespondents: respondents.slice(0, saveCount),
    completionRespondents,
    partial: JSON.stringify(partial.data),
    complete: JSON.stringify(complete.data),
    currentPage: 1,
  };
}

/** Respondents beyond the connections, so that one lost in a timeout does not starve a connection. */
function spare(connections: number) {
  return Math.ceil(connections / 4) + 16;
}

/** The baseline: a bare Fastify instance whose routes do one INSERT of the JSON they receive. */
async function startBare(database: Database) {
  await sql`create table bench_bare (id bigserial primary key, token text not null, data jsonb not null, created_at timestamptz not null default now())`.execute(
    database.db,
  );
  const bare = Fastify({ logger: false });
  type Body = { data: unknown; currentPage: number; revision: number };
  const handler = async (request: { params: unknown; body: unknown }) => {
    const body = request.body as Body;
    const { token } = request.params as { token: string };
    await sql`insert into bench_bare (token, data) values (${token}, ${JSON.stringify(body.data)})`.execute(database.db);
    return { revision: body.revision + 1, savedAt: new Date().toISOString() };
  };
  bare.put('/bare/:token/answers', handler);
  bare.post('/bare/:token/complete', handler);
  await bare.listen({ port: 0, host: '127.0.0.1' });
  return { app: bare, url: `http://127.0.0.1:${port(bare.server.address())}` };
}

function port(address: ReturnType<import('node:net').Server['address']>): number {
  if (!address || typeof address === 'string') throw new Error('not listening');
  return address.port;
}

function startLoader(): Promise<{ run: (job: LoadJob) => Promise<LoadReport>; stop: () => void }> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./_load.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const run = (job: LoadJob) =>
    new Promise<LoadReport>((resolve, reject) => {
      const on = (m: unknown) => {
        const reply = m as { report?: LoadReport; error?: string };
        if (reply.report || reply.error) {
          child.off('message', on);
          if (reply.error) reject(new Error(reply.error));
          else resolve(reply.report!);
        }
      };
      child.on('message', on);
      child.send(job);
    });
  return new Promise((resolve) => {
    child.once('message', () => resolve({ run, stop: () => child.send('stop') }));
  });
}

/** Checks that the app's routes answer as the contract says before measuring anything. */
async function checkRoutes(appUrl: string, respondent: Respondent, data: string): Promise<string | null> {
  const get = await fetch(`${appUrl}/api/s/${respondent.token}`);
  const survey = (await get.json().catch(() => ({}))) as { state?: string; revision?: number };
  if (get.status !== 200 || survey.state !== 'open') return `GET /api/s/:token answered ${get.status} ${survey.state ?? ''}`;
  const put = await fetch(`${appUrl}/api/s/${respondent.token}/answers`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: `{"data":${data},"currentPage":1,"revision":${respondent.revision}}`,
  });
  const saved = (await put.json().catch(() => ({}))) as { revision?: number };
  if (put.status !== 200 || typeof saved.revision !== 'number') return `PUT /api/s/:token/answers answered ${put.status}: ${JSON.stringify(saved).slice(0, 200)}`;
  respondent.revision = saved.revision;
  return null;
}

const f = (n: number, digits = 0) => n.toFixed(digits);

async function main() {
  const created = await createBenchDatabase('respondent');
  const database = openPostgres(created.url, { max: POOL });
  const loader = await startLoader();
  const config = loadConfig({
    SECRET,
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mr-bench-')),
    DATABASE_URL: created.url,
    PUBLIC_URL: 'http://127.0.0.1',
    RUN_WORKER: 'false',
    LOG_LEVEL: 'error',
    // The per-address rate limit would refuse a benchmark that comes from one address.
    RESPONDENT_RATE_LIMIT: '0',
  });
  try {
    await migrateToLatest(database.db);
    console.log('seeding…');
    const seeded = await seed(database);
    const app = await buildApp(config, { database, clock: systemClock });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const bare = await startBare(database);
    const appUrl = BASELINE_ONLY ? bare.url : `http://127.0.0.1:${port(app.server.address())}`;
    const appPrefix = BASELINE_ONLY ? '/bare' : '/api/s';
    const problem = BASELINE_ONLY ? null : await checkRoutes(appUrl, seeded.saveRespondents[0]!, seeded.partial);
    if (problem) throw new Error(`the respondent API does not answer as docs/respondent-api.md says (${problem}); nothing measured`);

    const save = (url: string, prefix: string, connections: number, duration: number): LoadJob => ({
      url,
      connections,
      duration,
      method: 'PUT',
      path: `${prefix}/{token}/answers`,
      respondents: seeded.saveRespondents.slice(0, connections + spare(connections)),
      reuse: true,
      data: seeded.partial,
      currentPage: seeded.currentPage,
    });
    /** A load run with the CPU this process (the servers) and PostgreSQL used per answered request. */
    const measured = async (job: LoadJob) => {
      const cpu0 = process.cpuUsage();
      const pg0 = postgresCpuMs();
      const report = await loader.run(job);
      const cpu = process.cpuUsage(cpu0);
      const pgMs = postgresCpuMs() - pg0;
      const n = Math.max(1, report.ok);
      return { ...report, nodeCpuMs: (cpu.user + cpu.system) / 1000 / n, pgCpuMs: pgMs / n };
    };
    const apply = (report: LoadReport) => {
      const byToken = new Map(report.respondents.map((r) => [r.token, r.revision]));
      for (const r of seeded.saveRespondents) r.revision = byToken.get(r.token) ?? r.revision;
    };
    console.log('warming up…');
    apply(await loader.run(save(appUrl, appPrefix, 50, WARMUP_SECONDS)));
    await loader.run(save(bare.url, '/bare', 50, WARMUP_SECONDS));

    type Measured = Awaited<ReturnType<typeof measured>>;
    const rows: Array<Array<string | number>> = [];
    const verdicts: string[] = [];
    const describe = (reports: Measured[]) => {
      const other = new Map<string, number>();
      for (const r of reports) {
        for (const [code, n] of Object.entries(r.statuses)) if (!code.startsWith('2')) other.set(code, (other.get(code) ?? 0) + n);
        if (r.errors) other.set('errors', (other.get('errors') ?? 0) + r.errors);
        if (r.timeouts) other.set('timeouts', (other.get('timeouts') ?? 0) + r.timeouts);
      }
      return [...other].map(([what, n]) => `${n}× ${what}`).join(', ') || '–';
    };
    /** Several runs of one route as one figure: requests over time, mean p50, worst p99. */
    const merge = (reports: Measured[]) => ({
      rate: reports.reduce((a, r) => a + r.ok, 0) / reports.reduce((a, r) => a + r.seconds, 0),
      nodeCpuMs: reports.reduce((a, r) => a + r.nodeCpuMs * r.ok, 0) / Math.max(1, reports.reduce((a, r) => a + r.ok, 0)),
      pgCpuMs: reports.reduce((a, r) => a + r.pgCpuMs * r.ok, 0) / Math.max(1, reports.reduce((a, r) => a + r.ok, 0)),
      p50: reports.reduce((a, r) => a + r.p50, 0) / reports.length,
      p99: Math.max(...reports.map((r) => r.p99)),
      other: describe(reports),
    });
    const row = (connections: number, what: string, m: ReturnType<typeof merge>, ratio: number, load: string) =>
      rows.push([connections, what, f(m.rate), f(m.p50, 1), m.p99, m.other, Number.isNaN(ratio) ? '–' : f(ratio, 2), f(m.nodeCpuMs, 2), f(m.pgCpuMs, 2), load]);
    let appCompleted = 0;
    for (const [index, connections] of LEVELS.entries()) {
      const load = loadAverage().split(' / ')[0]!;
      // As fast as answers come: baseline, app, app, baseline, so that both see the same minutes.
      const saturated = { bare: [] as Measured[], app: [] as Measured[] };
      for (const which of ['bare', 'app', 'app', 'bare'] as const) {
        const job = which === 'app' ? save(appUrl, appPrefix, connections, DURATION / 2) : save(bare.url, '/bare', connections, DURATION / 2);
        const report = await measured(job);
        if (which === 'app') apply(report);
        saturated[which].push(report);
        console.log(`autosave ${which} at ${connections}: ${f(report.requestsPerSecond)} req/s, p50 ${report.p50} ms, p99 ${report.p99} ms (${describe([report])})`);
      }
      const bareSat = merge(saturated.bare);
      const appSat = merge(saturated.app);
      const ratio = appSat.rate / bareSat.rate;
      row(connections, 'autosave, as fast as answered: bare INSERT (baseline)', bareSat, 1, load);
      row(connections, '**autosave, as fast as answered: PUT /api/s/:token/answers**', appSat, ratio, load);

      // At a respondent's pace: every respondent saves once a second.
      const paced = { bare: [] as Measured[], app: [] as Measured[] };
      for (const which of ['app', 'bare'] as const) {
        const job = { ...(which === 'app' ? save(appUrl, appPrefix, connections, DURATION / 2) : save(bare.url, '/bare', connections, DURATION / 2)), pace: PACE };
        const report = await measured(job);
        if (which === 'app') apply(report);
        paced[which].push(report);
        console.log(`paced autosave ${which} at ${connections}: ${f(report.requestsPerSecond)} req/s, p50 ${report.p50} ms, p99 ${report.p99} ms (${describe([report])})`);
      }
      const barePaced = merge(paced.bare);
      const appPaced = merge(paced.app);
      row(connections, `autosave, ${PACE} save/s per respondent: bare INSERT (baseline)`, barePaced, 1, load);
      row(connections, `**autosave, ${PACE} save/s per respondent: PUT /api/s/:token/answers**`, appPaced, Number.NaN, load);
      if (connections === 200) {
        verdicts.push(
          `Autosave at 200 concurrent, as fast as answered: **${f(ratio, 2)}× the bare route's throughput** (target ≥ 0.5×: ${ratio >= 0.5 ? 'met' : 'missed'}), ` +
            `**p99 ${appSat.p99} ms** (target < 50 ms: ${appSat.p99 < 50 ? 'met' : 'missed'}; the bare route's p99 is ${bareSat.p99} ms).`,
          `Autosave at 200 concurrent, each saving ${PACE}×/s: **p99 ${appPaced.p99} ms** (target < 50 ms: ${appPaced.p99 < 50 ? 'met' : 'missed'}; bare route ${barePaced.p99} ms).`,
        );
      }

      const amount = completionsAt(connections);
      const completion = (url: string, prefix: string, respondents: Respondent[]): LoadJob => ({
        url,
        connections,
        amount,
        method: 'POST',
        path: `${prefix}/{token}/complete`,
        respondents,
        reuse: false,
        data: seeded.complete,
        currentPage: seeded.currentPage,
      });
      const mine = seeded.completionRespondents[index]!;
      const bareDone = await measured(completion(bare.url, '/bare', mine));
      const appDone = await measured(completion(appUrl, appPrefix, mine));
      appCompleted += appDone.ok;
      console.log(`complete at ${connections}: bare ${f(bareDone.requestsPerSecond)} req/s, app ${f(appDone.requestsPerSecond)} req/s, p99 ${appDone.p99} ms (${describe([appDone])})`);
      const bareMerged = merge([bareDone]);
      const appMerged = merge([appDone]);
      row(connections, `completion, ${amount} as fast as answered: bare INSERT (baseline)`, bareMerged, 1, load);
      row(connections, `**completion, ${amount} as fast as answered: POST /api/s/:token/complete**`, appMerged, appMerged.rate / bareMerged.rate, load);
    }
    // Where the server's time goes: a CPU profile of this process during one more autosave run at
    // 200 (or the largest level below), after the measured runs so that it slows none of them.
    const profiled = LEVELS.includes(200) ? 200 : Math.max(...LEVELS);
    const profile = await cpuProfile(async () => {
      apply(await loader.run(save(appUrl, appPrefix, profiled, DURATION / 2)));
    });
    const done = await sql<{ n: number }>`
      select count(*)::int as n from invitations where round_id = ${seeded.roundId} and status = 'completed'`.execute(database.db);
    const stored = done.rows[0]!.n;
    await app.close();
    await bare.app.close();

    if (BASELINE_ONLY) {
      console.log(table(['concurrent', 'route', 'req/s (2xx)', 'p50', 'p99', 'other answers', '× baseline req/s', 'server CPU ms/req', 'PostgreSQL CPU ms/req', 'load (1 min)'], rows).join('\n'));
      return;
    }
    recordResults('Respondent path: autosave and completion under load (bench/respondent.ts)', [
      `Load average at the end: ${loadAverage()} (the machine is shared; 2 cores run the app, PostgreSQL and the load generator).`,
      `The app (buildApp, PostgreSQL, pool of ${POOL}) and the baseline (a bare Fastify route doing one INSERT of the same JSON, same pool) in one`,
      `process; autocannon in a child process on loopback. Each simulated respondent has its own token (consent given); saves carry the`,
      `revision the server last answered. "As fast as answered": every respondent sends its next save when the last is answered (closed`,
      `loop; by Little's law p50 ≈ concurrent ÷ req/s), ${DURATION} s per route and level in two alternating halves (baseline, app, app,`,
      `baseline; p50 the mean, p99 the worse of the two). "${PACE} save/s": each respondent saves once a second at its own random phase,`,
      `${DURATION / 2} s per route (bench/_load.ts runPaced; latency counted from when the save was due). Completion uses each token once.`,
      `Partial answers ${seeded.partial.length} bytes of JSON, complete answers ${seeded.complete.length} bytes. Latency in ms.`,
      '',
      ...table(['concurrent', 'route', 'req/s (2xx)', 'p50', 'p99', 'other answers', '× baseline req/s', 'server CPU ms/req', 'PostgreSQL CPU ms/req', 'load (1 min)'], rows),
      '',
      ...verdicts,
      `Completions stored: ${stored} invitations completed, ${appCompleted} completions answered 200.`,
      '',
      `CPU profile of the server process during another autosave run at ${profiled} concurrent (${f(profile.totalMs)} ms sampled; idle is time the`,
      `event loop waited, mostly for PostgreSQL). By package: ${profile.byPackage
        .slice(0, 8)
        .map(([p, pct]) => `${p} ${f(pct)} %`)
        .join(', ')}. Functions with the most self time:`,
      '',
      ...table(
        ['function', 'where', 'self ms', '%'],
        profile.lines.map((l) => [l.fn, l.where, f(l.selfMs), f(l.percent, 1)]),
      ),
    ]);
    if (stored !== appCompleted) throw new Error(`completed invitations (${stored}) differ from 200 answers (${appCompleted})`);
  } finally {
    loader.stop();
    await database.close();
    await created.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
