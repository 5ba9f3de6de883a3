import { Type } from 'typebox';
import {
  Collection,
  Descriptor,
  EdfiObject,
  EducationOrganizationReference,
  KeyString,
  Opt,
  OptString,
  ReqString,
} from '../common.js';
import type { ResourceDef } from '../resource.js';

export const AssessmentSchema = EdfiObject(
  {
    assessmentIdentifier: KeyString(60),
    namespace: KeyString(255, 5),
    assessmentTitle: ReqString(255),
    academicSubjects: Type.Array(EdfiObject({ academicSubjectDescriptor: Descriptor('AcademicSubjectDescriptor') }), {
      minItems: 1,
    }),
    assessmentCategoryDescriptor: Opt(Descriptor('AssessmentCategoryDescriptor')),
    assessedGradeLevels: Collection(EdfiObject({ gradeLevelDescriptor: Descriptor('GradeLevelDescriptor') })),
    assessmentFamily: OptString(60),
    assessmentForm: OptString(60),
    assessmentVersion: Opt(Type.Integer()),
    educationOrganizationReference: Opt(EducationOrganizationReference),
    maxRawScore: Opt(Type.Number()),
    nomenclature: OptString(100),
    revisionDate: Opt(Type.String({ format: 'date' })),
  },
  'An assessment (test) definition. Its category decides the canonical assessment type.',
);

export const assessments: ResourceDef = {
  name: 'assessments',
  entity: 'Assessment',
  description: 'Assessment definitions, referenced by studentAssessments.',
  schema: AssessmentSchema,
  identity: [
    { name: 'assessmentIdentifier', path: ['assessmentIdentifier'] },
    { name: 'namespace', path: ['namespace'] },
  ],
  references: [
    {
      property: 'educationOrganizationReference',
      target: 'educationOrganizations',
      targetEntity: 'EducationOrganization',
    },
  ],
  studentScoped: false,
  order: 1,
};
