/**
 * The national batch load partitioned by blocking key into BullMQ jobs (issue 18 item 4): the same pending records in
 * three databases, loaded by `runBatchLoad` in one process, then with its candidate pairs scored by 1 and by 2 worker
 * processes (ROLE=worker through scripts/start.ts, as deployed) that take the `batch` jobs; this process clusters and
 * writes. Checks that the three stores hold the same students, statuses and reviews; exits 1 when they differ.
 *
 *   npx tsx bench/matching/store-partitioned.ts --records 20000 [--parts 16] [--seed 5] [--out FILE]
 *
 * Uses DATABASE_URL when set, otherwise a throwaway Postgres cluster; always its own redis-server.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PgDb } from '../../core/store/pg.js';
import { migrate } from '../../core/store/migrate.js';
import { runBatchLoad, type BatchLoadReport } from '../../core/matching-store/batch-load.js';
import { generatePopulation } from '../../lab/matching/synthetic/generator.js';
import { insertPending, storeOutcome } from '../../lab/matching/store-fixtures.js';
import { startThrowawayCluster } from '../../runtime/postgres-cluster.js';
import { startEmbeddedRedis } from '../../runtime/embedded-redis.js';
import { BullJobQueue } from '../../runtime/queue.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';
import { teardownOnExit } from '../support/teardown.js';
import { startChild } from '../support/child.js';

const USAGE = 'usage: npx tsx bench/matching/store-partitioned.ts --records 20000 [--parts 16] [--seed 5] [--out FILE]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: {
    records: { type: 'string' },
    parts: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
  },
});
const N = integerOption(values.records, 'records', 20_000, USAGE);
const PARTS = integerOption(values.parts, 'parts', 16, USAGE);
const seed = integerOption(values.seed, 'seed', 5, USAGE, 0);
const out = values.out ?? 'bench/matching/store-results.md';
const consolidation = { requiredCredits: 22 };
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const log = (s: string) => process.stderr.write(`${s}\n`);
const { stops, cleanup } = teardownOnExit();

try {
  const cluster = process.env.DATABASE_URL ? null : await startThrowawayCluster();
  if (cluster) stops.push(() => cluster.stop());
  const serverUrl = process.env.DATABASE_URL ?? cluster!.url;
  const redisDir = mkdtempSync(join(os.tmpdir(), 'partitioned-redis-'));
  stops.push(() => rmSync(redisDir, { recursive: true, force: true }));
  const redis = await startEmbeddedRedis(redisDir);
  stops.push(() => redis.stop());
  const dataDir = mkdtempSync(join(os.tmpdir(), 'partitioned-bench-'));
  stops.push(() => rmSync(dataDir, { recursive: true, force: true }));

  const people = [...generatePopulation({ records: N, seed })].map((p) => p.record);
  const admin = async (sql: string) => {
    const a = new pg.Client({ connectionString: serverUrl });
    await a.connect();
    await a.query(sql);
    await a.end();
  };
  const urlOf = (name: string) => {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  // The records once, then a copy of that database per run: the same record ids, so the same reading order (the
  // batch reads by id, and the order decides ties), which separate inserts would not give.
  const template = `bench_partitioned_tpl_${Date.now()}`;
  await admin(`CREATE DATABASE ${template}`);
  stops.push(() => admin(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
  {
    const db = new PgDb(urlOf(template), 4);
    await migrate(db);
    await insertPending(db, people);
    await db.close();
  }
  const fresh = async (tag: string) => {
    const name = `bench_partitioned_${tag}_${Date.now()}`;
    await admin(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    stops.push(async () => {
      const b = new pg.Client({ connectionString: serverUrl });
      await b.connect();
      await b.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await b.end();
    });
    const db = new PgDb(urlOf(name), 6);
    stops.push(() => db.close());
    return { db, url: urlOf(name) };
  };

  /** A worker process as deployed (ROLE=worker), ready when it says so; stopped with SIGTERM. */
  const startWorker = async (databaseUrl: string, prefix: string) => {
    const { stop } = await startChild({
      label: 'a worker',
      args: ['scripts/start.ts'],
      env: {
        ROLE: 'worker',
        DATABASE_URL: databaseUrl,
        REDIS_URL: redis.url,
        QUEUE_PREFIX: prefix,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        LOG_FILE: '-',
        DATA_DIR: dataDir,
        DEMO_DATA: 'false',
        DEV_IDP: 'false',
      },
      ready: /Press Ctrl-C to stop\./,
      cwd: root,
      stops,
    });
    return stop;
  };

  const rows: string[] = [];
  const loads: string[] = [];
  const row = (label: string, ms: number, r: BatchLoadReport) =>
    rows.push(
      `| ${label} | ${(ms / 1000).toFixed(1)} s (read ${(r.ms.read / 1000).toFixed(1)}, link ` +
        `${(r.ms.link / 1000).toFixed(1)}, write ${(r.ms.write / 1000).toFixed(1)}) | ` +
        `${r.partitions ? `${r.partitions.byWorkers} of ${r.partitions.parts}` : '–'} | ` +
        `${r.newStudents.toLocaleString('en-US')} students, ${r.reviews} reviews |`,
    );

  log(`single process: ${N} records…`);
  const base = await fresh('single');
  loads.push(os.loadavg()[0]!.toFixed(1));
  let t = performance.now();
  const single = await runBatchLoad(base.db, { consolidation, chunkRecords: 10_000 });
  row('one process (`npm run match:load`)', performance.now() - t, single);
  const expected = JSON.stringify(await storeOutcome(base.db));
  const problems: string[] = [];
  for (const workers of [1, 2]) {
    log(`partitioned, ${workers} worker(s)…`);
    const target = await fresh(`w${workers}`);
    const prefix = `pbench${workers}`;
    const stopWorkers = await Promise.all(Array.from({ length: workers }, () => startWorker(target.url, prefix)));
    const queue = new BullJobQueue(redis.url, prefix);
    loads.push(os.loadavg()[0]!.toFixed(1));
    t = performance.now();
    const report = await runBatchLoad(target.db, {
      consolidation,
      chunkRecords: 10_000,
      partitioned: { queue, parts: PARTS, log: { warn: (o, m) => log(`${m} ${JSON.stringify(o)}`), info: () => {} } },
    });
    row(`${PARTS} partitions, ${workers} worker process${workers > 1 ? 'es' : ''}`, performance.now() - t, report);
    await queue.close();
    await Promise.all(stopWorkers.map((s) => s()));
    if (JSON.stringify(await storeOutcome(target.db)) !== expected)
      problems.push(`${workers} worker(s): the store differs`);
  }
  loads.push(os.loadavg()[0]!.toFixed(1));

  const section = [
    `## National batch partitioned by blocking key, ${N.toLocaleString('en-US')} records ` +
      `(${new Date().toISOString().slice(0, 10)})`,
    '',
    `Command: \`npx tsx bench/matching/store-partitioned.ts --records ${N} --parts ${PARTS} --seed ${seed}\``,
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, shared; 1-minute load average before each ` +
      `run: ${loads.join(', ')} (at the end). Each run on a copy of one database of pending records; a worker ` +
      'is a separate process (`ROLE=worker`), started and idle before the run.',
    '',
    '| how | wall time | partitions scored by workers | result |',
    '|---|---|---|---|',
    ...rows,
    '',
    problems.length
      ? `**Stores differ:** ${problems.join('; ')}`
      : 'The three stores hold the same students, ' +
        'match statuses and reviews (compared by state record, without the random MSIX ids).',
    '',
  ].join('\n');
  appendFileSync(out, `${section}\n`);
  process.stdout.write(`${section}\n`);
  process.exitCode = problems.length ? 1 : 0;
} catch (e) {
  log(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exitCode = 2;
} finally {
  await cleanup();
}
process.exit(process.exitCode ?? 0);
