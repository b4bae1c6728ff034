/**
 * The respondent page in Chromium (issue 10):
 * - bytes of JavaScript and CSS of the respondent bundle, raw and gzip-compressed, read from the
 *   built client (client/dist, built first if missing or stale), and what the browser really loads;
 * - that the respondent bundle carries none of the admin app's code: string literals and JSX texts
 *   of client/admin/ that survive in the admin's own built chunks (so they are real markers) must
 *   not appear in any chunk the respondent page loads or can load;
 * - the time from navigation to the first question visible (the consent question of a fresh
 *   invitation), median of cold loads (a new browser context each, so nothing cached), against the
 *   baseline of a static page on a bare Fastify server in the same process carrying the same text.
 * Target: first question under one second; no admin code in the respondent bundle.
 *
 * Run: `npm run bench -- page` or `npx tsx bench/page.ts [--loads=10]`. Needs Chromium
 * (/usr/bin/chromium or CHROMIUM_PATH) and PostgreSQL.
 */
import Fastify from 'fastify';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { buildApp } from '../server/app';
import { systemClock } from '../server/clock';
import { clientDist } from '../server/client-assets';
import { openPostgres, type Database } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrator';
import { newInvitationToken } from '../server/invitations/tokens';
import { readMeta, snapshotVersion, type QuestionnaireContent } from '../server/questionnaires';
import { ensureClientBuild } from '../server/tools/ensure-client-build';
import { launchBrowser } from '../tests/helpers/browser';
import { createBenchDatabase, loadAverage, percentile, recordResults, summarizeProfile, table, type CpuProfile, type ProfileSummary, BENCH_SECRET, benchAppConfig, runBench } from './lib';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const LOADS = Number(arg('loads') ?? 10);
const SECRET = BENCH_SECRET;
const TARGET_MS = 1000;
const clientDir = fileURLToPath(new URL('../client/', import.meta.url));

// ---------------------------------------------------------------------------------------------
// The bundle on disk

interface Asset {
  file: string;
  bytes: number;
  gzip: number;
}

function asset(file: string): Asset {
  const content = readFileSync(path.join(clientDist, 'assets', file));
  return { file, bytes: content.length, gzip: gzipSync(content, { level: 9 }).length };
}

/**
 * The assets an entry's HTML loads and the JS they import statically (initial), and those they
 * can load later (dynamic imports, Vite's preload lists) with what those import in turn (lazy).
 */
function entryAssets(entry: string): { initial: string[]; lazy: string[]; preloaded: string[] } {
  const html = readFileSync(path.join(clientDist, entry, 'index.html'), 'utf8');
  // Preload hints (modulepreload, preload as=style) download alongside but are not what the entry
  // needs to run: listed apart, so "needed for the first question" is what the page waits for.
  const tags = [...html.matchAll(/<(?:script|link)\b[^>]*>/g)].map((m) => m[0]);
  const preloadedTags = tags.filter((t) => /rel="(?:modulepreload|preload)"/.test(t));
  const assetOf = (tag: string) => /(?:src|href)="\/assets\/([^"]+)"/.exec(tag)?.[1];
  const preloaded = new Set(preloadedTags.map(assetOf).filter((f): f is string => !!f));
  const initial = new Set(tags.filter((t) => !preloadedTags.includes(t)).map(assetOf).filter((f): f is string => !!f));
  const lazy = new Set<string>();
  const queue: Array<{ file: string; eager: boolean }> = [...initial].filter((f) => f.endsWith('.js')).map((file) => ({ file, eager: true }));
  const seen = new Set<string>();
  while (queue.length) {
    const { file, eager } = queue.shift()!;
    const key = `${file}:${eager}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const js = readFileSync(path.join(clientDist, 'assets', file), 'utf8');
    const statics = new Set([...js.matchAll(/(?:from|import)\s*["']\.\/([\w.-]+\.js)["']/g)].map((m) => m[1]!));
    for (const f of statics) {
      (eager ? initial : lazy).add(f);
      queue.push({ file: f, eager });
    }
    for (const m of js.matchAll(/["'`](?:\.\/|\/assets\/|assets\/)([\w.-]+\.(?:js|css))["'`]/g)) {
      const f = m[1]!;
      if (statics.has(f) || f === file) continue;
      lazy.add(f);
      if (f.endsWith('.js')) queue.push({ file: f, eager: false });
    }
  }
  for (const f of initial) {
    lazy.delete(f);
    preloaded.delete(f);
  }
  return { initial: [...initial], lazy: [...lazy], preloaded: [...preloaded] };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx)$/.test(e.name) && statSync(full).isFile() ? [full] : [];
  });
}

