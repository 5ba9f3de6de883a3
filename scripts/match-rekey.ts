/**
 * Recomputes the blocking keys of every matched record with the current
 * matching rules. Run it once after upgrading to a release whose rules
 * version (docs/matching.md) changed the keys; a second run writes nothing.
 *
 *   npm run match:rekey [-- --page 2000] [--quiet]
 *
 * Uses DATABASE_URL (else the embedded PGlite under DATA_DIR), like the
 * gateway. Match jobs may run meanwhile. Exits 0 when done.
 */
import { loadConfig } from '../runtime/config.js';
import { openDatabase } from '../runtime/database.js';
import { RULES_VERSION } from '../core/matching/model.js';
import { rekeyStore } from '../core/matching-store/rekey.js';
import { integerOption, parseCommandLine } from '../lib/cli.js';

const USAGE =
  'usage: npm run match:rekey [-- --page 2000] [--quiet]\n' +
  '  --page N   records rekeyed per transaction (default 2000)\n' +
  '  --quiet    no progress lines on stderr';
const { values } = parseCommandLine({
  usage: USAGE,
  options: { page: { type: 'string' }, quiet: { type: 'boolean' } },
});
const page = integerOption(values.page, 'page', 2000, USAGE);
const quiet = values.quiet ?? false;
const say = (s: string) => {
  if (!quiet) process.stderr.write(`${s}\n`);
};
const { db, description } = await openDatabase(loadConfig(process.env));
say(`match-rekey: ${description}, rules ${RULES_VERSION}`);
let last = 0;
try {
  const report = await rekeyStore(db, {
    pageRows: page,
    onProgress: (done) => {
      if (performance.now() - last < 1000) return;
      last = performance.now();
      say(`  ${done.toLocaleString('en-US')} records`);
    },
  });
  process.stdout.write(`${JSON.stringify({ rulesVersion: RULES_VERSION, ...report })}\n`);
  say(
    `done: ${report.records} matched records, ${report.changed} re-keyed (+${report.keysAdded} / ` +
      `-${report.keysRemoved} keys) in ${(report.ms / 1000).toFixed(1)} s`,
  );
} finally {
  await db.close();
}
