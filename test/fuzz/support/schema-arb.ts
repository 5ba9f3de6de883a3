/**
 * Values drawn from a route's own JSON Schema (as the gateway's OpenAPI document gives it), so a generated body,
 * query or path parameter gets past validation and reaches the handler, where a 500 would hide. Covers the keywords
 * the gateway's schemas use: type, properties/required, items/minItems, anyOf/oneOf/allOf, enum/const, pattern,
 * format date/date-time/uuid, minimum/maximum, minLength/maxLength, `$ref` into the document, and the canonical
 * model's `x-codeset` (a real code from that code set).
 */
import fc from 'fast-check';
import { codesets, isCodesetName } from '@msix/adapter-sdk/canonical';

export type Schema = Record<string, unknown>;

const isoDate = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

/** An arbitrary of values that (mostly) satisfy `schema`; `root` resolves `$ref`s. */
export function fromSchema(schema: Schema | undefined, root: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object' || depth > 8) return fc.constant(null);
  if (typeof schema.$ref === 'string') {
    const target = (schema.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], root) as Schema | undefined;
    return fromSchema(target, root, depth + 1);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  for (const k of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(schema[k]))
      return fc.oneof(...(schema[k] as Schema[]).map((s) => fromSchema(s, root, depth + 1)));
  if (Array.isArray(schema.allOf)) {
    const parts = schema.allOf as Schema[];
    return fromSchema(parts.find((p) => p.type || p.properties) ?? parts[0], root, depth + 1);
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[])[0] : (schema.type as string | undefined);
  const code = schema['x-codeset'];
  if (typeof code === 'string' && isCodesetName(code))
    return fc.constantFrom(...codesets[code].codes.map((c) => c.code));
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of Object.entries(props)) shape[k] = fromSchema(s, root, depth + 1);
      return fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
    }
    case 'array': {
      const min = (schema.minItems as number | undefined) ?? 0;
      return fc.array(fromSchema(schema.items as Schema, root, depth + 1), {
        minLength: min,
        maxLength: Math.max(min, Math.min((schema.maxItems as number | undefined) ?? 3, 3)),
      });
    }
    case 'integer':
    case 'number': {
      const min = (schema.minimum as number | undefined) ?? -1_000;
      const max = (schema.maximum as number | undefined) ?? 100_000;
      const int = fc.integer({ min: Math.ceil(min), max: Math.floor(Math.max(min, max)) });
      return type === 'integer' ? int : fc.oneof(int, fc.double({ min, max, noNaN: true }));
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string': {
      if (schema.format === 'date') return isoDate;
      if (schema.format === 'date-time') return isoDate.map((d) => `${d}T12:00:00Z`);
      if (schema.format === 'uuid') return fc.uuid();
      if (typeof schema.pattern === 'string') {
        try {
          return fc.stringMatching(new RegExp(schema.pattern as string)).filter((s) => s.length <= 200);
        } catch {
          return fc.string();
        }
      }
      const minLength = (schema.minLength as number | undefined) ?? 0;
      const maxLength = Math.max(minLength, Math.min((schema.maxLength as number | undefined) ?? 20, 40));
      return fc.string({ minLength, maxLength, unit: 'grapheme-ascii' });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
