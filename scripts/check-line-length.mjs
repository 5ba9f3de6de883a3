// Fails when a TypeScript or JavaScript source line is longer than 120 characters. Biome formats code to
// width 120 but cannot split long strings, template literals or comments; this keeps those under it too.
// Usage: node scripts/check-line-length.mjs  (run by `npm run lint`)
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX = 120;
const root = fileURLToPath(new URL('..', import.meta.url));
const skipDirs = new Set(['node_modules', '.git', '.data', '.tmp', 'coverage', 'dist']);
const sourceFile = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skipDirs.has(entry.name)) yield* sources(join(dir, entry.name));
    } else if (sourceFile.test(entry.name)) {
      yield join(dir, entry.name);
    }
  }
}

let over = 0;
for (const file of sources(root)) {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const width = [...line].length;
    if (width > MAX) {
      over++;
      console.error(`${relative(root, file)}:${i + 1}: ${width} characters (max ${MAX})`);
    }
  });
}
if (over > 0) {
  console.error(`${over} line(s) over ${MAX} characters: wrap the comment, split the string with +, or break the SQL.`);
  process.exit(1);
}
