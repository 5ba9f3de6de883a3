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

export const LocalEducationAgencySchema = EdfiObject(
  {
    localEducationAgencyId: EdOrgId('The LEA id; also its educationOrganizationId.'),
    nameOfInstitution: ReqString(75),
    shortNameOfInstitution: OptString(75),
    webSite: OptString(255, 5),
    categories: Type.Array(EdOrgCategory, { minItems: 1 }),
    localEducationAgencyCategoryDescriptor: Descriptor('LocalEducationAgencyCategoryDescriptor'),
    parentLocalEducationAgencyReference: Opt(LocalEducationAgencyReference),
    addresses: Collection(EdOrgAddress),
    identificationCodes: Collection(EdOrgIdentificationCode),
    institutionTelephones: Collection(EdOrgTelephone),
    indicators: Collection(EdOrgIndicator),
    charterStatusDescriptor: Opt(Descriptor('CharterStatusDescriptor')),
    operationalStatusDescriptor: Opt(Descriptor('OperationalStatusDescriptor')),
  },
  'A local education agency (district). Its NCES id becomes the canonical enrollment districtId.',
);

export const localEducationAgencies: ResourceDef = {
  name: 'localEducationAgencies',
  entity: 'LocalEducationAgency',
  description: 'Local education agencies (districts), referenced by schools and programs.',
  schema: LocalEducationAgencySchema,
  identity: [{ name: 'localEducationAgencyId', path: ['localEducationAgencyId'] }],
  references: [
    {
      property: 'parentLocalEducationAgencyReference',
      target: 'localEducationAgencies',
      targetEntity: 'LocalEducationAgency',
    },
  ],
  educationOrganizationIdField: 'localEducationAgencyId',
  studentScoped: false,
  order: 0,
};
