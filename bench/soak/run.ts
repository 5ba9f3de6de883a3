/**
 * Soak bench (issue 18 item 1): the gateway and two workers as separate processes (`scripts/start.ts`, ROLE=gateway
 * and ROLE=worker) on a real Postgres and a real Redis, under steady mixed load through the API — canonical record
 * submissions from Texas and Florida (the same children from both, so matching joins them) and reads of a record's
 * status and of the consolidated student — while a chaos loop, at random intervals, SIGKILLs a worker and starts a
 * new one, restarts redis-server (on the same port, without persistence: every queued job is gone and only the
 * Postgres job intents bring it back), or terminates every database session of the gateway and the workers
 * (pg_terminate_backend). At the end the load and the chaos stop, the bench waits until nothing is left to do (job
 * intents, pending matches, queues) and checks that every record answered 2xx is stored exactly once, linked to one
 * student by exactly one match decision, and counted once in the data-quality report; it exits 1 on any loss or
 * duplicate. Not a test: it runs for minutes (default 60).
 *
 *   npm run bench:soak [-- --minutes 60] [--writers 3] [--batch 5] [--chaos-min 10] [--chaos-max 40]
 *
 * Uses DATABASE_URL when set, otherwise a throwaway Postgres cluster; always its own redis-server (it restarts it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { benchInfrastructure } from '../support/infra.js';
import { freePort, startEmbeddedRedis, type EmbeddedRedis } from '../../runtime/embedded-redis.js';
import { PgDb } from '../../core/store/pg.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { createClient } from '../../core/security/clients.js';
import { GIVEN_FEMALE, GIVEN_MALE, SURNAMES } from '../../lab/matching/synthetic/name-data.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';
import { teardownOnExit } from '../support/teardown.js';

const USAGE = 'usage: npm run bench:soak [-- --minutes 60] [--writers 3] [--batch 5] [--chaos-min 10] [--chaos-max 40]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: {
    minutes: { type: 'string' },
    writers: { type: 'string' },
    batch: { type: 'string' },
    'chaos-min': { type: 'string' },
    'chaos-max': { type: 'string' },
  },
});
const MINUTES = integerOption(values.minutes, 'minutes', 60, USAGE);
const WRITERS = integerOption(values.writers, 'writers', 3, USAGE);
const BATCH = integerOption(values.batch, 'batch', 5, USAGE);
const CHAOS_MIN = integerOption(values['chaos-min'], 'chaos-min', 10, USAGE);
const CHAOS_MAX = integerOption(values['chaos-max'], 'chaos-max', 40, USAGE);
const WORKERS = 2;
const QUEUE_PREFIX = 'soakbench';
const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const t0 = performance.now();
const elapsed = () => ((performance.now() - t0) / 1000).toFixed(0).padStart(5);
const say = (s: string) => process.stdout.write(`[${elapsed()} s] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadAtStart = loadavg()[0]!;

const { stops, cleanup } = teardownOnExit();

/** A child process, ready when one of its stdout lines matches `ready` (its first match group is answered). */
async function startChild(label: string, env: Record<string, string>, ready: RegExp) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  stops.push(stop);
  const match = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let found = false;
    lines.on('line', (line) => {
      const m = found ? null : ready.exec(line);
      if (m) {
        found = true;
        resolve(m[1] ?? line);
      }
    });
    child.once('exit', (code) => {
      if (!found) reject(new Error(`${label} exited with ${code} before it was ready`));
    });
  });
  return { child, match, stop };
}

/** A child of the soak: a unique name and birth date per number, the same identity in both states. */
const person = (i: number) => ({
  firstName: (i % 2 ? GIVEN_MALE : GIVEN_FEMALE)[i % 37]![0],
  lastName1: SURNAMES[i % SURNAMES.length]![0],
  lastName2: SURNAMES[(i * 7 + 3) % SURNAMES.length]![0],
  sex: i % 2 ? 'M' : 'F',
  birthDate: new Date(Date.UTC(2006, 0, 1) + (i % 4000) * 86_400_000).toISOString().slice(0, 10),
});
const record = (state: 'TX' | 'FL', i: number) => ({
  stateCode: state,
  stateStudentId: `${state}S${i}`,
  identity: person(i),
  enrollments: [
    {
      enrollmentDate: state === 'TX' ? '2025-08-20' : '2026-01-10',
      enrollmentType: '01',
      gradeLevel: '08',
      schoolId: state === 'TX' ? '484497005076' : '120087001079',
    },
  ],
});

