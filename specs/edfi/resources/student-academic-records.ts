import { Type } from 'typebox';
import {
  Collection,
  Descriptor,
  EdfiDate,
  EdfiObject,
  EducationOrganizationReference,
  Opt,
  OptString,
  SchoolYearTypeReference,
  StudentReference,
} from '../common.js';
import type { ResourceDef } from '../resource.js';

const Credits = Opt(Type.Number({ minimum: 0 }));

export const StudentAcademicRecordSchema = EdfiObject(
  {
    studentReference: StudentReference,
    educationOrganizationReference: EducationOrganizationReference,
    schoolYearTypeReference: SchoolYearTypeReference,
    termDescriptor: Descriptor('TermDescriptor', 'The term; the canonical course termType.'),
    cumulativeEarnedCredits: Credits,
    cumulativeEarnedCreditTypeDescriptor: Opt(Descriptor('CreditTypeDescriptor')),
    cumulativeAttemptedCredits: Credits,
    cumulativeAttemptedCreditTypeDescriptor: Opt(Descriptor('CreditTypeDescriptor')),
    sessionEarnedCredits: Credits,
    sessionEarnedCreditTypeDescriptor: Opt(Descriptor('CreditTypeDescriptor')),
    sessionAttemptedCredits: Credits,
    sessionAttemptedCreditTypeDescriptor: Opt(Descriptor('CreditTypeDescriptor')),
    projectedGraduationDate: Opt(EdfiDate()),
    gradePointAverages: Collection(
      EdfiObject({
        gradePointAverageTypeDescriptor: Descriptor('GradePointAverageTypeDescriptor'),
        gradePointAverageValue: Type.Number({ minimum: 0 }),
        isCumulative: Opt(Type.Boolean()),
        maxGradePointAverageValue: Opt(Type.Number({ minimum: 0 })),
      }),
    ),
    diplomas: Collection(
      EdfiObject({
        diplomaTypeDescriptor: Descriptor('DiplomaTypeDescriptor'),
        diplomaAwardDate: EdfiDate('Sets the canonical graduationIndicator and graduationDate.'),
        diplomaLevelDescriptor: Opt(Descriptor('DiplomaLevelDescriptor')),
        diplomaDescription: OptString(80),
        cteCompleter: Opt(Type.Boolean()),
      }),
    ),
  },
  "A student's academic record for one term of one school year; its course transcripts are the canonical courses.",
);

export const studentAcademicRecords: ResourceDef = {
  name: 'studentAcademicRecords',
  entity: 'StudentAcademicRecord',
  description: 'Term records: the school year and term of the courses in courseTranscripts, credits, diplomas.',
  schema: StudentAcademicRecordSchema,
  identity: [
    { name: 'educationOrganizationId', path: ['educationOrganizationReference', 'educationOrganizationId'] },
    { name: 'schoolYear', path: ['schoolYearTypeReference', 'schoolYear'] },
    { name: 'studentUniqueId', path: ['studentReference', 'studentUniqueId'] },
    { name: 'termDescriptor', path: ['termDescriptor'], descriptor: true },
  ],
  references: [
    { property: 'studentReference', target: 'students', targetEntity: 'Student' },
    {
      property: 'educationOrganizationReference',
      target: 'educationOrganizations',
      targetEntity: 'EducationOrganization',
    },
  ],
  studentScoped: true,
  order: 3,
};
