/**
 * `npm run adapter:check -- adapters/<id> [more…] [--students N] [--skip-large] [--json]`
 * Runs the conformance suite on adapter folders; exits 1 if any fails.
 */
import { resolve } from 'node:path';
import { runConformance, renderReport } from '../adapters/sdk/conformance/index.js';

const args = process.argv.slice(2);
const dirs: string[] = [];
let students: number | undefined;
let skipLarge = false;
let json = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--students') students = Number(args[++i]);
  else if (a === '--skip-large') skipLarge = true;
  else if (a === '--json') json = true;
  else if (a === '--help' || a === '-h') {
    console.log(
      'usage: npm run adapter:check -- adapters/<id> [adapters/<id>…] [--students N] [--skip-large] [--json]',
    );
    process.exit(0);
  } else dirs.push(a);
}
if (!dirs.length) {
  console.error('usage: npm run adapter:check -- adapters/<id> [--students N] [--skip-large] [--json]');
  process.exit(2);
}
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
