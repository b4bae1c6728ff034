import autocannon from 'autocannon';
import http from 'node:http';

/**
 * The load generator of bench/respondent.ts, in a process of its own so that generating load does
 * not run on the event loop being measured. The parent sends one `LoadJob` at a time and gets a
 * `LoadReport` back.
 *
 * Every simulated respondent has its own token. autocannon resets a connection's context after
 * every request, so a token cannot live in the context; instead each request takes an idle
 * respondent from a queue and hands it back with the revision the server answered (200: the new
 * revision; 409: the server's current one). With at least as many respondents as connections, no
 * token is ever in flight twice, so saves are not refused as stale. One-shot jobs (completion)
 * take each respondent once.
 */
export interface Respondent {
  token: string;
  revision: number;
}

export interface LoadJob {
  url: string;
  connections: number;
  /** Seconds (a timed run), or a number of requests (`amount`), stopped after `duration` if both are set. */
  duration?: number;
  amount?: number;
  method: 'PUT' | 'POST';
  /** The path with `{token}` in it. */
  path: string;
  respondents: Respondent[];
  /** Respondents go back to the queue after their response (autosave) or are used once (completion). */
  reuse: boolean;
  /**
   * Saves per second per respondent (a respondent's pace; `runPaced`); unset = as fast as answers
   * come (autocannon).
   */
  pace?: number;
  /** The `data` to send, as JSON text, and the page. */
  data: string;
  currentPage: number;
}

export interface LoadReport {
  seconds: number;
  ok: number;
  requestsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  respondents: Respondent[];
  /** Requests sent with a respondent already in flight (the queue ran dry). */
  doubled: number;
}

export function runLoad(job: LoadJob): Promise<LoadReport> {
  const queue: Respondent[] = [...job.respondents];
  let head = 0;
  let doubled = 0;
  // autocannon notices the end only at its next one-second sample, so for short runs its duration
  // is too long: the rate is timed here, from the first request built to the last answer.
  let firstRequest = 0;
  let lastAnswer = 0;
  const take = (): Respondent => {
    if (head < queue.length) return queue[head++]!;
    doubled++;
    return job.respondents[doubled % job.respondents.length]!;
  };
  const giveBack = (r: Respondent) => {
    if (!job.reuse) return;
    if (head > 4096 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    queue.push(r);
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        ...(job.amount ? { amount: job.amount } : { duration: job.duration ?? 10 }),
        timeout: 30,
        // autocannon notices the end of a run at its next sample: every 100 ms rather than every second.
        sampleInt: 100,
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            method: job.method,
            setupRequest(request, context) {
              if (!firstRequest) firstRequest = performance.now();
              const respondent = take();
              context.respondent = respondent;
              return {
                ...request,
                method: job.method,
                path: job.path.replace('{token}', respondent.token),
                body: `{"data":${job.data},"currentPage":${job.currentPage},"revision":${respondent.revision}}`,
              };
            },
            onResponse(status, body, context) {
              lastAnswer = performance.now();
              const respondent = context.respondent as Respondent | undefined;
              if (!respondent) return;
              if (status === 200 || status === 409) {
                try {
                  const revision = (JSON.parse(body) as { revision?: unknown }).revision;
                  if (typeof revision === 'number') respondent.revision = revision;
                } catch {
                  // Not JSON: keep the revision we had.
                }
              }
              giveBack(respondent);
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const statuses = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count]));
        const seconds = lastAnswer > firstRequest ? (lastAnswer - firstRequest) / 1000 : result.duration;
        resolve({
          seconds,
          ok: result['2xx'],
          requestsPerSecond: result['2xx'] / seconds,
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
          statuses,
          errors: result.errors,
          timeouts: result.timeouts,
          respondents: job.respondents,
          doubled,
        });
      },
    );
    if (job.amount && job.duration) {
      const timer = setTimeout(() => instance.stop(), job.duration * 1000);
      timer.unref();
    }
  });
}

/**
 * Respondents at a pace: `connections` respondents, each with its own token and connection, each
 * saving every 1/pace seconds at a random phase (autocannon's connectionRate fires every
 * connection at the same instant each second, a burst no real group of respondents makes).
 * Latency runs from when a save was due, so a slow answer also counts against the saves it delays.
 */
export async function runPaced(job: LoadJob): Promise<LoadReport> {
  const pace = job.pace!;
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const target = new URL(job.url);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const started = performance.now();
  const end = started + (job.duration ?? 10) * 1000;
  const send = (respondent: Respondent) =>
    new Promise<void>((resolve) => {
      const body = `{"data":${job.data},"currentPage":${job.currentPage},"revision":${respondent.revision}}`;
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: job.method,
          path: job.path.replace('{token}', respondent.token),
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            statuses[status] = (statuses[status] ?? 0) + 1;
            try {
              const revision = (JSON.parse(Buffer.concat(chunks).toString()) as { revision?: unknown }).revision;
              if (typeof revision === 'number') respondent.revision = revision;
            } catch {
              // Not JSON: keep the revision.
            }
            resolve();
          });
        },
      );
      request.on('error', () => {
        errors++;
        resolve();
      });
      request.end(body);
    });
  const interval = 1000 / pace;
  await Promise.all(
    job.respondents.slice(0, job.connections).map(async (respondent) => {
      let due = started + Math.random() * interval;
      while (due < end) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await send(respondent);
        latencies.push(performance.now() - due);
        due += interval;
      }
    }),
  );
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil((p / 100) * latencies.length) - 1))] ?? Number.NaN;
  const ok = Object.entries(statuses).reduce((a, [code, n]) => a + (code.startsWith('2') ? n : 0), 0);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    seconds,
    ok,
    requestsPerSecond: ok / seconds,
    p50: round(at(50)),
    p90: round(at(90)),
    p99: round(at(99)),
    max: round(latencies.at(-1) ?? Number.NaN),
    statuses,
    errors,
    timeouts: 0,
    respondents: job.respondents,
    doubled: 0,
  };
}

// As a child process: one job per message.
if (process.send) {
  process.on('message', (message: unknown) => {
    const job = message as LoadJob | 'stop';
    if (job === 'stop') process.exit(0);
    (job.pace ? runPaced(job) : runLoad(job)).then(
      (report) => process.send?.({ report }),
      (error: unknown) => process.send?.({ error: String(error) }),
    );
  });
  process.send({ ready: true });
}
