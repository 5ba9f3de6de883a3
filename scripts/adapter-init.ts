/**
 * `msix adapter init <name>`: writes a new adapter package from scripts/adapter-template: manifest, config
 * schema, a starter layout whose parser and formatter already pass the conformance kit on its sample files, a
 * vitest suite and a README for the vendor. The package depends on the published SDK only, never on the gateway.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SDK_MAJOR, SDK_VERSION } from '@msix/adapter-sdk';

const TEMPLATE = new URL('./adapter-template/', import.meta.url);
/** npm's rule for package names (lowercase, optional scope). */
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const ADAPTER_ID = /^[a-z][a-z0-9-]{1,40}$/;

export type InitResult = { kind: 'ok'; dir: string; id: string } | { kind: 'error'; reason: string };

/** The adapter id a package name gives: its last segment without an `adapter-` prefix or `-adapter` suffix. */
export function adapterIdOf(name: string): string {
  return basename(name)
    .replace(/^msix-adapter-|^adapter-/, '')
    .replace(/-adapter$/, '');
}

/** The versions the new package's dev dependencies pin: the ones this gateway is built and tested with. */
function devVersions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  return {
    __TYPES_NODE__: pkg.devDependencies['@types/node'] ?? '^20.0.0',
    __TYPESCRIPT__: pkg.devDependencies.typescript ?? '^5.0.0',
    __VITEST__: pkg.devDependencies.vitest ?? '^4.0.0',
  };
}

/** Writes the package into `parent/<last segment of name>`; refuses to write into a folder that has files. */
export function initAdapter(name: string, parent: string): InitResult {
  if (!PACKAGE_NAME.test(name))
    return { kind: 'error', reason: `'${name}' is not an npm package name (lowercase, e.g. @acme/adapter-nightly)` };
  const id = adapterIdOf(name);
  if (!ADAPTER_ID.test(id))
    return { kind: 'error', reason: `the adapter id '${id}' (from '${name}') must be 2 to 41 of a-z, 0-9 and -` };
  const dir = resolve(parent, basename(name));
  if (existsSync(dir) && readdirSync(dir).length)
    return { kind: 'error', reason: `${dir} already exists and is not empty` };
  const values: Record<string, string> = {
    __PACKAGE_NAME__: name,
    __ADAPTER_ID__: id,
    __SDK_RANGE__: `^${SDK_VERSION}`,
    __SDK_MAJOR__: String(SDK_MAJOR),
    ...devVersions(),
  };
  const copy = (rel: string) => {
    const from = new URL(rel, TEMPLATE);
    for (const entry of readdirSync(from)) {
      const child = `${rel}${entry}`;
      if (statSync(new URL(child, TEMPLATE)).isDirectory()) {
        copy(`${child}/`);
        continue;
      }
      // Template files end in .tmpl so the gateway's own typecheck, lint and npm leave them alone.
      const target = join(dir, child.replace(/\.tmpl$/, '').replace(/(^|\/)gitignore$/, '$1.gitignore'));
      mkdirSync(join(target, '..'), { recursive: true });
      const text = readFileSync(new URL(child, TEMPLATE), 'utf8');
      writeFileSync(
        target,
        text.replace(/__[A-Z_]+__/g, (k) => values[k] ?? k),
      );
    }
  };
  copy('');
  return { kind: 'ok', dir, id };
}
