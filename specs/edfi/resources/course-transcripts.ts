import { Type } from 'typebox';
import {
  Collection,
  CourseReference,
  Descriptor,
  EdfiObject,
  EducationOrganizationReference,
  Opt,
  OptString,
  StudentAcademicRecordReference,
} from '../common.js';
import type { ResourceDef } from '../resource.js';

export const CourseTranscriptSchema = EdfiObject(
  {
    studentAcademicRecordReference: StudentAcademicRecordReference,
    courseReference: CourseReference,
    courseAttemptResultDescriptor: Descriptor('CourseAttemptResultDescriptor'),
    courseTitle: OptString(60, 1, "The canonical courseTitle (the course's own title when absent)."),
    alternativeCourseTitle: OptString(60),
    attemptedCredits: Opt(Type.Number({ minimum: 0 })),
    attemptedCreditTypeDescriptor: Opt(Descriptor('CreditTypeDescriptor')),
    earnedCredits: Opt(Type.Number({ minimum: 0, description: 'The canonical creditsGranted.' })),
    earnedCreditTypeDescriptor: Opt(Descriptor('CreditTypeDescriptor')),
    finalLetterGradeEarned: OptString(20, 1, 'The canonical finalGrade.'),
    finalNumericGradeEarned: Opt(Type.Number()),
    whenTakenGradeLevelDescriptor: Opt(Descriptor('GradeLevelDescriptor')),
    methodCreditEarnedDescriptor: Opt(Descriptor('MethodCreditEarnedDescriptor')),
    courseRepeatCodeDescriptor: Opt(Descriptor('CourseRepeatCodeDescriptor')),
    externalEducationOrganizationReference: Opt(EducationOrganizationReference),
    externalEducationOrganizationNameOfInstitution: OptString(75),
    assigningOrganizationIdentificationCode: OptString(60),
    academicSubjects: Collection(EdfiObject({ academicSubjectDescriptor: Descriptor('AcademicSubjectDescriptor') })),
  },
  'One course a student took in one term, with its result and credits: one canonical course.',
);

export const courseTranscripts: ResourceDef = {
  name: 'courseTranscripts',
  entity: 'CourseTranscript',
  description:
    'Course history: each becomes a course of the canonical record (credits toward graduation across states).',
  schema: CourseTranscriptSchema,
  identity: [
    { name: 'courseAttemptResultDescriptor', path: ['courseAttemptResultDescriptor'], descriptor: true },
    { name: 'courseCode', path: ['courseReference', 'courseCode'] },
    { name: 'courseEducationOrganizationId', path: ['courseReference', 'educationOrganizationId'] },
    { name: 'educationOrganizationId', path: ['studentAcademicRecordReference', 'educationOrganizationId'] },
    { name: 'schoolYear', path: ['studentAcademicRecordReference', 'schoolYear'] },
    { name: 'studentUniqueId', path: ['studentAcademicRecordReference', 'studentUniqueId'] },
    { name: 'termDescriptor', path: ['studentAcademicRecordReference', 'termDescriptor'], descriptor: true },
  ],
  references: [
    {
      property: 'studentAcademicRecordReference',
      target: 'studentAcademicRecords',
      targetEntity: 'StudentAcademicRecord',
    },
    { property: 'courseReference', target: 'courses', targetEntity: 'Course' },
    {
      property: 'externalEducationOrganizationReference',
      target: 'educationOrganizations',
      targetEntity: 'EducationOrganization',
    },
  ],
  studentScoped: true,
  order: 4,
};
