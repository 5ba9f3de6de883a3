#!/usr/bin/env node
/**
 * node build.mjs: writes dist/, the package as npm publishes it and as a compiled gateway runs it: JavaScript and
 * declarations from tsc in dist/lib (with the code set JSON beside them), this README, and a package.json whose
 * exports name the compiled files. In the repository the package's exports name the TypeScript sources, so tests,
 * the typecheck and tsx need no build step; publish with `npm publish ./dist`.
 *
 * Usage: node build.mjs [<out dir>]   (default dist/; a test installs the package into a temporary folder)
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const out = resolve(process.argv[2] ?? join(root, 'dist'));
rmSync(out, { recursive: true, force: true });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', join(out, 'lib')], {
  stdio: 'inherit',
  cwd: root,
});

/** Copies what tsc does not emit but the code reads at run time (the code sets), at the same relative paths. */
function copyAssets(rel) {
  for (const name of readdirSync(join(root, 'src', rel))) {
    const from = join(rel, name);
    if (statSync(join(root, 'src', from)).isDirectory()) copyAssets(from);
    else if (!name.endsWith('.ts')) cpSync(join(root, 'src', from), join(out, 'lib', from));
  }
}
copyAssets('.');
cpSync(join(root, 'README.md'), join(out, 'README.md'));

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const compiled = (source) => source.replace(/^\.\/src\//, './lib/').replace(/\.ts$/, '');
pkg.exports = Object.fromEntries(
  Object.entries(pkg.exports).map(([key, target]) => [
    key,
    target.endsWith('.ts') ? { types: `${compiled(target)}.d.ts`, default: `${compiled(target)}.js` } : target,
  ]),
);
pkg.files = ['lib', 'README.md'];
delete pkg.scripts;
writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
process.stdout.write(`${join(out)}: @msix/adapter-sdk ${pkg.version} compiled\n`);
