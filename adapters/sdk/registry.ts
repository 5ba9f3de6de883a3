/**
 * Adapter discovery. Every folder under `adapters/` with a `manifest.json` is
 * a candidate; it is loaded only if its manifest is valid, its configuration
 * passes its own schema, the crosswalks it names load, and its entry module
 * imports and builds an adapter. Anything else disables that adapter with a
 * reason the help desk can read; the caller never sees an exception.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCrosswalks } from '../../mappings/index.js';
import { guardedParse } from './guard.js';
import { checkConfig, checkManifest } from './manifest.js';
import type { AdapterManifest, AdapterModule, LoadedAdapter } from './types.js';

export interface RegistryConfig {
  /** Folder holding adapter folders; defaults to this repository's `adapters/`. */
  dir?: string;
  /** Configuration per adapter id (validated against each manifest's configSchema). */
  adapters?: Record<string, unknown>;
  /** Load only these ids (all when absent). */
  only?: string[];
}

export type DisabledStage = 'discovery' | 'manifest' | 'config' | 'crosswalks' | 'import' | 'factory';

export interface DisabledAdapter {
  id: string;
  dir: string;
  stage: DisabledStage;
  reason: string;
}

export interface AdapterRegistry {
  adapters: ReadonlyMap<string, LoadedAdapter>;
  disabled: readonly DisabledAdapter[];
  get(id: string): LoadedAdapter | undefined;
  /** Adapters that serve a state (including `*` adapters). */
  forState(stateCode: string): LoadedAdapter[];
  /** Adapters whose formats list this file name ending. */
  forFileName(name: string): LoadedAdapter[];
}

/** True when this module runs compiled (node dist/...), false under tsx. */
const COMPILED = import.meta.url.endsWith('.js');

/**
 * The file to import for a manifest's entry: a compiled adapter (dist/) has `index.js` where its manifest,
 * written for the sources, names `index.ts`.
 */
function entryFile(entry: string): string {
  return COMPILED ? entry.replace(/\.ts$/, '.js') : entry;
}

export const DEFAULT_ADAPTERS_DIR = fileURLToPath(new URL('..', import.meta.url));
const NOT_ADAPTERS = new Set(['sdk', 'node_modules']);

/** Loads one adapter folder; never throws. */
export async function loadAdapter(
  dir: string,
  config: unknown,
): Promise<{ kind: 'ok'; adapter: LoadedAdapter } | { kind: 'disabled'; disabled: DisabledAdapter }> {
  const folder = resolve(dir).split(/[\\/]/).pop() ?? dir;
  const off = (stage: DisabledStage, reason: string, id = folder) => ({
    kind: 'disabled' as const,
    disabled: { id, dir, stage, reason },
  });
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  } catch (err) {
    return off('manifest', `manifest.json cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const checked = checkManifest(manifestJson, folder);
  if (checked.kind === 'error') return off('manifest', checked.reason);
  const manifest: AdapterManifest = checked.value;
  const cfg = checkConfig(manifest, config);
  if (cfg.kind === 'error') return off('config', cfg.reason, manifest.id);
  if (manifest.crosswalks?.length) {
    const registry = await loadCrosswalks();
    const missing = manifest.crosswalks.filter((id) => !registry.crosswalks.has(id));
    if (missing.length) {
      const why = missing.map((id) => registry.errors.find((e) => e.id === id)?.reason ?? 'not found').join('; ');
      return off('crosswalks', `crosswalk(s) ${missing.join(', ')} unavailable: ${why}`, manifest.id);
    }
  }
  let mod: Partial<AdapterModule>;
  try {
    mod = (await import(
      pathToFileURL(join(dir, entryFile(manifest.entry ?? 'index.ts'))).href
    )) as Partial<AdapterModule>;
  } catch (err) {
    return off(
      'import',
      `entry module failed to import: ${err instanceof Error ? err.message : String(err)}`,
      manifest.id,
    );
  }
  if (typeof mod.createAdapter !== 'function')
    return off('import', 'entry module does not export createAdapter(config, env)', manifest.id);
  let impl: ReturnType<AdapterModule['createAdapter']>;
  try {
    impl = mod.createAdapter(cfg.value, { manifest, dir });
  } catch (err) {
    return off('factory', `createAdapter threw: ${err instanceof Error ? err.message : String(err)}`, manifest.id);
  }
  if (!impl || typeof impl.parse !== 'function' || typeof impl.format !== 'function')
    return off('factory', 'createAdapter did not return { parse, format }', manifest.id);
  const adapter: LoadedAdapter = {
    manifest,
    dir,
    config: cfg.value,
    parse: (input, ctx) => guardedParse(impl, input, ctx),
    format: (records, ctx) => impl.format(records, ctx ?? {}),
  };
  return { kind: 'ok', adapter };
}

/** Discovers and loads every adapter under `config.dir`. */
export async function loadAdapters(config: RegistryConfig = {}): Promise<AdapterRegistry> {
  const root = config.dir ?? DEFAULT_ADAPTERS_DIR;
  const adapters = new Map<string, LoadedAdapter>();
  const disabled: DisabledAdapter[] = [];
  let names: string[] = [];
  try {
    names = (await readdir(root)).sort();
  } catch (err) {
    disabled.push({
      id: '*',
      dir: root,
      stage: 'discovery',
      reason: `cannot list ${root}: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
  for (const name of names) {
    if (NOT_ADAPTERS.has(name) || name.startsWith('.') || name.startsWith('_')) continue;
    if (config.only && !config.only.includes(name)) continue;
    const dir = join(root, name);
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) continue;
    const hasManifest = await stat(join(dir, 'manifest.json')).then(
      () => true,
      () => false,
    );
    if (!hasManifest) {
      disabled.push({ id: name, dir, stage: 'discovery', reason: 'folder has no manifest.json' });
      continue;
    }
    const r = await loadAdapter(dir, config.adapters?.[name]);
    if (r.kind === 'ok') adapters.set(r.adapter.manifest.id, r.adapter);
    else disabled.push(r.disabled);
  }
  return {
    adapters,
    disabled,
    get: (id) => adapters.get(id),
    forState: (code) =>
      [...adapters.values()].filter(
        (a) => a.manifest.states.includes('*') || a.manifest.states.includes(code.toUpperCase()),
      ),
    forFileName: (name) => {
      const lower = name.toLowerCase();
      return [...adapters.values()].filter((a) =>
        a.manifest.formats.some((f) => f.extensions.some((e) => lower.endsWith(`.${e}`))),
      );
    },
  };
}
