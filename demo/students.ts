import type { StateRecord } from '../specs/canonical/state-record.js';

/**
 * Demo records for the embedded start. The centre of it: Ana Lucía Hernández
 * Cruz, 19, enrolling in Florida in November: her third school of the year,
 * after Texas in the spring and a Michigan summer program. Her credits sit in
 * three states; her counselor needs all of them to confirm she can graduate.
 */
export const DEMO_RECORDS: StateRecord[] = [
  {
    stateCode: 'TX', stateStudentId: 'TX0048213', stateStudentIdType: '01', action: 'insert',
    identity: { firstName: 'Ana', middleName: 'Lucía', lastName1: 'Hernández', lastName2: 'Cruz', sex: 'F', birthDate: '2007-05-14', birthCity: 'Weslaco', birthState: 'TX', birthCountry: 'US', birthDateVerification: '1004' },
    parents: [{ firstName: 'Rosa', lastName: 'Cruz', relationship: 'parent2' }, { firstName: 'Javier', lastName: 'Hernández', relationship: 'parent1' }],
    qualifyingMoves: [{ qualifyingArrivalDate: '2024-10-02', fromCity: 'Plant City', fromState: 'FL', fromCountry: 'US', toCity: 'Weslaco', toState: 'TX', eligibilityExpirationDate: '2027-10-01' }],
    enrollments: [
      { enrollmentDate: '2025-08-25', withdrawalDate: '2026-04-24', enrollmentType: '01', schoolName: 'Weslaco High School', schoolId: '484497005076', districtId: '4844970', districtName: 'Weslaco ISD', gradeLevel: '11', lepIndicator: true, priorityForServices: true, immunizationRecordFlag: true, medicalAlert: 'None', algebra1Indicator: true },
    ],
    courses: [
      ...([['English I', 'English Language Arts', 2023], ['English II', 'English Language Arts', 2024], ['English III', 'English Language Arts', 2025],
        ['Algebra I', 'Mathematics', 2023], ['Geometry', 'Mathematics', 2024], ['Algebra II', 'Mathematics', 2025],
        ['Biology', 'Science', 2023], ['Chemistry', 'Science', 2024], ['World Geography', 'Social Studies', 2023], ['World History', 'Social Studies', 2024],
        ['Spanish for Native Speakers I', 'World Languages', 2023], ['Spanish for Native Speakers II', 'World Languages', 2024],
        ['Health', 'Physical Education and Health', 2023], ['Principles of Agriculture', 'Career and Technical Education', 2024],
        ['Precalculus', 'Mathematics', 2025], ['Environmental Systems', 'Science', 2025], ['Art I', 'Fine Arts', 2024], ['Physical Education I', 'Physical Education and Health', 2025]] as const)
        .map(([courseTitle, subjectArea, y]) => ({ courseTitle, subjectArea, courseType: '01', courseSection: '01', termType: '0827', beginAcademicYear: y, endAcademicYear: y + 1, creditsGranted: 1, finalGrade: 'B' })),
      { courseTitle: 'US History', subjectArea: 'Social Studies', courseType: '01', courseSection: '02', termType: '0828', beginAcademicYear: 2025, endAcademicYear: 2026, creditsGranted: 0.5, finalGrade: 'B+' },
    ],
    assessments: [{ title: 'STAAR Algebra I EOC', content: 'Mathematics', assessmentType: '09', administrationDate: '2024-05', reportingMethod: 'SS', scoreResults: '4102', interpretation: 'Proficient' }],
  },
  {
    stateCode: 'MI', stateStudentId: '7730019921', stateStudentIdType: '02', action: 'insert',
    // Michigan's system has one surname box and no accents: both surnames arrive joined in it.
    identity: { firstName: 'Ana', lastName1: 'Hernandez-Cruz', sex: 'F', birthDate: '2007-05-14', birthCountry: 'US' },
    parents: [{ firstName: 'Rosa', lastName: 'Cruz', relationship: 'parent2' }],
    qualifyingMoves: [{ qualifyingArrivalDate: '2026-05-04', fromState: 'TX', fromCountry: 'US', toCity: 'Traverse City', toState: 'MI', eligibilityExpirationDate: '2029-05-03' }],
    enrollments: [
      { enrollmentDate: '2026-05-06', withdrawalDate: '2026-08-14', enrollmentType: '03', schoolName: 'Northwest Michigan Migrant Summer School', schoolId: '260189005519', districtId: '2601890', gradeLevel: '12', lepIndicator: true, priorityForServices: true, immunizationRecordFlag: true, medicalAlert: 'None' },
    ],
    courses: [
      { courseTitle: 'US History B', subjectArea: 'Social Studies', courseSection: '03', termType: '0833', beginAcademicYear: 2025, endAcademicYear: 2026, creditsGranted: 0.5, finalGrade: 'A' },
      { courseTitle: 'English IV A', subjectArea: 'English Language Arts', courseSection: '02', termType: '0833', beginAcademicYear: 2025, endAcademicYear: 2026, creditsGranted: 0.5, finalGrade: 'B' },
      { courseTitle: 'Economics', subjectArea: 'Social Studies', courseSection: '02', termType: '0833', beginAcademicYear: 2025, endAcademicYear: 2026, creditsGranted: 0.5, finalGrade: 'B+' },
      { courseTitle: 'Physics', subjectArea: 'Science', courseSection: '01', termType: '0833', beginAcademicYear: 2025, endAcademicYear: 2026, clockHours: 96, creditsGranted: 1, finalGrade: 'B' },
    ],
  },
  {
    stateCode: 'FL', stateStudentId: 'FL5530098127', stateStudentIdType: '01', action: 'insert',
    identity: { firstName: 'Ana', middleName: 'Lucía', lastName1: 'Hernández', lastName2: 'Cruz', sex: 'F', birthDate: '2007-05-14', multipleBirth: false },
    parents: [{ firstName: 'Rosa', lastName: 'Cruz', relationship: 'parent2' }, { firstName: 'Javier', lastName: 'Hernández', relationship: 'parent1' }],
    qualifyingMoves: [{ qualifyingArrivalDate: '2026-11-09', fromCity: 'Traverse City', fromState: 'MI', fromCountry: 'US', toCity: 'Immokalee', toState: 'FL', eligibilityExpirationDate: '2029-11-08' }],
    enrollments: [
      { enrollmentDate: '2026-11-16', enrollmentType: '01', schoolName: 'Immokalee High School', schoolId: '120087001079', districtId: '1200870', districtName: 'Collier County Public Schools', gradeLevel: '12', lepIndicator: true, priorityForServices: true, immunizationRecordFlag: true, medicalAlert: 'Chronic' },
    ],
    courses: [
      { courseTitle: 'English IV B', subjectArea: 'English Language Arts', courseSection: '03', termType: '0828', beginAcademicYear: 2026, endAcademicYear: 2027, clockHours: 12, gradeToDate: 'B' },
    ],
  },
  // Twins in Washington: same birth date and parents, different given names. Never one student.
  ...(['José', 'Juan'] as const).map((firstName, i): StateRecord => ({
    stateCode: 'WA', stateStudentId: `WA77120${i + 1}`, action: 'insert',
    identity: { firstName, lastName1: 'Martínez', lastName2: 'López', sex: 'M', birthDate: '2015-09-03', multipleBirth: true, birthCountry: 'MX' },
    parents: [{ firstName: 'Guadalupe', lastName: 'López', relationship: 'parent2' }, { firstName: 'Miguel', lastName: 'Martínez', relationship: 'parent1' }],
    qualifyingMoves: [{ qualifyingArrivalDate: '2026-03-15', fromState: 'CA', fromCountry: 'US', toCity: 'Yakima', toState: 'WA' }],
    enrollments: [{ enrollmentDate: '2026-03-20', enrollmentType: '01', schoolName: 'Adams Elementary', schoolId: '530996001623', gradeLevel: '05', immunizationRecordFlag: true, medicalAlert: 'None' }],
  })),
  // A child who moved from California to Washington.
  {
    stateCode: 'CA', stateStudentId: 'CA3301928', action: 'insert',
    identity: { firstName: 'Guadalupe', lastName1: 'Ramírez', lastName2: 'Soto', sex: 'F', birthDate: '2012-12-01', birthCountry: 'MX' },
    qualifyingMoves: [{ qualifyingArrivalDate: '2025-06-10', fromCountry: 'MX', toCity: 'Salinas', toState: 'CA' }],
    enrollments: [{ enrollmentDate: '2025-08-14', withdrawalDate: '2026-06-05', enrollmentType: '01', schoolName: 'El Sausal Middle School', schoolId: '063441005480', gradeLevel: '07', lepIndicator: true, immunizationRecordFlag: true, medicalAlert: 'None' }],
  },
  {
    stateCode: 'WA', stateStudentId: 'WA8840213', action: 'insert',
    identity: { firstName: 'Guadalupe', lastName1: 'Ramírez', lastName2: 'Soto', sex: 'F', birthDate: '2012-12-01' },
    qualifyingMoves: [{ qualifyingArrivalDate: '2026-07-01', fromState: 'CA', fromCountry: 'US', toCity: 'Wenatchee', toState: 'WA' }],
    enrollments: [{ enrollmentDate: '2026-09-02', enrollmentType: '01', schoolName: 'Orchard Middle School', schoolId: '530963001644', gradeLevel: '08', lepIndicator: true, immunizationRecordFlag: false, medicalAlert: 'None' }],
  },
  // A near match for the worklist: Guadalupe is a boy's name too. Texas says M, Michigan's clerk
  // typed F; everything else agrees. The engine never links across a sex disagreement on its own,
  // so the Michigan record waits, unlinked, in the near-match worklist for a data administrator.
  {
    stateCode: 'TX', stateStudentId: 'TX0051774', stateStudentIdType: '01', action: 'insert',
    identity: { firstName: 'Guadalupe', lastName1: 'Torres', lastName2: 'Medina', sex: 'M', birthDate: '2014-08-22', birthCity: 'Pharr', birthState: 'TX', birthCountry: 'US' },
    parents: [{ firstName: 'Silvia', lastName: 'Medina', relationship: 'parent2' }, { firstName: 'Ramón', lastName: 'Torres', relationship: 'parent1' }],
    qualifyingMoves: [{ qualifyingArrivalDate: '2025-11-03', fromState: 'MI', fromCountry: 'US', toCity: 'Pharr', toState: 'TX', eligibilityExpirationDate: '2028-11-02' }],
    enrollments: [{ enrollmentDate: '2025-11-05', withdrawalDate: '2026-05-01', enrollmentType: '01', schoolName: 'Carnahan Elementary', schoolId: '483507003924', gradeLevel: '05', lepIndicator: true, immunizationRecordFlag: true, medicalAlert: 'None' }],
  },
  {
    stateCode: 'MI', stateStudentId: '7730020456', stateStudentIdType: '02', action: 'insert',
    identity: { firstName: 'Guadalupe', lastName1: 'Torres', lastName2: 'Medina', sex: 'F', birthDate: '2014-08-22' },
    parents: [{ firstName: 'Silvia', lastName: 'Medina', relationship: 'parent2' }],
    qualifyingMoves: [{ qualifyingArrivalDate: '2026-05-11', fromState: 'TX', fromCountry: 'US', toCity: 'Hart', toState: 'MI', eligibilityExpirationDate: '2029-05-10' }],
    enrollments: [{ enrollmentDate: '2026-05-13', enrollmentType: '03', schoolName: 'Oceana Migrant Summer Program', schoolId: '261800006322', gradeLevel: '06', lepIndicator: true, immunizationRecordFlag: true, medicalAlert: 'None' }],
  },
];

/** The states the demo runs, with a human name for the printout. */
export const DEMO_STATES = ['TX', 'MI', 'FL', 'CA', 'WA'] as const;
