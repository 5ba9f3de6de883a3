/**
 * Loads every crosswalk file under `mappings/crosswalks/`, checks it (file
 * shape, every target code exists in its canonical code set, no conflicting
 * duplicates) and indexes it by id and version. A bad file is reported, not
 * thrown: the adapters that need it are disabled, the others keep working.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { CODESET_NAMES } from '@msix/adapter-sdk/canonical';
import { checkCrosswalk, compileCrosswalk } from './engine.js';
import type { Crosswalk, CrosswalkFile, CrosswalkLoadError } from './types.js';

export const CROSSWALKS_DIR = fileURLToPath(new URL('./crosswalks/', import.meta.url));

const fileSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version', 'description', 'source', 'target', 'entries'],
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[a-z0-9-]+/[A-Za-z0-9-]+$' },
    version: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['system', 'field'],
      properties: { system: { type: 'string' }, field: { type: 'string' }, reference: { type: 'string' } },
    },
    target: {
      type: 'object',
      additionalProperties: false,
      required: ['codeset'],
      properties: { codeset: { enum: [...CODESET_NAMES] } },
    },
    kind: { enum: ['code', 'descriptor'] },
    namespace: { type: 'string', pattern: '^uri://' },
    namespaces: { type: 'array', items: { type: 'string', pattern: '^uri://' } },
    caseSensitive: { type: 'boolean' },
    entries: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: {
          from: { type: 'string', minLength: 1 },
          to: { type: 'string', minLength: 1 },
          label: { type: 'string' },
          preferred: { type: 'boolean' },
        },
      },
    },
  },
} as const;

const validateFile = new Ajv2020({ allErrors: true, strict: false }).compile(fileSchema);

export interface CrosswalkRegistry {
  /** Latest version of each crosswalk, by id. */
  crosswalks: ReadonlyMap<string, Crosswalk>;
  /** Every loaded version: `id@version`. */
  versions: ReadonlyMap<string, Crosswalk>;
  errors: readonly CrosswalkLoadError[];
  /** The crosswalk, or a specific version of it. */
  get(id: string, version?: string): Crosswalk | undefined;
}

function walk(dir: string): string[] {
  let out: string[] = [];
  for (const n of readdirSync(dir).sort()) {
    const full = join(dir, n);
    if (statSync(full).isDirectory()) out = out.concat(walk(full));
    else if (n.endsWith('.json')) out.push(full);
  }
  return out;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    return typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
  }
  return 0;
}

/** Loads and checks crosswalk files from a folder (synchronous: they are small and adapters build from them). */
export function loadCrosswalksSync(dir: string = CROSSWALKS_DIR): CrosswalkRegistry {
  const crosswalks = new Map<string, Crosswalk>();
  const versions = new Map<string, Crosswalk>();
  const errors: CrosswalkLoadError[] = [];
  for (const path of walk(dir)) {
    const rel = relative(dir, path).replace(/\\/g, '/');
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      errors.push({ id: rel, file: rel, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    if (!validateFile(data)) {
      const id = typeof (data as { id?: unknown }).id === 'string' ? (data as { id: string }).id : rel;
      errors.push({
        id,
        file: rel,
        reason: (validateFile.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; '),
      });
      continue;
    }
    const file = data as unknown as CrosswalkFile;
    const problems = checkCrosswalk(file);
    if (problems.length) {
      errors.push({ id: file.id, file: rel, reason: problems.join('; ') });
      continue;
    }
    const cw = compileCrosswalk(file);
    const key = `${file.id}@${file.version}`;
    if (versions.has(key)) {
      errors.push({ id: file.id, file: rel, reason: `version ${file.version} of ${file.id} is defined twice` });
      continue;
    }
    versions.set(key, cw);
    const cur = crosswalks.get(file.id);
    if (!cur || compareVersions(file.version, cur.version) > 0) crosswalks.set(file.id, cw);
  }
  return {
    crosswalks,
    versions,
    errors,
    get: (id, version) => (version ? versions.get(`${id}@${version}`) : crosswalks.get(id)),
  };
}

const cache = new Map<string, CrosswalkRegistry>();

/** The crosswalk registry for a folder, loaded once per process. */
export function crosswalkRegistry(dir: string = CROSSWALKS_DIR): CrosswalkRegistry {
  let r = cache.get(dir);
  if (!r) {
    r = loadCrosswalksSync(dir);
    cache.set(dir, r);
  }
  return r;
}

/** Async form for callers that prefer it (the adapter registry). */
export async function loadCrosswalks(dir?: string): Promise<CrosswalkRegistry> {
  return crosswalkRegistry(dir);
}

/**
 * The crosswalk an adapter needs, or an exception naming why it is missing.
 * Adapters call this in createAdapter, where a throw disables only that adapter.
 */
export function requireCrosswalk(id: string, version?: string, dir?: string): Crosswalk {
  const reg = crosswalkRegistry(dir);
  const cw = reg.get(id, version);
  if (cw) return cw;
  const err = reg.errors.find((e) => e.id === id);
  throw new Error(`crosswalk ${id}${version ? `@${version}` : ''} is not available${err ? `: ${err.reason}` : ''}`);
}
