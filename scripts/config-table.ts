import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../runtime/config.js';
import { parseCommandLine } from '../lib/cli.js';

// Prints the configuration table; with --write, refreshes it in README.md between its markers.
const { values } = parseCommandLine({
  usage: 'usage: npm run config:table [-- --write]\n  --write   refresh the table in README.md instead of printing it',
  options: { write: { type: 'boolean' } },
});
const table = configTable();
if (values.write) {
  const path = new URL('../README.md', import.meta.url);
  const readme = readFileSync(path, 'utf8');
  const next = readme.replace(
    /<!-- config-table:start -->[\s\S]*?<!-- config-table:end -->/,
    `<!-- config-table:start -->\n${table}\n<!-- config-table:end -->`,
  );
  writeFileSync(path, next);
} else {
  process.stdout.write(`${table}\n`);
}
