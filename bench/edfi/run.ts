/**
 * Ed-Fi write and read throughput next to a bare fastify route, in one run:
 * POST of a student (201, a new natural key each time) and GET by id, over
 * real HTTP on loopback against the real gateway, and the same JSON row
 * inserted / selected by a bare route on the same database. Writes
 * bench/edfi/results.md.
 *
 *   node --import tsx bench/edfi/run.ts [--seconds 10] [--connections 16] [--rounds 2]
 *
 * Uses DATABASE_URL / REDIS_URL when set; otherwise starts a throwaway
 * Postgres cluster and a private redis-server, as the tests do. Matching
 * workers do not run: the write path enqueues the match job (Redis) and
 * matching happens asynchronously, as in production.
 *
 * BENCH_CPU_PROF=<dir> writes a CPU profile of the server process there;
 * BENCH_SERVER=<file> runs another server script (an instrumented copy).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchInfrastructure } from '../support/infra.js';
import { startBenchServer } from './server-process.js';
import { load, type LoadResult } from './load.js';
import { clusterCpuMs, postmasterOf, processCpuMs } from './cpu.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';

const USAGE = 'usage: npm run bench:edfi [-- --seconds 10] [--connections 16] [--rounds 2]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: { seconds: { type: 'string' }, connections: { type: 'string' }, rounds: { type: 'string' } },
});
const seconds = integerOption(values.seconds, 'seconds', 10, USAGE);
const connections = integerOption(values.connections, 'connections', 16, USAGE);
const rounds = integerOption(values.rounds, 'rounds', 2, USAGE);
const here = fileURLToPath(new URL('.', import.meta.url));

const infra = await benchInfrastructure('edfi_bench');
const { stops, pgVersion } = infra;
const { gatewayPort, barePort, token, pid } = await startBenchServer(infra, {
  nodeArgs: process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [],
  ...(process.env.BENCH_SERVER ? { script: process.env.BENCH_SERVER } : {}),
});

const postmaster = await postmasterOf(infra.databaseUrl);

/** A measurement with the CPU it cost per request: in the server process, and in Postgres (µs). */
type Measured = LoadResult & { serverUs: number; pgUs: number };
async function measured(run: () => Promise<LoadResult>): Promise<Measured> {
  const s0 = processCpuMs(pid);
  const p0 = clusterCpuMs(postmaster);
  const r = await run();
  const per = (ms: number) => (ms * 1000) / Math.max(r.requests, 1);
  return { ...r, serverUs: per(processCpuMs(pid) - s0), pgUs: per(clusterCpuMs(postmaster) - p0) };
}

const student = (id: string) =>
  JSON.stringify({
    studentUniqueId: id,
    firstName: 'Maria',
    lastSurname: 'Garcia',
    birthDate: '2010-04-02',
    middleName: 'Luz',
    birthCity: 'Reynosa',
  });
const json = { 'content-type': 'application/json' };
const auth = { authorization: `Bearer ${token}` };
const idOf = (h: { location?: string | undefined }) => String(h.location).split('/').pop()!;

async function posts(kind: 'bare' | 'edfi', tag: string, secs: number): Promise<{ r: LoadResult; ids: string[] }> {
  const ids: string[] = [];
  const r = await load(
    kind === 'bare' ? barePort : gatewayPort,
    connections,
    secs,
    (n) =>
      kind === 'bare'
        ? { method: 'POST', path: '/bare/students', headers: json, body: student(`${tag}-${n}`) }
        : {
            method: 'POST',
            path: '/data/v3/ed-fi/students',
            headers: { ...json, ...auth },
            body: student(`${tag}-${n}`),
          },
    (_n, status, h) => {
      if (status === 201) ids.push(idOf(h));
    },
  );
  return { r, ids };
}
async function gets(kind: 'bare' | 'edfi', ids: string[], secs: number): Promise<LoadResult> {
  return load(kind === 'bare' ? barePort : gatewayPort, connections, secs, (n) =>
    kind === 'bare'
      ? { method: 'GET', path: `/bare/students/${ids[n % ids.length]}` }
      : { method: 'GET', path: `/data/v3/ed-fi/students/${ids[n % ids.length]}`, headers: auth },
  );
}