/** Texts only the admin app has: literals and JSX texts of client/admin/ found in no other client source. */
function adminMarkers(): string[] {
  const texts = (files: string[]) =>
    files.flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      const literals = [...source.matchAll(/'([^'\\\n]{14,})'|"([^"\\\n]{14,})"/g)].map((m) => m[1] ?? m[2]!);
      const jsx = [...source.matchAll(/>\s*([^<>{}\n]{14,}?)\s*</g)].map((m) => m[1]!.trim());
      return [...literals, ...jsx].filter((t) => /\s|^\/api\//.test(t) && !/^\s*(import|export)\b/.test(t));
    });
  // contract/ is what both sides share by design (e.g. the nomination question's labels, shown to
  // schools and to the admin reviewing what they named): not admin code.
  const others = [path.join(clientDir, 'respondent'), path.join(clientDir, 'shared'), path.join(clientDir, 'swv'), path.join(clientDir, '..', 'contract')]
    .filter((d) => existsSync(d))
    .flatMap(sourceFiles)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  return [...new Set(texts(sourceFiles(path.join(clientDir, 'admin'))))].filter((t) => !others.includes(t));
}

// ---------------------------------------------------------------------------------------------
// The page in Chromium

/**
 * Records, in the page, when the text first shows: on each DOM change, whether the rendered text
 * (innerText leaves out what is not displayed) contains it; the time is taken at the next frame.
 */
function firstVisibleScript(text: string): string {
  return `(() => {
    const text = ${JSON.stringify(text)};
    let seen = false;
    const check = () => {
      if (seen || !document.body || !document.body.innerText.includes(text)) return;
      seen = true;
      requestAnimationFrame(() => { window.__firstQuestionAt = performance.now(); });
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
    document.addEventListener('DOMContentLoaded', check);
  })();`;
}

interface Load {
  firstQuestionMs: number;
  domContentLoadedMs: number;
  resources: Array<{ name: string; transfer: number; decoded: number; start: number; end: number }>;
  /** Chromium's main-thread time until then (CDP Performance.getMetrics), ms. */
  scriptMs: number;
  layoutMs: number;
  styleMs: number;
  taskMs: number;
  profile?: ProfileSummary;
}

