import { Type } from 'typebox';
import {
  Collection,
  Descriptor,
  EdfiDate,
  EdfiObject,
  EducationOrganizationReference,
  Opt,
  OptString,
  ProgramReference,
  StudentReference,
} from '../common.js';
import type { ResourceDef } from '../resource.js';

export const StudentMigrantEducationProgramAssociationSchema = EdfiObject(
  {
    studentReference: StudentReference,
    programReference: ProgramReference,
    educationOrganizationReference: EducationOrganizationReference,
    beginDate: EdfiDate(),
    endDate: Opt(EdfiDate()),
    priorityForServices: Type.Boolean({
      description: 'Priority for services (ESEA 1304(d)); the canonical enrollment priorityForServices.',
    }),
    lastQualifyingMove: EdfiDate(
      'Date of the last qualifying move; the canonical qualifyingArrivalDate when qualifyingArrivalDate is absent.',
    ),
    qualifyingArrivalDate: Opt(EdfiDate('The canonical qualifyingArrivalDate.')),
    eligibilityExpirationDate: Opt(EdfiDate()),
    stateResidencyDate: Opt(EdfiDate('The canonical enrollment residencyDate.')),
    usInitialEntry: Opt(EdfiDate()),
    usMostRecentEntry: Opt(EdfiDate()),
    usInitialSchoolEntry: Opt(EdfiDate()),
    continuationOfServicesReasonDescriptor: Opt(Descriptor('ContinuationOfServicesReasonDescriptor')),
    reasonExitedDescriptor: Opt(Descriptor('ReasonExitedDescriptor')),
    servedOutsideOfRegularSession: Opt(Type.Boolean()),
    migrantEducationProgramServices: Collection(
      EdfiObject({
        migrantEducationProgramServiceDescriptor: Descriptor('MigrantEducationProgramServiceDescriptor'),
        primaryIndicator: Opt(Type.Boolean()),
        serviceBeginDate: Opt(EdfiDate()),
        serviceEndDate: Opt(EdfiDate()),
      }),
    ),
    programParticipationStatuses: Collection(
      EdfiObject({
        participationStatusDescriptor: Descriptor('ParticipationStatusDescriptor'),
        statusBeginDate: EdfiDate(),
        statusEndDate: Opt(EdfiDate()),
        designatedBy: OptString(60),
      }),
    ),
  },
  'A student in the Migrant Education Program: eligibility (qualifying move) and priority for services.',
);

export const studentMigrantEducationProgramAssociations: ResourceDef = {
  name: 'studentMigrantEducationProgramAssociations',
  entity: 'StudentMigrantEducationProgramAssociation',
  description:
    'Migrant Education Program participation: qualifying moves, eligibility, priority for services, ' +
    'continuation of services.',
  schema: StudentMigrantEducationProgramAssociationSchema,
  identity: [
    { name: 'beginDate', path: ['beginDate'] },
    { name: 'educationOrganizationId', path: ['educationOrganizationReference', 'educationOrganizationId'] },
    { name: 'programEducationOrganizationId', path: ['programReference', 'educationOrganizationId'] },
    { name: 'programName', path: ['programReference', 'programName'] },
    { name: 'programTypeDescriptor', path: ['programReference', 'programTypeDescriptor'], descriptor: true },
    { name: 'studentUniqueId', path: ['studentReference', 'studentUniqueId'] },
  ],
  references: [
    { property: 'studentReference', target: 'students', targetEntity: 'Student' },
    { property: 'programReference', target: 'programs', targetEntity: 'Program' },
    {
      property: 'educationOrganizationReference',
      target: 'educationOrganizations',
      targetEntity: 'EducationOrganization',
    },
  ],
  studentScoped: true,
  order: 3,
};