// Warm up both (JIT, pool, prepared plans), then measure in alternation.
await posts('bare', 'warm', 3);
const warm = await posts('edfi', 'warm', 3);
await gets('edfi', warm.ids, 2);
const results: { round: number; bench: string; r: Measured }[] = [];
for (let round = 1; round <= rounds; round++) {
  let b: { r: LoadResult; ids: string[] } | undefined;
  results.push({
    round,
    bench: 'bare POST (insert JSON row)',
    r: await measured(async () => (b = await posts('bare', `b${round}`, seconds)).r),
  });
  let e: { r: LoadResult; ids: string[] } | undefined;
  results.push({
    round,
    bench: 'Ed-Fi POST /students (201)',
    r: await measured(async () => (e = await posts('edfi', `e${round}`, seconds)).r),
  });
  results.push({
    round,
    bench: 'bare GET (select JSON row)',
    r: await measured(() => gets('bare', b!.ids, seconds)),
  });
  results.push({ round, bench: 'Ed-Fi GET /students/{id}', r: await measured(() => gets('edfi', e!.ids, seconds)) });
  results.push({
    round,
    bench: 'gateway floor: GET availableChangeVersions',
    r: await measured(() =>
      load(gatewayPort, connections, seconds, () => ({
        method: 'GET',
        path: '/changeQueries/v1/availableChangeVersions',
        headers: auth,
      })),
    ),
  });
}
for (const s of stops) await s();

const mean = (bench: string, f: (r: Measured) => number) => {
  const xs = results.filter((x) => x.bench === bench).map((x) => f(x.r));
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};
const benches = [
  'bare POST (insert JSON row)',
  'Ed-Fi POST /students (201)',
  'bare GET (select JSON row)',
  'Ed-Fi GET /students/{id}',
  'gateway floor: GET availableChangeVersions',
];
const rps = Object.fromEntries(benches.map((b) => [b, mean(b, (r) => r.rps)]));
const cpu = Object.fromEntries(
  benches.map((b) => [b, { server: mean(b, (r) => r.serverUs), pg: mean(b, (r) => r.pgUs) }]),
);
/** CPU a request of `b` costs (server + Postgres) over what one of `a` costs: the throughput ratio on an idle box. */
const cpuRatio = (a: string, b: string) => (cpu[a]!.server + cpu[a]!.pg) / (cpu[b]!.server + cpu[b]!.pg);
const perRound = (a: string, b: string) =>
  Array.from({ length: rounds }, (_, i) => {
    const x = results.find((r) => r.round === i + 1 && r.bench === a)!.r.rps;
    const y = results.find((r) => r.round === i + 1 && r.bench === b)!.r.rps;
    return (x / y).toFixed(2);
  }).join(', ');
