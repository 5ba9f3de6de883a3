/**
 * Natural keys of Ed-Fi documents, as strings the store can index and
 * compare: a document's own key, its education-organization alias, and the
 * keys it references. Pure: the same document always gives the same keys.
 */
import { resourceNamed, type ResourceDef } from '../../specs/edfi/catalog.js';

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

/** For education organizations: the key an `educationOrganizationReference` finds it by. */
export function aliasKey(def: ResourceDef, doc: Record<string, unknown>): string | null {
  if (!def.educationOrganizationIdField) return null;
  return keyOf(EDORG_FAMILY, [doc[def.educationOrganizationIdField] as Scalar]);
}

/** One reference a document makes, with the key of its target. */
export interface DocReference {
  property: string;
  target: string;
  targetEntity: string;
  key: string;
}

/** The references a valid document makes (optional references only when present). */
export function references(def: ResourceDef, doc: Record<string, unknown>): DocReference[] {
  const out: DocReference[] = [];
  for (const r of def.references) {
    const ref = doc[r.property] as Record<string, unknown> | undefined;
    if (!ref) continue;
    let key: string;
    if (r.target === EDORG_FAMILY) key = keyOf(EDORG_FAMILY, [ref.educationOrganizationId as Scalar]);
    else {
      const target = resourceNamed(r.target);
      key = keyOf(
        target.name,
        target.identity.map((f) => norm(ref[f.name], !!f.descriptor)),
      );
    }
    out.push({ property: r.property, target: r.target, targetEntity: r.targetEntity, key });
  }
  return out;
}

/** The student a document belongs to, for student-scoped resources. */
export function studentOf(def: ResourceDef, doc: Record<string, unknown>): string | null {
  if (!def.studentScoped) return null;
  const f = def.identity.find((i) => i.name === 'studentUniqueId');
  return f ? (at(doc, f.path) as string) : null;
}
