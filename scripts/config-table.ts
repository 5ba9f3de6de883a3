import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../runtime/config.js';

// Prints the configuration table; with --write, refreshes it in README.md between its markers.
const table = configTable();
if (process.argv.includes('--write')) {
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
