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
 * [--duration=6] [--complete=600]` (seconds per autosave run; completions per level, at least
 * twice the connections). `--validation-only`: only the CPU of one completion check, survey-core
 * against the compiled validator. `--connections=200,200,200,200 --notify-ab`: only completions,
 * alternating the dashboard notification after the commit (as shipped) and in each completion's
 * transaction (as before migration 0027).
 */
import Fastify from 'fastify';
import pg from 'pg';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { DB } from '../server/db/types';
import { autosaveStatement, completionStatement, contextQuery } from '../server/responses/survey-state';
import { buildApp } from '../server/app';
import { systemClock } from '../server/clock';
import { openPostgres, type Database } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { newInvitationToken, tokenLookupHash } from '../server/invitations/tokens';
import { compileValidator, readMeta, snapshotVersion, validateResponse, variablesFor, type QuestionnaireContent, type QuestionnaireVariables } from '../server/questionnaires';
import { randomAnswers } from '../server/demo/data/random-responses';
import { seededRandom } from '../server/demo/data/random';
import type { LoadJob, LoadReport, Respondent } from './_load';
import { cpuProfile, createBenchDatabase, createOpenRound, loadAverage, postgresCpuBetween, postgresCpuByPid, profileByPackage, profileTables, recordResults, table, BENCH_SECRET, benchAppConfig, startLoader, runBench, benchInvitation } from './lib';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const LEVELS = (arg('connections') ?? '50,200,1000').split(',').map(Number);
/** Seconds per route, level and mode (split in two runs where they alternate). */
const DURATION = Number(arg('duration') ?? 6);
const COMPLETIONS = Number(arg('complete') ?? 600);
/** Measure the baseline against itself (the harness and the noise floor; nothing recorded). */
const BASELINE_ONLY = process.argv.includes('--baseline-only');
/** Only the PostgreSQL profile of one save (EXPLAIN ANALYZE, statement timings), no load runs. */
const DB_PROFILE_ONLY = process.argv.includes('--db-profile-only');
/** Only the CPU of one completion check: survey-core (validateResponse) against the compiled validator. */
const VALIDATION_ONLY = process.argv.includes('--validation-only');
/**
 * Only completions, alternating between the notification after the commit (as shipped) and in
 * each completion's transaction (as before migration 0027), one run per --connections entry:
 * `--connections=200,200,200,200 --notify-ab`.
 */
const NOTIFY_AB = process.argv.includes('--notify-ab');
/** Saves per second per respondent in the paced runs. */
const PACE = 1;
const WARMUP_SECONDS = Math.min(2, DURATION);
const SECRET = BENCH_SECRET;
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
  /** For the validation profile: the questionnaire, the invitation variables, the raw complete answers. */
  content: QuestionnaireContent;
  variables: QuestionnaireVariables;
  completeRaw: Record<string, unknown>;
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
  const { roundId, swvId } = await createOpenRound(db, { versionId: version.id, slug: 'bench', roundName: 'Meting bench', swvCode: 'PO9999', swvName: 'SWV Bench', situation: SITUATION });

  const saveCount = Math.max(...LEVELS) + spare(Math.max(...LEVELS));
  // One group of completion tokens per level, and one more for the CPU profile of completions.
  const completionCounts = [...LEVELS, Math.min(...LEVELS)].map((c) => completionsAt(c) + c);
  const total = saveCount + completionCounts.reduce((a, b) => a + b, 0);
  const consent = JSON.stringify({ [meta.consent.question]: meta.consent.yes });
  // Batches of 1,000 in two lanes at once, one per core (set-up, not measured); the respondents
  // keep the batches' order.
  const batch = async (start: number): Promise<Respondent[]> => {
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
          ...benchInvitation({ roundId, swvId }, s.id, tokens[k]!, `school${start + k}@bench.test`, now),
          status: 'started' as const,
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
    return tokens.map((t) => ({ token: t.token, revision: 1 }));
  };
  const starts = Array.from({ length: Math.ceil(total / 1000) }, (_, k) => k * 1000);
  const batches: Respondent[][] = new Array<Respondent[]>(starts.length);
  const lane = async (first: number) => {
    for (let k = first; k < starts.length; k += 2) batches[k] = await batch(starts[k]!);
  };
  await Promise.all([lane(0), lane(1)]);
  const respondents = batches.flat();
  await sql`analyze`.execute(db);
  const completionRespondents: Respondent[][] = [];
  let at = saveCount;
  for (const count of completionCounts) {
    completionRespondents.push(respondents.slice(at, at + count));
    at += count;
  }
  return {
    roundId,
    saveRespondents: respondents.slice(0, saveCount),
    completionRespondents,
    partial: JSON.stringify(partial.data),
    complete: JSON.stringify(complete.data),
    currentPage: 1,
    content,
    variables,
    completeRaw,
  };
}

/**
 * Where PostgreSQL's time per autosave goes, measured on the seeded data before any load: the
 * statements an autosave sends (the token lookup of loadContext, the autosave CTE) and the bare
 * INSERT, each EXPLAIN ANALYZEd (planning, execution, trigger time; median of runs over different
 * tokens, saves rolled back) and timed from the client sequentially, planned per call as the app
 * sends them (unnamed statements) and as a prepared statement (planned once).
 */
async function dbProfile(db: Kysely<DB>, url: string, seeded: Seeded): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Fewer at the bench-smoke size (a 1 s run), where only the table's shape matters.
  const RUNS = DURATION >= 6 ? 60 : 5;
  const hashes = seeded.saveRespondents.slice(0, RUNS).map((r) => tokenLookupHash(r.token)!);
  const byHash = new Map((await sql<{ id: number; token_hash: string }>`select id, token_hash from invitations where token_hash = any(${hashes})`.execute(db)).rows.map((r) => [r.token_hash, r.id]));
  const ids = hashes.map((h) => byHash.get(h)!);
  const data = JSON.parse(seeded.partial) as Record<string, unknown>;
  const completeData = JSON.parse(seeded.complete) as Record<string, unknown>;
  const versionId = (await sql<{ v: number }>`select questionnaire_version_id as v from rounds where id = ${seeded.roundId}`.execute(db)).rows[0]!.v;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  type Plan = { 'Planning Time': number; 'Execution Time': number; Triggers?: Array<{ 'Trigger Name': string; Time: number; Calls: number }> };
  const statements: Record<string, (i: number) => CompiledQuery> = {
    'token lookup: respondent_context(hash, false) (autosave full path)': (i) => contextQuery(hashes[i]!, false).compile(db),
    'token lookup: respondent_context(hash, true) (GET, completion)': (i) => contextQuery(hashes[i]!, true).compile(db),
    'autosave in one round trip: respondent_autosave(…)': (i) =>
      sql`select respondent_autosave(${hashes[i]!}, ${versionId}, ${seeded.partial}::jsonb, 1, 1, ${new Date()})`.compile(db),
    'autosave CTE of the full path (revision check, response, last_activity_at)': (i) =>
      autosaveStatement(ids[i]!, { data, currentPage: 1, revision: 1 }, new Date()).compile(db),
    'completion in one statement (response and invitation completed, tracking triggers)': (i) =>
      completionStatement(ids[i]!, { data: completeData, currentPage: 1, revision: 1 }, new Date(), 'wel').compile(db),
    'bare INSERT (baseline)': (i) => sql`insert into bench_bare (token, data) values (${hashes[i]!}, ${seeded.partial})`.compile(db),
  };
  const rows: Array<Array<string | number>> = [];
  await db.connection().execute(async (conn) => {
    for (const [what, make] of Object.entries(statements)) {
      const planning: number[] = [];
      const execution: number[] = [];
      const triggers = new Map<string, number[]>();
      for (let i = 0; i < ids.length; i++) {
        const q = make(i);
        await conn.executeQuery(CompiledQuery.raw('begin'));
        const result = await conn.executeQuery<{ 'QUERY PLAN': Plan[] }>(CompiledQuery.raw(`explain (analyze, buffers, format json) ${q.sql}`, [...q.parameters]));
        await conn.executeQuery(CompiledQuery.raw('rollback'));
        const plan = result.rows[0]!['QUERY PLAN'][0]!;
        planning.push(plan['Planning Time']);
        execution.push(plan['Execution Time']);
        for (const t of plan.Triggers ?? []) triggers.set(t['Trigger Name'], [...(triggers.get(t['Trigger Name']) ?? []), t.Time]);
      }
      // Client-side: each statement sent as the app sends it (unnamed, planned on every call),
      // then as a named prepared statement (planned once per connection), on a client of its own.
      const timed = async (name: string | undefined) => {
        await client.query('begin');
        const started = performance.now();
        for (let i = 0; i < ids.length; i++) {
          const q = make(i);
          await client.query({ ...(name ? { name } : {}), text: q.sql, values: [...q.parameters] });
        }
        const ms = (performance.now() - started) / ids.length;
        await client.query('rollback');
        return ms;
      };
      const unnamed = await timed(undefined);
      const prepared = await timed(`bench_${rows.length}`);
      const triggerText = [...triggers].map(([name, ts]) => `${name} ${median(ts).toFixed(3)}`).join('; ') || 'none fired';
      rows.push([what, median(planning).toFixed(3), median(execution).toFixed(3), triggerText, unnamed.toFixed(3), prepared.toFixed(3)]);
    }
  });
  await client.end();
  return [
    `PostgreSQL profile of one autosave and one completion on the seeded data (before the load runs, load ${loadAverage()}): EXPLAIN (ANALYZE, BUFFERS),`,
    `median of ${ids.length} runs over different tokens (writes rolled back); then the same ${ids.length} statements sent one after another from`,
    `this process, as the app sends them (unnamed, planned on every call) and as one prepared statement (planned once). ms.`,
    `pg_stat_statements is not loaded on this server (shared_preload_libraries is empty; loading it needs a restart of a shared server).`,
    '',
    ...table(['statement', 'planning', 'execution', 'triggers fired (ms)', 'client round trip, unnamed', 'client round trip, prepared'], rows),
  ];
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

/**
 * Server CPU of the completion check (what POST /complete runs before it writes): survey-core's
 * validateResponse (the reference, a reused model per questionnaire) against the validator compiled
 * per questionnaire version (issue 21: target < 5 ms), on the seeded complete answers, in this
 * process and the same minute. Also the compiled validator with fresh condition memos (every
 * answer combination new, as for hostile input) and what compiling costs once per version.
 */
function validationProfile(seeded: Seeded): string[] {
  const options = { mode: 'complete' as const, malformedFirst: true };
  const cpuMs = (runs: number, fn: () => void) => {
    fn();
    const started = process.cpuUsage();
    for (let i = 0; i < runs; i++) fn();
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000 / runs;
  };
  const expected = validateResponse(seeded.content, seeded.variables, seeded.completeRaw, options);
  const compileStart = process.cpuUsage();
  const compiled = compileValidator(seeded.content);
  const compileUsed = process.cpuUsage(compileStart);
  if (!compiled) throw new Error('the bench questionnaire does not compile');
  const actual = compiled.validate(seeded.variables, seeded.completeRaw, options);
  if (JSON.stringify(actual) !== JSON.stringify(expected)) throw new Error('compiled validator and survey-core disagree on the bench answers');
  const reference = cpuMs(40, () => validateResponse(seeded.content, seeded.variables, seeded.completeRaw, options));
  const warm = cpuMs(2000, () => compiled.validate(seeded.variables, seeded.completeRaw, options));
  // First check on a freshly compiled validator: every condition evaluated by ConditionRunner, nothing remembered.
  const fresh = Array.from({ length: 21 }, () => compileValidator(seeded.content)!);
  let next = 0;
  const cold = cpuMs(20, () => fresh[next++]!.validate(seeded.variables, seeded.completeRaw, options));
  const compileMs = (compileUsed.user + compileUsed.system) / 1000;
  return [
    `Server CPU of one completion check (complete answers of ${Object.keys(seeded.completeRaw).length} questions, IMAGE 2023, load ${loadAverage()}), ms per check:`,
    '',
    ...table(
      ['check', 'CPU ms per check', '× compiled'],
      [
        ['survey-core: validateResponse (reference; model reused per questionnaire)', f(reference, 2), f(reference / warm, 0)],
        ['**compiled validator** (server/questionnaires/compiled-validator.ts), condition memos warm', f(warm, 3), '1'],
        ['compiled validator, first check after compiling (condition memos empty, as for answers never seen)', f(cold, 2), f(cold / warm, 0)],
        ['compiling once per questionnaire version (first check of a version)', f(compileMs, 1), ''],
      ],
    ),
    '',
    `Completion check **${f(warm, 3)} ms** of server CPU with the compiled validator (target < 5 ms: ${warm < 5 ? 'met' : 'missed'}); survey-core ${f(reference, 1)} ms.`,
    '',
  ];
}

async function main() {
  const created = await createBenchDatabase('respondent');
  const database = openPostgres(created.url, { max: POOL });
  const loader = await startLoader<LoadJob, LoadReport>('./_load.ts');
  const config = benchAppConfig(created.url, {
    // The per-address rate limit would refuse a benchmark that comes from one address.
    RESPONDENT_RATE_LIMIT: '0',
  });
  try {
    await migrateToLatest(database.db);
    console.log('seeding…');
    const seeded = await seed(database);
    const validationLines = BASELINE_ONLY || NOTIFY_AB ? [] : validationProfile(seeded);
    console.log(validationLines.join('\n'));
    if (VALIDATION_ONLY) {
      recordResults('Respondent path: CPU of one completion check (bench/respondent.ts --validation-only)', validationLines);
      return;
    }
    const app = await buildApp(config, { database, clock: systemClock });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const bare = await startBare(database);
    const profileLines = BASELINE_ONLY || NOTIFY_AB ? [] : await dbProfile(database.db, created.url, seeded);
    if (DB_PROFILE_ONLY) {
      console.log(profileLines.join('\n'));
      recordResults('Respondent path: PostgreSQL profile of one autosave (bench/respondent.ts --db-profile-only)', profileLines);
      await app.close();
      await bare.app.close();
      return;
    }
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
    /**
     * One load run, with what the server got done: `stored` counts what reached the database
     * (saves, completions or baseline rows), over the time from the run's start until the server
     * had worked off what was still in flight. That is the server's throughput even when answers
     * came too late for the load generator; latency comes from the answers it did get. CPU of this
     * process (the servers) and of PostgreSQL over the same time.
     */
    const measured = async (job: LoadJob, counter: () => Promise<number>) => {
      const stored0 = await counter();
      const cpu0 = process.cpuUsage();
      const pg0 = postgresCpuByPid();
      const started = performance.now();
      const report = await loader.run(job);
      const runMs = performance.now() - started;
      const drainMs = await settle();
      const cpu = process.cpuUsage(cpu0);
      const backends = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(database.db);
      const pgMs = postgresCpuBetween(pg0, postgresCpuByPid(), new Set(backends.rows.map((r) => r.pid)));
      const stored = (await counter()) - stored0;
      return { ...report, drainMs, runMs, stored, busySeconds: (runMs + drainMs) / 1000, nodeCpuMs: (cpu.user + cpu.system) / 1000, pgCpuMs: pgMs };
    };
    const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(database.db)).rows[0]!.n;
    const saveHashes = seeded.saveRespondents.map((r) => tokenLookupHash(r.token)!);
    const counters = {
      bare: () => count(sql<{ n: number }>`select count(*)::int as n from bench_bare`),
      saves: () =>
        count(sql<{ n: number }>`
          select coalesce(sum(r.revision), 0)::int as n from responses r join invitations i on i.id = r.invitation_id
          where i.round_id = ${seeded.roundId} and i.token_hash = any(${saveHashes})`),
      completions: () => count(sql<{ n: number }>`select count(*)::int as n from invitations where round_id = ${seeded.roundId} and status = 'completed'`),
    };
    /**
     * Waits until the app has worked off what the last run left in flight (autocannon closes its
     * connections at the end of a run, but the server still handles what it had received): no
     * query running in the bench database and the event loop answering timers on time, three
     * checks in a row. Then takes every save respondent's revision from the database, since saves
     * that finished after the run was over advanced it unseen.
     */
    const hashes = new Map(seeded.saveRespondents.map((r) => [tokenLookupHash(r.token)!, r]));
    const settle = async (): Promise<number> => {
      const started = performance.now();
      let calm = 0;
      while (calm < 3 && performance.now() - started < 90_000) {
        const before = performance.now();
        await new Promise((r) => setTimeout(r, 100));
        const lag = performance.now() - before - 100;
        const busy = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' and backend_type = 'client backend'`.execute(database.db);
        calm = lag < 30 && busy.rows[0]!.n === 0 ? calm + 1 : 0;
      }
      const rows = await sql<{ token_hash: string; revision: number }>`
        select i.token_hash, r.revision from invitations i join responses r on r.invitation_id = i.id
        where i.round_id = ${seeded.roundId} and i.token_hash = any(${[...hashes.keys()]})`.execute(database.db);
      for (const row of rows.rows) hashes.get(row.token_hash)!.revision = row.revision;
      return performance.now() - started - 300;
    };
    const apply = async (_report: LoadReport) => {
      await settle();
    };
    if (NOTIFY_AB) {
      // The dashboard notification in or after the completion's transaction, same database and
      // minutes: tracking_notify (migration 0027) is redefined here to notify in the transaction
      // whatever the statement asked (as every completion did before 0027), then put back.
      const inTransaction = async (on: boolean) =>
        on
          ? sql`create or replace function tracking_notify(p_round int) returns void language plpgsql as $$
              begin perform pg_notify('meetronde_round_changes', p_round::text); end $$`.execute(database.db)
          : sql`create or replace function tracking_notify(p_round int) returns void language plpgsql as $$
              begin
                if current_setting('meetronde.notify_later', true) = 'on' then return; end if;
                perform pg_notify('meetronde_round_changes', p_round::text);
              end $$`.execute(database.db);
      const abRows: Array<Array<string | number>> = [];
      for (const [index, connections] of LEVELS.entries()) {
        const notifyInTransaction = index % 2 === 1;
        await inTransaction(notifyInTransaction);
        const amount = completionsAt(connections);
        const report = await measured(
          {
            url: appUrl,
            connections,
            amount,
            duration: DURATION,
            method: 'POST',
            path: `${appPrefix}/{token}/complete`,
            respondents: seeded.completionRespondents[index]!,
            reuse: false,
            data: seeded.complete,
            currentPage: seeded.currentPage,
          },
          counters.completions,
        );
        const rate = report.stored / report.busySeconds;
        console.log(`completion at ${connections}, NOTIFY ${notifyInTransaction ? 'in the transaction' : 'after it, coalesced'}: ${f(rate)}/s, p99 ${report.p99} ms`);
        abRows.push([
          connections,
          notifyInTransaction ? 'NOTIFY in each completion\'s transaction (as before 0027)' : '**NOTIFY after the commit, coalesced (as shipped)**',
          f(rate),
          f(report.p50, 1),
          f(report.p99),
          f(report.nodeCpuMs / Math.max(1, report.stored), 2),
          f(report.pgCpuMs / Math.max(1, report.stored), 2),
          loadAverage().split(' / ')[0]!,
        ]);
      }
      await inTransaction(false);
      const lines = [
        `Completions with the dashboard notification in the completion's transaction or after it (migration 0027), alternating runs`,
        `on fresh tokens in the same database and minutes (up to ${COMPLETIONS} completions or ${DURATION} s per run). Load at the end: ${loadAverage()}.`,
        '',
        ...table(['concurrent', 'notification', 'completions/s (stored)', 'p50', 'p99', 'server CPU ms each', 'PostgreSQL CPU ms each', 'load (1 min)'], abRows),
      ];
      console.log(lines.join('\n'));
      recordResults('Respondent path: completions with NOTIFY in or after the transaction (bench/respondent.ts --notify-ab)', lines);
      await app.close();
      await bare.app.close();
      return;
    }
    console.log('warming up…');
    await apply(await loader.run(save(appUrl, appPrefix, 50, WARMUP_SECONDS)));
    await loader.run(save(bare.url, '/bare', 50, WARMUP_SECONDS));

    type Measured = Awaited<ReturnType<typeof measured>>;
    const rows: Array<Array<string | number>> = [];
    const verdicts: string[] = [];
    const describe = (reports: Measured[]) => {
      const other = new Map<string, number>();
      const add = (what: string, n: number) => other.set(what, (other.get(what) ?? 0) + n);
      let drain = 0;
      for (const r of reports) {
        for (const [code, n] of Object.entries(r.statuses)) if (!code.startsWith('2')) add(code, n);
        if (r.errors) add('errors', r.errors);
        if (r.timeouts) add('timeouts', r.timeouts);
        drain += r.drainMs;
      }
      const parts = [...other].map(([what, n]) => `${n}× ${what}`);
      if (drain > 1000) parts.push(`${f(drain / 1000)} s after the run to work off what was in flight`);
      return parts.join(', ') || '–';
    };
    /** Several runs of one route as one figure: requests over time, mean p50, worst p99. */
    const merge = (reports: Measured[]) => {
      const stored = reports.reduce((a, r) => a + r.stored, 0);
      const answered = reports.filter((r) => r.ok > 0);
      return {
        rate: stored / reports.reduce((a, r) => a + r.busySeconds, 0),
        nodeCpuMs: reports.reduce((a, r) => a + r.nodeCpuMs, 0) / Math.max(1, stored),
        pgCpuMs: reports.reduce((a, r) => a + r.pgCpuMs, 0) / Math.max(1, stored),
        p50: answered.length ? answered.reduce((a, r) => a + r.p50, 0) / answered.length : Number.NaN,
        p99: answered.length ? Math.max(...answered.map((r) => r.p99)) : Number.NaN,
        runSeconds: Math.min(...reports.map((r) => r.runMs / 1000)),
        other: describe(reports),
      };
    };
    /** A latency; none at all means every answer came after the run (of `runSeconds`) was over. */
    const ms = (n: number, runSeconds: number, digits = 0) => (Number.isNaN(n) ? `> ${f(runSeconds * 1000)} (none answered during the run)` : f(n, digits));
    const row = (connections: number, what: string, m: ReturnType<typeof merge>, ratio: number, load: string) =>
      rows.push([connections, what, f(m.rate), ms(m.p50, m.runSeconds, 1), ms(m.p99, m.runSeconds), m.other, Number.isNaN(ratio) ? '–' : f(ratio, 2), f(m.nodeCpuMs, 2), f(m.pgCpuMs, 2), load]);
    let appCompleted = 0;
    // A level the app cannot keep up with leaves a backlog that takes minutes to work off and
    // tells nothing new: once the app answered fewer requests in a run than it had respondents
    // (or let requests time out), higher levels measure only the baseline.
    const overwhelmed = { save: '', complete: '' };
    const skipped = (connections: number, what: string, why: string) =>
      rows.push([connections, `**${what}**`, '–', '–', '–', `not measured: ${why}`, '–', '–', '–', loadAverage().split(' / ')[0]!]);
    const swamped = (reports: Measured[], connections: number, next: number | undefined) => {
      if (next === undefined) return '';
      const rate = merge(reports).rate;
      if (reports.some((r) => r.timeouts > 0)) return `at ${connections} concurrent requests already waited over 30 s`;
      // At the end of a run every respondent has a request in flight: the next level leaves `next` of them.
      if (next / rate > 45) return `at ${f(rate)} req/s (at ${connections} concurrent), ${next} requests in flight take over 45 s to work off`;
      return '';
    };
    for (const [index, connections] of LEVELS.entries()) {
      const load = loadAverage().split(' / ')[0]!;
      // As fast as answers come: baseline, app, app, baseline, so that both see the same minutes.
      const saturated = { bare: [] as Measured[], app: [] as Measured[] };
      // When the app is skipped, so is its baseline: nothing to compare it with.
      for (const which of overwhelmed.save ? ([] as const) : (['bare', 'app', 'app', 'bare'] as const)) {
        const job = which === 'app' ? save(appUrl, appPrefix, connections, DURATION / 2) : save(bare.url, '/bare', connections, DURATION / 2);
        const report = await measured(job, which === 'app' && !BASELINE_ONLY ? counters.saves : counters.bare);
        saturated[which].push(report);
        console.log(`autosave ${which} at ${connections}: ${f(report.requestsPerSecond)} req/s, p50 ${report.p50} ms, p99 ${report.p99} ms (${describe([report])})`);
      }
      const bareSat = merge(saturated.bare);
      if (saturated.bare.length) row(connections, 'autosave, as fast as answered: bare INSERT (baseline)', bareSat, 1, load);
      const appSat = saturated.app.length ? merge(saturated.app) : null;
      if (appSat) row(connections, '**autosave, as fast as answered: PUT /api/s/:token/answers**', appSat, appSat.rate / bareSat.rate, load);
      else skipped(connections, 'autosave, as fast as answered: PUT /api/s/:token/answers', overwhelmed.save);

      // At a respondent's pace: every respondent saves once a second (the page saves 1.5 s after
      // the last change, so this is more than a typing respondent sends).
      const offered = connections * PACE;
      const pacedSkip = overwhelmed.save || (appSat && appSat.rate < offered ? `the app's throughput (${f(appSat.rate)} req/s) is below the ${offered} saves/s offered, so its queue only grows` : '');
      const paced = { bare: [] as Measured[], app: [] as Measured[] };
      for (const which of pacedSkip ? ([] as const) : (['app', 'bare'] as const)) {
        const job = { ...(which === 'app' ? save(appUrl, appPrefix, connections, DURATION / 2) : save(bare.url, '/bare', connections, DURATION / 2)), pace: PACE };
        const report = await measured(job, which === 'app' && !BASELINE_ONLY ? counters.saves : counters.bare);
        paced[which].push(report);
        console.log(`paced autosave ${which} at ${connections}: ${f(report.requestsPerSecond)} req/s, p50 ${report.p50} ms, p99 ${report.p99} ms (${describe([report])})`);
      }
      const barePaced = merge(paced.bare);
      if (paced.bare.length) row(connections, `autosave, ${PACE} save/s per respondent: bare INSERT (baseline)`, barePaced, 1, load);
      const appPaced = paced.app.length ? merge(paced.app) : null;
      if (appPaced) row(connections, `**autosave, ${PACE} save/s per respondent: PUT /api/s/:token/answers**`, appPaced, Number.NaN, load);
      else skipped(connections, `autosave, ${PACE} save/s per respondent: PUT /api/s/:token/answers`, pacedSkip);
      if (connections === 200) {
        const ratio = appSat ? appSat.rate / bareSat.rate : 0;
        verdicts.push(
          appSat
            ? `Autosave at 200 concurrent, as fast as answered: **${f(ratio, 2)}× the bare route's throughput** (target ≥ 0.5×: ${ratio >= 0.5 ? 'met' : 'missed'}), ` +
                `**p99 ${ms(appSat.p99, appSat.runSeconds)} ms** (target < 50 ms: ${appSat.p99 < 50 ? 'met' : 'missed'}; the bare route's p99 is ${bareSat.p99} ms).`
            : `Autosave at 200 concurrent: **not measured, target missed**: ${overwhelmed.save}.`,
          appPaced
            ? `Autosave at 200 concurrent, each saving ${PACE}×/s: **p99 ${ms(appPaced.p99, appPaced.runSeconds, 1)} ms** (target < 50 ms: ${appPaced.p99 < 50 ? 'met' : 'missed'}; bare route ${barePaced.p99} ms).`
            : `Autosave at 200 concurrent, each saving ${PACE}×/s: **not measured, target missed**: ${pacedSkip}.`,
        );
      }
      if (!overwhelmed.save) overwhelmed.save = swamped(saturated.app, connections, LEVELS[index + 1]);

      const amount = completionsAt(connections);
      const completion = (url: string, prefix: string, respondents: Respondent[]): LoadJob => ({
        url,
        connections,
        amount,
        duration: DURATION,
        method: 'POST',
        path: `${prefix}/{token}/complete`,
        respondents,
        reuse: false,
        data: seeded.complete,
        currentPage: seeded.currentPage,
      });
      const mine = seeded.completionRespondents[index]!;
      if (overwhelmed.complete) {
        skipped(connections, `completion, as fast as answered: POST /api/s/:token/complete`, overwhelmed.complete);
        continue;
      }
      const bareDone = await measured(completion(bare.url, '/bare', mine), counters.bare);
      const bareMerged = merge([bareDone]);
      row(connections, `completion (up to ${amount} or ${DURATION} s), as fast as answered: bare INSERT (baseline)`, bareMerged, 1, load);
      const appDone = await measured(completion(appUrl, appPrefix, mine), BASELINE_ONLY ? counters.bare : counters.completions);
      appCompleted += appDone.ok;
      console.log(`complete at ${connections}: bare ${f(bareDone.requestsPerSecond)} req/s, app ${f(appDone.requestsPerSecond)} req/s, p99 ${appDone.p99} ms (${describe([appDone])})`);
      const appMerged = merge([appDone]);
      row(connections, `**completion (up to ${amount} or ${DURATION} s), as fast as answered: POST /api/s/:token/complete**`, appMerged, appMerged.rate / bareMerged.rate, load);
      overwhelmed.complete = swamped([appDone], connections, LEVELS[index + 1]);
    }
    // Where the server's time goes: a CPU profile of this process during one more autosave run at
    // the lowest level (the smallest backlog to work off), after the measured runs so that it slows
    // none of them.
    const profiled = Math.min(...LEVELS);
    const profile = await cpuProfile(async () => {
      await loader.run(save(appUrl, appPrefix, profiled, DURATION / 2));
      await settle();
    });
    // And during a completion run at the same level, on tokens of their own (issue 21: completions).
    const completionProfile = await cpuProfile(async () => {
      await loader.run({
        url: appUrl,
        connections: profiled,
        amount: completionsAt(profiled),
        duration: DURATION,
        method: 'POST',
        path: `${appPrefix}/{token}/complete`,
        respondents: seeded.completionRespondents[LEVELS.length]!,
        reuse: false,
        data: seeded.complete,
        currentPage: seeded.currentPage,
      });
      await settle();
    });
    const done = await sql<{ n: number }>`
      select count(*)::int as n from invitations where round_id = ${seeded.roundId} and status = 'completed'`.execute(database.db);
    const stored = done.rows[0]!.n;
    await app.close();
    await bare.app.close();

    if (BASELINE_ONLY) {
      console.log(table(['concurrent', 'route', 'req/s (stored)', 'p50', 'p99', 'other answers', '× baseline req/s', 'server CPU ms/req', 'PostgreSQL CPU ms/req', 'load (1 min)'], rows).join('\n'));
      return;
    }
    recordResults('Respondent path: autosave and completion under load (bench/respondent.ts)', [
      `Load average at the end: ${loadAverage()} (the machine is shared; 2 cores run the app, PostgreSQL and the load generator).`,
      `The app (buildApp, PostgreSQL, pool of ${POOL}) and the baseline (a bare Fastify route doing one INSERT of the same JSON, same pool) in one`,
      `process; autocannon in a child process on loopback. Each simulated respondent has its own token (consent given); saves carry the`,
      `revision the server last answered. "As fast as answered": every respondent sends its next save when the last is answered (closed`,
      `loop; by Little's law p50 ≈ concurrent ÷ req/s), ${DURATION} s per route and level in two alternating halves (baseline, app, app,`,
      `baseline; p50 the mean, p99 the worse of the two). "${PACE} save/s": each respondent saves once a second at its own random phase,`,
      `${DURATION / 2} s per route (bench/_load.ts runPaced; latency counted from when the save was due). Completion uses each token once,`,
      `for up to ${DURATION} s. req/s = what reached the database (saves, completions, baseline rows) over the run plus the time the`,
      `server then needed to work off what was still in flight; CPU per request likewise (server = this process, PostgreSQL = the`,
      `backends of the bench database). A higher level is skipped for the app when working off its backlog would take over 45 s.`,
      `Partial answers ${seeded.partial.length} bytes of JSON, complete answers ${seeded.complete.length} bytes. Latency in ms.`,
      '',
      ...table(['concurrent', 'route', 'req/s (stored)', 'p50', 'p99', 'other answers', '× baseline req/s', 'server CPU ms/req', 'PostgreSQL CPU ms/req', 'load (1 min)'], rows),
      '',
      ...verdicts,
      '',
      ...validationLines,
      ...profileLines,
      `Completions: ${appCompleted} answered 200 within the measured runs (plus those of the profiled run below); ${stored} invitations completed in the database (the rest finished after the load generator stopped waiting).`,
      '',
      `CPU profile of the server process during another autosave run at ${profiled} concurrent (${f(profile.totalMs)} ms sampled; idle is time the`,
      `event loop waited, mostly for PostgreSQL). By package: ${profileByPackage(profile, f)}. Functions with the most self time:`,
      '',
      ...profileTables(profile, f),
      '',
      `CPU profile of the server process during a completion run at ${profiled} concurrent (${f(completionProfile.totalMs)} ms sampled; its completions`,
      `are counted in the line above). By package: ${profileByPackage(completionProfile, f)}. Functions with the most self time:`,
      '',
      ...profileTables(completionProfile, f),
    ]);
    // A 200 for a completion that was not stored would be a bug; more stored than answered is
    // what finished after a run.
    if (!BASELINE_ONLY && stored < appCompleted) throw new Error(`completed invitations (${stored}) are fewer than the completions answered 200 (${appCompleted})`);
  } finally {
    loader.stop();
    await database.close();
    await created.drop();
  }
}

runBench(main);
