/**
 * Bulk load versus one match job per record, on the same synthetic records
 * and the same Postgres server: how much faster an initial national load is
 * through scripts/match-load.ts than through the queue.
 *
 * npx tsx bench/matching/store-batch.ts --records 20000 [--concurrency 4] [--seed 5] [--out
 * bench/matching/store-results.md]
 *
 * Each side gets a fresh database with the same pending records. The job
 * side runs `matchRecord` (what the BullMQ worker runs) with `concurrency`
 * jobs in flight, like a worker with WORKER_CONCURRENCY set to it.
 */
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { PgDb } from '../../core/store/pg.js';
import { migrate } from '../../core/store/migrate.js';
import { matchRecord } from '../../core/linking.js';
import { runBatchLoad } from '../../core/matching-store/batch-load.js';
import { generatePopulation } from '../../lab/matching/synthetic/generator.js';
import { startThrowawayCluster } from '../../runtime/postgres-cluster.js';
import { insertPending } from '../../lab/matching/store-fixtures.js';
import { integerOption, parseCommandLine } from '../../lib/cli.js';

const USAGE = 'usage: npx tsx bench/matching/store-batch.ts --records 20000 [--concurrency 4] [--seed 5] [--out FILE]';
const { values } = parseCommandLine({
  usage: USAGE,
  options: {
    records: { type: 'string' },
    concurrency: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
  },
});
const N = integerOption(values.records, 'records', 20_000, USAGE);
const concurrency = integerOption(values.concurrency, 'concurrency', 4, USAGE);
const seed = integerOption(values.seed, 'seed', 5, USAGE, 0);
const out = values.out ?? 'bench/matching/store-results.md';
const consolidation = { requiredCredits: 22 };
const log = (s: string) => process.stderr.write(`${s}\n`);

const cluster = process.env.DATABASE_URL ? null : await startThrowawayCluster();
const serverUrl = process.env.DATABASE_URL ?? cluster!.url;
const made: string[] = [];
async function freshDatabase(tag: string): Promise<PgDb> {
  const name = `bench_batch_${tag}_${Date.now()}`;
  const a = new pg.Client({ connectionString: serverUrl });
  await a.connect();
  await a.query(`CREATE DATABASE ${name}`);
  await a.end();
  made.push(name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = new PgDb(url.toString(), concurrency + 2);
  await migrate(db);
  return db;
}

const people = [...generatePopulation({ records: N, seed })].map((p) => p.record);
try {
  const bulkDb = await freshDatabase('bulk');
  const stored = (await insertPending(bulkDb, people)).size;
  const loadBefore = os.loadavg()[0]!;
  const t0 = performance.now();
  const report = await runBatchLoad(bulkDb, { consolidation, chunkRecords: 10_000 });
  const bulkMs = performance.now() - t0;
  await bulkDb.close();
  log(`bulk: ${stored} records in ${(bulkMs / 1000).toFixed(1)} s`);

  const jobDb = await freshDatabase('jobs');
  const ids = [...(await insertPending(jobDb, people)).values()];
  const t1 = performance.now();
  let next = 0;
  const outcomes: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        const o = await matchRecord({ db: jobDb, consolidation }, { recordId: id, version: 1, traceId: 'bench' });
        outcomes[o.kind] = (outcomes[o.kind] ?? 0) + 1;
      }
    }),
  );
  const jobMs = performance.now() - t1;
  const loadAfter = os.loadavg()[0]!;
  const students = await jobDb.query<{ n: number }>('SELECT count(*)::int AS n FROM students');
  await jobDb.close();
  log(`jobs: ${ids.length} records in ${(jobMs / 1000).toFixed(1)} s`);

  const rate = (ms: number) => Math.round(stored / (ms / 1000)).toLocaleString('en-US');
  const section = [
    `## Bulk load vs one job per record, ${stored.toLocaleString('en-US')} records ` +
      `(${new Date().toISOString().slice(0, 10)})`,
    '',
    `Command: \`npx tsx bench/matching/store-batch.ts --records ${N} --concurrency ${concurrency} --seed ${seed}\``,
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM; load average ${loadBefore.toFixed(1)} before, ` +
      `${loadAfter.toFixed(1)} after.`,
    '',
    '| path | wall time | records/s | result |',
    '|---|---|---|---|',
    `| \`scripts/match-load.ts\` (runBatchLoad) | ${(bulkMs / 1000).toFixed(1)} s (read ` +
      `${(report.ms.read / 1000).toFixed(1)}, link ${(report.ms.link / 1000).toFixed(1)}, write ` +
      `${(report.ms.write / 1000).toFixed(1)}) | ${rate(bulkMs)} | ` +
      `${report.newStudents.toLocaleString('en-US')} students, ${report.reviews} reviews |`,
    `| one \`matchRecord\` job per record, ${concurrency} in flight | ${(jobMs / 1000).toFixed(1)} s | ` +
      `${rate(jobMs)} | ${students.rows[0]!.n.toLocaleString('en-US')} students, ${outcomes.review ?? 0} ` +
      `reviews |`,
    '',
    `Speed-up: ${(jobMs / bulkMs).toFixed(1)}×.`,
    '',
  ].join('\n');
  appendFileSync(out, `${section}\n`);
  process.stdout.write(`${section}\n`);
} finally {
  if (cluster) cluster.stop();
  else {
    const a = new pg.Client({ connectionString: serverUrl });
    await a.connect();
    for (const name of made) await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await a.end();
  }
}
