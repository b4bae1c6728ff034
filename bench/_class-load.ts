/**
 * The load generator of bench/class-at-once.ts, in a process of its own (as bench/_load.ts is for
 * respondent.ts) so that sending requests does not run on the event loop being measured. The
 * parent sends one `ClassJob`; every pupil follows its schedule (open the link, give consent, save
 * the first page) and the child answers with every request's status and latency.
 */
import http from 'node:http';

export interface Pupil {
  token: string;
  /** ms after the job's start: opening the link, consent, first save. */
  openAt: number;
  consentAt: number;
  saveAt: number;
}

export interface ClassJob {
  url: string;
  /** Path prefix: '/api/s' (the app) or '/bare' (the baseline). */
  prefix: string;
  pupils: Pupil[];
  consentAnswer: string;
  /** The first page's answers as JSON text. */
  data: string;
}

export interface Step {
  what: 'open' | 'consent' | 'save';
  status: number;
  ms: number;
}

export interface ClassReport {
  steps: Step[];
  wallMs: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });

function request(base: URL, method: string, path: string, body: string | null): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, agent, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, text: '' }));
    if (body) req.write(body);
    req.end();
  });
}

async function runClass(job: ClassJob): Promise<ClassReport> {
  const base = new URL(job.url);
  const steps: Step[] = [];
  const started = performance.now();
  const at = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, started + ms - performance.now())));
  const timed = async (what: Step['what'], method: string, path: string, body: string | null) => {
    const t0 = performance.now();
    const answer = await request(base, method, path, body);
    steps.push({ what, status: answer.status, ms: performance.now() - t0 });
    return answer;
  };
  await Promise.all(
    job.pupils.map(async (pupil) => {
      await at(pupil.openAt);
      await timed('open', 'GET', `${job.prefix}/${pupil.token}`, null);
      await at(pupil.consentAt);
      const consent = await timed('consent', 'POST', `${job.prefix}/${pupil.token}/consent`, JSON.stringify({ answer: job.consentAnswer }));
      let revision = 1;
      try {
        revision = (JSON.parse(consent.text) as { revision?: number }).revision ?? 1;
      } catch {
        // a refused consent shows in its status
      }
      await at(pupil.saveAt);
      await timed('save', 'PUT', `${job.prefix}/${pupil.token}/answers`, `{"data":${job.data},"currentPage":1,"revision":${revision}}`);
    }),
  );
  return { steps, wallMs: performance.now() - started };
}

if (process.send) {
  process.on('message', (message: unknown) => {
    if (message === 'stop') process.exit(0);
    runClass(message as ClassJob).then(
      (report) => process.send?.({ report }),
      (error: unknown) => process.send?.({ error: String(error) }),
    );
  });
  process.send({ ready: true });
}
