/**
 * The Ed-Fi resources the gateway serves, in load (dependency) order. Adding a
 * resource is adding a definition here: routes, validation, storage, queries,
 * change queries and the OpenAPI all come from the definitions.
 */
import type { ResourceDef } from './resource.js';
import { localEducationAgencies } from './resources/local-education-agencies.js';
import { schools } from './resources/schools.js';
import { programs } from './resources/programs.js';
import { courses } from './resources/courses.js';
import { assessments } from './resources/assessments.js';
import { students } from './resources/students.js';
import { studentSchoolAssociations } from './resources/student-school-associations.js';
import { studentEducationOrganizationAssociations } from './resources/student-education-organization-associations.js';
// biome-ignore format: on one line this import is 123 characters
import {
  studentMigrantEducationProgramAssociations,
} from './resources/student-migrant-education-program-associations.js';
import { studentAcademicRecords } from './resources/student-academic-records.js';
import { courseTranscripts } from './resources/course-transcripts.js';
import { studentAssessments } from './resources/student-assessments.js';
import { MODEL, descriptorDef, generatedDef, loadOrder, modelResource } from './model/index.js';
import { DESCRIPTOR_LISTS } from './descriptors.js';

/** The resources that feed the canonical record: written by hand, with the canonical mapping in core/edfi. */
const MAPPED: readonly ResourceDef[] = [
  localEducationAgencies,
  schools,
  assessments,
  students,
  programs,
  courses,
  studentSchoolAssociations,
  studentEducationOrganizationAssociations,
  studentMigrantEducationProgramAssociations,
  studentAssessments,
  studentAcademicRecords,
  courseTranscripts,
];

const ORDER = loadOrder();

type SchemaNode = Record<string, unknown> & { properties?: Record<string, SchemaNode>; items?: SchemaNode };

/**
 * A hand-written schema completed with what the model's schema has beyond it: every property of the Data Standard
 * the hand-written one does not list (Student `personReference`, an enrollment's `calendarReference`, a child
 * object's members) is validated by the model's own rule and kept, so a client reads back everything valid it sent.
 * Where both have a property, the hand-written rule stands (the canonical mapping relies on it).
 */
function completed(hand: SchemaNode, model: SchemaNode | undefined): SchemaNode {
  if (!model) return hand;
  if (hand.properties && model.properties) {
    const properties: Record<string, SchemaNode> = {};
    for (const [k, v] of Object.entries(hand.properties)) properties[k] = completed(v, model.properties[k]);
    for (const [k, v] of Object.entries(model.properties)) if (!(k in properties)) properties[k] = v;
    return { ...hand, properties };
  }
  if (hand.items && model.items) return { ...hand, items: completed(hand.items, model.items) };
  return hand;
}

/**
 * A hand-written definition with the model's schema beyond it (see {@link completed}). Its references stay the
 * hand-written ones: a reference only the model lists (Student `personReference`) is kept and returned, not checked.
 */
function withModel(d: ResourceDef): ResourceDef {
  const m = modelResource(d.name);
  if (!m) return d;
  const schema = completed(d.schema as unknown as SchemaNode, m.schema as unknown as SchemaNode);
  return { ...d, schema: schema as unknown as ResourceDef['schema'] };
}
const mappedNames = new Set(MAPPED.map((d) => d.name));

/**
 * Every resource of the Data Standard 5 model: the mapped ones as written by hand (with the model's load order and
 * family), every other one generated from the model.
 */
export const RESOURCES: readonly ResourceDef[] = [
  ...MAPPED.map((d): ResourceDef => {
    const family = modelResource(d.name)?.family;
    return { ...withModel(d), order: ORDER.get(d.name) ?? d.order, ...(family ? { family } : {}) };
  }),
  ...MODEL.resources.filter((r) => !mappedNames.has(r.name)).map((r) => generatedDef(r, ORDER.get(r.name) ?? 0)),
  // Descriptor types the gateway has no list of: writable, in the state's own namespaces.
  ...MODEL.descriptors.filter((t) => !DESCRIPTOR_LISTS.has(t)).map(descriptorDef),
].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));

const byLowerName = new Map(RESOURCES.map((r) => [r.name.toLowerCase(), r]));
const byName = new Map(RESOURCES.map((r) => [r.name, r]));

/** The resource of a URL segment; route names are case-insensitive, as the ODS/API treats them. */
export function findResource(segment: string): ResourceDef | undefined {
  return byLowerName.get(segment.toLowerCase());
}

export function resourceNamed(name: string): ResourceDef {
  const r = byName.get(name);
  if (!r) throw new Error(`no Ed-Fi resource ${name}`);
  return r;
}

export type { ResourceDef } from './resource.js';
