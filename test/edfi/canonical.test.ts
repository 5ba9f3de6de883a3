/**
 * Ed-Fi documents -> the state's canonical record: the mapping itself (pure),
 * then end to end with real workers: writes through Ed-Fi become the state's
 * record, are matched with another state's record of the same child, and the
 * consolidated record is served by the migrant extension.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStateRecord, locate, type EdfiDoc } from '../../core/edfi/canonical.js';
import { edfiCrosswalks } from '../../core/edfi/crosswalks.js';
import { aliasKey, identityKey } from '../../core/edfi/keys.js';
import { resourceNamed } from '../../specs/edfi/catalog.js';
import { validateStateRecord, msixIdFromBody } from '@msix/adapter-sdk/canonical';
import { startSystem, eventually, type TestSystem } from '../support/system.js';
import { injectAs } from '../support/auth.js';
import { sampleRecord } from '../support/records.js';
import { asSent, edfiClient, idFrom, type EdfiClient } from './support/client.js';
import { lea, program, school, smepa, ssa, student, LEA_ID, SCHOOL_ID } from './support/fixtures.js';

const MSIX = msixIdFromBody('31234567890');
const TERM = 'uri://ed-fi.org/TermDescriptor#Fall Semester';

const course = () => ({
  courseCode: 'ALG-1',
  educationOrganizationReference: { educationOrganizationId: LEA_ID },
  courseTitle: 'Algebra I',
  numberOfParts: 1,
  identificationCodes: [
    {
      courseIdentificationSystemDescriptor: 'uri://ed-fi.org/CourseIdentificationSystemDescriptor#LEA course code',
      identificationCode: 'ALG-1',
    },
  ],
  academicSubjects: [{ academicSubjectDescriptor: 'uri://ed-fi.org/AcademicSubjectDescriptor#Mathematics' }],
  levelCharacteristics: [
    { courseLevelCharacteristicDescriptor: 'uri://ed-fi.org/CourseLevelCharacteristicDescriptor#Honors' },
  ],
});
const assessment = () => ({
  assessmentIdentifier: 'ACT-ABW',
  namespace: 'uri://ed-fi.org/Assessment',
  assessmentTitle: 'ACT',
  assessmentCategoryDescriptor: 'uri://ed-fi.org/AssessmentCategoryDescriptor#College entrance exam',
  academicSubjects: [{ academicSubjectDescriptor: 'uri://ed-fi.org/AcademicSubjectDescriptor#Composite' }],
});
const seoa = (id: string) => ({
  studentReference: { studentUniqueId: id },
  educationOrganizationReference: { educationOrganizationId: LEA_ID },
  sexDescriptor: 'uri://ed-fi.org/SexDescriptor#Female',
  limitedEnglishProficiencyDescriptor: 'uri://ed-fi.org/LimitedEnglishProficiencyDescriptor#Limited',
  studentIdentificationCodes: [
    {
      studentIdentificationSystemDescriptor: 'uri://ed-fi.org/StudentIdentificationSystemDescriptor#National Migrant',
      assigningOrganizationIdentificationCode: 'MSIX',
      identificationCode: MSIX,
    },
    {
      studentIdentificationSystemDescriptor: 'uri://ed-fi.org/StudentIdentificationSystemDescriptor#State Migrant',
      assigningOrganizationIdentificationCode: 'TX MEP',
      identificationCode: 'TXM-77',
    },
  ],
});
const sar = (id: string) => ({
  studentReference: { studentUniqueId: id },
  educationOrganizationReference: { educationOrganizationId: SCHOOL_ID },
  schoolYearTypeReference: { schoolYear: 2026 },
  termDescriptor: TERM,
  diplomas: [
    { diplomaTypeDescriptor: 'uri://ed-fi.org/DiplomaTypeDescriptor#Regular diploma', diplomaAwardDate: '2026-05-30' },
  ],
});
const transcript = (id: string) => ({
  studentAcademicRecordReference: {
    educationOrganizationId: SCHOOL_ID,
    schoolYear: 2026,
    studentUniqueId: id,
    termDescriptor: TERM,
  },
  courseReference: { courseCode: 'ALG-1', educationOrganizationId: LEA_ID },
  courseAttemptResultDescriptor: 'uri://ed-fi.org/CourseAttemptResultDescriptor#Pass',
  earnedCredits: 0.5,
  finalLetterGradeEarned: 'B+',
});
const studentAssessment = (id: string) => ({
  studentAssessmentIdentifier: 'SA-1',
  assessmentReference: { assessmentIdentifier: 'ACT-ABW', namespace: 'uri://ed-fi.org/Assessment' },
  studentReference: { studentUniqueId: id },
  administrationDate: '2025-12-01T16:00:00',
  scoreResults: [
    {
      assessmentReportingMethodDescriptor: 'uri://ed-fi.org/AssessmentReportingMethodDescriptor#Composite Score',
      resultDatatypeTypeDescriptor: 'uri://ed-fi.org/ResultDatatypeTypeDescriptor#Integer',
      result: '27',
    },
  ],
  performanceLevels: [
    {
      assessmentReportingMethodDescriptor: 'uri://ed-fi.org/AssessmentReportingMethodDescriptor#Proficiency level',
      performanceLevelDescriptor: 'uri://ed-fi.org/PerformanceLevelDescriptor#Met Standard',
    },
  ],
});

const migrant = (id: string) =>
  smepa(id, {
    beginDate: '2025-08-01',
    qualifyingArrivalDate: '2025-07-20',
    eligibilityExpirationDate: '2028-07-19',
    continuationOfServicesReasonDescriptor:
      'uri://ed-fi.org/ContinuationofServicesReasonDescriptor#Ceased to be migratory during school term',
    stateResidencyDate: '2025-07-21',
  });

describe("mapping one student's Ed-Fi documents to the canonical record", () => {
  const doc = (resource: string, body: Record<string, unknown>, n: number): EdfiDoc => ({
    id: `${resource}-${n}`,
    resource,
    body,
    updatedAt: `2026-01-0${n}T00:00:00Z`,
  });
  const refs = new Map<string, EdfiDoc>();
  for (const [resource, body] of [
    ['localEducationAgencies', lea()],
    ['schools', school()],
    ['courses', course()],
    ['assessments', assessment()],
  ] as const) {
    const d = doc(resource, body, 1);
    refs.set(identityKey(resourceNamed(resource), body), d);
    const alias = aliasKey(resourceNamed(resource), body);
    if (alias) refs.set(alias, d);
  }
  const docs = [
    doc(
      'students',
      student('604821', {
        middleName: 'Luz',
        birthCity: 'Reynosa',
        birthCountryDescriptor: 'uri://ed-fi.org/CountryDescriptor#MX',
        multipleBirthStatus: false,
      }),
      1,
    ),
    doc('studentEducationOrganizationAssociations', seoa('604821'), 2),
    doc('studentSchoolAssociations', ssa('604821', { exitWithdrawDate: '2026-06-01' }), 3),
    doc('studentMigrantEducationProgramAssociations', migrant('604821'), 4),
    doc('studentAcademicRecords', sar('604821'), 5),
    doc('courseTranscripts', transcript('604821'), 6),
    doc('studentAssessments', studentAssessment('604821'), 7),
  ];

  it('builds a valid canonical record with every mapped field', () => {
    const b = buildStateRecord({ stateCode: 'TX', studentUniqueId: '604821', docs, refs }, edfiCrosswalks());
    expect(b.kind).toBe('record');
    if (b.kind !== 'record') return;
    expect(b.record).toEqual({
      stateCode: 'TX',
      stateStudentId: '604821',
      msixId: MSIX,
      alternateIds: [{ id: 'TXM-77', type: '02' }],
      identity: {
        firstName: 'Maria',
        middleName: 'Luz',
        lastName1: 'Garcia',
        birthDate: '2010-04-02',
        sex: 'F',
        multipleBirth: false,
        birthCity: 'Reynosa',
        birthCountry: 'MX',
      },
      qualifyingMoves: [{ qualifyingArrivalDate: '2025-07-20', eligibilityExpirationDate: '2028-07-19' }],
      enrollments: [
        {
          enrollmentDate: '2025-08-20',
          withdrawalDate: '2026-06-01',
          enrollmentType: '01',
          gradeLevel: '09',
          schoolName: 'Grand Bend High School',
          schoolId: '482001000001',
          districtId: '4820010',
          districtName: 'Grand Bend ISD',
          facilityCity: 'Grand Bend',
          facilityState: 'TX',
          lepIndicator: true,
          priorityForServices: true,
          continuationOfServicesReason: '01',
          residencyDate: '2025-07-21',
          graduationIndicator: true,
          graduationDate: '2026-05-30',
        },
      ],
      courses: [
        {
          courseTitle: 'Algebra I',
          subjectArea: 'Mathematics',
          courseType: '02',
          termType: '0828',
          beginAcademicYear: 2025,
          endAcademicYear: 2026,
          creditsGranted: 0.5,
          finalGrade: 'B+',
          schoolId: '482001000001',
        },
      ],
      assessments: [
        {
          title: 'ACT',
          content: 'Composite',
          assessmentType: '05',
          administrationDate: '2025-12',
          scoreResults: '27',
          interpretation: 'Proficient',
        },
      ],
    });
    expect(validateStateRecord(b.record).kind).toBe('ok');
    expect(b.warnings).toEqual([]);
  });

  it('points a canonical rule back at the Ed-Fi document and field it came from', () => {
    const b = buildStateRecord({ stateCode: 'TX', studentUniqueId: '604821', docs, refs }, edfiCrosswalks());
    if (b.kind !== 'record') throw new Error('expected a record');
    expect(locate(b.provenance, '/enrollments/0/gradeLevel')).toEqual({
      resource: 'studentSchoolAssociations',
      docId: 'studentSchoolAssociations-3',
      path: '$.entryGradeLevelDescriptor',
    });
    expect(locate(b.provenance, '/identity/lastName1')).toEqual({
      resource: 'students',
      docId: 'students-1',
      path: '$.lastSurname',
    });
  });

  it('takes the MSIX id from the gateway identification system too (as the Ed-Fi XML adapter writes it)', () => {
    const gw = docs.map((d) =>
      d.resource === 'studentEducationOrganizationAssociations'
        ? {
            ...d,
            body: {
              ...d.body,
              studentIdentificationCodes: [
                {
                  studentIdentificationSystemDescriptor:
                    'uri://msix-gateway.org/StudentIdentificationSystemDescriptor#MSIX',
                  assigningOrganizationIdentificationCode: 'MSIX',
                  identificationCode: MSIX,
                },
              ],
            },
          }
        : d,
    );
    const b = buildStateRecord({ stateCode: 'TX', studentUniqueId: '604821', docs: gw, refs }, edfiCrosswalks());
    expect(b.kind === 'record' && b.record.msixId).toBe(MSIX);
  });

  it('takes the MSIX enrollment type from the gateway namespace descriptor, else 01', () => {
    const withType = docs.map((d) =>
      d.resource === 'studentSchoolAssociations'
        ? { ...d, body: { ...d.body, enrollmentTypeDescriptor: 'uri://msix-gateway.org/EnrollmentTypeDescriptor#03' } }
        : d,
    );
    const b = buildStateRecord({ stateCode: 'TX', studentUniqueId: '604821', docs: withType, refs }, edfiCrosswalks());
    expect(b.kind === 'record' && b.record.enrollments?.[0]?.enrollmentType).toBe('03');
    const other = docs.map((d) =>
      d.resource === 'studentSchoolAssociations'
        ? { ...d, body: { ...d.body, enrollmentTypeDescriptor: 'uri://ed-fi.org/EnrollmentTypeDescriptor#Regular' } }
        : d,
    );
    const c = buildStateRecord({ stateCode: 'TX', studentUniqueId: '604821', docs: other, refs }, edfiCrosswalks());
    expect(c.kind === 'record' && c.record.enrollments?.[0]?.enrollmentType).toBe('01');
  });

  it('cuts names longer than MSIX keeps, with a warning, and withdraws the record when the student is gone', () => {
    const long = 'A'.repeat(60);
    const b = buildStateRecord(
      {
        stateCode: 'TX',
        studentUniqueId: '604821',
        docs: [doc('students', student('604821', { lastSurname: long }), 1)],
        refs,
      },
      edfiCrosswalks(),
    );
    expect(b.kind === 'record' && b.record.identity.lastName1).toBe('A'.repeat(50));
    expect(b.kind === 'record' && b.warnings[0]?.path).toBe('$.lastSurname');
    expect(buildStateRecord({ stateCode: 'TX', studentUniqueId: '604821', docs: [], refs }, edfiCrosswalks())).toEqual({
      kind: 'withdraw',
    });
  });
});

describe('Ed-Fi writes end to end with matching', () => {
  let sys: TestSystem;
  let tx: EdfiClient;
  beforeAll(async () => {
    sys = await startSystem({ workers: true });
    tx = await edfiClient(sys, 'TX');
    for (const [r, b] of [
      ['localEducationAgencies', lea()],
      ['schools', school()],
      ['programs', program()],
      ['courses', course()],
      ['assessments', assessment()],
    ] as const) {
      expect((await tx.post(r, b)).statusCode, r).toBe(201);
    }
  });
  afterAll(async () => {
    await sys?.close();
  });

  it(
    "turns each write into the state's canonical record, matches it with another state's record, and " +
      'serves the consolidated child',
    async () => {
      const writes: [string, unknown][] = [
        ['students', student('604821')],
        ['studentEducationOrganizationAssociations', seoa('604821')],
        ['studentSchoolAssociations', ssa('604821')],
        ['studentMigrantEducationProgramAssociations', migrant('604821')],
        ['studentAcademicRecords', sar('604821')],
        ['courseTranscripts', transcript('604821')],
        ['studentAssessments', studentAssessment('604821')],
      ];
      const ids: Record<string, string> = {};
      for (const [r, b] of writes) {
        const res = await tx.post(r, b);
        expect(res.statusCode, `${r}: ${res.body}`).toBe(201);
        ids[r] = idFrom(res);
      }
      const stored = await sys.db.query<{ record: Record<string, unknown>; version: number }>(
        `SELECT record, version FROM state_records WHERE state_code = 'TX' AND state_student_id = '604821'`,
      );
      expect(stored.rows[0]!.version).toBe(writes.length);
      expect(stored.rows[0]!.record).toMatchObject({
        msixId: MSIX,
        enrollments: [{ gradeLevel: '09' }],
        courses: [{ courseTitle: 'Algebra I' }],
        assessments: [{ assessmentType: '05' }],
      });
      const ledger = await sys.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM exchanges WHERE kind = 'edfi-api' AND status = 'completed'`,
      );
      expect(ledger.rows[0]!.n).toBe(writes.length);

      // What the state reads back is what it sent, in Ed-Fi shape.
      const back = (
        await tx.get(`studentMigrantEducationProgramAssociations/${ids.studentMigrantEducationProgramAssociations}`)
      ).json();
      expect(asSent(back)).toEqual(migrant('604821'));
      expect(back.studentReference.link).toEqual({
        rel: 'Student',
        href: expect.stringMatching(/^\/ed-fi\/students\/[0-9a-f]{32}$/),
      });

      // Michigan sends the same child through the canonical API; the matcher links both.
      const mi = await injectAs(sys, { state: 'MI', roles: ['state-system'] });
      const r = await mi({
        method: 'POST',
        url: '/api/v1/states/MI/records',
        payload: sampleRecord({
          stateCode: 'MI',
          stateStudentId: 'MI-9',
          identity: { lastName2: undefined },
          courses: [
            {
              courseTitle: 'Biology',
              subjectArea: 'Science',
              beginAcademicYear: 2026,
              endAcademicYear: 2027,
              creditsGranted: 1,
            },
          ],
        }),
      });
      expect(r.statusCode, r.body).toBe(201);
      const msixId = await eventually(async () => {
        const s = await sys.db.query<{ msix_id: string }>(
          `SELECT l.msix_id FROM links l JOIN state_records s ON s.id = l.record_id GROUP BY l.msix_id
         HAVING count(*) = 2`,
        );
        return s.rows[0]?.msix_id ?? null;
      });
      const consolidated = await eventually(async () => {
        const c = await tx.get(`/data/v3/migrant/consolidatedStudents/${msixId}`);
        return c.statusCode === 200 && c.json().states?.length === 2 ? c : null;
      });
      const body = consolidated.json();
      expect(body).toMatchObject({ id: msixId, msixId, states: ['MI', 'TX'] });
      expect(body.credits.totalCredits).toBe(1.5);
      const audit = await sys.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'student.read' AND msix_id = $1`,
        [msixId],
      );
      expect(audit.rows[0]!.n).toBeGreaterThan(0);
      expect((await tx.get(`/data/v3/migrant/consolidatedStudents/123456789012`)).statusCode).toBe(400);
    },
  );

  it('a renamed school or district reaches the canonical records of the students enrolled there', async () => {
    await tx.post('students', student('604910'));
    await tx.post('studentSchoolAssociations', ssa('604910'));
    const rec = async () =>
      (
        await sys.db.query<{
          version: number;
          record: { enrollments: { schoolName?: string; districtName?: string }[] };
        }>(`SELECT version, record FROM state_records WHERE state_student_id = '604910'`)
      ).rows[0]!;
    const before = await rec();
    expect(before.record.enrollments[0]).toMatchObject({
      schoolName: 'Grand Bend High School',
      districtName: 'Grand Bend ISD',
    });
    expect(
      (await tx.post('schools', { ...school(), nameOfInstitution: 'Grand Bend Early College High School' })).statusCode,
    ).toBe(200);
    expect((await rec()).record.enrollments[0]!.schoolName).toBe('Grand Bend Early College High School');
    const leaId = (await tx.get(`localEducationAgencies?localEducationAgencyId=${LEA_ID}`)).json()[0].id;
    expect(
      (await tx.put('localEducationAgencies', leaId, { ...lea(), nameOfInstitution: 'Grand Bend Unified' })).statusCode,
    ).toBe(204);
    const after = await rec();
    expect(after.record.enrollments[0]!.districtName).toBe('Grand Bend Unified');
    expect(after.version).toBe(before.version + 2);
  });

  it(
    'an update of one document becomes a new version of ' + 'the canonical record; deleting everything withdraws it',
    async () => {
      const s = await tx.post('students', student('604900'));
      const e = await tx.post('studentSchoolAssociations', ssa('604900'));
      const version = async () =>
        (
          await sys.db.query<{ version: number; status: string; record: { enrollments?: unknown[] } }>(
            `SELECT version, status, record FROM state_records WHERE state_student_id = '604900'`,
          )
        ).rows[0]!;
      expect(await version()).toMatchObject({ version: 2, status: 'active' });
      expect((await tx.del('studentSchoolAssociations', idFrom(e))).statusCode).toBe(204);
      const after = await version();
      expect(after.version).toBe(3);
      expect(after.record.enrollments).toBeUndefined();
      expect((await tx.del('students', idFrom(s))).statusCode).toBe(204);
      expect(await version()).toMatchObject({ version: 4, status: 'withdrawn' });
    },
  );
});
