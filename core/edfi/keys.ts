/**
 * Natural keys of Ed-Fi documents, as strings the store can index and
 * compare: a document's own key, its education-organization alias, and the
 * keys it references. Pure: the same document always gives the same keys.
 */
import { resourceNamed, type ResourceDef } from '../../specs/edfi/catalog.js';
import { FAMILIES } from '../../specs/edfi/model/index.js';

/** Key family of the abstract education organization (schools and LEAs answer to it). */
export const EDORG_FAMILY = 'educationOrganizations';

type Scalar = string | number | boolean;

function at(doc: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

const norm = (v: unknown, descriptor: boolean): Scalar =>
  descriptor && typeof v === 'string' ? v.trim().toLowerCase() : (v as Scalar);

/** The identity values of a valid document, by flattened name (`keyValues` of `/deletes`). */
export function keyValues(def: ResourceDef, doc: Record<string, unknown>): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const f of def.identity) out[f.name] = at(doc, f.path) as Scalar;
  return out;
}

function keyOf(family: string, values: Scalar[]): string {
  return `${family}|${JSON.stringify(values)}`;
}

/** The key a document is stored and referenced under. */
export function identityKey(def: ResourceDef, doc: Record<string, unknown>): string {
  return keyOf(
    def.name,
    def.identity.map((f) => norm(at(doc, f.path), !!f.descriptor)),
  );
}

const isDescriptorName = (name: string) => name.endsWith('Descriptor');

/**
 * For members of an abstract family: the key a reference to the family finds the document by (an
 * `educationOrganizationReference` finds a school; a `generalStudentProgramAssociationReference` a migrant program
 * association).
 */
export function aliasKey(def: ResourceDef, doc: Record<string, unknown>): string | null {
  if (def.educationOrganizationIdField) return keyOf(EDORG_FAMILY, [doc[def.educationOrganizationIdField] as Scalar]);
  const family = def.family ? FAMILIES.get(def.family) : undefined;
  if (!family) return null;
  const byName = new Map(def.identity.map((f) => [f.name, f]));
  return keyOf(
    family.name,
    family.fields.map((n) => {
      const f = byName.get(n);
      return norm(f ? at(doc, f.path) : undefined, isDescriptorName(n));
    }),
  );
}

/** One reference a document makes, with the key of its target. */
export interface DocReference {
  property: string;
  /** Where the reference object is in the document (collection items by index). */
  at: readonly (string | number)[];
  target: string;
  targetEntity: string;
  key: string;
}

/** Every object found at `path` (`*` steps into each item of an array), with its concrete location. */
function objectsAt(
  doc: unknown,
  path: readonly string[],
  prefix: (string | number)[] = [],
): { at: (string | number)[]; value: Record<string, unknown> }[] {
  if (doc === null || typeof doc !== 'object') return [];
  if (path.length === 0) return [{ at: prefix, value: doc as Record<string, unknown> }];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === '*') {
    if (!Array.isArray(doc)) return [];
    return doc.flatMap((item, i) => objectsAt(item, rest, [...prefix, i]));
  }
  return objectsAt((doc as Record<string, unknown>)[head], rest, [...prefix, head]);
}

/** The key a reference object points at. */
function targetKey(target: string, ref: Record<string, unknown>): string {
  if (target === EDORG_FAMILY) return keyOf(EDORG_FAMILY, [ref.educationOrganizationId as Scalar]);
  const family = FAMILIES.get(target);
  if (family)
    return keyOf(
      family.name,
      family.fields.map((n) => norm(ref[n], isDescriptorName(n))),
    );
  const def = resourceNamed(target);
  return keyOf(
    def.name,
    def.identity.map((f) => norm(ref[f.name], !!f.descriptor)),
  );
}

/** The references a valid document makes (optional references only when present). */
export function references(def: ResourceDef, doc: Record<string, unknown>): DocReference[] {
  const out: DocReference[] = [];
  for (const r of def.references) {
    if (!r.path) {
      const ref = doc[r.property] as Record<string, unknown> | undefined;
      if (!ref) continue;
      out.push({
        property: r.property,
        at: [r.property],
        target: r.target,
        targetEntity: r.targetEntity,
        key: targetKey(r.target, ref),
      });
      continue;
    }
    for (const o of objectsAt(doc, r.path))
      out.push({
        property: r.property,
        at: o.at,
        target: r.target,
        targetEntity: r.targetEntity,
        key: targetKey(r.target, o.value),
      });
  }
  return out;
}

/** The student a document belongs to, for student-scoped resources. */
export function studentOf(def: ResourceDef, doc: Record<string, unknown>): string | null {
  if (!def.studentScoped) return null;
  const f = def.identity.find((i) => i.name === 'studentUniqueId');
  return f ? (at(doc, f.path) as string) : null;
}
