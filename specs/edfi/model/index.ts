/**
 * The Data Standard 5 resource surface as resource definitions, from the compiled model (`ds5.json`, made by
 * `scripts/edfi-model.ts` from the Ed-Fi Resource API OpenAPI). The hand-written definitions of
 * `specs/edfi/resources/` (the resources that feed the canonical record) take precedence; every other resource of the
 * model is served from its generated definition: validated, keyed, referenced, stored and served, feeding nothing
 * else.
 */
import { readFileSync } from 'node:fs';
import type { TObject } from 'typebox';
import type { ResourceDef } from '../resource.js';
import type { Model, ModelFamily, ModelResource } from './types.js';

export const MODEL: Model = JSON.parse(readFileSync(new URL('./ds5.json', import.meta.url), 'utf8')) as Model;

/** The abstract families references may point at, by name. */
export const FAMILIES: ReadonlyMap<string, ModelFamily> = new Map(MODEL.families.map((f) => [f.name, f]));

const modelByName = new Map(MODEL.resources.map((r) => [r.name, r]));

/** The model's resource of this name (hand-written resources have one too). */
export const modelResource = (name: string): ModelResource | undefined => modelByName.get(name);

/** A generated definition: everything from the model. */
export function generatedDef(r: ModelResource, order: number): ResourceDef {
  return {
    name: r.name,
    entity: r.entity,
    description: r.description,
    schema: r.schema as unknown as TObject,
    identity: r.identity,
    references: r.references.map((x) => ({
      property: x.path[0]!,
      ...(x.path.length > 1 ? { path: x.path } : {}),
      target: x.target,
      targetEntity: x.targetEntity,
    })),
    ...(r.family === 'educationOrganizations' ? { educationOrganizationIdField: r.identity[0]!.name } : {}),
    ...(r.family ? { family: r.family } : {}),
    ...(r.updatable ? { keyUpdatable: true } : {}),
    ...(r.project !== 'ed-fi' ? { project: r.project } : {}),
    studentScoped: false,
    order,
    generated: true,
  };
}

/**
 * Load order of every resource of the model: a resource comes after everything it references (a reference to a family
 * waits for all of its members). Self-references (a parent LEA) do not count. The number is the longest chain of
 * references below the resource, as the ODS groups its `dependencies`.
 */
export function loadOrder(): Map<string, number> {
  const deps = new Map<string, Set<string>>();
  for (const r of MODEL.resources) {
    const set = new Set<string>();
    for (const ref of r.references) {
      const fam = FAMILIES.get(ref.target);
      for (const t of fam ? fam.members : [ref.target]) if (t !== r.name) set.add(t);
    }
    deps.set(r.name, set);
  }
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (n: string): number => {
    const known = depth.get(n);
    if (known !== undefined) return known;
    if (visiting.has(n)) return 0; // a cycle (none in DS 5.0): break it
    visiting.add(n);
    let d = 0;
    for (const t of deps.get(n) ?? []) d = Math.max(d, visit(t) + 1);
    visiting.delete(n);
    depth.set(n, d);
    return d;
  };
  for (const r of MODEL.resources) visit(r.name);
  return depth;
}

/**
 * A descriptor type without a Data Standard list in the gateway (`specs/edfi/descriptors/`) as a resource of its
 * own: a state system writes its values in its own namespaces (`uri://ed-fi.org` is the Data Standard's and refused),
 * keyed by namespace and code value, stored and served like every generated resource.
 */
export function descriptorDef(type: string): ResourceDef {
  const str = (maxLength: number, extra: Record<string, unknown> = {}) => ({
    type: 'string',
    minLength: 1,
    maxLength,
    ...extra,
  });
  return {
    name: `${type.charAt(0).toLowerCase()}${type.slice(1)}s`,
    entity: type,
    description: `${type} values of a state's own namespaces.`,
    schema: {
      type: 'object',
      properties: {
        namespace: str(255, {
          'x-edfi-spaces': 'identity',
          pattern: '^(?!uri://ed-fi\\.org(?:/|$))',
          description: "The state's namespace, e.g. uri://tx.gov/" + type + ' (not uri://ed-fi.org).',
        }),
        codeValue: str(50, { 'x-edfi-spaces': 'identity' }),
        shortDescription: str(75, { 'x-edfi-spaces': 'required' }),
        description: str(1024),
        effectiveBeginDate: { type: 'string', format: 'date' },
        effectiveEndDate: { type: 'string', format: 'date' },
        priorDescriptorId: { type: 'integer' },
      },
      required: ['namespace', 'codeValue', 'shortDescription'],
      additionalProperties: false,
    } as unknown as TObject,
    identity: [
      { name: 'codeValue', path: ['codeValue'] },
      { name: 'namespace', path: ['namespace'], descriptor: true },
    ],
    references: [],
    studentScoped: false,
    order: 0,
    generated: true,
  };
}
