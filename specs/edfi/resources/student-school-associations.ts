import { Type } from 'typebox';
import {
  Collection,
  Descriptor,
  EdfiDate,
  EdfiObject,
  Opt,
  SchoolReference,
  SchoolYearTypeReference,
  StudentReference,
} from '../common.js';
import type { ResourceDef } from '../resource.js';

export const StudentSchoolAssociationSchema = EdfiObject(
  {
    studentReference: StudentReference,
    schoolReference: SchoolReference,
    entryDate: EdfiDate('The first day of enrollment; the canonical enrollmentDate.'),
    entryGradeLevelDescriptor: Descriptor(
      'GradeLevelDescriptor',
      'Grade level at entry; the canonical enrollment gradeLevel.',
    ),
    entryGradeLevelReasonDescriptor: Opt(Descriptor('EntryGradeLevelReasonDescriptor')),
    entryTypeDescriptor: Opt(Descriptor('EntryTypeDescriptor')),
    enrollmentTypeDescriptor: Opt(
      Descriptor(
        'EnrollmentTypeDescriptor',
        'In the gateway namespace uri://msix-gateway.org/EnrollmentTypeDescriptor it carries the MSIX enrollment type.',
      ),
    ),
    exitWithdrawDate: Opt(EdfiDate('The last day of enrollment; the canonical withdrawalDate.')),
    exitWithdrawTypeDescriptor: Opt(Descriptor('ExitWithdrawTypeDescriptor')),
    schoolYearTypeReference: Opt(SchoolYearTypeReference),
    classOfSchoolYearTypeReference: Opt(SchoolYearTypeReference),
    nextYearSchoolReference: Opt(SchoolReference),
    nextYearGradeLevelDescriptor: Opt(Descriptor('GradeLevelDescriptor')),
    primarySchool: Opt(Type.Boolean()),
    repeatGradeIndicator: Opt(Type.Boolean()),
    residencyStatusDescriptor: Opt(Descriptor('ResidencyStatusDescriptor')),
    schoolChoice: Opt(Type.Boolean()),
    schoolChoiceTransfer: Opt(Type.Boolean()),
    termCompletionIndicator: Opt(Type.Boolean()),
    fullTimeEquivalency: Opt(Type.Number({ minimum: 0, maximum: 1 })),
    employedWhileEnrolled: Opt(Type.Boolean()),
    educationPlans: Collection(EdfiObject({ educationPlanDescriptor: Descriptor('EducationPlanDescriptor') })),
  },
  'A student enrolled in a school: one canonical enrollment.',
);

export const studentSchoolAssociations: ResourceDef = {
  name: 'studentSchoolAssociations',
  entity: 'StudentSchoolAssociation',
  description: 'Enrollments: each becomes an enrollment of the canonical record.',
  schema: StudentSchoolAssociationSchema,
  identity: [
    { name: 'entryDate', path: ['entryDate'] },
    { name: 'schoolId', path: ['schoolReference', 'schoolId'] },
    { name: 'studentUniqueId', path: ['studentReference', 'studentUniqueId'] },
  ],
  references: [
    { property: 'studentReference', target: 'students', targetEntity: 'Student' },
    { property: 'schoolReference', target: 'schools', targetEntity: 'School' },
    { property: 'nextYearSchoolReference', target: 'schools', targetEntity: 'School' },
  ],
  studentScoped: true,
  order: 3,
};
