/**
 * Load bench (issue 18 item 3): the gateway's main paths under autocannon, the gateway and the workers as separate
 * processes started the way production starts them (`scripts/start.ts` with ROLE=gateway and ROLE=worker) on a
 * real Postgres and a real Redis, each figure beside a bare fastify's trivial route measured with the same
 * autocannon settings right before it; then an overload run: far more connections than the gateway can serve, once
 * with the overload guard (gateway/plugins/overload.ts) and once without. Writes bench/load/results.md.
 *
 *   npm run bench:load [-- --seconds 8] [--connections 16] [--rounds 1] [--overload-connections 256]
 *     [--overload-limit 64] [--only edfi-post,edfi-get,sif,file,record,portal,overload]
 *
 * Uses DATABASE_URL / REDIS_URL when set; otherwise starts a throwaway Postgres cluster (as the `postgres` user when
 * run as root) and a private redis-server, as the tests do. After each write path the bench waits for the workers
 * to drain the jobs it caused, so the next figure does not pay for the last one's backlog, and reports that time.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type AutocannonRequest, type Result } from 'autocannon';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { benchInfrastructure } from '../support/infra.js';
import { PgDb } from '../../core/store/pg.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { submitRecords } from '../../core/submissions.js';
import { createClient } from '../../core/security/clients.js';
import { createSession } from '../../core/security/sessions.js';
import { SESSION_COOKIE } from '../../gateway/plugins/auth.js';
import { DEFAULT_ADAPTERS_DIR } from '../../adapters/registry.js';
import { GIVEN_FEMALE, GIVEN_MALE, SURNAMES } from '../../lab/matching/synthetic/name-data.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';
import { teardownOnExit } from '../support/teardown.js';
import { startChild as startProcess } from '../support/child.js';

const USAGE =
  'usage: npm run bench:load [-- --seconds 8] [--connections 16] [--rounds 1] [--overload-connections 256] ' +
  '[--overload-limit 64] [--only edfi-post,edfi-get,sif,file,record,portal,overload]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: {
    seconds: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string' },
    'overload-connections': { type: 'string' },
    'overload-limit': { type: 'string' },
    only: { type: 'string' },
  },
});
const SECONDS = integerOption(values.seconds, 'seconds', 8, USAGE);
const CONNECTIONS = integerOption(values.connections, 'connections', 16, USAGE);
const ROUNDS = integerOption(values.rounds, 'rounds', 1, USAGE);
const OVERLOAD_CONNECTIONS = integerOption(values['overload-connections'], 'overload-connections', 256, USAGE);
const OVERLOAD_LIMIT = integerOption(values['overload-limit'], 'overload-limit', 64, USAGE);
const ONLY = new Set((values.only ?? 'edfi-post,edfi-get,sif,file,record,portal,overload').split(','));
const STUDENTS = 200;
const QUEUE_PREFIX = 'loadbench';
const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const say = (s: string) => process.stdout.write(`${s}\n`);
const loadAtStart = loadavg()[0]!;

const { stops, cleanup } = teardownOnExit();

/** A gateway, worker or the bare baseline, ready when a stdout line matches `ready`. */
const startChild = (label: string, args: string[], env: Record<string, string>, ready: RegExp) =>
  startProcess({ label, args, env, ready, cwd: root, stops });

interface Measured {
  result: Result;
  /** Latencies (ms) of 2xx answers and of the others, when asked for. */
  ok: number[];
  other: number[];
}

/** One autocannon run against `base`. */
async function measure(
  base: string,
  requests: AutocannonRequest[],
  opts: { connections?: number; seconds?: number } = {},
): Promise<Measured> {
  const ok: number[] = [];
  const other: number[] = [];
  const instance = autocannon({
    url: base,
    connections: opts.connections ?? CONNECTIONS,
    duration: opts.seconds ?? SECONDS,
    timeout: 30,
    requests,
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) =>
    (status >= 200 && status < 300 ? ok : other).push(ms),
  );
  return { result: await instance, ok, other };
}

const quantile = (xs: number[], p: number) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