try {
  // Our own Redis: the chaos loop restarts it on its port.
  const redisDir = mkdtempSync(join(tmpdir(), 'soak-redis-'));
  stops.push(() => rmSync(redisDir, { recursive: true, force: true }));
  const redisPort = await freePort();
  let redis: EmbeddedRedis = await startEmbeddedRedis(redisDir, { port: redisPort });
  stops.push(() => redis.stop());
  process.env.REDIS_URL = redis.url;
  const infra = await benchInfrastructure('soak_bench');
  stops.push(...infra.stops);
  const { databaseUrl, redisUrl, pgVersion } = infra;
  const dataDir = mkdtempSync(join(tmpdir(), 'soak-bench-'));
  stops.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const serverEnv = (role: string): Record<string, string> => ({
    ROLE: role,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    LOG_FILE: '-',
    DATA_DIR: dataDir,
    QUEUE_PREFIX,
    DEMO_DATA: 'false',
    DEV_IDP: 'false',
    RATE_LIMIT_MAX: '1000000000',
  });

  say('starting the gateway and two workers (separate processes)…');
  const gateway = await startChild('gateway', serverEnv('gateway'), /health\s*:\s*(http:\/\/\S+?)\/health\/ready/);
  const base = gateway.match;
  const startWorker = () => startChild('worker', serverEnv('worker'), /(Press Ctrl-C to stop\.)/);
  const workers = await Promise.all(Array.from({ length: WORKERS }, startWorker));

  // Credentials: a Texas and a Florida state system, a national administrator for the reports.
  const setup = new PgDb(databaseUrl, 2);
  const tokens: Record<string, string> = {};
  for (const [key, stateCode, roles] of [
    ['TX', 'TX', ['state-system']],
    ['FL', 'FL', ['state-system']],
    ['admin', null, ['admin']],
  ] as const) {
    const c = await createClient(setup, { stateCode, roles, name: `soak ${key}` });
    if (c.kind !== 'created') throw new Error(c.reason);
    const answer = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    tokens[key] = ((await answer.json()) as { access_token: string }).access_token;
  }
  await setup.close();
  const auth = (key: string) => ({ authorization: `Bearer ${tokens[key]}` });

  // The ledger: every record answered 2xx, by state.
  const accepted: Record<'TX' | 'FL', Map<string, string>> = { TX: new Map(), FL: new Map() };
  const statuses = new Map<string, number>();
  const count = (what: string) => statuses.set(what, (statuses.get(what) ?? 0) + 1);
  let reads = 0;
  let nextPerson = 0;
  let running = true;
  const deadline = performance.now() + MINUTES * 60_000;

  const submit = async (state: 'TX' | 'FL', people: number[]) => {
    try {
      const r = await fetch(`${base}/api/v1/states/${state}/records`, {
        method: 'POST',
        headers: { ...auth(state), 'content-type': 'application/json' },
        body: JSON.stringify(people.map((i) => record(state, i))),
        signal: AbortSignal.timeout(60_000),
      });
      count(`POST ${r.status}`);
      if (r.status >= 200 && r.status < 300) {
        const body = (await r.json()) as { records: { stateStudentId: string; recordId: string }[] };
        for (const o of body.records) accepted[state].set(o.stateStudentId, o.recordId);
      } else await r.arrayBuffer();
    } catch (e) {
      count(`POST ${(e as Error).name}`);
    }
  };
  const writer = async () => {
    while (running && performance.now() < deadline) {
      const people = Array.from({ length: BATCH }, () => nextPerson++);
      await submit('TX', people);
      await submit('FL', people);
      await sleep(200);
    }
  };
  const reader = async () => {
    while (running && performance.now() < deadline) {
      const ids = [...accepted.TX.keys()];
      if (ids.length) {
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        try {
          const r = await fetch(`${base}/api/v1/states/TX/records/${id}`, {
            headers: auth('TX'),
            signal: AbortSignal.timeout(60_000),
          });
          count(`GET record ${r.status}`);
          const msixId = r.ok ? ((await r.json()) as { msixId: string | null }).msixId : null;
          if (!r.ok) await r.arrayBuffer().catch(() => null);
          if (msixId) {
            const s = await fetch(`${base}/api/v1/students/${msixId}`, {
              headers: auth('TX'),
              signal: AbortSignal.timeout(60_000),
            });
            count(`GET student ${s.status}`);
            await s.arrayBuffer();
          }
          reads++;
        } catch (e) {
          count(`GET ${(e as Error).name}`);
        }
      }
      await sleep(100);
    }
  };

  // The chaos loop.
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  stops.push(() => admin.end());
  const chaos: Record<string, number> = { 'kill worker': 0, 'restart redis': 0, 'terminate sessions': 0 };
  const chaosLoop = async () => {
    for (;;) {
      await sleep((CHAOS_MIN + Math.random() * (CHAOS_MAX - CHAOS_MIN)) * 1000);
      if (!running || performance.now() >= deadline) return;
      const pick = Math.floor(Math.random() * 3);
      if (pick === 0) {
        const k = Math.floor(Math.random() * workers.length);
        workers[k]!.child.kill('SIGKILL');
        await new Promise((r) => workers[k]!.child.once('exit', r));
        await sleep(1000 + Math.random() * 4000);
        workers[k] = await startWorker();
        chaos['kill worker']!++;
        say(`chaos: worker ${k + 1} SIGKILLed and started again`);
      } else if (pick === 1) {
        await redis.stop();
        await sleep(1000 + Math.random() * 4000);
        redis = await startEmbeddedRedis(redisDir, { port: redisPort });
        chaos['restart redis']!++;
        say('chaos: redis-server stopped and started again (empty)');
      } else {
        const r = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        );
        chaos['terminate sessions']!++;
        say(`chaos: ${r.rowCount} database sessions terminated`);
      }
    }
  };

  say(`steady load for ${MINUTES} min: ${WRITERS} writers (${BATCH} records a request, TX then FL), 2 readers`);
  const progress = setInterval(
    () =>
      say(
        `${accepted.TX.size} TX + ${accepted.FL.size} FL records accepted, ${reads} reads; ` +
          [...statuses].map(([k, v]) => `${k}: ${v}`).join(', '),
      ),
    60_000,
  );
  await Promise.all([...Array.from({ length: WRITERS }, writer), reader(), reader(), chaosLoop()]);
  running = false;
  clearInterval(progress);
  const loadSeconds = (performance.now() - t0) / 1000;

  // Drain: no job intent, no pending match, nothing waiting in a queue.
  say('load over; waiting for the workers to finish everything…');
  const db = new PgDb(databaseUrl, 4);
  stops.push(() => db.close());
  const queue = new BullJobQueue(redisUrl, QUEUE_PREFIX);
  stops.push(() => queue.close());
  const drainStart = performance.now();
  for (;;) {
    const left = (
      await db.query<{ intents: number; pending: number }>(
        `SELECT (SELECT count(*)::int FROM job_intents WHERE queue <> 'maintenance') AS intents,
                (SELECT count(*)::int FROM state_records WHERE match_status = 'pending') AS pending`,
      )
    ).rows[0]!;
    const counts = Object.entries(await queue.counts()).filter(([name]) => name !== 'maintenance');
    const busy = counts.reduce((a, [, q]) => a + (q.waiting ?? 0) + (q.active ?? 0) + (q.delayed ?? 0), 0);
    if (left.intents + left.pending + busy === 0) break;
    if (performance.now() - drainStart > 20 * 60_000)
      throw new Error(`not drained in 20 minutes: ${JSON.stringify({ ...left, busy })}`);
    await sleep(1000);
  }
  const drainSeconds = (performance.now() - drainStart) / 1000;

  // The checks.
  const problems: string[] = [];
  const stored = await db.query<{
    state: string;
    ssid: string;
    id: string;
    match_status: string;
    links: number;
    decisions: number;
    msix_id: string | null;
  }>(
    `SELECT s.state_code AS state, s.state_student_id AS ssid, s.id, s.match_status,
            (SELECT count(*)::int FROM links l WHERE l.record_id = s.id) AS links,
            (SELECT count(*)::int FROM link_history h WHERE h.record_id = s.id) AS decisions,
            (SELECT l.msix_id FROM links l WHERE l.record_id = s.id) AS msix_id
     FROM state_records s`,
  );
  const byKey = new Map<string, typeof stored.rows>();
  for (const r of stored.rows) {
    const k = `${r.state}/${r.ssid}`;
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  let lost = 0;
  let doubled = 0;
  let unmatched = 0;
  // Held for a person's review (the engine was not sure): a decision that is visible and waiting, not a loss.
  let inReview = 0;
  let twiceDecided = 0;
  const studentsOf = new Map<string, Set<string>>();
  for (const state of ['TX', 'FL'] as const) {
    for (const [ssid, recordId] of accepted[state]) {
      const rows = byKey.get(`${state}/${ssid}`) ?? [];
      if (rows.length === 0) {
        lost++;
        if (lost <= 10) problems.push(`lost: ${state} ${ssid} (record ${recordId}) answered 2xx, not stored`);
        continue;
      }
      if (rows.length > 1 || rows[0]!.id !== recordId) {
        doubled++;
        if (doubled <= 10) problems.push(`stored ${rows.length}×: ${state} ${ssid} (${rows.map((r) => r.id)})`);
      }
      const r = rows[0]!;
      if (r.links !== 1 && r.match_status === 'review') inReview++;
      else if (r.links !== 1) {
        unmatched++;
        if (unmatched <= 10) problems.push(`not matched: ${state} ${ssid} match_status ${r.match_status}`);
      }
      if (r.decisions > 1) {
        twiceDecided++;
        if (twiceDecided <= 10) problems.push(`${r.decisions} match decisions for ${state} ${ssid}`);
      }
      const person = ssid.slice(3);
      if (r.msix_id) studentsOf.set(person, new Set([...(studentsOf.get(person) ?? []), r.msix_id]));
    }
  }
  const joined = [...studentsOf.values()].filter((s) => s.size === 1).length;

  // Counted once in the reports: the data-quality report's accepted records per state against what is stored.
  const report = await fetch(`${base}/api/v1/reports/data-quality`, { headers: auth('admin') });
  const quality = (await report.json()) as { rows: { state: string; accepted: number | null }[] };
  const reportRows: string[] = [];
  for (const state of ['TX', 'FL'] as const) {
    const inReport = quality.rows.find((r) => r.state === state)?.accepted ?? 0;
    const storedCount = stored.rows.filter((r) => r.state === state).length;
    reportRows.push(`${state} ${inReport} (stored ${storedCount}, answered 2xx ${accepted[state].size})`);
    if (inReport !== storedCount)
      problems.push(`data-quality report counts ${inReport} ${state} records accepted, ${storedCount} stored`);
  }

  const summary = [
    `soak: ${MINUTES} min load (${loadSeconds.toFixed(0)} s with start), drain ${drainSeconds.toFixed(0)} s; ` +
      `PostgreSQL ${pgVersion}, ${WORKERS} workers, ` +
      `load average ${loadAtStart.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
    `chaos: ${Object.entries(chaos)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `answers: ${[...statuses]
      .sort()
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}; reads ${reads}`,
    `records answered 2xx: TX ${accepted.TX.size}, FL ${accepted.FL.size}; lost ${lost}, stored twice ${doubled}, ` +
      `neither linked nor in review ${unmatched}, held for review ${inReview}, ` +
      `more than one match decision ${twiceDecided}`,
    `children whose records are all in one student: ${joined} of ${studentsOf.size}`,
    `data-quality report, accepted: ${reportRows.join('; ')}`,
    problems.length ? `PROBLEMS:\n  ${problems.join('\n  ')}` : 'nothing lost, nothing doubled',
  ];
  say(`\n${summary.join('\n')}`);
  process.exitCode = problems.length ? 1 : 0;
} catch (e) {
  say(`soak failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 2;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
