/**
 * The conformance suite's data: for every resource the gateway serves, how to
 * make its n-th distinct item (a new natural key each time), a change that
 * keeps the key, and the reference data the items point at. The generic
 * checks (upsert, ETags, query by example, paging, change queries, deletes)
 * run over this table, so a resource added to the table is checked like every
 * other.
 */
import { LEA_ID, SCHOOL_ID, lea, program, school, smepa, ssa, student } from '../edfi/support/fixtures.js';

export type Doc = Record<string, unknown>;

export interface ResourceCase {
  resource: string;
  /** The n-th item (n from 1): a distinct natural key for each n. */
  make(n: number): Doc;
  /** A change to a non-key field. */
  change(doc: Doc): Doc;
}

const NS = 'uri://gbisd.edu/Assessment';
const TERM = 'uri://ed-fi.org/TermDescriptor#Fall Semester';
/** The student most student-scoped items belong to, and one student per SEOA item. */
export const STUDENT = '900001';
const seoaStudent = (n: number) => `91000${n}`;
const courseCode = (n: number) => `ALG-${n}`;

const course = (code: string): Doc => ({
  courseCode: code,
  educationOrganizationReference: { educationOrganizationId: LEA_ID },
  courseTitle: 'Algebra I',
  numberOfParts: 1,
  identificationCodes: [
    {
      courseIdentificationSystemDescriptor: 'uri://ed-fi.org/CourseIdentificationSystemDescriptor#LEA course code',
      identificationCode: code,
    },
  ],
  academicSubjects: [{ academicSubjectDescriptor: 'uri://ed-fi.org/AcademicSubjectDescriptor#Mathematics' }],
});

const assessment = (id: string): Doc => ({
  assessmentIdentifier: id,
  namespace: NS,
  assessmentTitle: 'Reading Benchmark',
  academicSubjects: [{ academicSubjectDescriptor: 'uri://ed-fi.org/AcademicSubjectDescriptor#Composite' }],
});

const sar = (studentId: string, schoolYear: number): Doc => ({
  studentReference: { studentUniqueId: studentId },
  educationOrganizationReference: { educationOrganizationId: SCHOOL_ID },
  schoolYearTypeReference: { schoolYear },
  termDescriptor: TERM,
});

/** What every case's items reference, in load order (written once before the suite). */
export const REFERENCE_DATA: [string, Doc][] = [
  ['localEducationAgencies', lea()],
  ['schools', school()],
  ['students', student(STUDENT)],
  ...[1, 2, 3, 4, 5, 6].map((n): [string, Doc] => ['students', student(seoaStudent(n))]),
  ['programs', program()],
  ['assessments', assessment('BASE-1')],
  ...[1, 2, 3, 4, 5, 6].map((n): [string, Doc] => ['courses', course(courseCode(n))]),
  ['studentAcademicRecords', sar(STUDENT, 2025)],
];

const day = (n: number) => `2025-08-${String(10 + n).padStart(2, '0')}`;

export const RESOURCE_CASES: ResourceCase[] = [
  {
    resource: 'localEducationAgencies',
    make: (n) => lea(25590000 + n),
    change: (d) => ({ ...d, nameOfInstitution: 'Grand Bend Consolidated ISD' }),
  },
  {
    resource: 'schools',
    make: (n) => school(255901100 + n),
    change: (d) => ({ ...d, nameOfInstitution: 'Grand Bend Middle School' }),
  },
  {
    resource: 'students',
    make: (n) => student(`92000${n}`),
    change: (d) => ({ ...d, middleName: 'Luz' }),
  },
  {
    resource: 'assessments',
    make: (n) => assessment(`READ-${n}`),
    change: (d) => ({ ...d, assessmentTitle: 'Reading Benchmark, Fall' }),
  },
  {
    resource: 'programs',
    make: (n) => ({ ...program(), programName: `Migrant Summer ${n}` }),
    change: (d) => ({ ...d, programId: 'MS-1' }),
  },
  {
    resource: 'courses',
    make: (n) => course(`GEO-${n}`),
    change: (d) => ({ ...d, courseTitle: 'Geometry' }),
  },
  {
    resource: 'studentSchoolAssociations',
    make: (n) => ssa(STUDENT, { entryDate: day(n) }),
    change: (d) => ({ ...d, exitWithdrawDate: '2026-05-29' }),
  },
  {
    resource: 'studentEducationOrganizationAssociations',
    make: (n) => ({
      studentReference: { studentUniqueId: seoaStudent(n) },
      educationOrganizationReference: { educationOrganizationId: LEA_ID },
    }),
    change: (d) => ({ ...d, sexDescriptor: 'uri://ed-fi.org/SexDescriptor#Female' }),
  },
  {
    resource: 'studentMigrantEducationProgramAssociations',
    make: (n) => smepa(STUDENT, { beginDate: day(n) }),
    change: (d) => ({ ...d, priorityForServices: !d.priorityForServices }),
  },
  {
    resource: 'studentAssessments',
    make: (n) => ({
      studentAssessmentIdentifier: `SA-${n}`,
      assessmentReference: { assessmentIdentifier: 'BASE-1', namespace: NS },
      studentReference: { studentUniqueId: STUDENT },
    }),
    change: (d) => ({ ...d, administrationDate: '2025-10-01T09:00:00Z' }),
  },
  {
    resource: 'studentAcademicRecords',
    make: (n) => sar(STUDENT, 2010 + n),
    change: (d) => ({ ...d, cumulativeEarnedCredits: 4 }),
  },
  {
    resource: 'courseTranscripts',
    make: (n) => ({
      studentAcademicRecordReference: {
        educationOrganizationId: SCHOOL_ID,
        schoolYear: 2025,
        studentUniqueId: STUDENT,
        termDescriptor: TERM,
      },
      courseReference: { courseCode: courseCode(n), educationOrganizationId: LEA_ID },
      courseAttemptResultDescriptor: 'uri://ed-fi.org/CourseAttemptResultDescriptor#Pass',
    }),
    change: (d) => ({ ...d, earnedCredits: 1 }),
  },
];
