import { Descriptor, EdfiObject, EducationOrganizationReference, KeyString, Collection, OptString } from '../common.js';
import type { ResourceDef } from '../resource.js';

export const ProgramSchema = EdfiObject(
  {
    educationOrganizationReference: EducationOrganizationReference,
    programName: KeyString(60),
    programTypeDescriptor: Descriptor('ProgramTypeDescriptor'),
    programId: OptString(20),
    sponsors: Collection(EdfiObject({ programSponsorDescriptor: Descriptor('ProgramSponsorDescriptor') })),
  },
  'A program an education organization runs, such as "Migrant Education".',
);

export const programs: ResourceDef = {
  name: 'programs',
  entity: 'Program',
  description: 'Programs, referenced by studentMigrantEducationProgramAssociations.',
  schema: ProgramSchema,
  identity: [
    { name: 'educationOrganizationId', path: ['educationOrganizationReference', 'educationOrganizationId'] },
    { name: 'programName', path: ['programName'] },
    { name: 'programTypeDescriptor', path: ['programTypeDescriptor'], descriptor: true },
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
