/**
 * Bulk matching of every pending record in the store, for an initial
 * national load: one pass of the engine's batch linker instead of one match
 * job per record, written in set-based transactions.
 *
 *   npm run match:load [-- --chunk 5000] [--partitions 16] [--quiet]
 *
 * With --partitions N (Postgres and Redis, as the gateway is configured): the candidate pairs are scored in N
 * partitions by blocking key, `batch` jobs that any number of workers (ROLE=worker) take; this process clusters and
 * writes. Same result as without; a partition no worker takes is scored here (docs/operations.md).
 *
 * Uses DATABASE_URL (else the embedded PGlite under DATA_DIR), like the
 * gateway. Match jobs that run meanwhile wait for the load and then find
 * their records done; a second run finds nothing pending. Exits 0 when done.
 */
import { loadConfig } from '../runtime/config.js';
import { openDatabase } from '../runtime/database.js';
import { runBatchLoad } from '../core/matching-store/batch-load.js';
import { integerOption, parseCommandLine } from '../lib/cli.js';
import { BullJobQueue } from '../runtime/queue.js';
import { redisTarget } from '../runtime/redis.js';
import { createLogger } from '../runtime/logger.js';

const USAGE =
  'usage: npm run match:load [-- --chunk 5000] [--partitions N] [--quiet]\n' +
  '  --chunk N   records placed per transaction (default 5000)\n' +
  '  --partitions N   score the pairs in N partitions that workers take through the queue (Postgres, Redis)\n' +
  '  --quiet     no progress lines on stderr';
const { values } = parseCommandLine({
  usage: USAGE,
  options: { chunk: { type: 'string' }, partitions: { type: 'string' }, quiet: { type: 'boolean' } },
});
const partitions = values.partitions === undefined ? 0 : integerOption(values.partitions, 'partitions', 16, USAGE);
const quiet = values.quiet ?? false;
const chunk = integerOption(values.chunk, 'chunk', 5000, USAGE);

const config = loadConfig(process.env);
const { db, description } = await openDatabase(config);
const say = (s: string) => {
  if (!quiet) process.stderr.write(`${s}\n`);
};
say(`match-load: ${description}`);
let last = 0;
if (partitions && (db.kind !== 'postgres' || !config.REDIS_URL)) {
  process.stderr.write('match-load: --partitions needs DATABASE_URL (Postgres) and REDIS_URL\n');
  process.exit(2);
}
const queue = partitions
  ? new BullJobQueue(redisTarget(config, config.REDIS_URL), { prefix: config.QUEUE_PREFIX })
  : null;
// Warnings (a partition scored here) on stderr: stdout carries the JSON report.
const logger = createLogger(config.LOG_LEVEL, 'match-load', '/dev/stderr');
try {
  const report = await runBatchLoad(db, {
    consolidation: { requiredCredits: config.GRADUATION_CREDITS },
    chunkRecords: chunk,
    ...(queue ? { partitioned: { queue, parts: partitions, log: logger } } : {}),
    onProgress: (phase, done, total) => {
      const now = performance.now();
      if (now - last < 1000 && done < total) return;
      last = now;
      say(`  ${phase.padEnd(10)} ${done.toLocaleString('en-US')}${total ? ` / ${total.toLocaleString('en-US')}` : ''}`);
    },
  });
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  process.stdout.write(`${JSON.stringify(report)}\n`);
  const leftToJobs = report.updatesLeftToJobs
    ? `; ${report.updatesLeftToJobs} updates of linked records left to their match jobs`
    : '';
  say(
    `done: ${report.pending} pending records (against ${report.anchors} already linked): ` +
      `${report.linked} linked (${report.newStudents} new students), ` +
      `${report.reviews} near-match reviews${leftToJobs}; ` +
      `read ${s(report.ms.read)}, link ${s(report.ms.link)}, write ${s(report.ms.write)}, total ${s(report.ms.total)}`,
  );
} finally {
  await queue?.close();
  await db.close();
}