async function loadOnce(browser: Browser, url: string, text: string, context?: import('playwright-core').BrowserContext, profile = false): Promise<Load> {
  const own = !context;
  const ctx = context ?? (await browser.newContext({ viewport: { width: 360, height: 740 } }));
  const page = await ctx.newPage();
  await page.addInitScript(firstVisibleScript(text));
  // Open the origin first (a page without assets), so that the measured navigation stays in the
  // same renderer process and the CDP session sees all of it.
  await page.goto(new URL('/healthz', url).toString());
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metric = async (name: string) => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? Number.NaN) * 1000;
  const before = { script: await metric('ScriptDuration'), layout: await metric('LayoutDuration'), style: await metric('RecalcStyleDuration'), task: await metric('TaskDuration') };
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => typeof (window as { __firstQuestionAt?: number }).__firstQuestionAt === 'number', undefined, { timeout: 30_000, polling: 50 });
  const measured = await page.evaluate(() => ({
    firstQuestionMs: (window as { __firstQuestionAt?: number }).__firstQuestionAt!,
    domContentLoadedMs: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.domContentLoadedEventEnd ?? Number.NaN,
    resources: performance.getEntriesByType('resource').map((e) => {
      const r = e as PerformanceResourceTiming;
      return { name: r.name, transfer: r.transferSize, decoded: r.decodedBodySize, start: r.startTime, end: r.responseEnd };
    }),
  }));
  const summary = profile ? summarizeProfile(((await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile }).profile, 12) : undefined;
  const after = { script: await metric('ScriptDuration'), layout: await metric('LayoutDuration'), style: await metric('RecalcStyleDuration'), task: await metric('TaskDuration') };
  await cdp.detach();
  await page.close();
  if (own) await ctx.close();
  return {
    ...measured,
    scriptMs: after.script - before.script,
    layoutMs: after.layout - before.layout,
    styleMs: after.style - before.style,
    taskMs: after.task - before.task,
    profile: summary,
  };
}

