import { Type } from 'typebox';
import { Collection, Descriptor, EdfiDate, EdfiObject, KeyString, Opt, OptString, ReqString } from '../common.js';
import type { ResourceDef } from '../resource.js';

const OtherName = EdfiObject({
  otherNameTypeDescriptor: Descriptor('OtherNameTypeDescriptor'),
  firstName: ReqString(75),
  lastSurname: ReqString(75),
  middleName: OptString(75),
  generationCodeSuffix: OptString(10),
  personalTitlePrefix: OptString(30),
});

export const StudentSchema = EdfiObject(
  {
    studentUniqueId: KeyString(32, 1, "The state's unique id of the student; the canonical stateStudentId."),
    firstName: ReqString(75),
    lastSurname: ReqString(75),
    birthDate: EdfiDate(),
    middleName: OptString(75),
    maidenName: OptString(75),
    generationCodeSuffix: OptString(10),
    personalTitlePrefix: OptString(30),
    preferredFirstName: OptString(75),
    preferredLastSurname: OptString(75),
    birthCity: OptString(30, 2),
    birthCountryDescriptor: Opt(Descriptor('CountryDescriptor')),
    birthStateAbbreviationDescriptor: Opt(Descriptor('StateAbbreviationDescriptor')),
    birthInternationalProvince: OptString(150),
    birthSexDescriptor: Opt(Descriptor('SexDescriptor')),
    citizenshipStatusDescriptor: Opt(Descriptor('CitizenshipStatusDescriptor')),
    dateEnteredUS: Opt(EdfiDate()),
    multipleBirthStatus: Opt(Type.Boolean()),
    otherNames: Collection(OtherName),
  },
  'A student: identity and birth data. Demographics live on studentEducationOrganizationAssociations.',
);

export const students: ResourceDef = {
  name: 'students',
  entity: 'Student',
  description: 'Students: the canonical record identity (names, birth date and place).',
  schema: StudentSchema,
  identity: [{ name: 'studentUniqueId', path: ['studentUniqueId'] }],
  references: [],
  studentScoped: true,
  order: 0,
};
