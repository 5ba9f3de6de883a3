/**
 * Prints the published table of every crosswalk in mappings/ (Markdown by
 * default; `--json` or `--csv` for machines). Exits 1 if a crosswalk file
 * failed its checks, so CI catches a bad table.
 */
import { csvText } from '@msix/adapter-sdk/csv';
import { parseCommandLine } from '../lib/cli.js';
import { crosswalkMarkdown, crosswalkRegistry, crosswalkRows } from '../mappings/index.js';

const { values } = parseCommandLine({
  usage: 'usage: npm run crosswalks [-- --json | --csv]\n  (Markdown by default; --json or --csv for machines)',
  options: { json: { type: 'boolean' }, csv: { type: 'boolean' } },
});
const reg = crosswalkRegistry();
if (values.json) console.log(JSON.stringify(crosswalkRows(reg), null, 2));
else if (values.csv) {
  const rows = crosswalkRows(reg);
  const columns = Object.keys(rows[0] ?? {}) as (keyof (typeof rows)[number])[];
  process.stdout.write(csvText([columns, ...rows.map((r) => columns.map((c) => r[c]))], { eol: '\n' }));
} else console.log(crosswalkMarkdown(reg));
for (const e of reg.errors) console.error(`crosswalk ${e.file} not loaded: ${e.reason}`);
process.exit(reg.errors.length ? 1 : 0);
