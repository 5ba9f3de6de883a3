import { describe, expect, it } from 'vitest';
import { RESOURCES, findResource, resourceNamed } from '../../specs/edfi/catalog.js';
import { jsonPath, validateDocument } from '../../specs/edfi/validation.js';

const students = resourceNamed('students');
const valid = () => ({ studentUniqueId: '604821', firstName: 'Tyrone', lastSurname: 'Dyer', birthDate: '2014-11-13' });

describe('Ed-Fi document validation', () => {
  it('compiles every resource schema', () => {
    for (const r of RESOURCES) expect(validateDocument(r.schema, {}).kind).toBe('invalid');
  });

  it('reports missing required fields keyed by JSON path, like the DMS', () => {
    const r = validateDocument(resourceNamed('studentSchoolAssociations').schema, { schoolReference: {} });
    expect(r).toEqual({
      kind: 'invalid',
      validationErrors: expect.objectContaining({
        '$.studentReference': ['studentReference is required.'],
        '$.entryDate': ['entryDate is required.'],
        '$.entryGradeLevelDescriptor': ['entryGradeLevelDescriptor is required.'],
        '$.schoolReference.schoolId': ['schoolId is required.'],
      }),
    });
  });

  it('refuses wrong types, bad dates, blank and padded keys, too-long values and unknown descriptors', () => {
    const r = validateDocument(students.schema, {
      ...valid(),
      studentUniqueId: ' 604821',
      firstName: '   ',
      lastSurname: 'x'.repeat(76),
      birthDate: '2014-02-30',
      multipleBirthStatus: 'yes',
      birthSexDescriptor: 'uri://ed-fi.org/SexDescriptor#Fmale',
    });
    expect(r.kind).toBe('invalid');
    if (r.kind !== 'invalid') return;
    expect(r.validationErrors['$.studentUniqueId']).toEqual([
      'studentUniqueId cannot contain leading or trailing spaces.',
    ]);
    expect(r.validationErrors['$.firstName']).toEqual(['firstName cannot contain leading or trailing spaces.']);
    expect(r.validationErrors['$.lastSurname']).toEqual(['lastSurname Value should be at most 75 characters']);
    expect(r.validationErrors['$.birthDate']).toEqual(['birthDate must be a valid date in the form YYYY-MM-DD.']);
    expect(r.validationErrors['$.multipleBirthStatus']).toEqual([
      'multipleBirthStatus must be of type boolean, but it is string.',
    ]);
    expect(r.validationErrors['$.birthSexDescriptor']![0]).toMatch(
      /^SexDescriptor value 'uri:\/\/ed-fi.org\/sexdescriptor#fmale' does not exist\. Valid values: /,
    );
  });

  it('says an empty key is required rather than too short', () => {
    const r = validateDocument(students.schema, { ...valid(), studentUniqueId: '' });
    expect(r.kind === 'invalid' && r.validationErrors['$.studentUniqueId']).toEqual([
      'studentUniqueId is required and should not be left empty.',
    ]);
  });

  it('drops properties the resource does not have (overposting) and nulls, keeping the rest', () => {
    const body = {
      ...valid(),
      newField: 'x',
      middleName: null,
      otherNames: [
        {
          otherNameTypeDescriptor: 'uri://ed-fi.org/OtherNameTypeDescriptor#Alias',
          firstName: 'T',
          lastSurname: 'D',
          extra: 1,
        },
      ],
    };
    const r = validateDocument(students.schema, body);
    expect(r).toEqual({
      kind: 'ok',
      doc: {
        ...valid(),
        otherNames: [
          {
            otherNameTypeDescriptor: 'uri://ed-fi.org/OtherNameTypeDescriptor#Alias',
            firstName: 'T',
            lastSurname: 'D',
          },
        ],
      },
    });
  });

  it('accepts a migrant program association shaped like the research example', () => {
    const r = validateDocument(resourceNamed('studentMigrantEducationProgramAssociations').schema, {
      studentReference: { studentUniqueId: '605078' },
      programReference: {
        educationOrganizationId: 255901,
        programName: 'Migrant Education',
        programTypeDescriptor: 'uri://ed-fi.org/ProgramTypeDescriptor#Migrant Education',
      },
      educationOrganizationReference: { educationOrganizationId: 255901 },
      beginDate: '2021-08-30',
      priorityForServices: false,
      lastQualifyingMove: '2021-08-31',
      qualifyingArrivalDate: '2021-08-15',
      eligibilityExpirationDate: '2024-08-14',
      continuationOfServicesReasonDescriptor:
        'uri://ed-fi.org/ContinuationofServicesReasonDescriptor#Ceased to be migratory during school term',
      migrantEducationProgramServices: [
        {
          migrantEducationProgramServiceDescriptor:
            'uri://ed-fi.org/MigrantEducationProgramServiceDescriptor#Reading Instruction',
          primaryIndicator: true,
        },
      ],
    });
    expect(r.kind).toBe('ok');
  });

  it('finds resources by any case of their name and writes JSON paths the Ed-Fi way', () => {
    expect(findResource('StudentSchoolAssociations')?.name).toBe('studentSchoolAssociations');
    expect(jsonPath('/addresses/0/city')).toBe('$.addresses[0].city');
  });
});
