/**
 * Deterministic synthetic canonical records for the conformance kit's large
 * file and the benchmarks: realistic shape (two-surname names, a qualifying
 * move, 3 enrollments, 8 courses, 2 assessments by default), only codes every
 * bundled adapter can write, and no real person in it.
 */
import type { StateRecord } from '../canonical/index.js';
import { seededRandom } from './seeded-random.js';

const FIRST = [
  'María',
  'José',
  'Juan',
  'Ana',
  'Luis',
  'Guadalupe',
  'Carlos',
  'Rosa',
  'Jesús',
  'Lucía',
  'Miguel',
  'Sofía',
  'Pedro',
  'Elena',
  'Tomás',
  'Isabel',
];
const LAST = [
  'García',
  'Hernández',
  'López',
  'Martínez',
  'González',
  'Pérez',
  'Rodríguez',
  'Sánchez',
  'Ramírez',
  'Cruz',
  'Flores',
  'Morales',
  'Reyes',
  'Ortiz',
  'Castillo',
  'Chávez',
];
const COUNTRIES = ['MX', 'GT', 'US', 'HN', 'SV', 'CA'];
const GRADES = ['KG', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];
const SUBJECTS = [
  'Mathematics',
  'English Language Arts',
  'Science',
  'Social Studies',
  'Spanish',
  'Physical Education',
  'Art',
  'Music',
];

export interface GenerateOptions {
  stateCode?: string;
  seed?: number;
  enrollments?: number;
  courses?: number;
  assessments?: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Yields `count` valid StateRecords lazily (constant memory). */
export function* generateRecords(count: number, opts: GenerateOptions = {}): Generator<StateRecord> {
  const state = opts.stateCode ?? 'TX';
  const r = seededRandom(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const nE = opts.enrollments ?? 3,
    nC = opts.courses ?? 8,
    nA = opts.assessments ?? 2;
  for (let i = 1; i <= count; i++) {
    const birthYear = 2006 + Math.floor(r() * 12);
    const birthDate = `${birthYear}-${pad(1 + Math.floor(r() * 12))}-${pad(1 + Math.floor(r() * 28))}`;
    const qadYear = 2021 + Math.floor(r() * 3);
    const qad = `${qadYear}-${pad(1 + Math.floor(r() * 12))}-${pad(1 + Math.floor(r() * 28))}`;
    const grade = Math.min(12, Math.max(0, qadYear - birthYear - 5));
    const enrollments = Array.from({ length: nE }, (_, k) => ({
      enrollmentDate: `${qadYear + k}-0${1 + (k % 8)}-1${k % 9}`,
      enrollmentType: pick(['01', '01', '03', '05']),
      schoolId: `48${pad(Math.floor(r() * 1e10), 10)}`,
      schoolName: `Escuela ${pick(LAST)} Elementary`,
      districtId: `48${pad(Math.floor(r() * 1e5), 5)}`,
      gradeLevel: GRADES[Math.min(12, grade + k)]!,
      priorityForServices: false,
    }));
    const courses = Array.from({ length: nC }, (_, k) => ({
      courseTitle: `${SUBJECTS[k % SUBJECTS.length]} ${1 + (k % 3)}`,
      subjectArea: SUBJECTS[k % SUBJECTS.length]!,
      termType: '0828',
      beginAcademicYear: qadYear - 1,
      endAcademicYear: qadYear,
      creditsGranted: Math.round(r() * 2) / 2,
      finalGrade: pick(['A', 'B', 'C', 'D']),
    }));
    const assessments = Array.from({ length: nA }, (_, k) => ({
      title: `State Assessment Form ${k + 1}`,
      content: k % 2 ? 'Reading' : 'Mathematics',
      assessmentType: k % 2 ? '10' : '09',
      administrationDate: `${qadYear}-0${4 + (k % 2)}`,
      scoreResults: String(Math.floor(r() * 100)),
      interpretation: pick(['Proficient', 'Basic', 'Advanced']),
    }));
    yield {
      stateCode: state,
      stateStudentId: `${state}${pad(i, 9)}`,
      action: 'insert',
      identity: {
        firstName: pick(FIRST),
        lastName1: pick(LAST),
        lastName2: pick(LAST),
        sex: r() < 0.5 ? 'F' : 'M',
        birthDate,
        multipleBirth: r() < 0.02,
        birthCountry: pick(COUNTRIES),
      },
      parents: [{ firstName: pick(FIRST), lastName: pick(LAST), relationship: 'parent1' }],
      qualifyingMoves: [
        {
          qualifyingArrivalDate: qad,
          fromCountry: 'MX',
          toState: state,
          eligibilityExpirationDate: `${qadYear + 3}${qad.slice(4)}`,
        },
      ],
      enrollments,
      courses,
      assessments,
    };
  }
}
