/**
 * The workspace's adapter packages (packages/* with a manifest.json) are loaded from their compiled entry
 * (manifest `entry`, e.g. dist/index.js), which their prepare script builds on npm install/ci. A checkout whose
 * node_modules predate that, or whose package sources changed since, would load a missing or stale entry:
 * rebuildStaleAdapterPackages builds each such package again (npm run build). Used by ensure-deps (npm start,
 * npm test) and by the test suite's global setup (npx vitest run).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of the files under a folder. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds every adapter package under `root`/packages whose compiled entry is missing or older than its sources. */
export function rebuildStaleAdapterPackages(root = '.') {
  const packages = join(root, 'packages');
  for (const name of existsSync(packages) ? readdirSync(packages) : []) {
    const dir = join(packages, name);
    const manifest = join(dir, 'manifest.json');
    if (!existsSync(manifest) || !existsSync(join(dir, 'src'))) continue;
    const { entry } = JSON.parse(readFileSync(manifest, 'utf8'));
    const built = join(dir, entry);
    if (entry.endsWith('.ts') || (existsSync(built) && statSync(built).mtimeMs >= newest(join(dir, 'src')))) continue;
    console.log(`Building ${dir} (its compiled entry ${entry} is missing or older than its sources)…`);
    const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: dir, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`npm run build in ${dir} failed (exit ${r.status})`);
  }
}
