/**
 * Bulk matching of every pending record in the store, for an initial
 * national load: one pass of the engine's batch linker instead of one match
 * job per record, written in set-based transactions.
 *
 *   npm run match:load [-- --chunk 5000] [--quiet]
 *
 * Uses DATABASE_URL (else the embedded PGlite under DATA_DIR), like the
 * gateway. Match jobs that run meanwhile wait for the load and then find
 * their records done; a second run finds nothing pending. Exits 0 when done.
 */
import { loadConfig } from '../runtime/config.js';
import { openDatabase } from '../runtime/database.js';
import { runBatchLoad } from '../core/matching-store/batch-load.js';
import { integerOption, parseCommandLine } from '../lib/cli.js';

const USAGE =
  'usage: npm run match:load [-- --chunk 5000] [--quiet]\n' +
  '  --chunk N   records placed per transaction (default 5000)\n' +
  '  --quiet     no progress lines on stderr';
const { values } = parseCommandLine({
  usage: USAGE,
  options: { chunk: { type: 'string' }, quiet: { type: 'boolean' } },
});
const quiet = values.quiet ?? false;
const chunk = integerOption(values.chunk, 'chunk', 5000, USAGE);

const config = loadConfig(process.env);
const { db, description } = await openDatabase(config);
const say = (s: string) => {
  if (!quiet) process.stderr.write(`${s}\n`);
};
say(`match-load: ${description}`);
let last = 0;
try {
  const report = await runBatchLoad(db, {
    consolidation: { requiredCredits: config.GRADUATION_CREDITS },
    chunkRecords: chunk,
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
  await db.close();
}
