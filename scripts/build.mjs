#!/usr/bin/env node
/**
 * npm run build: compiles the TypeScript that production runs into dist/ with tsc (tsconfig.build.json), then
 * copies what tsc does not emit but the code reads at run time, beside the compiled modules and at the same
 * relative paths: SQL migrations, JSON data (code sets, crosswalks, adapter manifests), XML descriptors,
 * adapter fixtures and the worker-thread entry (.mjs). `node dist/scripts/start.js` then runs without tsx.
 * The workspace packages (packages/*) are built into the form npm publishes and placed in dist/node_modules, where
 * node (and the adapter registry, for ADAPTERS) finds them before the repository's node_modules, whose workspace
 * link to the SDK names TypeScript sources: the SDK by its build.mjs (which writes a publishable dist/), an
 * adapter package the way a vendor's is, by its `build` script, copied with the files its package.json publishes.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist');
const config = join(root, 'tsconfig.build.json');
/** The folders tsc compiles (the config's include list, its // comment lines dropped): assets come from the same. */
const SOURCES = JSON.parse(
  readFileSync(config, 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n'),
).include;

rmSync(out, { recursive: true, force: true });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', config], { stdio: 'inherit', cwd: root });

let copied = 0;
/** Copies every file tsc does not compile (anything but .ts), keeping its path under dist/. */
function copyAssets(rel) {
  for (const name of readdirSync(join(root, rel))) {
    const from = join(rel, name);
    if (statSync(join(root, from)).isDirectory()) copyAssets(from);
    else if (!name.endsWith('.ts')) {
      cpSync(join(root, from), join(out, from));
      copied++;
    }
  }
}
for (const dir of SOURCES) copyAssets(dir);

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  if (!statSync(dir).isDirectory()) continue;
  if (readdirSync(dir).includes('build.mjs')) {
    execFileSync(process.execPath, [join(dir, 'build.mjs')], { stdio: 'inherit', cwd: dir });
    const { name: pkgName } = JSON.parse(readFileSync(join(dir, 'dist', 'package.json'), 'utf8'));
    cpSync(join(dir, 'dist'), join(out, 'node_modules', pkgName), { recursive: true });
    continue;
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.build) continue;
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', cwd: dir });
  const target = join(out, 'node_modules', pkg.name);
  for (const file of ['package.json', ...(pkg.files ?? [])]) {
    cpSync(join(dir, file), join(target, file), { recursive: true });
  }
}
process.stdout.write(`dist/: compiled with tsc, ${copied} asset files copied\n`);
