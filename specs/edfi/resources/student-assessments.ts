import { Type } from 'typebox';
import {
  AssessmentReference,
  Collection,
  Descriptor,
  EdfiDateTime,
  EdfiObject,
  KeyString,
  Opt,
  OptString,
  ReqString,
  SchoolReference,
  SchoolYearTypeReference,
  StudentReference,
} from '../common.js';
import type { ResourceDef } from '../resource.js';

export const StudentAssessmentSchema = EdfiObject(
  {
    studentAssessmentIdentifier: KeyString(60),
    assessmentReference: AssessmentReference,
    studentReference: StudentReference,
    schoolYearTypeReference: Opt(SchoolYearTypeReference),
    reportedSchoolReference: Opt(SchoolReference),
    administrationDate: Opt(EdfiDateTime('The canonical administrationDate (month and year).')),
    administrationEndDate: Opt(EdfiDateTime()),
    administrationEnvironmentDescriptor: Opt(Descriptor('AdministrationEnvironmentDescriptor')),
    administrationLanguageDescriptor: Opt(Descriptor('LanguageDescriptor')),
    platformTypeDescriptor: Opt(Descriptor('PlatformTypeDescriptor')),
    reasonNotTestedDescriptor: Opt(Descriptor('ReasonNotTestedDescriptor')),
    retestIndicatorDescriptor: Opt(Descriptor('RetestIndicatorDescriptor')),
    whenAssessedGradeLevelDescriptor: Opt(Descriptor('GradeLevelDescriptor')),
    eventDescription: OptString(1024),
    serialNumber: OptString(60),
    assessedMinutes: Opt(Type.Integer({ minimum: 0 })),
    scoreResults: Collection(
      EdfiObject({
        assessmentReportingMethodDescriptor: Descriptor('AssessmentReportingMethodDescriptor'),
        resultDatatypeTypeDescriptor: Descriptor('ResultDatatypeTypeDescriptor'),
        result: ReqString(35),
      }),
    ),
    performanceLevels: Collection(
      EdfiObject({
        assessmentReportingMethodDescriptor: Descriptor('AssessmentReportingMethodDescriptor'),
        performanceLevelDescriptor: Descriptor('PerformanceLevelDescriptor'),
        performanceLevelIndicatorName: OptString(60),
      }),
    ),
    accommodations: Collection(EdfiObject({ accommodationDescriptor: Descriptor('AccommodationDescriptor') })),
  },
  'One administration of an assessment to a student, with its scores: one canonical assessment.',
);

export const studentAssessments: ResourceDef = {
  name: 'studentAssessments',
  entity: 'StudentAssessment',
  description: 'Assessment results: each becomes an assessment of the canonical record.',
  schema: StudentAssessmentSchema,
  identity: [
    { name: 'assessmentIdentifier', path: ['assessmentReference', 'assessmentIdentifier'] },
    { name: 'namespace', path: ['assessmentReference', 'namespace'] },
    { name: 'studentAssessmentIdentifier', path: ['studentAssessmentIdentifier'] },
    { name: 'studentUniqueId', path: ['studentReference', 'studentUniqueId'] },
  ],
  references: [
    { property: 'studentReference', target: 'students', targetEntity: 'Student' },
    { property: 'assessmentReference', target: 'assessments', targetEntity: 'Assessment' },
    { property: 'reportedSchoolReference', target: 'schools', targetEntity: 'School' },
  ],
  studentScoped: true,
  order: 3,
};
