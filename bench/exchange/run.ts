/**
 * Exchange bench: record requests answered from the store and through a live
 * state (the simulator), and N notices delivered through a receiver that
 * fails 20% of the time. Writes bench/exchange/results.md.
 *
 * node --import tsx bench/exchange/run.ts [--requests 500] [--live 200] [--notices 10000] [--per-student 5]
 * [--concurrency 32]
 *
 * Uses DATABASE_URL / REDIS_URL when set; otherwise a throwaway Postgres
 * cluster and a private redis-server, as the tests do. The gateway and its
 * workers run in this process and are called over real HTTP on loopback; the
 * state simulator runs in a child process.
 */
import { benchInfrastructure } from '../support/infra.js';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { PgDb } from '../../core/store/pg.js';
import { migrate } from '../../core/store/migrate.js';
import { ensureStates } from '../../core/states.js';
import { submitRecords } from '../../core/submissions.js';
import { createClient } from '../../core/security/clients.js';
import { putEndpoint, type EndpointInput } from '../../core/exchange/endpoints.js';
import { buildApp } from '../../gateway/app.js';
import { startWorkers } from '../../worker/index.js';
import { createSyntheticNotices, enqueueNew } from '../../sim/load.js';
import { orderProblems, type Received, type SimStats } from '../../sim/state-simulator.js';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { GIVEN_FEMALE, GIVEN_MALE, SURNAMES } from '../../lab/matching/synthetic/name-data.js';
import { numberOption, parseCommandLine } from '../../lib/cli.js';
import { teardownOnExit } from '../support/teardown.js';

const USAGE =
  'usage: npm run bench:exchange [-- --requests 500] [--live 200] [--notices 10000] [--per-student 5] ' +
  '[--concurrency 32] [--students 300] [--fail 0.2] [--flap 0]';
const NAMES = ['requests', 'live', 'notices', 'per-student', 'concurrency', 'students', 'fail', 'flap'] as const;
const { values } = parseCommandLine({
  usage: USAGE,
  options: Object.fromEntries(NAMES.map((n) => [n, { type: 'string' }])) as Record<
    (typeof NAMES)[number],
    { type: 'string' }
  >,
});
const arg = (name: (typeof NAMES)[number], d: number) => numberOption(values[name], name, d, USAGE);
const REQUESTS = arg('requests', 500);
const LIVE = arg('live', 200);
const NOTICES = arg('notices', 10_000);
const PER_STUDENT = arg('per-student', 5);
const CONCURRENCY = arg('concurrency', 32);
const STUDENTS = arg('students', 300);
const FAIL = arg('fail', 0.2);
/**
 * Seconds per phase of a receiver that flaps (0: it does not): up (failing at --fail as without flapping), slow
 * (every answer 600 ms late, or 1,500 ms: past the gateway's 1 s timeout, taken after the gateway gave up), down
 * (connections refused), in turn: up, slow 600, down, up, slow 1,500, down, …
 */
const FLAP = arg('flap', 0);
const here = fileURLToPath(new URL('.', import.meta.url));
const say = (s: string) => process.stdout.write(`${s}\n`);

