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
  /** The top-level property holding the reference (the first step of `path`). */
  property: string;
  /**
   * Where the reference object sits when it is not a top-level property: `['classPeriods', '*',
   * 'classPeriodReference']` (`*` steps into every item of a collection).
   */
  path?: readonly string[];
  /**
   * A resource name, or an abstract family (`educationOrganizations`, `generalStudentProgramAssociations`) whose
   * members it may point at.
   */
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
  /** URL project segment: `ed-fi` (the default) or `tpdm`. */
  project?: string;
  /** The abstract family whose references also find this resource (its alias key). */
  family?: string;
  /** The model lets PUT change the natural key (cascading to the documents that reference it). */
  keyUpdatable?: boolean;
  /**
   * Generated from the Data Standard model and only stored and served: it feeds no canonical record and costs no
   * matching work.
   */
  generated?: boolean;
}
