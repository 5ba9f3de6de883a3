/**
 * The gateway's adapter registry. Every folder under `adapters/` with a `manifest.json` is a candidate, and so is
 * every installed package or folder named in configuration (`ADAPTERS=@vendor/adapter-x,./local/adapter-y`);
 * each is loaded by the SDK's loader behind the manifest check (valid manifest, an SDK major this gateway accepts,
 * configuration that passes the manifest's own schema, crosswalks that load, an entry module that imports and
 * builds an adapter). Anything else disables that adapter with a reason the help desk can read; the caller
 * never sees an exception.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
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
  /**
   * Adapters installed outside this repository: npm package names (found in node_modules from `base` up, then
   * from the gateway's own folder up) or folder paths (relative to `base`), as `ADAPTERS` lists them.
   */
  packages?: readonly string[];
  /** Where relative paths and package names in `packages` are resolved from (default: the working directory). */
  base?: string;
}

/** Where a loaded adapter came from: one of the gateway's own folders, or an `ADAPTERS` entry. */
export interface AdapterSource {
  dir: string;
  /** `built-in`, or the `ADAPTERS` entry that named it. */
  from: string;
}

export interface AdapterRegistry {
  adapters: ReadonlyMap<string, LoadedAdapter>;
  disabled: readonly DisabledAdapter[];
  get(id: string): LoadedAdapter | undefined;
  /** Adapters that serve a state (including `*` adapters). */
  forState(stateCode: string): LoadedAdapter[];
  /** Adapters whose formats list this file name ending. */
  forFileName(name: string): LoadedAdapter[];
  /** Where each loaded adapter came from. */
  sources: ReadonlyMap<string, AdapterSource>;
  /** Loads an installed adapter again with another configuration (a state's own); never throws. */
  configure(id: string, config: unknown): Promise<LoadResult>;
}

/** The `ADAPTERS` setting as a list: comma-separated, blanks dropped. */
export function parseAdapterList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/**
 * The folder an `ADAPTERS` entry names: a path (starts with `.` or `/`) relative to `base`, or an npm package
 * looked up in node_modules from the gateway's folder upwards and then from `base` upwards, as node would. The
 * gateway's folder comes first because an adapter must run with the gateway's own SDK: a compiled gateway
 * (dist/) finds the compiled workspace packages in dist/node_modules, where their `@msix/adapter-sdk` import
 * resolves to the compiled SDK, before a checkout's node_modules links, whose SDK names TypeScript sources.
 */
