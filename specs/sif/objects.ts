/**
 * The SIF NA 4.x objects the gateway serves, and the schema facts the SIF reader and writer need: for each complex
 * type, its attributes, whether it carries text, and its child elements in schema order with whether each repeats.
 * Compiled from the NA 4.0 XSD by scripts/sif-schema.ts into na4-schema.json; StudentMigrant, which the 4.0 XSD lacks
 * (it arrived in NA 4.3), is written here from its object definition (specgen_input_na StudentMigrant.xml).
 */
import { createRequire } from 'node:module';

/** The SIF NA 4.x data-model namespace. */
export const SIF_NS = 'http://www.sifassociation.org/datamodel/na/4.x';

/** Objects compiled from the 4.0 XSD. */
export const SIF_SCHEMA_OBJECTS = [
  'StudentPersonal',
  'StudentSchoolEnrollment',
  'StudentSectionEnrollment',
  'StudentAcademicRecord',
  'StudentRecordExchange',
  'SchoolInfo',
  'LEAInfo',
] as const;

/** Every object the SIF surface serves, with its collection (plural) name. */
export const SIF_OBJECTS = {
  StudentPersonal: 'StudentPersonals',
  StudentSchoolEnrollment: 'StudentSchoolEnrollments',
  StudentSectionEnrollment: 'StudentSectionEnrollments',
  StudentAcademicRecord: 'StudentAcademicRecords',
  StudentMigrant: 'StudentMigrants',
  StudentRecordExchange: 'StudentRecordExchanges',
  SchoolInfo: 'SchoolInfos',
  LEAInfo: 'LEAInfos',
} as const;
export type SifObjectName = keyof typeof SIF_OBJECTS;

export const isSifObjectName = (v: string): v is SifObjectName => Object.hasOwn(SIF_OBJECTS, v);

/** One complex type: attributes, text content, children in schema order (`repeat` 1: the element may repeat). */
export interface SifTypeDef {
  attrs: string[];
  text: boolean;
  any?: boolean;
  children: [name: string, type: string | null, repeat: 0 | 1][];
}

export interface SifSchema {
  namespace: string;
  /** Object name -> its type name. */
  objects: Record<string, string>;
  types: Record<string, SifTypeDef>;
}

/** A token with an optional @Codeset, as most StudentMigrant elements are. */
const CODED = 'StudentMigrant/Coded';

/** StudentMigrant (NA 4.3 definition), element order as in the definition. */
const STUDENT_MIGRANT: Record<string, SifTypeDef> = {
  StudentMigrant: {
    attrs: ['RefId', 'StudentInfoRefId'],
    text: false,
    children: [
      ['ServicesType', CODED, 0],
      ['PrioritizedForServices', CODED, 0],
      ['QualifyingArrivalDate', null, 0],
      ['ProgramStartDate', null, 0],
      ['ProgramExitDate', null, 0],
      ['ContinuationOfServicesReason', CODED, 0],
      ['ContinuationOfServicesStatus', CODED, 0],
      ['LastQualifyingMoveDate', null, 0],
      ['ExpirationDate', null, 0],
      ['EnrollmentType', CODED, 0],
      ['ParticipationStatus', CODED, 0],
    ],
  },
  [CODED]: { attrs: ['Codeset'], text: true, children: [] },
};

let loaded: SifSchema | null = null;

/** The compiled schema, StudentMigrant included. */
export function sifSchema(): SifSchema {
  if (loaded) return loaded;
  const base = createRequire(import.meta.url)('./na4-schema.json') as SifSchema;
  loaded = {
    namespace: base.namespace,
    objects: { ...base.objects, StudentMigrant: 'StudentMigrant' },
    types: { ...base.types, ...STUDENT_MIGRANT },
  };
  return loaded;
}
