/**
 * Manifest and configuration checks. Adapter configuration schemas are plain
 * JSON Schema 2020-12, compiled in an ajv instance of their own (the canonical
 * instance is strict and carries project keywords vendors should not need).
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { AdapterManifest } from './types.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** ajv for manifests and adapter configs; `useDefaults` fills config defaults in. */
export const configAjv = addFormats(new Ajv2020({ allErrors: true, strict: false, useDefaults: true }));

export const manifestSchema = {
  $id: 'AdapterManifest',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version', 'description', 'states', 'formats', 'configSchema', 'sdk'],
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,40}$' },
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$' },
    description: { type: 'string', minLength: 1, maxLength: 500 },
    states: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^([A-Z]{2}|\\*)$' } },
    formats: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'extensions', 'mediaTypes'],
        properties: {
          name: { type: 'string', minLength: 1 },
          extensions: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9][a-z0-9.]*$' } },
          mediaTypes: { type: 'array', items: { type: 'string', pattern: '^[a-z]+/[a-z0-9.+-]+$' } },
        },
      },
    },
    entry: { type: 'string', pattern: '^[A-Za-z0-9_./-]+\\.(ts|js|mjs)$' },
    configSchema: { type: 'object' },
    crosswalks: { type: 'array', items: { type: 'string' } },
    sdk: { type: 'integer', minimum: 1 },
    conformance: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxHeapGrowthMiB: { type: 'number', minimum: 1 },
        largeFileStudents: { type: 'integer', minimum: 1, maximum: 40000 },
        carries: { type: 'array', items: { type: 'string' } },
        defaulted: { type: 'array', items: { type: 'string', pattern: '^/' } },
      },
    },
  },
} as const;

const validateManifestFn = configAjv.compile(manifestSchema);

function explain(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message ?? 'is invalid'}` +
        (e.keyword === 'additionalProperties'
          ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})`
          : ''),
    )
    .join('; ');
}

export type Checked<T> = { kind: 'ok'; value: T } | { kind: 'error'; reason: string };

/** Checks a parsed manifest.json. */
export function checkManifest(data: unknown, folderName?: string): Checked<AdapterManifest> {
  if (!validateManifestFn(data))
    return { kind: 'error', reason: `manifest.json is invalid: ${explain(validateManifestFn.errors)}` };
  const m = data as unknown as AdapterManifest;
  if (folderName !== undefined && m.id !== folderName)
    return { kind: 'error', reason: `manifest id '${m.id}' does not match its folder '${folderName}'` };
  try {
    configAjv.compile(m.configSchema);
  } catch (err) {
    return {
      kind: 'error',
      reason: `configSchema does not compile: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  return { kind: 'ok', value: m };
}

/** Validates (and fills defaults into a copy of) an adapter's configuration. */
export function checkConfig(manifest: AdapterManifest, config: unknown): Checked<unknown> {
  const validate = configAjv.compile(manifest.configSchema);
  const copy = structuredClone(config ?? {});
  if (!validate(copy)) return { kind: 'error', reason: `configuration is invalid: ${explain(validate.errors)}` };
  return { kind: 'ok', value: copy };
}
