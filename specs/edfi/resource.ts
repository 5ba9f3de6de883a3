import type { TObject } from 'typebox';

/** One natural-key field of a resource, flattened the way the ODS/API names it in queries and `keyValues`. */
export interface IdentityField {
  /**
   * Flattened name, e.g. `schoolId` for `schoolReference.schoolId`, `programEducationOrganizationId` for a role-named
   * one.
   */
  name: string;
  /** Where the value sits in the document. */
  path: readonly string[];
  /** Descriptor values compare case-insensitively, so keys hold them lower-cased. */
  descriptor?: boolean;
}

/**
 * A reference property checked on write (409 when the target does not exist)
 * and blocking the target's deletion. The reference object's fields are named
 * like the target's identity fields, so the target key is built by name.
 */
export interface ReferenceDef {
  property: string;
  /** A resource name, or `educationOrganizations` for the abstract education organization. */
  target: string;
  /** The entity named in messages and read-back links (`School`, `EducationOrganization`…). */
  targetEntity: string;
}

/**
 * One Ed-Fi resource the gateway serves: its schema (the single source of
 * type, validation and OpenAPI), natural key and references. The generic
 * handlers in core/edfi do everything else from this description.
 */
export interface ResourceDef {
  /** Collection name in the URL: `students`. */
  name: string;
  /** Entity name: `Student`. */
  entity: string;
  description: string;
  /** The document as written (without `id`, `_etag`, `_lastModifiedDate`). */
  schema: TObject;
  identity: readonly IdentityField[];
  references: readonly ReferenceDef[];
  /** For education organizations: the identity field that is also their `educationOrganizationId`. */
  educationOrganizationIdField?: string;
  /**
   * True when the resource belongs to one student (its identity has `studentUniqueId`): it feeds the canonical record.
   */
  studentScoped: boolean;
  /** Load order (the ODS `dependencies` order): a resource only references resources of a lower order. */
  order: number;
}
