import { Type } from 'typebox';
import {
  Collection,
  Descriptor,
  EdfiObject,
  EdOrgAddress,
  EdOrgCategory,
  EdOrgId,
  EdOrgIdentificationCode,
  EdOrgIndicator,
  EdOrgTelephone,
  LocalEducationAgencyReference,
  Opt,
  OptString,
  ReqString,
} from '../common.js';
import type { ResourceDef } from '../resource.js';

export const SchoolSchema = EdfiObject(
  {
    schoolId: EdOrgId('The school id; also its educationOrganizationId.'),
    nameOfInstitution: ReqString(75),
    shortNameOfInstitution: OptString(75),
    webSite: OptString(255, 5),
    educationOrganizationCategories: Type.Array(EdOrgCategory, { minItems: 1 }),
    gradeLevels: Type.Array(EdfiObject({ gradeLevelDescriptor: Descriptor('GradeLevelDescriptor') }), { minItems: 1 }),
    schoolCategories: Collection(EdfiObject({ schoolCategoryDescriptor: Descriptor('SchoolCategoryDescriptor') })),
    localEducationAgencyReference: Opt(LocalEducationAgencyReference),
    addresses: Collection(EdOrgAddress),
    identificationCodes: Collection(EdOrgIdentificationCode),
    institutionTelephones: Collection(EdOrgTelephone),
    indicators: Collection(EdOrgIndicator),
    operationalStatusDescriptor: Opt(Descriptor('OperationalStatusDescriptor')),
    schoolTypeDescriptor: Opt(Descriptor('SchoolTypeDescriptor')),
    charterStatusDescriptor: Opt(Descriptor('CharterStatusDescriptor')),
    titleIPartASchoolDesignationDescriptor: Opt(Descriptor('TitleIPartASchoolDesignationDescriptor')),
    administrativeFundingControlDescriptor: Opt(Descriptor('AdministrativeFundingControlDescriptor')),
  },
  'A school. Its NCES id (identificationCodes with the NCES system) becomes the canonical enrollment schoolId.',
);

export const schools: ResourceDef = {
  name: 'schools',
  entity: 'School',
  description: 'Schools of the state, referenced by enrollments, courses and transcripts.',
  schema: SchoolSchema,
  identity: [{ name: 'schoolId', path: ['schoolId'] }],
  references: [
    {
      property: 'localEducationAgencyReference',
      target: 'localEducationAgencies',
      targetEntity: 'LocalEducationAgency',
    },
  ],
  educationOrganizationIdField: 'schoolId',
  studentScoped: false,
  order: 1,
};
