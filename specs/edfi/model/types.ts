/** The compiled Data Standard model (`ds5.json`), as `scripts/edfi-model.ts` writes it. */
export type Json = Record<string, unknown>;

/** One natural-key field, named as the ODS/API names it in queries, `keyValues` and references. */
export interface ModelIdentityField {
  name: string;
  path: string[];
  descriptor?: boolean;
}

/**
 * A reference a document makes. `path` leads to the reference object; `*` steps into every item of a collection.
 * The reference object's fields are named like the target's identity fields.
 */
export interface ModelReference {
  path: string[];
  target: string;
  targetEntity: string;
}

export interface ModelResource {
  /** Collection name in the URL: `academicWeeks`. */
  name: string;
  /** URL project segment: `ed-fi` or `tpdm`. */
  project: string;
  entity: string;
  description: string;
  schema: Json;
  identity: ModelIdentityField[];
  references: ModelReference[];
  /** The model allows the natural key to change on PUT (`x-Ed-Fi-isUpdatable`). */
  updatable: boolean;
  /** The abstract family whose references also find this resource (`educationOrganizations`…). */
  family?: string;
}

/** An abstract entity a reference may point at: any of `members`, keyed by `fields`. */
export interface ModelFamily {
  name: string;
  entity: string;
  fields: string[];
  members: string[];
}

export interface Model {
  source: string;
  resources: ModelResource[];
  families: ModelFamily[];
  /** Every descriptor type of the Data Standard (`GradeLevelDescriptor`), each served as a descriptor resource. */
  descriptors: string[];
}