try {
  const infra = await benchInfrastructure('load_bench');
  stops.push(...infra.stops);
  const { databaseUrl, redisUrl, pgVersion } = infra;
  const dataDir = mkdtempSync(join(tmpdir(), 'load-bench-'));
  stops.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const serverEnv = (extra: Record<string, string>): Record<string, string> => ({
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
    ...extra,
  });
  const startGateway = async (label: string, extra: Record<string, string> = {}) => {
    const g = await startChild(
      label,
      ['scripts/start.ts'],
      serverEnv({ ROLE: 'gateway', ...extra }),
      /health\s*:\s*(http:\/\/\S+?)\/health\/ready/,
    );
    return { base: g.match, stop: g.stop };
  };

  say('starting the gateway, the workers and the bare fastify (separate processes)…');
  // The gateway first: it migrates the empty database; the worker starts on the migrated one.
  const gateway = await startGateway('gateway');
  await startChild('worker', ['scripts/start.ts'], serverEnv({ ROLE: 'worker' }), /(Press Ctrl-C to stop\.)/);
  const bare = await startChild('bare fastify', [join(here, 'bare.ts')], {}, /^(\{.*\})$/);
  const bareBase = `http://127.0.0.1:${(JSON.parse(bare.match) as { port: number }).port}`;

  const db = new PgDb(databaseUrl, 8);
  stops.push(() => db.close());
  const queue = new BullJobQueue(redisUrl, QUEUE_PREFIX);
  stops.push(() => queue.close());

  // Credentials: a Texas state system (bearer token, SIF session) and a Texas counselor signed in to the portal.
  const c = await createClient(db, { stateCode: 'TX', roles: ['state-system'], name: 'load bench' });
  if (c.kind !== 'created') throw new Error(c.reason);
  const basic = `Basic ${Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64')}`;
  const tokenAnswer = await fetch(`${gateway.base}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const token = ((await tokenAnswer.json()) as { access_token: string }).access_token;
  const bearer = { authorization: `Bearer ${token}` };
  const sifEnv = await fetch(`${gateway.base}/sif/v3/environments/environment`, {
    method: 'POST',
    headers: { authorization: basic },
  });
  const sifToken = /<sessionToken>([^<]+)</.exec(await sifEnv.text())?.[1];
  if (!sifToken) throw new Error('no SIF session token');
  const sifAuth = `Basic ${Buffer.from(`${sifToken}:${c.secret}`).toString('base64')}`;
  const session = await createSession(
    db,
    { subject: 'load-bench-counselor', clientId: null, state: 'TX', roles: ['counselor'], name: 'Bench Counselor' },
    { ttlSeconds: 3600 },
  );
  const cookie = `${SESSION_COOKIE}=${session.token}`;

  const drain = async (): Promise<number> => {
    const t = performance.now();
    for (;;) {
      // The maintenance queue always holds its repeatable jobs (delayed until their next run): not a backlog.
      const counts = Object.entries(await queue.counts()).filter(([name]) => name !== 'maintenance');
      const busy = counts.reduce(
        (a, [, q]) => a + (q.waiting ?? 0) + (q.active ?? 0) + (q.delayed ?? 0) + (q.prioritized ?? 0),
        0,
      );
      if (busy === 0) return (performance.now() - t) / 1000;
      if (performance.now() - t > 600_000) throw new Error(`the workers did not drain in 10 minutes (${busy} left)`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  // Students with a Texas and a Florida record each, matched by the worker process: the records to read.
  say(`seeding ${STUDENTS} students with a Texas and a Florida record…`);
  const person = (i: number) => ({
    firstName: (i % 2 ? GIVEN_MALE : GIVEN_FEMALE)[i % 13]![0],
    lastName1: SURNAMES[i % SURNAMES.length]![0],
    lastName2: SURNAMES[(i * 7 + 3) % SURNAMES.length]![0],
    sex: i % 2 ? 'M' : 'F',
    birthDate: new Date(Date.UTC(2008, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
  });
  const rec = (state: string, i: number): StateRecord => ({
    stateCode: state,
    stateStudentId: `${state}L${i}`,
    identity: person(i) as StateRecord['identity'],
    enrollments: [
      {
        enrollmentDate: state === 'TX' ? '2025-08-20' : '2026-01-10',
        enrollmentType: '01',
        gradeLevel: '08',
        schoolId: state === 'TX' ? '484497005076' : '120087001079',
      },
    ],
  });
  for (const state of ['TX', 'FL']) {
    const r = await submitRecords(
      db,
      queue,
      { stateCode: state, traceId: `load-${state}`, kind: 'bench' },
      Array.from({ length: STUDENTS }, (_, i) => rec(state, i)),
      true,
    );
    if (r.kind !== 'accepted') throw new Error(`seed refused: ${JSON.stringify(r).slice(0, 300)}`);
  }
  await drain();
  const msixIds = (
    await db.query<{ msix_id: string }>(
      `SELECT DISTINCT l.msix_id FROM links l JOIN state_records s ON s.id = l.record_id
       WHERE s.state_code = 'TX' ORDER BY 1`,
    )
  ).rows.map((r) => r.msix_id);
  if (msixIds.length < STUDENTS / 2) throw new Error(`only ${msixIds.length} matched students`);

  // Ed-Fi students to read by id.
  const edfiStudent = (id: string) =>
    JSON.stringify({
      studentUniqueId: id,
      firstName: 'Maria',
      lastSurname: 'Garcia',
      birthDate: '2010-04-02',
      middleName: 'Luz',
      birthCity: 'Reynosa',
    });
  const edfiIds: string[] = [];
  for (let i = 0; i < STUDENTS; i++) {
    const r = await fetch(`${gateway.base}/data/v3/ed-fi/students`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: edfiStudent(`SEED${i}`),
    });
    if (r.status !== 201) throw new Error(`Ed-Fi seed: ${r.status} ${await r.text()}`);
    edfiIds.push(String(r.headers.get('location')).split('/').pop()!);
  }
  await drain();

  let serial = 0;
  const sifCollection = (n: number) => {
    const parts = ['<StudentPersonals xmlns="http://www.sifassociation.org/datamodel/na/4.x">'];
    for (let i = 0; i < n; i++) {
      const k = serial++;
      const id = `TXL${String(k).padStart(9, '0')}`;
      const p = person(k + STUDENTS);
      parts.push(
        `<StudentPersonal><LocalId>${id}</LocalId><StateProvinceId>${id}</StateProvinceId><Name Type="04">` +
          `<LastName>${p.lastName1}</LastName><FirstName>${p.firstName}</FirstName></Name>` +
          `<Demographics><Gender>${p.sex}</Gender><BirthDate>${p.birthDate}</BirthDate></Demographics>` +
          '</StudentPersonal>',
      );
    }
    parts.push('</StudentPersonals>');
    return parts.join('');
  };
  const file = readFileSync(join(DEFAULT_ADAPTERS_DIR, 'msix-typed', 'fixtures', 'valid', 'tx-daily.msix'));
  const cycle = (list: string[], prefix: string): AutocannonRequest => {
    let i = 0;
    return { method: 'GET', setupRequest: (r) => ({ ...r, path: `${prefix}${list[i++ % list.length]}` }) };
  };

  interface PathSpec {
    key: string;
    name: string;
    does: string;
    requests: AutocannonRequest[];
    writes: boolean;
  }
  const allPaths: PathSpec[] = [
    {
      key: 'edfi-post',
      name: 'Ed-Fi POST /data/v3/ed-fi/students',
      does:
        'a new student each request (201): token, Ed-Fi validation, document + ledger + canonical record, ' +
        'match job',
      writes: true,
      requests: [
        {
          method: 'POST',
          path: '/data/v3/ed-fi/students',
          headers: { ...bearer, 'content-type': 'application/json' },
          setupRequest: (r) => ({ ...r, body: edfiStudent(`L${serial++}`) }),
        },
      ],
    },
    {
      key: 'edfi-get',
      name: 'Ed-Fi GET /data/v3/ed-fi/students/{id}',
      does: `one of ${STUDENTS} stored students by id`,
      writes: false,
      requests: [{ ...cycle(edfiIds, '/data/v3/ed-fi/students/'), headers: bearer }],
    },
    {
      key: 'sif',
      name: 'SIF multi-create, 10 StudentPersonals',
      does: 'POST /sif/v3/requests/StudentPersonals, 10 new objects each (XML, SIF session auth), match jobs',
      writes: true,
      requests: [
        {
          method: 'POST',
          path: '/sif/v3/requests/StudentPersonals',
          headers: { authorization: sifAuth, 'content-type': 'application/xml' },
          setupRequest: (r) => ({ ...r, body: sifCollection(10) }),
        },
      ],
    },
    {
      key: 'file',
      name: 'file submission (msix-typed, 4 students)',
      does: 'POST /api/v1/states/TX/files, the same 1.5 kB file each time (202; the worker ingests it)',
      writes: true,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/states/TX/files?adapter=msix-typed&filename=tx-daily.msix',
          headers: { ...bearer, 'content-type': 'application/octet-stream' },
          body: file,
        },
      ],
    },
    {
      key: 'record',
      name: 'consolidated record GET /api/v1/students/{msixId}',
      does: `one of ${msixIds.length} children with a Texas and a Florida record (audited disclosure)`,
      writes: false,
      requests: [{ ...cycle(msixIds, '/api/v1/students/'), headers: bearer }],
    },
    {
      key: 'portal',
      name: 'portal record page GET /portal/students/{msixId}',
      does: 'the same children as HTML, a Texas counselor signed in (session cookie)',
      writes: false,
      requests: [{ ...cycle(msixIds, '/portal/students/'), headers: { cookie, accept: 'text/html' } }],
    },
  ];
  const paths = allPaths.filter((p) => ONLY.has(p.key));
  const bareRequests: AutocannonRequest[] = [{ method: 'GET', path: '/bare' }];

  // Each path answers once before it is measured (a wrong credential fails here, not as a column of non-2xx).
  for (const p of paths) {
    const warm = await measure(gateway.base, p.requests, { connections: 2, seconds: 2 });
    if (warm.result['2xx'] === 0 || warm.result.non2xx > 0)
      throw new Error(`${p.name}: warm-up answered ${JSON.stringify(warm.result.statusCodeStats)}`);
    if (p.writes) await drain();
  }
  await measure(bareBase, bareRequests, { connections: 2, seconds: 2 });

  interface Row {
    round: number;
    path: PathSpec;
    bare: Result;
    gateway: Result;
    drainSeconds: number | null;
  }
  const rows: Row[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const p of paths) {
      say(`round ${round}: ${p.name}…`);
      const b = await measure(bareBase, bareRequests);
      const g = await measure(gateway.base, p.requests);
      rows.push({
        round,
        path: p,
        bare: b.result,
        gateway: g.result,
        drainSeconds: p.writes ? await drain() : null,
      });
    }
  }

  // Overload: far more connections than the gateway serves, with the guard at a low in-flight limit and without it.
  interface OverloadRow {
    label: string;
    m: Measured;
    probe: { status: number; retryAfter: string | null; ms: number }[];
    /** msix_http_shed_total by reason, after the run. */
    shed: string;
  }
  const overload: OverloadRow[] = [];
  let overloadBare: Result | null = null;
  if (ONLY.has('overload')) {
    const target = [{ ...cycle(edfiIds, '/data/v3/ed-fi/students/'), headers: bearer }];
    overloadBare = (await measure(bareBase, bareRequests, { connections: OVERLOAD_CONNECTIONS })).result;
    for (const [label, env] of [
      [`guard on (OVERLOAD_MAX_IN_FLIGHT=${OVERLOAD_LIMIT})`, { OVERLOAD_MAX_IN_FLIGHT: String(OVERLOAD_LIMIT) }],
      ['guard off', { OVERLOAD_MAX_IN_FLIGHT: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0' }],
    ] as const) {
      say(`overload: ${label}, ${OVERLOAD_CONNECTIONS} connections…`);
      const g = await startGateway(`gateway (${label})`, env);
      // Warm (JIT, pools) at the normal load first: a cold process would measure its own start.
      await measure(g.base, target, { connections: CONNECTIONS, seconds: 5 });
      const running = measure(g.base, target, { connections: OVERLOAD_CONNECTIONS });
      // A newcomer during the flood: what one more client sees (status, Retry-After, time to the answer).
      await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 2));
      const probe: OverloadRow['probe'] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        const r = await fetch(`${g.base}/data/v3/ed-fi/students/${edfiIds[i]}`, { headers: bearer });
        await r.arrayBuffer();
        probe.push({ status: r.status, retryAfter: r.headers.get('retry-after'), ms: performance.now() - t });
      }
      const m = await running;
      // Why requests were shed, from the gateway's own counter.
      const metrics = await (await fetch(`${g.base}/metrics`)).text();
      const shed = [...metrics.matchAll(/^msix_http_shed_total\{reason="([^"]+)"\} (\d+)/gm)]
        .map((x) => `${x[1]} ${x[2]}`)
        .join(', ');
      overload.push({ label, m, probe, shed: shed || 'none' });
      await g.stop();
    }
  }

  // The report.
  const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
  const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const cmd =
    `npm run bench:load -- --seconds ${SECONDS} --connections ${CONNECTIONS} --rounds ${ROUNDS} ` +
    `--overload-connections ${OVERLOAD_CONNECTIONS} --overload-limit ${OVERLOAD_LIMIT}` +
    (values.only ? ` --only ${values.only}` : '');
  const cpu = cpus();
  const lines = [
    '# Load bench',
    '',
    `Command: \`${cmd}\` (run ${new Date().toISOString().slice(0, 10)}).`,
    '',
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${f0(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
      `PostgreSQL ${pgVersion} (throwaway cluster, fsync off, as in the tests), Redis on loopback. The machine is ` +
      `shared: 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.`,
    '',
    'Processes: the gateway (`scripts/start.ts`, ROLE=gateway, default settings but the rate limit), the workers ' +
      '(ROLE=worker, WORKER_CONCURRENCY 4), a bare fastify with one trivial route (`bench/load/bare.ts`), and ' +
      'this process running autocannon (closed loop, keep-alive). Each gateway figure follows a bare run with ' +
      `the same settings (${CONNECTIONS} connections, ${SECONDS} s); the ratio is gateway req/s over bare req/s. ` +
      'After each write path the bench waits for the workers to finish the jobs it caused (drain column).',
    '',
    '| round | path | req/s | bare req/s | ratio | p50 ms | p97.5 ms | p99 ms | bare p99 ms | non-2xx | ' +
      'errors | drain s |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.round} | ${r.path.name} | ${f0(r.gateway.requests.average)} | ${f0(r.bare.requests.average)} | ` +
        `${(r.gateway.requests.average / r.bare.requests.average).toFixed(3)} | ${f1(r.gateway.latency.p50)} | ` +
        `${f1(r.gateway.latency.p97_5)} | ${f1(r.gateway.latency.p99)} | ${f1(r.bare.latency.p99)} | ` +
        `${r.gateway.non2xx} | ${r.gateway.errors} | ${r.drainSeconds === null ? '' : f1(r.drainSeconds)} |`,
    ),
    '',
    ...(ROUNDS > 1
      ? [
          '| path | mean req/s | mean ratio |',
          '|---|---:|---:|',
          ...paths.map((p) => {
            const mine = rows.filter((r) => r.path === p);
            return (
              `| ${p.name} | ${f0(mean(mine.map((r) => r.gateway.requests.average)))} | ` +
              `${mean(mine.map((r) => r.gateway.requests.average / r.bare.requests.average)).toFixed(3)} |`
            );
          }),
          '',
        ]
      : []),
    'What each request does:',
    '',
    ...paths.map((p) => `- **${p.name}**: ${p.does}.`),
    '',
  ];
  if (overload.length && overloadBare) {
    lines.push(
      '## Overload: 503 with Retry-After before latency collapses',
      '',
      `Ed-Fi GET by id with ${OVERLOAD_CONNECTIONS} connections for ${SECONDS} s, against a fresh gateway process ` +
        'each time: once with the guard at a low in-flight limit, once with the guard off ' +
        '(OVERLOAD_MAX_IN_FLIGHT=0, OVERLOAD_MAX_EVENT_LOOP_DELAY_MS=0). Latency split by answer: 2xx, and the ' +
        `rest (503 GW_ERR_OVERLOADED). Bare fastify with the same ${OVERLOAD_CONNECTIONS} connections: ` +
        `${f0(overloadBare.requests.average)} req/s, p99 ${f1(overloadBare.latency.p99)} ms.`,
      '',
      '| gateway | answers/s | 2xx/s | 2xx p50 ms | 2xx p97.5 ms | 2xx p99 ms | 2xx max ms | 503s | 503 p50 ms | ' +
        '503 p99 ms | errors + timeouts |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...overload.map(({ label, m }) => {
        const secs = SECONDS;
        return (
          `| ${label} | ${f0(m.result.requests.average)} | ${f0(m.ok.length / secs)} | ${f1(quantile(m.ok, 0.5))} | ` +
          `${f1(quantile(m.ok, 0.975))} | ${f1(quantile(m.ok, 0.99))} | ${f1(Math.max(...m.ok, 0))} | ` +
          `${m.other.length} | ${f1(quantile(m.other, 0.5))} | ${f1(quantile(m.other, 0.99))} | ` +
          `${m.result.errors + m.result.timeouts} |`
        );
      }),
      '',
      `Shed by reason (msix_http_shed_total): ${overload.map((o) => `${o.label}: ${o.shed}`).join('; ')}.`,
      '',
      'One more client arriving mid-flood, 10 requests one after another (status, Retry-After, ms):',
      '',
      ...overload.map(({ label, probe }) => {
        const answers = probe.map(
          (p) => `${p.status}${p.retryAfter ? ` (Retry-After ${p.retryAfter})` : ''} ${f1(p.ms)}`,
        );
        return `- ${label}: ${answers.join('; ')}`;
      }),
      '',
    );
  }
  writeFileSync(join(here, 'results.md'), lines.join('\n'));
  say(lines.join('\n'));
} finally {
  await cleanup();
}
process.exit(0);