export function resolveAdapterSource(
  spec: string,
  base: string,
): { kind: 'ok'; dir: string } | { kind: 'error'; reason: string } {
  if (spec.startsWith('.') || isAbsolute(spec) || (!PACKAGE_NAME.test(spec) && spec.includes('/'))) {
    const dir = resolve(base, spec);
    return existsSync(dir) ? { kind: 'ok', dir } : { kind: 'error', reason: `folder ${dir} does not exist` };
  }
  if (!PACKAGE_NAME.test(spec))
    return { kind: 'error', reason: `'${spec}' is neither a path (./…, /…) nor an npm package name` };
  for (const start of [DEFAULT_ADAPTERS_DIR, base]) {
    for (let d = resolve(start); ; d = dirname(d)) {
      const candidate = join(d, 'node_modules', spec);
      if (existsSync(join(candidate, 'package.json'))) return { kind: 'ok', dir: candidate };
      if (dirname(d) === d) break;
    }
  }
  return { kind: 'error', reason: `package ${spec} is not installed (npm install ${spec} beside the gateway)` };
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

/**
 * Loads an adapter installed outside the repository: its manifest names its own entry (compiled JavaScript for a
 * published package), and its id need not match its folder's name. Never throws.
 */
export function loadInstalledAdapter(dir: string, config: unknown, label?: string): Promise<LoadResult> {
  return loadWithSdk(dir, config, {
    acceptedMajors: ACCEPTED_SDK_MAJORS,
    checkCrosswalks: crosswalkProblem,
    ...(label ? { label } : {}),
  });
}

/** Discovers and loads every adapter under `config.dir`. */
export async function loadAdapters(config: RegistryConfig = {}): Promise<AdapterRegistry> {
  const root = config.dir ?? DEFAULT_ADAPTERS_DIR;
  const adapters = new Map<string, LoadedAdapter>();
  const sources = new Map<string, AdapterSource>();
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
    if (r.kind === 'ok') {
      adapters.set(r.adapter.manifest.id, r.adapter);
      sources.set(r.adapter.manifest.id, { dir, from: 'built-in' });
    } else disabled.push(r.disabled);
  }
  const base = config.base ?? process.cwd();
  for (const spec of config.packages ?? []) {
    const found = resolveAdapterSource(spec, base);
    if (found.kind === 'error') {
      disabled.push({ id: spec, dir: base, stage: 'discovery', reason: found.reason });
      continue;
    }
    if (!existsSync(join(found.dir, 'manifest.json'))) {
      disabled.push({ id: spec, dir: found.dir, stage: 'discovery', reason: `${spec} has no manifest.json` });
      continue;
    }
    const r = await loadInstalledAdapter(found.dir, undefined, spec);
    if (r.kind === 'disabled') {
      disabled.push(r.disabled);
      continue;
    }
    const id = r.adapter.manifest.id;
    if (config.only && !config.only.includes(id)) continue;
    const taken = sources.get(id);
    if (taken) {
      disabled.push({
        id,
        dir: found.dir,
        stage: 'discovery',
        reason:
          `${spec} declares adapter id ${id}, which ` +
          `${taken.from === 'built-in' ? 'a built-in adapter' : taken.from} already has`,
      });
      continue;
    }
    const configured =
      config.adapters?.[id] === undefined ? r : await loadInstalledAdapter(found.dir, config.adapters[id], spec);
    if (configured.kind === 'disabled') {
      disabled.push(configured.disabled);
      continue;
    }
    adapters.set(id, configured.adapter);
    sources.set(id, { dir: found.dir, from: spec });
  }
  return {
    adapters,
    disabled,
    sources,
    configure: async (id, cfg) => {
      const source = sources.get(id);
      if (!source) {
        const off = disabled.find((d) => d.id === id);
        return {
          kind: 'disabled',
          disabled: off ?? { id, dir: root, stage: 'discovery', reason: `no adapter ${id} is installed` },
        };
      }
      return source.from === 'built-in'
        ? loadAdapter(source.dir, cfg)
        : loadInstalledAdapter(source.dir, cfg, source.from);
    },
    get: (id) => adapters.get(id),
    forState: (code) => [...adapters.values()].filter((a) => servesState(a, code)),
    forFileName: (name) => {
      const lower = name.toLowerCase();
      return [...adapters.values()].filter((a) =>
        a.manifest.formats.some((f) => f.extensions.some((e) => lower.endsWith(`.${e}`))),
      );
    },
  };
}

/** Whether an adapter reads files of this state: its manifest names the state, or `*` for every state. */
export function servesState(a: LoadedAdapter, stateCode: string): boolean {
  return a.manifest.states.includes('*') || a.manifest.states.includes(stateCode.toUpperCase());
}

const installed = new Map<string, Promise<AdapterRegistry>>();

/**
 * The registry for an `ADAPTERS` setting, loaded once per process and setting: the gateway's routes, its
 * readiness check and the worker's ingest share it, so every adapter is imported once.
 */
export function installedAdapters(setting: string | undefined): Promise<AdapterRegistry> {
  const key = `${process.cwd()}\n${setting ?? ''}`;
  let r = installed.get(key);
  if (!r) {
    r = loadAdapters({ packages: parseAdapterList(setting) });
    installed.set(key, r);
  }
  return r;
}

/** An absolute path or file URL in a message: POSIX (`/srv/…`), Windows (`C:\…`) or `file:///…`. */
const SERVER_PATH = /(?:file:\/\/[^\s'"`)]+|(?<![\w.~/])\/[^\s'"`:)]+|\b[A-Za-z]:\\[^\s'"`:)]+)/g;

/**
 * A disabled adapter as readers outside the server see it (readiness details, which are public, the adapter list,
 * refusals): its id, stage and reason with every absolute path cut to its last name, since a reason quotes what
 * the loader or the entry module said (`ENOENT … open '/srv/…/manifest.json'`) and server paths are not for the
 * network. The full reason and folder stay in the server's log.
 */
export function publicDisabled(d: DisabledAdapter): { id: string; stage: string; reason: string } {
  const cut = (text: string) => text.replace(SERVER_PATH, (p) => `…/${p.split(/[\\/]/).filter(Boolean).pop() ?? ''}`);
  return { id: cut(d.id), stage: d.stage, reason: cut(d.reason) };
}
