import type { StateRecord } from '@msix/adapter-sdk/canonical';

/** A small valid canonical record; override what a test cares about. */
export function sampleRecord(
  over: Omit<Partial<StateRecord>, 'identity'> & { identity?: Partial<StateRecord['identity']> } = {},
): StateRecord {
  const { identity, ...rest } = over;
  return {
    stateCode: 'TX',
    stateStudentId: 'S1',
    identity: {
      firstName: 'Maria',
      lastName1: 'Garcia',
      lastName2: 'Lopez',
      sex: 'F',
      birthDate: '2010-04-02',
      ...identity,
    },
    enrollments: [{ enrollmentDate: '2025-08-20', enrollmentType: '01', gradeLevel: '09', schoolId: '484497005076' }],
    courses: [
      {
        courseTitle: 'Algebra I',
        subjectArea: 'Mathematics',
        beginAcademicYear: 2025,
        endAcademicYear: 2026,
        creditsGranted: 1,
      },
    ],
    ...rest,
  };
}
