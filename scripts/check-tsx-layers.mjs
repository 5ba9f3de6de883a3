// The layering rules for the portal's JSX templates (gateway/**/*.tsx), which dependency-cruiser cannot parse
// with swc: a gateway template imports only gateway/, runtime/, core/, adapters/, mappings/, specs/, lib/ and npm
// packages, and no devDependency. Usage: node scripts/check-tsx-layers.mjs  (run by `npm run deps:check`)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const allowed = new Set(['gateway', 'runtime', 'core', 'adapters', 'mappings', 'specs', 'lib']);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dev = new Set(Object.keys(pkg.devDependencies ?? {}));

function* templates(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* templates(join(dir, e.name));
    else if (e.name.endsWith('.tsx')) yield join(dir, e.name);
  }
}

let bad = 0;
for (const file of templates(join(root, 'gateway'))) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(
    /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm,
  )) {
    const spec = m[1] ?? m[2];
    const where = relative(root, file);
    if (spec.startsWith('.')) {
      const top = relative(root, resolve(dirname(file), spec)).split('/')[0];
      if (!allowed.has(top)) {
        bad++;
        console.error(`${where}: imports ${spec} (${top}/ is outside the gateway's layers)`);
      }
    } else if (!spec.startsWith('node:')) {
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      const typeOnly = /^\s*import\s+type\b/.test(m[0]);
      if (dev.has(name) && !typeOnly) {
        bad++;
        console.error(`${where}: imports the devDependency ${name}`);
      }
    }
  }
}
if (bad) process.exit(1);
