/**
 * `npm run adapter:check -- adapters/<id> [more…] [--students N] [--skip-large] [--json]`
 * Runs the conformance suite on adapter folders; exits 1 if any fails.
 */
import { resolve } from 'node:path';
import { runConformance, renderReport } from '@msix/adapter-sdk/conformance';
import { integerOption, parseCommandLine, usageError } from '../lib/cli.js';

const USAGE =
  'usage: npm run adapter:check -- adapters/<id> [adapters/<id>…] [--students N] [--skip-large] [--json]\n' +
  '  --students N   students in the large-file test (default 40,000)\n' +
  '  --skip-large   leave the large-file test out (quick, while developing)\n' +
  '  --json         the reports as JSON';
const { values, positionals: dirs } = parseCommandLine({
  usage: USAGE,
  options: { students: { type: 'string' }, 'skip-large': { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: true,
});
if (!dirs.length) usageError('name at least one adapter folder', USAGE);
const students = values.students === undefined ? undefined : integerOption(values.students, 'students', 0, USAGE);
const skipLarge = values['skip-large'] ?? false;
const json = values.json ?? false;
let failed = false;
const reports = [];
for (const d of dirs) {
  const report = await runConformance(resolve(d), {
    ...(students ? { largeFileStudents: students } : {}),
    skipLarge,
    ...(json ? {} : { log: (l: string) => console.error(l) }),
  });
  reports.push(report);
  if (!report.ok) failed = true;
  if (!json) console.log(renderReport(report));
}
if (json) console.log(JSON.stringify(reports, null, 2));
process.exit(failed ? 1 : 0);
