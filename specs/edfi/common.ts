/**
 * Building blocks of the Ed-Fi resource schemas (Data Standard 5.2 names and
 * limits, as in the Ed-Fi Resource API OpenAPI). Each builder carries the
 * annotation the Ed-Fi validator understands, so one TypeBox schema is the
 * source of the TypeScript type, the ajv validation and the OpenAPI document.
 */
import { Type, type TSchema } from 'typebox';

/**
 * An Ed-Fi descriptor URI, `namespace#codeValue`, of the named descriptor type.
 * `x-edfi-descriptor` makes the validator check it against the descriptor list.
 */
export const Descriptor = (type: string, description?: string) =>
  Type.String({
    maxLength: 306,
    'x-edfi-descriptor': type,
    description: description ?? `A ${type} URI: namespace#codeValue.`,
  });

/** A string that is (part of) a natural key: no leading or trailing spaces, as the ODS/API and DMS require. */
export const KeyString = (maxLength: number, minLength = 1, description?: string) =>
  Type.String({ minLength, maxLength, 'x-edfi-spaces': 'identity', ...(description ? { description } : {}) });

/** A required string: must not be blank. */
export const ReqString = (maxLength: number, minLength = 1, description?: string) =>
  Type.String({ minLength, maxLength, 'x-edfi-spaces': 'required', ...(description ? { description } : {}) });

/** An optional string (blank is allowed, as the DMS allows it). */
export const OptString = (maxLength: number, minLength = 1, description?: string) =>
  Type.Optional(Type.String({ minLength, maxLength, ...(description ? { description } : {}) }));

export const EdfiDate = (description?: string) =>
  Type.String({ format: 'date', ...(description ? { description } : {}) });
export const EdfiDateTime = (description?: string) =>
  Type.String({ format: 'iso-date-time', ...(description ? { description } : {}) });

/**
 * Education organization ids are int64 in Ed-Fi; JSON numbers above 2^53 lose digits, so they stay within safe
 * integers.
 */
export const EdOrgId = (description?: string) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...(description ? { description } : {}) });

export const SchoolYear = () =>
  Type.Integer({
    minimum: 1900,
    maximum: 2100,
    description: 'The year the school year ends, e.g. 2022 for 2021-2022.',
  });

export const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

/**
 * An Ed-Fi object (a resource or a common type): properties not in it are dropped on write, as the DMS drops overposted
 * ones.
 */
export const EdfiObject = <P extends Parameters<typeof Type.Object>[0]>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });

/** An array of child objects (a collection in Ed-Fi terms). */
export const Collection = <T extends TSchema>(item: T) => Type.Optional(Type.Array(item));

// References: objects holding only the natural-key fields of the target.

export const StudentReference = EdfiObject({ studentUniqueId: KeyString(32) }, 'Reference to a student.');
export const SchoolReference = EdfiObject({ schoolId: EdOrgId() }, 'Reference to a school.');
export const LocalEducationAgencyReference = EdfiObject(
  { localEducationAgencyId: EdOrgId() },
  'Reference to a local education agency.',
);
export const EducationOrganizationReference = EdfiObject(
  { educationOrganizationId: EdOrgId() },
  'Reference to any education organization (a school or a local education agency here).',
);
export const SchoolYearTypeReference = EdfiObject({ schoolYear: SchoolYear() }, 'Reference to a school year.');
export const ProgramReference = EdfiObject(
  {
    educationOrganizationId: EdOrgId(),
    programName: KeyString(60),
    programTypeDescriptor: Descriptor('ProgramTypeDescriptor'),
  },
  'Reference to a program.',
);
export const CourseReference = EdfiObject(
  { courseCode: KeyString(60), educationOrganizationId: EdOrgId() },
  'Reference to a course.',
);
export const AssessmentReference = EdfiObject(
  { assessmentIdentifier: KeyString(60), namespace: KeyString(255) },
  'Reference to an assessment.',
);
export const StudentAcademicRecordReference = EdfiObject(
  {
    educationOrganizationId: EdOrgId(),
    schoolYear: SchoolYear(),
    studentUniqueId: KeyString(32),
    termDescriptor: Descriptor('TermDescriptor'),
  },
  'Reference to a student academic record.',
);

// Common types shared by the education organizations.

export const EdOrgCategory = EdfiObject({
  educationOrganizationCategoryDescriptor: Descriptor('EducationOrganizationCategoryDescriptor'),
});
export const EdOrgAddress = EdfiObject({
  addressTypeDescriptor: Descriptor('AddressTypeDescriptor'),
  stateAbbreviationDescriptor: Descriptor('StateAbbreviationDescriptor'),
  city: ReqString(30),
  postalCode: ReqString(17),
  streetNumberName: ReqString(150),
  apartmentRoomSuiteNumber: OptString(50),
  buildingSiteNumber: OptString(20),
  nameOfCounty: OptString(30),
  countyFIPSCode: OptString(5, 5),
  latitude: OptString(20),
  longitude: OptString(20),
  doNotPublishIndicator: Opt(Type.Boolean()),
});
export const EdOrgIdentificationCode = EdfiObject({
  educationOrganizationIdentificationSystemDescriptor: Descriptor(
    'EducationOrganizationIdentificationSystemDescriptor',
  ),
  identificationCode: ReqString(60),
});
export const EdOrgTelephone = EdfiObject({
  institutionTelephoneNumberTypeDescriptor: Descriptor('InstitutionTelephoneNumberTypeDescriptor'),
  telephoneNumber: ReqString(24),
});
export const EdOrgIndicator = EdfiObject({
  indicatorDescriptor: Descriptor('IndicatorDescriptor'),
  indicatorGroupDescriptor: Opt(Descriptor('IndicatorGroupDescriptor')),
  indicatorLevelDescriptor: Opt(Descriptor('IndicatorLevelDescriptor')),
  designatedBy: OptString(60),
  indicatorValue: OptString(60),
  periods: Collection(EdfiObject({ beginDate: EdfiDate(), endDate: Opt(EdfiDate()) })),
});
