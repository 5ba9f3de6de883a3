// Installs the npm dependencies when they are missing or older than the lock file,
// so `npm start` and `npm test` work on a fresh clone with no third command;
// then rebuilds a workspace adapter package whose compiled entry is missing or older than its sources.
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { rebuildStaleAdapterPackages } from './adapter-packages.mjs';

const marker = 'node_modules/.package-lock.json';
const lock = 'package-lock.json';
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
if (stale) {
  console.log('Installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
rebuildStaleAdapterPackages();
