/**
 * A minimal valid document of any Ed-Fi resource, generated from its schema: the required properties only, each
 * reference pointing at a document already made (so documents are made in load order). Descriptors are in a
 * test namespace, checked for form only. The data-driven tests run every resource of the model through this.
 */
import type { ResourceDef } from '../../../specs/edfi/catalog.js';
import { FAMILIES } from '../../../specs/edfi/model/index.js';
import { resourceNamed } from '../../../specs/edfi/catalog.js';
import { lea, program, school, smepa, ssa, student } from './fixtures.js';

type Json = Record<string, unknown>;

export const TEST_NAMESPACE = 'uri://tests.example.org';

function scalar(s: Json, name: string, variant: number, seed: number): unknown {
  switch (s.type) {
    case 'boolean':
      return true;
    case 'integer': {
      if (/year/i.test(name)) return 2024;
      const min = Math.max(typeof s.minimum === 'number' ? s.minimum : 1, 1);
      const max = typeof s.maximum === 'number' ? s.maximum : Number.MAX_SAFE_INTEGER;
      return Math.min(max, min + variant + (name.endsWith('Id') ? seed * 10 : 0));
    }
    case 'number':
      return typeof s.minimum === 'number' ? Math.max(s.minimum, 0) : 1;
    default: {
      if (typeof s['x-edfi-descriptor'] === 'string')
        return `${TEST_NAMESPACE}/${s['x-edfi-descriptor']}#Code${variant}`;
      if (s.format === 'date')
        return /end|exit/i.test(name)
          ? '2025-06-01'
          : new Date(Date.UTC(2024, 0, 1 + seed * 2 + variant)).toISOString().slice(0, 10);
      if (s.format === 'iso-date-time') return '2024-08-20T10:00:00Z';
      const min = typeof s.minLength === 'number' ? s.minLength : 1;
      const max = typeof s.maxLength === 'number' ? s.maxLength : 20;
      return `V${variant}${name}`.padEnd(min, 'x').slice(0, Math.max(min, Math.min(max, 12)));
    }
  }
}

/** The reference object pointing at `target` (a resource or a family), from the document made for it. */
export function referenceTo(target: string, made: ReadonlyMap<string, Json>): Json | undefined {
  const family = FAMILIES.get(target);
  if (family) {
    for (const m of family.members) {
      const doc = made.get(m);
      if (!doc) continue;
      const def = resourceNamed(m);
      if (def.educationOrganizationIdField) return { educationOrganizationId: doc[def.educationOrganizationIdField] };
      const keys = keyValuesOf(def, doc);
      return Object.fromEntries(family.fields.map((f) => [f, keys[f]]));
    }
    return undefined;
  }
  const doc = made.get(target);
  return doc ? keyValuesOf(resourceNamed(target), doc) : undefined;
}

function keyValuesOf(def: ResourceDef, doc: Json): Json {
  const out: Json = {};
  for (const f of def.identity) {
    let cur: unknown = doc;
    for (const p of f.path) cur = (cur as Json | undefined)?.[p];
    out[f.name] = cur;
  }
  return out;
}

/**
 * A minimal valid document of `def`; `variant` changes the key values (a second document of the same resource),
 * `seed` keeps resources of one family (education organizations, program associations) from sharing keys.
 */
export function minimalDocument(def: ResourceDef, made: ReadonlyMap<string, Json>, variant = 1, seed = 0): Json {
  const refAt = new Map(def.references.map((r) => [(r.path ?? [r.property]).join('.'), r.target] as const));
  const obj = (s: Json, path: string[], depth: number): Json => {
    const out: Json = {};
    const props = (s.properties ?? {}) as Record<string, Json>;
    for (const name of (s.required as string[] | undefined) ?? []) {
      const p = props[name]!;
      const here = [...path, name];
      const target = refAt.get(here.join('.'));
      if (target) {
        const ref = referenceTo(target, made);
        if (!ref) throw new Error(`${def.name}: nothing made yet for ${target} (${here.join('.')})`);
        out[name] = ref;
      } else if (p.type === 'object') out[name] = obj(p, here, depth + 1);
      else if (p.type === 'array') {
        const items = p.items as Json;
        out[name] = [
          items.type === 'object' ? obj(items, [...here, '*'], depth + 1) : scalar(items, name, variant, seed),
        ];
      } else out[name] = scalar(p, name, variant, seed);
    }
    return out;
  };
  return obj(def.schema as unknown as Json, [], 0);
}

/** The canonical-mapped resources, for which a generated minimal document would break the canonical rules. */
const CANONICAL_FIXTURES: Record<string, (studentId: string) => Json> = {
  localEducationAgencies: () => lea(),
  schools: () => school(),
  students: (id) => student(id),
  studentSchoolAssociations: (id) => ssa(id),
  programs: () => program(),
  studentMigrantEducationProgramAssociations: (id) => smepa(id),
};

/**
 * A document of `def` the gateway accepts, for the tests that run every resource: the canonical-mapped resources
 * get documents the canonical rules accept (of the student `studentId`), every other one its minimal document.
 */
export function acceptedDocument(def: ResourceDef, made: ReadonlyMap<string, Json>, studentId: string, seed: number) {
  return CANONICAL_FIXTURES[def.name]?.(studentId) ?? minimalDocument(def, made, 1, seed);
}