const loadAtStart = loadavg()[0]!;
const { stops, cleanup } = teardownOnExit();
try {
  // Infrastructure.
  const infra = await benchInfrastructure('exchange_bench');
  stops.push(...infra.stops);
  const { redisUrl, pgVersion } = infra;
  const url = new URL(infra.databaseUrl);
  const db = new PgDb(url.toString(), 24);
  stops.push(() => db.close());
  await migrate(db);
  await ensureStates(db);

  // The state simulator, in its own process.
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'sim-child.ts'), 'TX,FL,MI'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  stops.push(
    () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  );
  const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  const sim = JSON.parse(first) as {
    url: string;
    endpoints: Record<string, { webhook: EndpointInput; edfi: EndpointInput }>;
  };
  const simPost = async (path: string, body: unknown, method = 'POST') =>
    (
      await fetch(`${sim.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json();
  const simGet = async <T>(path: string): Promise<T> => (await fetch(`${sim.url}${path}`)).json() as Promise<T>;

  // Gateway and workers, with delivery timings for a receiver on loopback.
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    DELIVERY_TIMEOUT_MS: '1000',
    // Flapping, a delivery may meet a slow and a down phase in a row (2 × FLAP s of failures): enough attempts, at
    // this backoff, to outlast them, as the default 15 attempts at the default backoff outlast hours.
    ...(FLAP ? { DELIVERY_MAX_ATTEMPTS: String(Math.max(15, Math.ceil((4 * FLAP) / 2) + 10)) } : {}),
    DELIVERY_BACKOFF_BASE_MS: '100',
    DELIVERY_BACKOFF_MAX_MS: '2000',
    EXCHANGE_SWEEP_MS: '2000',
    EXCHANGE_MOVE_WINDOW_DAYS: '1',
    RATE_LIMIT_MAX: '1000000',
    // The simulator listens on loopback, which the outbound policy refuses unless allowed (docs/security.md).
    EXCHANGE_ALLOW_PRIVATE_ADDRESSES: 'true',
  });
  const logger = createLogger('silent');
  const queue = new BullJobQueue(redisUrl, 'xbench');
  stops.push(() => queue.close());
  const workers = startWorkers({ db, queue, config, logger }, redisUrl, 'xbench');
  stops.push(() => workers.close());
  const app = await buildApp({ db, queue, config });
  await app.listen({ host: '127.0.0.1', port: 0 });
  stops.push(() => app.close());
  const addr = app.server.address();
  const base = `http://127.0.0.1:${addr && typeof addr === 'object' ? addr.port : 0}`;

  // Students with a Texas and a Florida record each; matched by the workers.
  say(`seeding ${STUDENTS} students (Texas and Florida records)…`);
  // Distinct children: real names from the synthetic generator's tables, a birth date each.
  const person = (i: number) => {
    const d = new Date(Date.UTC(2005, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
    return {
      firstName: (i % 2 ? GIVEN_MALE : GIVEN_FEMALE)[i % 13]![0],
      lastName1: SURNAMES[i % SURNAMES.length]![0],
      lastName2: SURNAMES[(i * 7 + 3) % SURNAMES.length]![0],
      sex: i % 2 ? 'M' : 'F',
      birthDate: d,
    };
  };
  const rec = (state: string, i: number, date: string): StateRecord => ({
    stateCode: state,
    stateStudentId: `${state}B${i}`,
    identity: person(i) as StateRecord['identity'],
    enrollments: [
      {
        enrollmentDate: date,
        enrollmentType: '01',
        gradeLevel: '08',
        schoolId: state === 'TX' ? '484497005076' : '120087001079',
      },
    ],
    courses: [
      {
        courseTitle: `Course ${i}`,
        subjectArea: 'Mathematics',
        beginAcademicYear: 2019,
        endAcademicYear: 2020,
        creditsGranted: 1,
      },
    ],
  });
  const tx = Array.from({ length: STUDENTS }, (_, i) => rec('TX', i, '2019-08-20'));
  const fl = Array.from({ length: STUDENTS }, (_, i) => rec('FL', i, '2020-01-10'));
  for (const [state, list] of [
    ['TX', tx],
    ['FL', fl],
  ] as const) {
    for (let i = 0; i < list.length; i += 500) {
      const r = await submitRecords(
        db,
        queue,
        { stateCode: state, traceId: `bench-${state}`, kind: 'bench' },
        list.slice(i, i + 500),
        true,
      );
      if (r.kind !== 'accepted') throw new Error(`seed refused: ${JSON.stringify(r).slice(0, 300)}`);
    }
  }
  for (let tries = 0; ; tries++) {
    const r = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM state_records WHERE match_status <> 'pending'`,
    );
    if (r.rows[0]!.n >= 2 * STUDENTS) break;
    if (tries > 600) throw new Error('matching did not finish in 3 minutes');
    await workers.sweep();
    await new Promise((res) => setTimeout(res, 300));
  }
  const ids = (
    await db.query<{ msix_id: string }>(
      `SELECT l.msix_id FROM state_records s JOIN links l ON l.record_id = s.id WHERE s.state_code = 'FL'
       AND l.msix_id IN (SELECT l2.msix_id FROM links l2 JOIN state_records s2 ON s2.id = l2.record_id
       WHERE s2.state_code = 'TX') ORDER BY s.state_student_id`,
    )
  ).rows.map((r) => r.msix_id);
  say(`${ids.length} students with records in both states`);

  // Florida's system, with a real token.
  const c = await createClient(db, { stateCode: 'FL', roles: ['state-system'], name: 'bench FL' });
  if (c.kind !== 'created') throw new Error(c.reason);
  const tok = (await (
    await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    })
  ).json()) as { access_token: string };
  const h = { authorization: `Bearer ${tok.access_token}`, 'content-type': 'application/json' };
  const ask = (msixId: string) =>
    fetch(`${base}/api/v1/record-requests`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ msixId, purpose: 'enrollment' }),
    });

  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    // No samples (--live 0 skips the live path): NaN, printed as such.
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
    return { n: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: s.at(-1) ?? Number.NaN };
  };
  const ms = (n: number) => n.toFixed(1);

  // 1. Answered from the store.
  say(`record requests answered from the store: ${REQUESTS}…`);
  for (let i = 0; i < 20; i++) await (await ask(ids[i % ids.length]!)).arrayBuffer();
  const storeLat: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    const r = await ask(ids[i % ids.length]!);
    await r.arrayBuffer();
    if (r.status !== 201) throw new Error(`expected 201, got ${r.status}`);
    storeLat.push(performance.now() - t);
  }
  const store = stats(storeLat);

  // 2. Through a live state: Texas keeps its records at home and answers through the simulator.
  say(`record requests through a live state: ${LIVE}…`);
  await simPost('/_sim/TX/records', tx, 'PUT');
  await putEndpoint(
    db,
    'TX',
    { delivery: { channel: 'inbox' }, source: sim.endpoints.TX!.edfi.source ?? null },
    'bench',
  );
  const liveLat: number[] = [];
  const liveIds: string[] = [];
  for (let i = 0; LIVE > 0 && i < LIVE + 10; i++) {
    const t = performance.now();
    const r = await ask(ids[i % ids.length]!);
    const body = (await r.json()) as { id: string; status: string };
    if (r.status !== 202) throw new Error(`expected 202, got ${r.status}`);
    for (;;) {
      const g = (await (await fetch(`${base}/api/v1/record-requests/${body.id}`, { headers: h })).json()) as {
        status: string;
      };
      if (g.status === 'answered') break;
      if (g.status !== 'waiting') throw new Error(`live request ended ${g.status}`);
      await new Promise((res) => setTimeout(res, 2));
    }
    if (i >= 10) {
      liveLat.push(performance.now() - t);
      liveIds.push(body.id);
    }
  }
  const live = stats(liveLat);
  const server = stats(
    (
      await db.query<{ ms: number }>(
        `SELECT extract(epoch FROM (completed_at - created_at)) * 1000 AS ms FROM record_requests
         WHERE id = ANY($1::uuid[])`,
        [liveIds],
      )
    ).rows.map((r) => Number(r.ms)),
  );

  // 3. Notices through a receiver failing 20% of the time.
  const students = Math.ceil(NOTICES / PER_STUDENT);
  say(
    `${NOTICES} notices (${students} students × ${PER_STUDENT}) through a receiver failing ${Math.round(FAIL * 100)}%…`,
  );
  await putEndpoint(db, 'MI', sim.endpoints.MI!.webhook, 'bench');
  const flaky = { timeoutRate: FAIL / 4, errorRate: FAIL / 2, dropRate: FAIL / 4, seed: 2026, hangMs: 1500 };
  await simPost('/_sim/flaky', flaky);
  // Created first (as a backlog the move consumer would have built), then released to the workers at once: the clock
  // measures delivery, not the bench's own inserts.
  const c0 = performance.now();
  const made = await createSyntheticNotices(db, queue, {
    state: 'MI',
    students,
    perStudent: PER_STUDENT,
    batch: 1000,
    enqueue: false,
  });
  const created = performance.now() - c0;
  const t0 = performance.now();
  // The flapping receiver: phases switched on a timer, over the simulator's own control routes.
  const phases: string[] = [];
  let flapping: NodeJS.Timeout | undefined;
  if (FLAP) {
    const cycle = ['up', 'slow 600', 'down', 'up', 'slow 1500', 'down'];
    let n = 0;
    const next = async () => {
      const phase = cycle[n++ % cycle.length]!;
      phases.push(phase);
      await simPost('/_sim/down', { state: 'MI', down: phase === 'down' });
      await simPost(
        '/_sim/flaky',
        phase.startsWith('slow')
          ? { timeoutRate: 0, errorRate: 0, dropRate: 0, seed: 2026 + n, slowMs: Number(phase.split(' ')[1]) }
          : { ...flaky, seed: 2026 + n },
      );
    };
    await next();
    flapping = setInterval(() => void next(), FLAP * 1000);
  }
  await enqueueNew(queue, made);
  let delivered = 0;
  let lastProgress = t0;
  for (;;) {
    delivered = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM deliveries WHERE state_code = 'MI' AND status = 'delivered'`,
      )
    ).rows[0]!.n;
    const dead = (
      await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM deliveries WHERE state_code = 'MI' AND status = 'dead'`,
      )
    ).rows[0]!.n;
    if (delivered + dead >= made.length) break;
    // Progress of a long run, every 30 s.
    if (performance.now() - lastProgress > 30_000) {
      lastProgress = performance.now();
      say(
        `  ${((lastProgress - t0) / 1000).toFixed(0)} s: ${delivered} delivered, ${dead} dead` +
          (phases.length ? `, receiver ${phases.at(-1)}` : ''),
      );
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  const took = performance.now() - t0;
  clearInterval(flapping);
  await simPost('/_sim/down', { state: 'MI', down: false });
  await simPost('/_sim/flaky', null);
  const received = await simGet<Received[]>('/_sim/MI/received');
  const simStats = await simGet<SimStats>('/_sim/stats');
  const attempts = (
    await db.query<{ outcome: string; n: number }>(
      `SELECT summary->>'outcome' AS outcome, count(*)::int AS n FROM exchanges WHERE kind = 'delivery-attempt'
       AND state_code = 'MI' GROUP BY 1 ORDER BY 1`,
    )
  ).rows;
  const dead = (
    await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deliveries WHERE state_code = 'MI' AND status = 'dead'`,
    )
  ).rows[0]!.n;
  const uniqueKeys = new Set(received.map((r) => r.idempotencyKey)).size;
  const order = orderProblems(received);
  const totalAttempts = attempts.reduce((a, r) => a + r.n, 0);

  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpus();
  const lines = [
    '# Exchange bench',
    '',
    `Command: \`node --import tsx bench/exchange/run.ts --requests ${REQUESTS} --live ${LIVE} --notices ` +
      `${NOTICES} --per-student ${PER_STUDENT} --concurrency ${CONCURRENCY} --students ${STUDENTS} --fail ` +
      `${FAIL}${FLAP ? ` --flap ${FLAP}` : ''}\` (run ${date}).`,
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ` +
      `${process.version}, PostgreSQL ${pgVersion} (throwaway cluster, fsync off, as in the tests), Redis ` +
      `on loopback. The gateway and its workers run in one process (HTTP on loopback, real bearer tokens); ` +
      `the state simulator runs in a child process. The machine is shared: 1-minute load average ` +
      `${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.`,
    '',
    '## Record requests',
    '',
    'One Florida client asks, one request at a time, by MSIX id, for students with a Texas and a Florida ' +
      'record. Client-side time from sending the POST to having the answer.',
    '',
    '| path | requests | p50 ms | p95 ms | p99 ms | max ms | target |',
    '|---|---:|---:|---:|---:|---:|---|',
    `| answered from the store (201 with the answer) | ${store.n} | ${ms(store.p50)} | ${ms(store.p95)} ` +
      `| ${ms(store.p99)} | ${ms(store.max)} | p50 ≤ 50 ms: ${store.p50 <= 50 ? 'met' : 'NOT met'} |`,
    `| through a live state (202, the worker asks Texas's Ed-Fi API with an OAuth token, merges, ` +
      `answers; client polls every 2 ms) | ${live.n} | ${ms(live.p50)} | ${ms(live.p95)} | ${ms(live.p99)} ` +
      `| ${ms(live.max)} | p50 ≤ 300 ms: ${live.p50 <= 300 ? 'met' : 'NOT met'} |`,
    `| same, server side (request created → answered, from the ledger) | ${server.n} | ${ms(server.p50)} ` +
      `| ${ms(server.p95)} | ${ms(server.p99)} | ${ms(server.max)} | |`,
    '',
    'What a store answer does: token check, rate limit, resolve the student (merges followed), the ' +
      'disclosure-ground check, the plan (which states, which are live), one transaction writing the ' +
      'ledger row, the request and its sources, and the audit event; the consolidated answer built from ' +
      'the stored records. A live answer adds: a `record-query` delivery and its deliver job (Redis), a ' +
      'claim under the per-student line lock, the token (cached) and `GET /data/v3/migrant/studentRecords` ' +
      "on the simulator, validation of the returned record, the attempt's ledger row, the merge, the " +
      "answer stored, and a `record-response` delivery to Florida's inbox.",
    '',
    '## Notices through a failing receiver',
    '',
    `${made.length} move-notice deliveries to Michigan's webhook (${students} students × ${PER_STUDENT}, ` +
      `each student's in order), the receiver failing ` +
      `${Math.round((flaky.timeoutRate + flaky.errorRate + flaky.dropRate) * 100)}% of requests at random ` +
      `(seeded): ${flaky.timeoutRate * 100}% hang past the gateway's 1 s timeout, ` +
      `${flaky.errorRate * 100}% answer 500, ${flaky.dropRate * 100}% are processed and then the ` +
      `connection is dropped before the answer (so the gateway retries a message the receiver already ` +
      `has). Backoff 100 ms doubling to 2 s with jitter; ${CONCURRENCY} deliveries at a time.`,
    ...(FLAP
      ? [
          '',
          `The receiver also flaps: phases of ${FLAP} s in turn up (failing at random as above), slow (every ` +
            "answer 600 ms late, or 1,500 ms: past the gateway's 1 s timeout, the message taken after the " +
            'gateway gave up), down (every connection cut), until all were delivered; ' +
            `${phases.length} phases (${phases.filter((p) => p === 'down').length} down). Deliveries may try ` +
            `${config.DELIVERY_MAX_ATTEMPTS} times at this backoff before they are dead.`,
        ]
      : []),
    '',
    '| measure | value |',
    '|---|---:|',
    `| deliveries created (a backlog, before the clock starts) | ${made.length} in ${(created / 1000).toFixed(1)} s |`,
    `| all delivered, from enqueueing the backlog | **${(took / 1000).toFixed(1)} s** ` +
      `(${Math.round(made.length / (took / 1000))} deliveries/s) |`,
    `| delivered / dead | ${delivered} / ${dead} |`,
    `| attempts (ledger rows) | ${totalAttempts} (${attempts.map((a) => `${a.outcome} ${a.n}`).join(', ')}) |`,
    `| faults injected by the receiver | ${simStats.injected.timeout} timeouts, ` +
      `${simStats.injected.error} × 500, ${simStats.injected.drop} dropped after processing` +
      (FLAP ? `, ${simStats.injected.slow} answered late, ${simStats.injected.down} cut while down` : '') +
      ' |',
    `| messages the receiver accepted | ${simStats.accepted} (unique idempotency keys: ${uniqueKeys}) |`,
    `| duplicates the receiver dropped by idempotency key | ${simStats.duplicates} |`,
    `| messages processed twice at the receiver | ${simStats.accepted - uniqueKeys} |`,
    `| per-student order violations at the receiver | ${order.length} |`,
    `| signature refusals | ${simStats.refused.signature} |`,
    '',
    `Result: ${
      delivered === made.length && uniqueKeys === made.length && simStats.accepted === uniqueKeys && order.length === 0
        ? 'all delivered, none processed twice, every student in order.'
        : 'NOT all delivered once and in order — see the table.'
    }`,
    '',
  ];
  writeFileSync(join(here, FLAP ? 'results-flap.md' : 'results.md'), lines.join('\n'));
  say(lines.join('\n'));
} finally {
  await cleanup();
}
process.exit(0);
