/**
 * Loading one adapter folder (an installed package or a folder of the gateway) behind the manifest check: the
 * manifest must be valid and built for an SDK major the host accepts, the configuration must pass the
 * manifest's own schema, the entry module must import and its factory must build `{ parse, format }`. Anything
 * else is a `disabled` result with the stage and a reason a help desk can read; the caller never sees an
 * exception. The gateway's registry and the conformance kit both load through here.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { guardedParse } from './guard.js';
import { checkConfig, checkManifest } from './manifest.js';
import type { AdapterManifest, AdapterModule, LoadedAdapter } from './types.js';
import { SDK_MAJOR } from './version.js';

/** Where loading stopped, in the order the checks run. */
export type DisabledStage = 'discovery' | 'manifest' | 'sdk' | 'config' | 'crosswalks' | 'import' | 'factory';

/** An adapter that was found but not loaded, and why. */
export interface DisabledAdapter {
  /** The manifest id when it could be read, else the folder or package name. */
  id: string;
  dir: string;
  stage: DisabledStage;
  reason: string;
}

/** The outcome of {@link loadAdapter}: data, never an exception. */
export type LoadResult = { kind: 'ok'; adapter: LoadedAdapter } | { kind: 'disabled'; disabled: DisabledAdapter };

export interface LoadOptions {
  /** SDK majors the host accepts (default: this SDK's major only). */
  acceptedMajors?: readonly number[];
  /** Require the manifest id to equal the folder name (the gateway's own `adapters/<id>` folders). */
  idIsFolderName?: boolean;
  /** Name used in messages before the manifest is read (default: the folder name). */
  label?: string;
  /**
   * The entry module to import instead of the manifest's, for running the kit against sources before a build
   * (`src/index.ts` while the manifest names `dist/index.js`).
   */
  entry?: string;
  /**
   * The entry module itself, already imported: a vendor's test passes `await import('../src/index.js')` so the kit
   * runs the sources its test runner compiled, with no build.
   */
  module?: AdapterModule<never>;
  /** Rewrites the entry file name before import (the gateway's compiled build maps `.ts` to `.js`). */
  mapEntry?: (entry: string) => string;
  /** Checks the crosswalk ids the manifest names; returns why they are unusable, or nothing when they are fine. */
  checkCrosswalks?: (ids: readonly string[]) => Promise<string | undefined>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Why an adapter built for `built` cannot run on a host accepting `accepted`, or nothing when it can. */
export function sdkMismatch(id: string, built: number, accepted: readonly number[]): string | undefined {
  if (accepted.includes(built)) return undefined;
  const list = accepted.map((m) => `${m}.x`).join(', ');
  return (
    `adapter ${id} is built for adapter SDK ${built}.x (manifest.json "sdk": ${built}); this gateway accepts SDK ` +
    `${list}. Install a release of the adapter built for SDK ${accepted[accepted.length - 1]}, or a gateway that ` +
    `accepts SDK ${built}.`
  );
}

/** Loads one adapter folder; never throws. */
export async function loadAdapter(dir: string, config: unknown, opts: LoadOptions = {}): Promise<LoadResult> {
  const folder = resolve(dir).split(/[\\/]/).pop() ?? dir;
  const off = (stage: DisabledStage, reason: string, id = opts.label ?? folder): LoadResult => ({
    kind: 'disabled',
    disabled: { id, dir, stage, reason },
  });
  let manifestJson: unknown;
  try {
    manifestJson = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  } catch (err) {
    return off('manifest', `manifest.json cannot be read: ${message(err)}`);
  }
  const checked = checkManifest(manifestJson, opts.idIsFolderName ? folder : undefined);
  if (checked.kind === 'error') return off('manifest', checked.reason);
  const manifest: AdapterManifest = checked.value;
  const mismatch = sdkMismatch(manifest.id, manifest.sdk, opts.acceptedMajors ?? [SDK_MAJOR]);
  if (mismatch) return off('sdk', mismatch, manifest.id);
  const cfg = checkConfig(manifest, config);
  if (cfg.kind === 'error') return off('config', cfg.reason, manifest.id);
  if (manifest.crosswalks?.length && opts.checkCrosswalks) {
    const why = await opts.checkCrosswalks(manifest.crosswalks);
    if (why) return off('crosswalks', why, manifest.id);
  }
  const entry = opts.entry ?? (opts.mapEntry ?? ((e: string) => e))(manifest.entry ?? 'index.ts');
  let mod: Partial<AdapterModule>;
  try {
    mod = (opts.module ?? (await import(pathToFileURL(join(dir, entry)).href))) as Partial<AdapterModule>;
  } catch (err) {
    return off('import', `entry module ${entry} failed to import: ${message(err)}`, manifest.id);
  }
  if (typeof mod.createAdapter !== 'function')
    return off('import', 'entry module does not export createAdapter(config, env)', manifest.id);
  let impl: ReturnType<AdapterModule['createAdapter']>;
  try {
    impl = mod.createAdapter(cfg.value, { manifest, dir });
  } catch (err) {
    return off('factory', `createAdapter threw: ${message(err)}`, manifest.id);
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
