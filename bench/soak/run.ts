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
 * A receiving state down for the whole run (`--down-every n`, 0: none): every n-th child also enrols in Georgia between
 * Texas and Florida, so Georgia is sent move notices (arrived, then departed: sequences 1, 2 per child) on a webhook
 * whose receiver (the state simulator, its own process) drops every connection. Each notice runs its retry schedule
 * (`--retry-attempts`, `--retry-base-ms`, `--retry-max-ms`, passed to the workers as DELIVERY_*; the circuit threshold
 * is set above the attempts, see below) and goes dead. After the load the bench checks, through the help desk's API,
 * that each of Georgia's notices is a visible dead letter or held behind one, and that Georgia received nothing;
 * then it brings the receiver back, retries every dead letter through `POST /api/v1/deliveries/{id}/retry` with a
 * help-desk client, and checks that every notice reached Georgia exactly once, in order per child.
 *
 *   npm run bench:soak [-- --minutes 60] [--writers 3] [--batch 5] [--chaos-min 10] [--chaos-max 40] [--down-every 20]
 *     [--retry-attempts 6] [--retry-base-ms 2000] [--retry-max-ms 60000]
 *
 * Uses DATABASE_URL when set, otherwise a throwaway Postgres cluster; always its own redis-server (it restarts it).
 */
import { spawn } from 'node:child_process';
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
import { startChild as startProcess } from '../support/child.js';
import { putEndpoint, type EndpointInput } from '../../core/exchange/endpoints.js';
import { orderProblems, type Received, type SimStats } from '../../sim/state-simulator.js';
import { MOVE_CONSUMER } from '../../core/exchange/notices/move-consumer.js';

const USAGE =
  'usage: npm run bench:soak [-- --minutes 60] [--writers 3] [--batch 5] [--chaos-min 10] [--chaos-max 40] ' +
  '[--down-every 20] [--retry-attempts 6] [--retry-base-ms 2000] [--retry-max-ms 60000]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: {
    minutes: { type: 'string' },
    writers: { type: 'string' },
    batch: { type: 'string' },
    'chaos-min': { type: 'string' },
    'chaos-max': { type: 'string' },
    'down-every': { type: 'string' },
    'retry-attempts': { type: 'string' },
    'retry-base-ms': { type: 'string' },
    'retry-max-ms': { type: 'string' },
  },
});
const MINUTES = integerOption(values.minutes, 'minutes', 60, USAGE);
const WRITERS = integerOption(values.writers, 'writers', 3, USAGE);
const BATCH = integerOption(values.batch, 'batch', 5, USAGE);
const CHAOS_MIN = integerOption(values['chaos-min'], 'chaos-min', 10, USAGE);
const CHAOS_MAX = integerOption(values['chaos-max'], 'chaos-max', 40, USAGE);
const DOWN_EVERY = integerOption(values['down-every'], 'down-every', 20, USAGE);
/**
 * The retry schedule of the workers. The default one (15 attempts, 2 s doubling to 15 min) gives up after about an
 * hour; this one after about a minute, so a short run takes the same path: retries, dead letter, help-desk retry.
 */
const RETRY_ATTEMPTS = integerOption(values['retry-attempts'], 'retry-attempts', 6, USAGE);
const RETRY_BASE_MS = integerOption(values['retry-base-ms'], 'retry-base-ms', 2000, USAGE);
const RETRY_MAX_MS = integerOption(values['retry-max-ms'], 'retry-max-ms', 60_000, USAGE);
/** The receiving state that is down; it sends nothing itself. */
const DOWN = 'GA';
type SendingState = 'TX' | 'FL' | typeof DOWN;
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

/** A gateway or worker of the soak (scripts/start.ts), ready when a stdout line matches `ready`. */
const startChild = (label: string, env: Record<string, string>, ready: RegExp) =>
  startProcess({ label, args: ['scripts/start.ts'], env, ready, cwd: root, stops });

/** A child of the soak: a unique name and birth date per number, the same identity in both states. */
const person = (i: number) => ({
  firstName: (i % 2 ? GIVEN_MALE : GIVEN_FEMALE)[i % 37]![0],
  lastName1: SURNAMES[i % SURNAMES.length]![0],
  lastName2: SURNAMES[(i * 7 + 3) % SURNAMES.length]![0],
  sex: i % 2 ? 'M' : 'F',
  birthDate: new Date(Date.UTC(2006, 0, 1) + (i % 4000) * 86_400_000).toISOString().slice(0, 10),
});
/** A child who also enrols in the state that is down. */
const visitsDown = (i: number) => DOWN_EVERY > 0 && i % DOWN_EVERY === 0;
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
/**
 * Texas in 2025, then Florida in January: older than the move window, so no notice. A child who visits Georgia
 * enrols there 40 days ago and in Florida 10 days ago: two recent moves, each a notice to Georgia (arrived, departed).
 */
