/**
 * One arriving record matched against a store of N records through the real
 * Postgres path: blocking-table lookup, candidate load, scoring (the read
 * path), and the whole match job with its writes (link or new student or
 * review, keys, history, consolidated view, event).
 *
 * npx tsx bench/matching/store-incremental.ts --records 100000 [--arrivals 1000] [--seed 7] [--out
 * bench/matching/store-results.md]
 *     [--template NAME]   keep the filled store as database NAME on the server and, when it exists
 *                         already (same --records and --seed), clone it instead of filling again
 *                         (with DATABASE_URL: a 1M fill takes ~20 min, a clone ~1 min)
 *     [--profile FILE]    write a V8 CPU profile of the timed whole-job loop only (.cpuprofile); with
 *                         --profile-read, of the read-path loop instead
 *     [--trace-queries]   print, for the whole-job loop, each SQL statement's calls per job and mean wall time
 *     [--warm-cache]      keep the candidates standardized by the read-path loop for the job loop (before, always)
 * [--explain-candidates]  print EXPLAIN (ANALYZE, BUFFERS) of the candidate statement for the arrival with the most
 * candidates
 *
 * The store is filled with a synthetic migrant population through the bulk
 * loader (core/matching-store/batch-load.ts); the arrivals are held-out
 * records of the same population (so most have relatives in the store).
 * Uses DATABASE_URL's server when set, else a throwaway local cluster
 * (initdb, fsync off). Appends a section to the results file.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { PgDb } from '../../core/store/pg.js';
import { migrate } from '../../core/store/migrate.js';
import { applyStateRecord } from '../../core/records.js';
import { matchRecord } from '../../core/linking.js';
import { runBatchLoad } from '../../core/matching-store/batch-load.js';
import { decide, prepare, type RecordRow } from '../../core/matching-store/place.js';
import { generatePopulation } from '../../lab/matching/synthetic/generator.js';
import { SeededRandom } from '@msix/adapter-sdk/random';
import { CODESET_VERSION } from '@msix/adapter-sdk/canonical';
import { startThrowawayCluster } from '../../runtime/postgres-cluster.js';
import { insertPending, personToStateRecord } from '../../lab/matching/store-fixtures.js';
import { storeModel } from '../../core/matching-store/engine.js';
import { clearStandardizedCache } from '../../core/matching-store/candidates.js';
import { execFileSync } from 'node:child_process';
import { integerOption, parseCommandLine } from '../../lib/cli.js';

const gitHead = () => {
  if (process.env.BENCH_GIT_HEAD) return process.env.BENCH_GIT_HEAD;
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

const USAGE =
  'usage: npx tsx bench/matching/store-incremental.ts --records 100000 [--arrivals 1000] [--seed 7] ' +
  '[--out FILE] [--template NAME] [--profile FILE] [--profile-read] [--trace-queries] [--warm-cache] ' +
  '[--explain-candidates]   (the file comment says what each does)';
const { values } = parseCommandLine({
  usage: USAGE,
  options: {
    records: { type: 'string' },
    arrivals: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    template: { type: 'string' },
    profile: { type: 'string' },
    'profile-read': { type: 'boolean' },
    'trace-queries': { type: 'boolean' },
    'warm-cache': { type: 'boolean' },
    'explain-candidates': { type: 'boolean' },
  },
});
const N = integerOption(values.records, 'records', 100_000, USAGE);
const M = integerOption(values.arrivals, 'arrivals', 1000, USAGE);
const seed = integerOption(values.seed, 'seed', 7, USAGE, 0);
const out = values.out ?? 'bench/matching/store-results.md';
const template = values.template ?? '';
const profileOut = values.profile ?? '';
const profileRead = values['profile-read'] ?? false;
const traceQueries = values['trace-queries'] ?? false;
const warmCache = values['warm-cache'] ?? false;
const queryTrace = new Map<string, { n: number; ms: number }>();
let tracing = false;
if (traceQueries) {
  const orig = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, ...a: unknown[]) {
    const out = orig.apply(this, a);
    if (!tracing || !(out instanceof Promise)) return out;
    const sql = String(typeof a[0] === 'string' ? a[0] : ((a[0] as { text?: string })?.text ?? '?'))
      .replace(/\s+/g, ' ')
      .slice(0, 90);
    const t = performance.now();
    return out.then((r) => {
      const e = queryTrace.get(sql) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += performance.now() - t;
      queryTrace.set(sql, e);
      return r;
    });
  };
}
const consolidation = { requiredCredits: 22 };

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (x: number) => x.toFixed(2);
const log = (s: string) => process.stderr.write(`${s}\n`);

const cluster = process.env.DATABASE_URL ? null : await startThrowawayCluster();
const serverUrl = process.env.DATABASE_URL ?? cluster!.url;
const dbName = `bench_store_${N}_${Date.now()}`;
const dbUrl = (name: string) => {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
};
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
const templateExists =
  template !== '' && (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount === 1;
if (template !== '' && !templateExists) await admin.query(`CREATE DATABASE ${template}`);
if (templateExists) await admin.query(`CREATE DATABASE ${dbName} TEMPLATE ${template}`);
else if (template === '') await admin.query(`CREATE DATABASE ${dbName}`);
await admin.end();
// Without a template the store is filled in place; with a new template it is filled there and then cloned.
let db = new PgDb(dbUrl(templateExists || template === '' ? dbName : template), 4);

/** CPU seconds (user+system) of every Postgres process of the server: the postmaster's children, live and reaped. */
async function pgCpuSeconds(): Promise<number | null> {
  try {
    const { readFileSync, readdirSync } = await import('node:fs');
    const tick = 100;
    const stat = (pid: string | number) =>
      readFileSync(`/proc/${pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
    const me = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const postmaster = stat(me)[1]!;
    let ticks = 0;
    const pm = stat(postmaster);
    ticks += Number(pm[11]) + Number(pm[12]) + Number(pm[13]) + Number(pm[14]);
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const f = stat(pid);
        if (f[1] === postmaster) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        /* exited */
      }
    }
    return ticks / tick;
  } catch {
    return null;
  }
}

type Fill = { insertS: number; load: Awaited<ReturnType<typeof runBatchLoad>> };
try {
  await migrate(db);
  // Population: N stored records plus M held-out arrivals, picked at random.
  log(`generating ${N + M} synthetic records (seed ${seed})`);
  const people = [...generatePopulation({ records: N + M, seed })].map((p) => p.record);
  const rng = new SeededRandom(seed + 1);
  for (let i = people.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [people[i], people[j]] = [people[j]!, people[i]!];
  }
  // Arrivals keep their state ids; a held-out record whose state id is also stored would be an update, not an arrival.
  const key = (p: (typeof people)[number]) => `${p.state}|${p.stateStudentId}`;
  const head = people.slice(0, M);
  const stored = people.slice(M);
  const storedKeys = new Set(stored.map(key));
  const seenKeys = new Set<string>();
  const arrivals = head.filter((p) => !storedKeys.has(key(p)) && !seenKeys.has(key(p)) && seenKeys.add(key(p)));

  let fill: Fill;
  if (templateExists) {
    fill = (await db.query<{ fill: Fill }>('SELECT fill FROM bench_fill')).rows[0]!.fill;
    log(`cloned the filled store from ${template}`);
  } else {
    const t0 = performance.now();
    const ids = await insertPending(db, stored, 10_000);
    const tInsert = performance.now();
    log(`inserted ${ids.size} state records in ${((tInsert - t0) / 1000).toFixed(1)} s; bulk matching…`);
    let lastLog = 0;
    const load = await runBatchLoad(db, {
      consolidation,
      chunkRecords: 10_000,
      onProgress: (phase, done, total) => {
        if (performance.now() - lastLog > 5000) {
          lastLog = performance.now();
          log(`  ${phase} ${done}${total ? `/${total}` : ''}`);
        }
      },
    });
    fill = { insertS: (tInsert - t0) / 1000, load };
    // What autovacuum does on a live store: statistics, and the visibility map that lets key lookups stay in the index.
    await db.query('VACUUM ANALYZE');
    if (template !== '') {
      await db.query('CREATE TABLE bench_fill (fill jsonb NOT NULL)');
      await db.query('INSERT INTO bench_fill VALUES ($1)', [JSON.stringify(fill)]);
      await db.close();
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      await a.query(`CREATE DATABASE ${dbName} TEMPLATE ${template}`);
      await a.end();
      db = new PgDb(dbUrl(dbName), 4);
      log(`kept the filled store as ${template}`);
    }
  }
  const load = fill.load;
  const size = await db.query<{ records: number; keys: number; students: number; db: string }>(
    `SELECT (SELECT count(*) FROM state_records)::int AS records, (SELECT count(*) FROM blocking_keys)::int AS keys,
            (SELECT count(*) FROM students)::int AS students,
            pg_size_pretty(pg_database_size(current_database())) AS db`,
  );
  log(`store: ${JSON.stringify(size.rows[0])}; bulk load ${JSON.stringify(load.ms)}`);
  const sampleKey = await db.query<{ key: string }>('SELECT key FROM blocking_keys LIMIT 1');
  const plan = await db.query<{ 'QUERY PLAN': string }>(
    'EXPLAIN SELECT record_id FROM blocking_keys WHERE key = $1 LIMIT 301',
    [sampleKey.rows[0]?.key ?? ''],
  );
  const keyPlan = plan.rows.map((r) => r['QUERY PLAN'].trim()).find((l) => /blocking_keys/.test(l)) ?? '';

  // Warm up the read path (module caches, plan cache), then measure.
  const readMs: number[] = [];
  const candidates: number[] = [];
  const jobMs: number[] = [];
  const outcomes: Record<string, number> = {};
  const arrivalsStored: string[] = [];
  for (const p of arrivals) {
    const rec = personToStateRecord(p);
    const o = await db.transaction((tx) => applyStateRecord(tx, rec, CODESET_VERSION, null));
    arrivalsStored.push(o.recordId!);
  }
  const rows = await db.query<RecordRow>(
    'SELECT id, state_code, state_student_id, status, version, match_status, record FROM state_records ' +
      'WHERE id = ANY($1::uuid[])',
    [arrivalsStored],
  );
  const byId = new Map(rows.rows.map((r) => [r.id, r]));
  const loadBefore = os.loadavg()[0]!;
  for (const id of arrivalsStored.slice(0, 50)) {
    const r = byId.get(id)!;
    const { std, keys } = prepare(r);
    await decide(db, r, std, keys);
  }
  const profiler = profileOut ? new (await import('node:inspector')).Session() : null;
  const post = (method: string, params?: object) =>
    new Promise<{ profile?: unknown }>((res, rej) =>
      profiler!.post(method, params ?? {}, (e, r) => (e ? rej(e) : res(r as { profile?: unknown }))),
    );
  const startProfile = async () => {
    if (profiler) {
      profiler.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
    }
  };
  const stopProfile = async () => {
    if (profiler) {
      const { profile } = await post('Profiler.stop');
      writeFileSync(profileOut, JSON.stringify(profile));
      profiler.disconnect();
    }
  };
  const cpuRead0 = process.cpuUsage();
  const pgRead0 = await pgCpuSeconds();
  if (profileRead) await startProfile();
  for (const id of arrivalsStored) {
    const r = byId.get(id)!;
    const t = performance.now();
    const { std, keys } = prepare(r);
    const { result } = await decide(db, r, std, keys);
    readMs.push(performance.now() - t);
    candidates.push(result.students.reduce((n, s) => n + s.candidates.length, 0));
  }
  if (profileRead) await stopProfile();
  if (values['explain-candidates']) {
    const most = arrivalsStored[candidates.indexOf(Math.max(...candidates))]!;
    const r = byId.get(most)!;
    let plan: string[] = [];
    const explaining = {
      ...db,
      kind: db.kind,
      query: async (sql: string, params?: readonly unknown[]) => {
        const p = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
        plan = p.rows.map((x) => x['QUERY PLAN']);
        throw new Error('explained');
      },
    } as unknown as typeof db;
    await decide(explaining, r, prepare(r).std, prepare(r).keys).catch(() => {});
    log(`candidate statement for an arrival with ${Math.max(...candidates)} candidates:\n${plan.join('\n')}`);
  }
  // The job loop meets the same arrivals' candidates again: empty the standardization cache so it pays
  // for standardizing them as a worker does for records it has not seen (--warm-cache keeps it).
  if (!warmCache) clearStandardizedCache();
  const cpuJob0 = process.cpuUsage();
  const pgJob0 = await pgCpuSeconds();
  tracing = true;
  if (!profileRead) await startProfile();
  for (const id of arrivalsStored) {
    const t = performance.now();
    const o = await matchRecord({ db, consolidation }, { recordId: id, version: 1, traceId: 'bench' });
    jobMs.push(performance.now() - t);
    const k = o.kind === 'linked' ? `linked-${o.linkType}` : o.kind;
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  }
  const cpuJob1 = process.cpuUsage();
  const pgJob1 = await pgCpuSeconds();
  tracing = false;
  if (traceQueries) {
    const jobs = arrivalsStored.length;
    for (const [sql, e] of [...queryTrace].sort((a, b) => b[1].ms - a[1].ms))
      log(
        `${(e.n / jobs).toFixed(2).padStart(6)}/job ${(e.ms / e.n).toFixed(3).padStart(7)} ms ` +
          `${(e.ms / jobs).toFixed(3).padStart(7)} ms/job  ${sql}`,
      );
  }
  if (!profileRead) await stopProfile();
  const loadAfter = os.loadavg()[0]!;
  const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) =>
    (b.user + b.system - a.user - a.system) / 1000 / arrivalsStored.length;
  const pgMs = (a: number | null, b: number | null) =>
    a === null || b === null ? 'n/a' : fmt(((b - a) * 1000) / arrivalsStored.length);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const s = size.rows[0]!;
  const cmd =
    `npx tsx bench/matching/store-incremental.ts --records ${N} --arrivals ${M} --seed ` +
    `${seed}${template ? ` --template ${template}` : ''}`;
  const section = [
    `## ${N.toLocaleString('en-US')} stored records (${new Date().toISOString().slice(0, 10)})`,
    '',
    `Command: \`${cmd}\` (engine rules ${storeModel().rulesVersion}, git ${gitHead()})`,
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}, ` +
      `${process.env.DATABASE_URL ? 'DATABASE_URL server' : 'local throwaway Postgres cluster (fsync off)'}, ` +
      `pool of 4 connections, one arrival at a time. Machine load average (1 min) ${loadBefore.toFixed(1)} ` +
      `before and ${loadAfter.toFixed(1)} after the timed part (other work shared the machine).`,
    '',
    `Store: ${s.records.toLocaleString('en-US')} state records, ${s.students.toLocaleString('en-US')} ` +
      `students, ${s.keys.toLocaleString('en-US')} blocking-key rows (${(s.keys / s.records).toFixed(1)} ` +
      `per record), database ${s.db}.`,
    `Filled by the bulk loader${templateExists ? ' (in an earlier run; this run cloned it)' : ''}: ` +
      `insert ${fill.insertS.toFixed(1)} s, then read ${(load.ms.read / 1000).toFixed(1)} s, batch link ` +
      `${(load.ms.link / 1000).toFixed(1)} s, write ${(load.ms.write / 1000).toFixed(1)} s ` +
      (`(${load.linked.toLocaleString('en-US')} linked, ${load.newStudents.toLocaleString('en-US')} ` +
        `students, ${load.reviews.toLocaleString('en-US')} reviews).`),
    '',
    `| ${arrivals.length} arrivals | p50 ms | p95 ms | p99 ms | mean ms |`,
    '|---|---|---|---|---|',
    `| read path: keys → blocking_keys lookup → load candidates → score (\`decide\`) | ` +
      `${fmt(pct(readMs, 50))} | ${fmt(pct(readMs, 95))} | ${fmt(pct(readMs, 99))} | ${fmt(mean(readMs))} |`,
    `| whole match job (\`matchRecord\`: locks, keys, decision, link/student/review, history, view, ` +
      'event; committed' +
      (warmCache ? '; candidates already standardized' : '; standardization cache emptied first') +
      ') ' +
      `| ${fmt(pct(jobMs, 50))} | ${fmt(pct(jobMs, 95))} | ${fmt(pct(jobMs, 99))} | ${fmt(mean(jobMs))} |`,
    '',
    `CPU per arrival (mean): read path Node ${fmt(cpuMs(cpuRead0, cpuJob0))} ms + Postgres ` +
      `${pgMs(pgRead0, pgJob0)} ms; whole job Node ${fmt(cpuMs(cpuJob0, cpuJob1))} ms + Postgres ` +
      `${pgMs(pgJob0, pgJob1)} ms.`,
    '',
    `Key lookup plan: \`${keyPlan}\`.`,
    '',
    `Candidate records scored per arrival: p50 ${pct(candidates, 50)}, p95 ${pct(candidates, 95)}, ` +
      `max ${Math.max(...candidates)}. ` +
      `Outcomes: ${Object.entries(outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
    '',
  ].join('\n');
  if (!existsSync(out))
    writeFileSync(
      out,
      '# Store-side matching benchmarks\n\nEach section is one run of the command it shows; newer runs ' +
        'are appended.\n\n',
    );
  appendFileSync(out, `${section}\n`);
  process.stdout.write(`${section}\n`);
} finally {
  await db.close();
  if (cluster) cluster.stop();
  else {
    const a = new pg.Client({ connectionString: serverUrl });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await a.end();
  }
}
