// Installs the npm dependencies when they are missing or older than the lock file,
// so `npm start` and `npm test` work on a fresh clone with no third command.
// Then rebuilds a workspace adapter package whose compiled dist/ (its manifest's entry, built by its prepare script
// on install) is missing or older than its sources, so an edit to packages/adapter-ngs/src is what the gateway loads.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const marker = 'node_modules/.package-lock.json';
const lock = 'package-lock.json';
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.log('Installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** The newest modification time of the files under a folder. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

for (const name of existsSync('packages') ? readdirSync('packages') : []) {
  const dir = join('packages', name);
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest) || !existsSync(join(dir, 'src'))) continue;
  const { entry } = JSON.parse(readFileSync(manifest, 'utf8'));
  const built = join(dir, entry);
  if (entry.endsWith('.ts') || (existsSync(built) && statSync(built).mtimeMs >= newest(join(dir, 'src')))) continue;
  console.log(`Building ${dir} (its compiled entry ${entry} is missing or older than its sources)…`);
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