const enrollmentDate = (state: SendingState, i: number) =>
  state === 'TX' ? '2025-08-20' : state === DOWN ? daysAgo(40) : visitsDown(i) ? daysAgo(10) : '2026-01-10';
const SCHOOLS: Record<SendingState, string> = { TX: '484497005076', FL: '120087001079', GA: '130129000656' };
const record = (state: SendingState, i: number) => ({
  stateCode: state,
  stateStudentId: `${state}S${i}`,
  identity: person(i),
  enrollments: [
    {
      enrollmentDate: enrollmentDate(state, i),
      enrollmentType: '01',
      gradeLevel: '08',
      schoolId: SCHOOLS[state],
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
  // The receiving state's system: the state simulator in its own process, down from the start.
  const sim = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'exchange', 'sim-child.ts'), DOWN], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stops.push(
    () =>
      new Promise((r) => {
        if (sim.exitCode !== null || sim.signalCode !== null) return r(undefined);
        sim.once('exit', r);
        sim.kill('SIGTERM');
      }),
  );
  const simInfo = JSON.parse(
    await new Promise<string>((resolve) => createInterface({ input: sim.stdout! }).once('line', resolve)),
  ) as { url: string; endpoints: Record<string, { webhook: EndpointInput }> };
  const simCall = async <T>(path: string, body?: unknown): Promise<T> =>
    (await (
      await fetch(`${simInfo.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      })
    ).json()) as T;
  await simCall('/_sim/down', { state: DOWN, down: true });
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
    // The simulator listens on loopback, which the outbound policy refuses unless allowed (docs/security.md).
    EXCHANGE_ALLOW_PRIVATE_ADDRESSES: 'true',
    DELIVERY_MAX_ATTEMPTS: String(RETRY_ATTEMPTS),
    DELIVERY_BACKOFF_BASE_MS: String(RETRY_BASE_MS),
    DELIVERY_BACKOFF_MAX_MS: String(RETRY_MAX_MS),
    DELIVERY_TIMEOUT_MS: '2000',
    // With the circuit (default: open after 5 failures in a row), a down receiver's messages wait without spending
    // attempts and flow when it is back, and never go dead (docs/exchange.md): set above what one soak can reach, so
    // each message runs its whole retry schedule to the dead letter the help desk retries.
    DELIVERY_CIRCUIT_THRESHOLD: '1000000000',
  });

  say('starting the gateway and two workers (separate processes)…');
  const gateway = await startChild('gateway', serverEnv('gateway'), /health\s*:\s*(http:\/\/\S+?)\/health\/ready/);
  const base = gateway.match;
  const startWorker = () => startChild('worker', serverEnv('worker'), /(Press Ctrl-C to stop\.)/);
  const workers = await Promise.all(Array.from({ length: WORKERS }, startWorker));

  // Credentials: a Texas and a Florida state system, a national administrator for the reports.
  const setup = new PgDb(databaseUrl, 2);
  const tokens: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  /**
   * A bearer token per client, fetched again every 10 minutes: a token lives TOKEN_TTL_SECONDS, and the first 60-minute
   * run answered 401 to every request after 45 minutes (and could not check anything at the end).
   */
  const fetchTokens = async () => {
    for (const [key, basic] of Object.entries(secrets)) {
      const answer = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
        signal: AbortSignal.timeout(60_000),
      });
      if (answer.ok) tokens[key] = ((await answer.json()) as { access_token: string }).access_token;
      else say(`could not renew the ${key} token: ${answer.status}`);
    }
  };
  for (const [key, stateCode, roles] of [
    ['TX', 'TX', ['state-system']],
    ['FL', 'FL', ['state-system']],
    ['GA', 'GA', ['state-system']],
    ['admin', null, ['admin']],
    ['helpdesk', null, ['help-desk']],
  ] as const) {
    const c = await createClient(setup, { stateCode, roles, name: `soak ${key}` });
    if (c.kind !== 'created') throw new Error(c.reason);
    secrets[key] = Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64');
  }
  await fetchTokens();
  const renewing = setInterval(() => void fetchTokens().catch(() => {}), 10 * 60_000);
  stops.push(() => clearInterval(renewing));
  await putEndpoint(setup, DOWN, simInfo.endpoints[DOWN]!.webhook, 'soak');
  await setup.close();
  const auth = (key: string) => ({ authorization: `Bearer ${tokens[key]}` });

  // The ledger: every record answered 2xx, by state.
  const accepted: Record<SendingState, Map<string, string>> = { TX: new Map(), FL: new Map(), GA: new Map() };
  const statuses = new Map<string, number>();
  const count = (what: string) => statuses.set(what, (statuses.get(what) ?? 0) + 1);
  let reads = 0;
  let nextPerson = 0;
  let running = true;
  const deadline = performance.now() + MINUTES * 60_000;

  const submit = async (state: SendingState, people: number[]) => {
    if (people.length === 0) return;
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
  /**
   * Children who enrolled in the down state: their Florida record is sent once the move into Georgia has made its
   * notice (or after two minutes). Sent at once, it is often matched before the move into Georgia is read, and
   * Georgia gets
   * one notice (departed) instead of two (arrived, then departed).
   */
  const laterToFlorida: { at: number; since: number; person: number }[] = [];
  /** Whether the move into the down state has made its notice (the Georgia record is linked, its notice exists). */
  const arrivalNoticed = async (i: number) => {
    try {
      const r = await fetch(`${base}/api/v1/states/${DOWN}/records/${DOWN}S${i}`, {
        headers: auth(DOWN),
        signal: AbortSignal.timeout(60_000),
      });
      const msixId = r.ok ? ((await r.json()) as { msixId: string | null }).msixId : null;
      if (!msixId) return false;
      const d = await fetch(`${base}/api/v1/deliveries?state=${DOWN}&msixId=${msixId}&limit=1`, {
        headers: auth('helpdesk'),
        signal: AbortSignal.timeout(60_000),
      });
      return d.ok && ((await d.json()) as { items: unknown[] }).items.length > 0;
    } catch {
      return false;
    }
  };
  const sendDueToFlorida = async (all: boolean) => {
    const now = performance.now();
    const due = laterToFlorida.filter((x) => all || x.at <= now);
    if (!due.length) return;
    for (const x of due) laterToFlorida.splice(laterToFlorida.indexOf(x), 1);
    const ready: number[] = [];
    for (const x of due) {
      if (all || now - x.since > 120_000 || (await arrivalNoticed(x.person))) ready.push(x.person);
      else laterToFlorida.push({ ...x, at: now + 2000 });
    }
    await submit('FL', ready);
  };
  const writer = async () => {
    while (running && performance.now() < deadline) {
      const people = Array.from({ length: BATCH }, () => nextPerson++);
      await submit('TX', people);
      const visitors = people.filter(visitsDown);
      await submit(DOWN, visitors);
      const now = performance.now();
      for (const person of visitors) laterToFlorida.push({ at: now + 2000, since: now, person });
      await submit(
        'FL',
        people.filter((i) => !visitsDown(i)),
      );
      await sendDueToFlorida(false);
      await sleep(200);
    }
    await sendDueToFlorida(true);
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
  const chaos: Record<string, number> = {
    'kill worker': 0,
    'restart redis': 0,
    'terminate sessions': 0,
    'worker failed to start': 0,
  };
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
        // A worker that does not come up (seen once at load 17) is written down and started again, not the soak's end.
        for (let tries = 1; ; tries++) {
          try {
            workers[k] = await startWorker();
            break;
          } catch (e) {
            chaos['worker failed to start']!++;
            say(`worker ${k + 1} failed to start (try ${tries}): ${(e as Error).message}`);
            if (tries >= 5) throw e;
            await sleep(2000);
          }
        }
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

  say(
    `steady load for ${MINUTES} min: ${WRITERS} writers (${BATCH} records a request, TX then FL), 2 readers; ` +
      (DOWN_EVERY
        ? `every ${DOWN_EVERY}th child also in ${DOWN}, whose receiver is down (retries: ${RETRY_ATTEMPTS} attempts, ` +
          `${RETRY_BASE_MS} ms doubling to ${RETRY_MAX_MS} ms)`
        : 'no receiver down'),
  );
  const progress = setInterval(
    () =>
      say(
        `${accepted.TX.size} TX + ${accepted.FL.size} FL + ${accepted.GA.size} ${DOWN} records accepted, ` +
          `${reads} reads; ` +
          [...statuses].map(([k, v]) => `${k}: ${v}`).join(', '),
      ),
    60_000,
  );
  await Promise.all([...Array.from({ length: WRITERS }, writer), reader(), reader(), chaosLoop()]);
  running = false;
  clearInterval(progress);
  const loadSeconds = (performance.now() - t0) / 1000;

  await fetchTokens();
  // Drain: no job intent, no pending match, nothing waiting in a queue.
  say('load over; waiting for the workers to finish everything…');
  const db = new PgDb(databaseUrl, 4);
  stops.push(() => db.close());
  const queue = new BullJobQueue(redisUrl, QUEUE_PREFIX);
  stops.push(() => queue.close());
  const drainStart = performance.now();
  for (;;) {
    const left = (
      await db.query<{ intents: number; pending: number; events: number; moving: number }>(
        `SELECT (SELECT count(*)::int FROM job_intents WHERE queue <> 'maintenance') AS intents,
                (SELECT count(*)::int FROM state_records WHERE match_status = 'pending') AS pending,
                (SELECT count(*)::int FROM student_events e WHERE NOT EXISTS (SELECT 1 FROM event_cursors c
                   WHERE c.consumer = $1 AND (e.xid, e.id) <= (c.last_xid, c.last_id))) AS events,
                (SELECT count(*)::int FROM deliveries WHERE status NOT IN ('delivered', 'dead', 'held')) AS moving`,
        [MOVE_CONSUMER],
      )
    ).rows[0]!;
    const counts = Object.entries(await queue.counts()).filter(([name]) => name !== 'maintenance');
    const busy = counts.reduce((a, [, q]) => a + (q.waiting ?? 0) + (q.active ?? 0) + (q.delayed ?? 0), 0);
    if (left.intents + left.pending + left.events + left.moving + busy === 0) break;
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
  for (const state of ['TX', 'FL', DOWN] as const) {
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
  await fetchTokens();
  const report = await fetch(`${base}/api/v1/reports/data-quality`, { headers: auth('admin') });
  const quality = (await report.json()) as { rows: { state: string; accepted: number | null }[] };
  const reportRows: string[] = [];
  for (const state of ['TX', 'FL', DOWN] as const) {
    const inReport = quality.rows.find((r) => r.state === state)?.accepted ?? 0;
    const storedCount = stored.rows.filter((r) => r.state === state).length;
    reportRows.push(`${state} ${inReport} (stored ${storedCount}, answered 2xx ${accepted[state].size})`);
    if (inReport !== storedCount)
      problems.push(`data-quality report counts ${inReport} ${state} records accepted, ${storedCount} stored`);
  }

  // The receiving state that was down all along: what the help desk sees, its retry once the state is back, and what
  // the state then received.
  const downLines: string[] = [];
  if (DOWN_EVERY) {
    const helpDesk = async <T>(path: string, method = 'GET'): Promise<T> => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: auth('helpdesk'),
        signal: AbortSignal.timeout(60_000),
      });
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    };
    const rows = async () =>
      (
        await db.query<{ id: string; status: string; msix_id: string; seq: string; role: string }>(
          `SELECT id, status, msix_id, seq, body->'data'->>'role' AS role FROM deliveries WHERE state_code = $1`,
          [DOWN],
        )
      ).rows;
    const before = await rows();
    const dead = before.filter((d) => d.status === 'dead');
    const held = before.filter((d) => d.status === 'held');
    const other = before.length - dead.length - held.length;
    const receivedWhileDown = (await simCall<Received[]>(`/_sim/${DOWN}/received`)).length;
    const children = new Set(before.map((d) => d.msix_id)).size;
    if (before.length === 0) problems.push(`no notice to ${DOWN} was made: the down receiver was not exercised`);
    if (other) problems.push(`${other} notices to ${DOWN} neither dead nor held behind a dead one after the drain`);
    if (receivedWhileDown) problems.push(`${DOWN} received ${receivedWhileDown} messages while down`);
    const twice = new Map<string, number>();
    for (const d of before) twice.set(`${d.msix_id}/${d.role}`, (twice.get(`${d.msix_id}/${d.role}`) ?? 0) + 1);
    const doubledNotices = [...twice].filter(([, n]) => n > 1);
    if (doubledNotices.length)
      problems.push(`${doubledNotices.length} children sent the same notice twice, e.g. ${doubledNotices[0]![0]}`);
    // As the help desk sees it: the receiver failing, the dead letters with every attempt.
    const receivers = await helpDesk<{ items: { target: string; failures: number; lastError: string | null }[] }>(
      '/api/v1/exchange/receivers',
    );
    const failing = receivers.items.find((x) => x.target.startsWith(`${DOWN}:`));
    if (!failing) problems.push(`the help desk's receivers list does not show ${DOWN} failing`);
    const sample = await helpDesk<{ status: string; attemptLog: { outcome: string }[] }>(
      `/api/v1/deliveries/${dead[0]?.id ?? before[0]?.id}`,
    ).catch((e: Error) => ({ status: e.message, attemptLog: [] }));
    if (dead.length && (sample.status !== 'dead' || sample.attemptLog.length !== RETRY_ATTEMPTS))
      problems.push(`a dead letter shows ${sample.status} with ${sample.attemptLog.length} attempts`);
    // The state is back; the help desk retries every dead letter it lists, page by page, until none is left.
    await simCall('/_sim/down', { state: DOWN, down: false });
    const retryStart = performance.now();
    const retried = new Set<string>();
    let listed = 0;
    for (;;) {
      const page = await helpDesk<{ items: { id: string }[] }>(
        `/api/v1/deliveries?state=${DOWN}&status=dead&limit=500`,
      );
      if (page.items.length === 0) break;
      listed += page.items.length;
      const again = page.items.filter((d) => retried.has(d.id));
      if (again.length) {
        problems.push(`${again.length} dead letters dead again after the help desk's retry, e.g. ${again[0]!.id}`);
        break;
      }
      for (const d of page.items) {
        await helpDesk(`/api/v1/deliveries/${d.id}/retry`, 'POST');
        retried.add(d.id);
      }
    }
    if (retried.size !== dead.length)
      problems.push(`the help desk listed and retried ${retried.size} dead letters, ${dead.length} were dead`);
    const retrySeconds = (performance.now() - retryStart) / 1000;
    let after = await rows();
    while (after.some((d) => d.status !== 'delivered' && d.status !== 'dead')) {
      if (performance.now() - retryStart > 20 * 60_000) break;
      await sleep(1000);
      after = await rows();
    }
    const deliverSeconds = (performance.now() - retryStart) / 1000;
    const notDelivered = after.filter((d) => d.status !== 'delivered');
    if (notDelivered.length)
      problems.push(
        `${notDelivered.length} notices to ${DOWN} not delivered after the retry (${notDelivered[0]!.status})`,
      );
    const received = await simCall<Received[]>(`/_sim/${DOWN}/received`);
    const simStats = await simCall<SimStats>('/_sim/stats');
    const receivedIds = new Set(received.map((r) => r.deliveryId));
    const missing = after.filter((d) => !receivedIds.has(d.id)).length;
    const receivedTwice = received.length - receivedIds.size;
    const order = orderProblems(received);
    if (missing) problems.push(`${missing} notices to ${DOWN} never received`);
    if (receivedTwice) problems.push(`${receivedTwice} notices processed twice by ${DOWN}`);
    if (received.length !== after.length)
      problems.push(`${DOWN} received ${received.length} messages, ${after.length} were sent`);
    if (order.length) problems.push(`out of order at ${DOWN}: ${order.slice(0, 5).join('; ')}`);
    downLines.push(
      `${DOWN} down for the whole load: ${before.length} notices about ${children} children ` +
        `(${before.filter((d) => Number(d.seq) > 1).length} behind an earlier one); ` +
        `after the drain ${dead.length} dead ` +
        `(the sampled one with ${sample.attemptLog.length} attempts), ${held.length} held behind them, ` +
        `${receivedWhileDown} received; help desk's receivers list: ` +
        (failing ? `${failing.failures} failures` : 'absent'),
      `help desk: ${listed} dead letters listed, ${retried.size} retried through the API in ` +
        `${retrySeconds.toFixed(0)} s; all delivered ${deliverSeconds.toFixed(0)} s after the first retry: ` +
        `${after.length - notDelivered.length} delivered, ` +
        `${received.length} received (${receivedIds.size} distinct), ${missing} missing, ${order.length} out of ` +
        `order; repeats the receiver dropped by idempotency key: ${simStats.duplicates}; connections it refused ` +
        `while down: ${simStats.injected.down}`,
    );
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
    `records answered 2xx: TX ${accepted.TX.size}, FL ${accepted.FL.size}, ${DOWN} ${accepted.GA.size}; ` +
      `lost ${lost}, stored twice ${doubled}, ` +
      `neither linked nor in review ${unmatched}, held for review ${inReview}, ` +
      `more than one match decision ${twiceDecided}`,
    `children whose records are all in one student: ${joined} of ${studentsOf.size}`,
    `data-quality report, accepted: ${reportRows.join('; ')}`,
    ...downLines,
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