const cmd = `node --import tsx bench/edfi/run.ts --seconds ${seconds} --connections ${connections} --rounds ${rounds}`;
const fmt = (n: number, d = 0) => n.toFixed(d);
const lines = [
  '# Ed-Fi API bench',
  '',
  `Command: \`${cmd}\` (run ${new Date().toISOString().slice(0, 10)}).`,
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ` +
    `${process.version}, PostgreSQL ${pgVersion} (throwaway cluster, fsync off, as in the tests), Redis on ` +
    `loopback.`,
  `Load: ${connections} keep-alive connections, closed loop, ${seconds} s per measurement, ${rounds} ` +
    `rounds alternating the five measurements; the servers run in one child process, the load generator in ` +
    `another. Matching workers are not running (the write enqueues the match job).`,
  '',
  'What each request does:',
  '- **bare POST**: fastify parses the JSON and inserts it as one row (`INSERT … (id, body jsonb)`), 201.',
  '- **Ed-Fi POST /students**: bearer token check (ES256 JWT), rate limit, Ed-Fi schema + descriptor ' +
    "validation, the student's canonical MSIX record built and validated, then one call of " +
    '`edfi_create_student` (document with a change version, natural key checked by its unique index, ' +
    'ledger row in `exchanges`, canonical record in `state_records`), then the `match` job enqueued in ' +
    'Redis (with those of concurrent requests); 201 with Location and ETag.',
  '- **bare GET**: one `SELECT body` by primary key.',
  '- **Ed-Fi GET /students/{id}**: token check, rate limit, `SELECT` by id, state check, the disclosure ' +
    'appended to the audit chain (one statement with those of concurrent requests, committed before the ' +
    'answer), Ed-Fi shape with `_etag`, ETag header.',
  '- **gateway floor**: the cheapest authenticated route (token check, rate limit, security headers, one ' +
    '`SELECT` of a sequence): what every authenticated gateway route pays before its own work.',
  '',
  '| round | bench | requests | req/s | p50 ms | p99 ms | non-2xx | server CPU µs/req | Postgres CPU µs/req |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ...results.map(
    (x) =>
      `| ${x.round} | ${x.bench} | ${x.r.requests} | ${fmt(x.r.rps)} | ${fmt(x.r.p50, 1)} | ` +
      `${fmt(x.r.p99, 1)} | ${x.r.errors} | ${fmt(x.r.serverUs)} | ${fmt(x.r.pgUs)} |`,
  ),
  '',
  '| mean over rounds | req/s | p99 ms | server CPU µs/req | Postgres CPU µs/req |',
  '|---|---:|---:|---:|---:|',
  ...benches.map(
    (b) =>
      `| ${b} | ${fmt(rps[b]!)} | ${fmt(
        mean(b, (r) => r.p99),
        1,
      )} | ${fmt(cpu[b]!.server)} | ${fmt(cpu[b]!.pg)} |`,
  ),
  '',
  `Ed-Fi POST throughput / bare insert throughput: ` +
    `**${fmt(rps['Ed-Fi POST /students (201)']! / rps['bare POST (insert JSON row)']!, 2)}** (target ≥ ` +
    `0.30); round by round ${perRound('Ed-Fi POST /students (201)', 'bare POST (insert JSON row)')}.`,
  `Ed-Fi POST throughput / gateway floor: ` +
    `**${fmt(rps['Ed-Fi POST /students (201)']! / rps['gateway floor: GET availableChangeVersions']!, 2)}**; ` +
    `round by round ` +
    `${perRound('Ed-Fi POST /students (201)', 'gateway floor: GET availableChangeVersions')}.`,
  `Gateway floor / bare insert throughput: ` +
    `**${fmt(rps['gateway floor: GET availableChangeVersions']! / rps['bare POST (insert JSON row)']!, 2)}**: ` +
    `the ceiling for any authenticated route on this machine.`,
  `CPU per request (server + Postgres), bare over Ed-Fi (what the throughput ratio would be if CPU were the only ` +
    `limit, whatever else runs on the machine): POST **${fmt(
      cpuRatio('bare POST (insert JSON row)', 'Ed-Fi POST /students (201)'),
      2,
    )}**, GET by id **${fmt(cpuRatio('bare GET (select JSON row)', 'Ed-Fi GET /students/{id}'), 2)}**.`,
  `Ed-Fi GET throughput / bare insert throughput: ` +
    `**${fmt(rps['Ed-Fi GET /students/{id}']! / rps['bare POST (insert JSON row)']!, 2)}**; / bare select ` +
    `throughput: **${fmt(rps['Ed-Fi GET /students/{id}']! / rps['bare GET (select JSON row)']!, 2)}**.`,
  '',
  'Reading the figures: the bare routes pay for JSON parsing and one statement; every authenticated ' +
    'gateway route first pays the gateway floor (the token check, ES256 verified once per token and ' +
    'then cached for up to a minute, then the auth hook, rate limit and security headers). The ' +
    'Ed-Fi POST adds to that floor the Ed-Fi validation, the canonical record built and validated, and one ' +
    'statement (`edfi_create_student`: document, ledger row and state record). Profile with ' +
    '`BENCH_CPU_PROF=<dir>`: the gateway process writes a .cpuprofile there.',
  '',
  `Load average on the machine during the run: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(', ')} (1, 5, 15 min) on ${cpus().length} cores: ` +
    'other work shares it, so absolute figures move between runs; compare within a round.',
  '',
];
writeFileSync(join(here, 'results.md'), lines.join('\n'));
console.log(lines.join('\n'));