/** The baseline: a static page with the same text, from a bare Fastify server in this process. */
async function startStatic(text: string) {
  const bare = Fastify({ logger: false });
  const html = `<!doctype html><html lang="nl"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Vragenlijst</title><main><p>${text}</p></main></html>`;
  bare.get('/static', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const address = bare.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return { app: bare, url: `http://127.0.0.1:${address.port}/static` };
}

async function seedInvitation(database: Database): Promise<{ token: string; firstQuestion: string }> {
  const db = database.db;
  const version = await snapshotVersion(db, 'image-samenwerking-2023');
  const content = version.content as QuestionnaireContent;
  const meta = readMeta(content);
  const now = Date.now();
  const study = await db.insertInto('studies').values({ name: 'IMAGE', slug: 'bench' }).returning('id').executeTakeFirstOrThrow();
  const round = await db
    .insertInto('rounds')
    .values({ study_id: study.id, name: 'Meting bench', questionnaire_version_id: version.id, status: 'open', opens_at: new Date(now - 86_400_000), closes_at: new Date(now + 30 * 86_400_000) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const swv = await db.insertInto('swvs').values({ code: 'PO9999', name: 'SWV Bench', sector: 'po' }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('round_swvs').values({ round_id: round.id, swv_id: swv.id, situation: 'po-vo', region_letter: 'A' }).execute();
  const school = await db.insertInto('schools').values({ location_code: '99ZZ00', brin: '99ZZ', name: 'Basisschool De Bench', kind: 'po' }).returning('id').executeTakeFirstOrThrow();
  const token = newInvitationToken(SECRET);
  await db
    .insertInto('invitations')
    .values({ round_id: round.id, school_id: school.id, swv_id: swv.id, token_nonce: token.nonce, token_hash: token.hash, email: 'school@bench.test', status: 'invited', invited_at: new Date(now) })
    .execute();
  // The first question a school sees: the consent question (first on the first page).
  const question = (content.pages as Array<{ elements?: Array<{ name: string; title?: unknown }> }>)
    .flatMap((p) => p.elements ?? [])
    .find((e) => e.name === meta.consent.question);
  const title = typeof question?.title === 'string' ? question.title : (question?.title as Record<string, string> | undefined)?.nl ?? (question?.title as Record<string, string> | undefined)?.default;
  if (!title) throw new Error('the consent question has no title');
  return { token: token.token, firstQuestion: title };
}

const kb = (n: number) => (n / 1024).toFixed(1);
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

async function main() {
  console.log('building the client if needed…');
  await ensureClientBuild({ quiet: true });

  // Bytes and admin code, from the build on disk.
  const respondent = entryAssets('respondent');
  const admin = entryAssets('admin');
  const adminOnly = [...admin.initial, ...admin.lazy].filter((f) => ![...respondent.initial, ...respondent.lazy].includes(f));
  const initialAssets = respondent.initial.map(asset);
  const lazyAssets = respondent.lazy.map(asset);
  const sum = (list: Asset[], ext: string, key: 'bytes' | 'gzip') => list.filter((a) => a.file.endsWith(ext)).reduce((s, a) => s + a[key], 0);
  const adminJs = [...admin.initial, ...admin.lazy].filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(clientDist, 'assets', f), 'utf8')).join('\n');
  const markers = adminMarkers().filter((m) => adminJs.includes(m));
  const respondentJs = [...respondent.initial, ...respondent.lazy].filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(clientDist, 'assets', f), 'utf8')).join('\n');
  const leaked = markers.filter((m) => respondentJs.includes(m));
  const sharedWithAdminOnly = [...respondent.initial, ...respondent.lazy].filter((f) => adminOnly.includes(f));
  console.log(`respondent: ${initialAssets.length} files at first, ${lazyAssets.length} on demand; ${markers.length} admin markers checked (e.g. ${markers.slice(0, 4).map((m) => JSON.stringify(m)).join(', ')}), ${leaked.length} found`);

  // Times, in Chromium.
  const created = await createBenchDatabase('page');
  const database = openPostgres(created.url);
  let browser: Browser | undefined;
  const config = benchAppConfig(created.url);
  try {
    await migrateToLatest(database.db);
    const seeded = await seedInvitation(database);
    const token = seeded.token;
    // --text=… waits for another text (to check the harness against a page without the questionnaire).
    const firstQuestion = arg('text') ?? seeded.firstQuestion;
    const app = await buildApp(config, { database, clock: systemClock });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    const pageUrl = `http://127.0.0.1:${address.port}/s/${token}`;
    const statics = await startStatic(firstQuestion);
    browser = await launchBrowser();

    // One load each to warm the server, the browser and the disk cache; then alternate cold loads.
    await loadOnce(browser, pageUrl, firstQuestion);
    await loadOnce(browser, statics.url, firstQuestion);
    const cold = { page: [] as Load[], static: [] as Load[] };
    for (let i = 0; i < LOADS; i++) {
      cold.page.push(await loadOnce(browser, pageUrl, firstQuestion));
      cold.static.push(await loadOnce(browser, statics.url, firstQuestion));
    }
    // One more cold load with Chromium's CPU profiler on: where the main thread's time goes.
    const profiled = await loadOnce(browser, pageUrl, firstQuestion, undefined, true);
    // Warm: the same context again, assets from the cache (a school coming back to its link).
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await loadOnce(browser, pageUrl, firstQuestion, context);
    const warm: Load[] = [];
    // Fewer warm loads: they are context, not a target, and the whole bench has 10 minutes.
    for (let i = 0; i < Math.ceil(LOADS / 2); i++) warm.push(await loadOnce(browser, pageUrl, firstQuestion, context));
    await context.close();
    await statics.app.close();
    await app.close();

    const firstLoad = cold.page[0]!;
    const loadedAssets = firstLoad.resources.filter((r) => /\/assets\//.test(r.name));
    const loadedJs = loadedAssets.filter((r) => r.name.endsWith('.js'));
    const loadedCss = loadedAssets.filter((r) => r.name.endsWith('.css'));
    const loadedApi = firstLoad.resources.filter((r) => /\/api\//.test(r.name));
    const fetchedAssets = loadedAssets.map((r) => asset(new URL(r.name).pathname.replace(/^\/assets\//, '')));
    // What had arrived when the first question showed (preloads still downloading are left out).
    const beforeFirst = loadedAssets.filter((r) => r.end > 0 && r.end <= firstLoad.firstQuestionMs).map((r) => asset(new URL(r.name).pathname.replace(/^\/assets\//, '')));
    const preloadedAssets = respondent.preloaded.map(asset);
    const pageFirst = cold.page.map((l) => l.firstQuestionMs);
    const staticFirst = cold.static.map((l) => l.firstQuestionMs);
    const warmFirst = warm.map((l) => l.firstQuestionMs);
    const coldMedian = median(pageFirst);
    const load = loadAverage();
    console.log(`first question: cold ${coldMedian.toFixed(0)} ms (static ${median(staticFirst).toFixed(0)} ms), warm ${median(warmFirst).toFixed(0)} ms`);

    recordResults('Respondent page in Chromium (bench/page.ts)', [
      `Load average: ${load}. Chromium headless at 360×740 on loopback, the app on PostgreSQL, a fresh invitation (the consent question`,
      `is the first question). Cold = a new browser context per load (nothing cached), alternating with the baseline; warm = the same`,
      `context reloaded (${Math.ceil(LOADS / 2)} loads). ${LOADS} cold loads each after one warm-up; time from navigation start to the first question's text rendered (ms).`,
      '',
      ...table(
        ['what', 'median', 'min', 'max', '× baseline'],
        [
          ['static page with the same text, bare Fastify (baseline)', median(staticFirst).toFixed(0), Math.min(...staticFirst).toFixed(0), Math.max(...staticFirst).toFixed(0), '1.0'],
          [
            '**respondent page, cold**',
            coldMedian.toFixed(0),
            Math.min(...pageFirst).toFixed(0),
            Math.max(...pageFirst).toFixed(0),
            (coldMedian / median(staticFirst)).toFixed(1),
          ],
          ['respondent page, warm (cached assets)', median(warmFirst).toFixed(0), Math.min(...warmFirst).toFixed(0), Math.max(...warmFirst).toFixed(0), (median(warmFirst) / median(staticFirst)).toFixed(1)],
          ['DOMContentLoaded, respondent page, cold', median(cold.page.map((l) => l.domContentLoadedMs)).toFixed(0), '', '', ''],
        ],
      ),
      '',
      'Main-thread time until the first question (Chromium\'s Performance metrics, median of the cold loads, ms):',
      '',
      ...table(
        ['page', 'tasks', 'of which script', 'layout', 'style'],
        (['static', 'page'] as const).map((which) => {
          const loads = cold[which];
          return [
            which === 'page' ? 'respondent page' : 'static page (baseline)',
            median(loads.map((l) => l.taskMs)).toFixed(0),
            median(loads.map((l) => l.scriptMs)).toFixed(0),
            median(loads.map((l) => l.layoutMs)).toFixed(0),
            median(loads.map((l) => l.styleMs)).toFixed(0),
          ];
        }),
      ),
      '',
      'Where the time goes in a cold load (median, ms from navigation start): the HTML, the last script or style file received,',
      'the questionnaire request (GET /api/s/:token) sent and answered, the first question rendered.',
      '',
      ...table(
        ['DOMContentLoaded', 'last asset received', 'API request sent', 'API answered', 'API request took', 'first question'],
        [
          [
            median(cold.page.map((l) => l.domContentLoadedMs)).toFixed(0),
            median(cold.page.map((l) => Math.max(0, ...l.resources.filter((r) => /\/assets\//.test(r.name)).map((r) => r.end)))).toFixed(0),
            median(cold.page.map((l) => l.resources.find((r) => /\/api\/s\//.test(r.name))?.start ?? Number.NaN)).toFixed(0),
            median(cold.page.map((l) => l.resources.find((r) => /\/api\/s\//.test(r.name))?.end ?? Number.NaN)).toFixed(0),
            median(cold.page.map((l) => { const r = l.resources.find((x) => /\/api\/s\//.test(x.name)); return r ? r.end - r.start : Number.NaN; })).toFixed(0),
            coldMedian.toFixed(0),
          ],
        ],
      ),
      '',
      `CPU profile of one more cold load (${profiled.firstQuestionMs.toFixed(0)} ms to the first question; ${profiled.profile!.totalMs.toFixed(0)} ms sampled on the main thread).`,
      `By script: ${profiled.profile!.byPackage
        .slice(0, 8)
        .map(([p, pct]) => `${p} ${pct.toFixed(0)} %`)
        .join(', ')}. Functions with the most self time:`,
      '',
      ...table(
        ['function', 'where', 'self ms', '%'],
        profiled.profile!.lines.map((l) => [l.fn, l.where, l.selfMs.toFixed(0), l.percent.toFixed(1)]),
      ),
      '',
      `**First question visible: median ${coldMedian.toFixed(0)} ms cold** (target < ${TARGET_MS} ms: ${coldMedian < TARGET_MS ? 'met' : 'missed'}).`,
      '',
      'The respondent bundle as built (client/dist; gzip level 9, computed here from the files):',
      '',
      ...table(
        ['files', 'JS KiB', 'JS gzip KiB', 'CSS KiB', 'CSS gzip KiB'],
        [
          [`loaded at first (${initialAssets.map((a) => a.file).join(', ')})`, kb(sum(initialAssets, '.js', 'bytes')), kb(sum(initialAssets, '.js', 'gzip')), kb(sum(initialAssets, '.css', 'bytes')), kb(sum(initialAssets, '.css', 'gzip'))],
          [`**needed for the first question**: the entry (scripts and styles of the HTML and their static imports) above`, '', '', '', ''],
          [`preloaded alongside, not waited for (modulepreload: ${preloadedAssets.map((a) => a.file).join(', ') || 'none'})`, kb(sum(preloadedAssets, '.js', 'bytes')), kb(sum(preloadedAssets, '.js', 'gzip')), kb(sum(preloadedAssets, '.css', 'bytes')), kb(sum(preloadedAssets, '.css', 'gzip'))],
          [`received before the first question showed (cold load: ${beforeFirst.map((a) => a.file).join(', ')})`, kb(sum(beforeFirst, '.js', 'bytes')), kb(sum(beforeFirst, '.js', 'gzip')), kb(sum(beforeFirst, '.css', 'bytes')), kb(sum(beforeFirst, '.css', 'gzip'))],
          [`on demand (${lazyAssets.map((a) => a.file).join(', ') || 'none'})`, kb(sum(lazyAssets, '.js', 'bytes')), kb(sum(lazyAssets, '.js', 'gzip')), kb(sum(lazyAssets, '.css', 'bytes')), kb(sum(lazyAssets, '.css', 'gzip'))],
          [
            `fetched by the end of the measurement (cold load: ${fetchedAssets.map((a) => a.file).join(', ')})`,
            `**${kb(sum(fetchedAssets, '.js', 'bytes'))}**`,
            `**${kb(sum(fetchedAssets, '.js', 'gzip'))}**`,
            `**${kb(sum(fetchedAssets, '.css', 'bytes'))}**`,
            `**${kb(sum(fetchedAssets, '.css', 'gzip'))}**`,
          ],
        ],
      ),
      '',
      `What Chromium fetched for the first question (cold): ${loadedJs.length} JS files, ${kb(loadedJs.reduce((s, r) => s + r.transfer, 0))} KiB transferred;`,
      `${loadedCss.length} CSS files, ${kb(loadedCss.reduce((s, r) => s + r.transfer, 0))} KiB; API calls: ${loadedApi.map((r) => new URL(r.name).pathname.replace(token, ':token')).join(', ') || 'none'}.`,
      '',
      `Admin code in the respondent bundle: ${markers.length} texts found only in client/admin/ (and present in its built chunks) searched in every`,
      `respondent chunk: **${leaked.length} found**${leaked.length ? ` (${leaked.slice(0, 5).map((m) => JSON.stringify(m)).join(', ')})` : ''}; admin-only chunks (${adminOnly.join(', ')}) loaded by the respondent page: ` +
        `**${sharedWithAdminOnly.length}** (target: none).`,
    ]);
    if (leaked.length || sharedWithAdminOnly.length) process.exitCode = 1;
  } finally {
    await browser?.close();
    await database.close();
    await created.drop();
  }
}

runBench(main);
