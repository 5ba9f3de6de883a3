/**
 * The gateway's adapter registry. Every folder under `adapters/` with a `manifest.json` is a candidate; each is
 * loaded by the SDK's loader behind the manifest check (valid manifest, an SDK major this gateway accepts,
 * configuration that passes the manifest's own schema, crosswalks that load, an entry module that imports and
 * builds an adapter). Anything else disables that adapter with a reason the help desk can read; the caller
 * never sees an exception.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadAdapter as loadWithSdk,
  type DisabledAdapter,
  type LoadedAdapter,
  type LoadResult,
} from '@msix/adapter-sdk';
import { loadCrosswalks } from '../mappings/index.js';

/**
 * The majors of `@msix/adapter-sdk` this gateway runs adapters for. An adapter whose manifest names another is
 * refused before any of its code is imported. Widen this list only when the gateway has been checked against
 * that major.
 */
export const ACCEPTED_SDK_MAJORS: readonly number[] = [1];

export interface RegistryConfig {
  /** Folder holding adapter folders; defaults to this repository's `adapters/`. */
  dir?: string;
  /** Configuration per adapter id (validated against each manifest's configSchema). */
  adapters?: Record<string, unknown>;
  /** Load only these ids (all when absent). */
  only?: string[];
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
 * The file to import for a manifest's entry: a compiled gateway (dist/) has `index.js` where its own adapters'
 * manifests, written for the sources, name `index.ts`.
 */
function entryFile(entry: string): string {
  return COMPILED ? entry.replace(/\.ts$/, '.js') : entry;
}

export const DEFAULT_ADAPTERS_DIR = fileURLToPath(new URL('.', import.meta.url));
const NOT_ADAPTERS = new Set(['node_modules']);

/** Why the crosswalks a manifest names cannot be used, or nothing when they all load. */
async function crosswalkProblem(ids: readonly string[]): Promise<string | undefined> {
  const registry = await loadCrosswalks();
  const missing = ids.filter((id) => !registry.crosswalks.has(id));
  if (!missing.length) return undefined;
  const why = missing.map((id) => registry.errors.find((e) => e.id === id)?.reason ?? 'not found').join('; ');
  return `crosswalk(s) ${missing.join(', ')} unavailable: ${why}`;
}

/** Loads one of the gateway's own adapter folders (id = folder name); never throws. */
export function loadAdapter(dir: string, config: unknown): Promise<LoadResult> {
  return loadWithSdk(dir, config, {
    acceptedMajors: ACCEPTED_SDK_MAJORS,
    idIsFolderName: true,
    mapEntry: entryFile,
    checkCrosswalks: crosswalkProblem,
  });
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
