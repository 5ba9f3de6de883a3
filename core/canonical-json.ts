import { createHash } from 'node:crypto';

/** Rebuilds plain objects with their keys sorted; native JSON.stringify does the rest. */
function sortKeys(this: unknown, _key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src).sort()) out[k] = src[k];
    return out;
  }
  return value;
}

/** JSON with object keys sorted, so that equal records give equal text whatever the key order sent. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortKeys);
}

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
