import { Type } from 'typebox';
import {
  Collection,
  Descriptor,
  EdfiDate,
  EdfiObject,
  EducationOrganizationReference,
  Opt,
  OptString,
  ReqString,
  StudentReference,
} from '../common.js';
import type { ResourceDef } from '../resource.js';

const Period = EdfiObject({ beginDate: EdfiDate(), endDate: Opt(EdfiDate()) });

export const StudentEducationOrganizationAssociationSchema = EdfiObject(
  {
    studentReference: StudentReference,
    educationOrganizationReference: EducationOrganizationReference,
    sexDescriptor: Opt(Descriptor('SexDescriptor', 'The canonical identity sex.')),
    hispanicLatinoEthnicity: Opt(Type.Boolean()),
    genderIdentity: OptString(60),
    limitedEnglishProficiencyDescriptor: Opt(
      Descriptor('LimitedEnglishProficiencyDescriptor', 'Limited… sets the canonical lepIndicator.'),
    ),
    loginId: OptString(60),
    races: Collection(EdfiObject({ raceDescriptor: Descriptor('RaceDescriptor') })),
    studentIdentificationCodes: Collection(
      EdfiObject(
        {
          studentIdentificationSystemDescriptor: Descriptor('StudentIdentificationSystemDescriptor'),
          assigningOrganizationIdentificationCode: ReqString(60),
          identificationCode: ReqString(60),
        },
        'An id another system gives the student. MSIX ids and state migrant ids go here.',
      ),
    ),
    addresses: Collection(
      EdfiObject({
        addressTypeDescriptor: Descriptor('AddressTypeDescriptor'),
        stateAbbreviationDescriptor: Descriptor('StateAbbreviationDescriptor'),
        city: ReqString(30, 2),
        postalCode: ReqString(17),
        streetNumberName: ReqString(150),
        apartmentRoomSuiteNumber: OptString(50),
        nameOfCounty: OptString(30),
        doNotPublishIndicator: Opt(Type.Boolean()),
        periods: Collection(Period),
      }),
    ),
    telephones: Collection(
      EdfiObject({
        telephoneNumberTypeDescriptor: Descriptor('TelephoneNumberTypeDescriptor'),
        telephoneNumber: ReqString(24),
        doNotPublishIndicator: Opt(Type.Boolean()),
        orderOfPriority: Opt(Type.Integer({ minimum: 1 })),
        textMessageCapabilityIndicator: Opt(Type.Boolean()),
      }),
    ),
    electronicMails: Collection(
      EdfiObject({
        electronicMailTypeDescriptor: Descriptor('ElectronicMailTypeDescriptor'),
        electronicMailAddress: ReqString(128, 7),
        doNotPublishIndicator: Opt(Type.Boolean()),
        primaryEmailAddressIndicator: Opt(Type.Boolean()),
      }),
    ),
    languages: Collection(
      EdfiObject({
        languageDescriptor: Descriptor('LanguageDescriptor'),
        uses: Collection(EdfiObject({ languageUseDescriptor: Descriptor('LanguageUseDescriptor') })),
      }),
    ),
    disabilities: Collection(
      EdfiObject({
        disabilityDescriptor: Descriptor('DisabilityDescriptor'),
        disabilityDeterminationSourceTypeDescriptor: Opt(Descriptor('DisabilityDeterminationSourceTypeDescriptor')),
        disabilityDiagnosis: OptString(80),
        orderOfDisability: Opt(Type.Integer()),
      }),
    ),
    studentCharacteristics: Collection(
      EdfiObject({
        studentCharacteristicDescriptor: Descriptor('StudentCharacteristicDescriptor'),
        designatedBy: OptString(60),
        periods: Collection(Period),
      }),
    ),
  },
  'What one education organization knows of a student: sex, English proficiency, ids, addresses.',
);

export const studentEducationOrganizationAssociations: ResourceDef = {
  name: 'studentEducationOrganizationAssociations',
  entity: 'StudentEducationOrganizationAssociation',
  description: 'Demographics and ids of a student per education organization: sex, English learner status, MSIX id.',
  schema: StudentEducationOrganizationAssociationSchema,
  identity: [
    { name: 'educationOrganizationId', path: ['educationOrganizationReference', 'educationOrganizationId'] },
    { name: 'studentUniqueId', path: ['studentReference', 'studentUniqueId'] },
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
