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

export const CourseSchema = EdfiObject(
  {
    courseCode: KeyString(60),
    educationOrganizationReference: EducationOrganizationReference,
    courseTitle: ReqString(60),
    numberOfParts: Type.Integer({ minimum: 1, maximum: 8 }),
    identificationCodes: Type.Array(
      EdfiObject({
        courseIdentificationSystemDescriptor: Descriptor('CourseIdentificationSystemDescriptor'),
        identificationCode: ReqString(60),
        assigningOrganizationIdentificationCode: OptString(60),
        courseCatalogURL: OptString(255, 5),
      }),
      { minItems: 1 },
    ),
    academicSubjects: Collection(EdfiObject({ academicSubjectDescriptor: Descriptor('AcademicSubjectDescriptor') })),
    levelCharacteristics: Collection(
      EdfiObject({ courseLevelCharacteristicDescriptor: Descriptor('CourseLevelCharacteristicDescriptor') }),
    ),
    offeredGradeLevels: Collection(EdfiObject({ gradeLevelDescriptor: Descriptor('GradeLevelDescriptor') })),
    courseDescription: OptString(1024),
    courseDefinedByDescriptor: Opt(Descriptor('CourseDefinedByDescriptor')),
    courseGPAApplicabilityDescriptor: Opt(Descriptor('CourseGPAApplicabilityDescriptor')),
    highSchoolCourseRequirement: Opt(Type.Boolean()),
    maximumAvailableCredits: Opt(Type.Number({ minimum: 0 })),
    maximumAvailableCreditTypeDescriptor: Opt(Descriptor('CreditTypeDescriptor')),
    minimumAvailableCredits: Opt(Type.Number({ minimum: 0 })),
    minimumAvailableCreditTypeDescriptor: Opt(Descriptor('CreditTypeDescriptor')),
  },
  'A course in the catalog of an education organization. Its title and subject fill the canonical course.',
);

export const courses: ResourceDef = {
  name: 'courses',
  entity: 'Course',
  description: 'Course catalog entries, referenced by courseTranscripts.',
  schema: CourseSchema,
  identity: [
    { name: 'courseCode', path: ['courseCode'] },
    { name: 'educationOrganizationId', path: ['educationOrganizationReference', 'educationOrganizationId'] },
  ],
  references: [
    {
      property: 'educationOrganizationReference',
      target: 'educationOrganizations',
      targetEntity: 'EducationOrganization',
    },
  ],
  studentScoped: false,
  order: 2,
};
