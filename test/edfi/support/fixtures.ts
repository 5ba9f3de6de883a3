/** Small Ed-Fi documents shaped like the Grand Bend sample data (LEA 255901, school 255901001). */
export const LEA_ID = 255901;
export const SCHOOL_ID = 255901001;

export const lea = (id = LEA_ID) => ({
  localEducationAgencyId: id,
  nameOfInstitution: 'Grand Bend ISD',
  categories: [
    {
      educationOrganizationCategoryDescriptor:
        'uri://ed-fi.org/EducationOrganizationCategoryDescriptor#Local Education Agency',
    },
  ],
  localEducationAgencyCategoryDescriptor: 'uri://ed-fi.org/LocalEducationAgencyCategoryDescriptor#Independent',
  identificationCodes: [
    {
      educationOrganizationIdentificationSystemDescriptor:
        'uri://ed-fi.org/EducationOrganizationIdentificationSystemDescriptor#NCES',
      identificationCode: '4820010',
    },
  ],
});

export const school = (id = SCHOOL_ID, leaId = LEA_ID) => ({
  schoolId: id,
  nameOfInstitution: 'Grand Bend High School',
  educationOrganizationCategories: [
    { educationOrganizationCategoryDescriptor: 'uri://ed-fi.org/EducationOrganizationCategoryDescriptor#School' },
  ],
  gradeLevels: [{ gradeLevelDescriptor: 'uri://ed-fi.org/GradeLevelDescriptor#Ninth grade' }],
  localEducationAgencyReference: { localEducationAgencyId: leaId },
  identificationCodes: [
    {
      educationOrganizationIdentificationSystemDescriptor:
        'uri://ed-fi.org/EducationOrganizationIdentificationSystemDescriptor#NCES',
      identificationCode: '482001000001',
    },
  ],
  addresses: [
    {
      addressTypeDescriptor: 'uri://ed-fi.org/AddressTypeDescriptor#Physical',
      stateAbbreviationDescriptor: 'uri://ed-fi.org/StateAbbreviationDescriptor#TX',
      city: 'Grand Bend',
      postalCode: '73334',
      streetNumberName: '456 Elm Street',
    },
  ],
});

export const student = (id: string, over: Record<string, unknown> = {}) => ({
  studentUniqueId: id,
  firstName: 'Maria',
  lastSurname: 'Garcia',
  birthDate: '2010-04-02',
  ...over,
});

export const ssa = (studentId: string, over: Record<string, unknown> = {}) => ({
  studentReference: { studentUniqueId: studentId },
  schoolReference: { schoolId: SCHOOL_ID },
  entryDate: '2025-08-20',
  entryGradeLevelDescriptor: 'uri://ed-fi.org/GradeLevelDescriptor#Ninth grade',
  ...over,
});

export const program = () => ({
  educationOrganizationReference: { educationOrganizationId: LEA_ID },
  programName: 'Migrant Education',
  programTypeDescriptor: 'uri://ed-fi.org/ProgramTypeDescriptor#Migrant Education',
});

export const smepa = (studentId: string, over: Record<string, unknown> = {}) => ({
  studentReference: { studentUniqueId: studentId },
  programReference: {
    educationOrganizationId: LEA_ID,
    programName: 'Migrant Education',
    programTypeDescriptor: 'uri://ed-fi.org/ProgramTypeDescriptor#Migrant Education',
  },
  educationOrganizationReference: { educationOrganizationId: LEA_ID },
  beginDate: '2025-08-01',
  priorityForServices: true,
  lastQualifyingMove: '2025-07-15',
  ...over,
});
