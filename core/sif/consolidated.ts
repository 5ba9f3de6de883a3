/**
 * A child's consolidated record served as SIF: the StudentAcademicRecord with the course history and credits of
 * every state the child's records came from, built from the consolidated student (core/consolidate.ts) through the
 * same declarative mapping (mappings/sif), under a RefId that stays the same for the same child.
 */
import type { Db } from '../store/db.js';
import type { Scope } from '../security/scope.js';
import { findStateRecord } from '../records.js';
import { readStudent, studentOfRecord } from '../students.js';
import type { Student } from '@msix/adapter-sdk/canonical';
import { canonicalToSif } from '../../mappings/sif/map.js';
import { requireCrosswalk, reverseField } from '../../mappings/index.js';
import type { SifElement } from '../../mappings/sif/tree.js';
import { derivedRefId } from './refid.js';
import type { SifObjectRow } from './store.js';

/** The RefId of a child's consolidated academic record (registered so a read by RefId finds it). */
export async function consolidatedRefId(db: Db, msixId: string): Promise<string> {
  const refId = derivedRefId(`msix:StudentAcademicRecord:${msixId}`);
  await db.query(
    `INSERT INTO sif_consolidated_refs (ref_id, msix_id, object) VALUES ($1, $2, 'StudentAcademicRecord')
     ON CONFLICT DO NOTHING`,
    [refId, msixId],
  );
  return refId;
}

export async function msixIdOfConsolidatedRef(db: Db, refId: string): Promise<string | null> {
  const r = await db.query<{ msix_id: string }>('SELECT msix_id FROM sif_consolidated_refs WHERE ref_id = $1', [refId]);
  return r.rows[0]?.msix_id ?? null;
}

/** The MSIX id of the child a state's StudentPersonal describes, once matched (null: not matched yet). */
export async function msixIdOfStudentPersonal(db: Db, sp: SifObjectRow): Promise<string | null> {
  if (!sp.stateStudentId) return null;
  const rec = await findStateRecord(db, sp.stateCode, sp.stateStudentId);
  return rec ? studentOfRecord(db, rec.id) : null;
}

const TERM_DAY = (year: number, end: boolean) => (end ? `${year}-06-30` : `${year - 1}-08-01`);

/** Where a course or enrollment was: the state and the school (NCES id, else name). */
const schoolKey = (x: { stateCode: string; schoolId?: string; schoolName?: string }) =>
  `${x.stateCode}|${x.schoolId ?? x.schoolName ?? '-'}`;
const schoolRefId = (key: string) => derivedRefId(`msix:SchoolAttended:${key}`);
/** The marking system every consolidated mark refers to: letter grades as the states sent them. */
const LETTER_MARKS = derivedRefId('msix:MarkValueInfo:letter');

/**
 * The StudentAcademicRecord tree of a consolidated student: one course history term per state, school and school
 * year, the schools attended, the latest enrollment's grade, and the consolidated credits; with every element and
 * attribute the NA 4.0 XSD requires.
 */
export function academicRecordTree(student: Student, refId: string, studentRefId: string | null): SifElement {
  const schools = new Map<string, { stateCode: string; schoolId?: string; schoolName?: string }>();
  for (const e of student.enrollments) if (!schools.has(schoolKey(e))) schools.set(schoolKey(e), e);
  for (const c of student.courses) if (!schools.has(schoolKey(c))) schools.set(schoolKey(c), c);
  const groups = new Map<string, Student['courses']>();
  const sorted = [...student.courses].sort(
    (a, b) => a.endAcademicYear - b.endAcademicYear || a.stateCode.localeCompare(b.stateCode),
  );
  for (const c of sorted) {
    const k = `${c.endAcademicYear}|${schoolKey(c)}`;
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  const terms: SifElement[] = [];
  for (const [k, courses] of groups) {
    const year = courses[0]!.endAcademicYear;
    const mapped = canonicalToSif('StudentAcademicRecord', { courses });
    const term = ((mapped.CourseHistory as SifElement).Term as SifElement[])[0]!;
    for (const course of (term.Courses as SifElement).Course as SifElement[]) {
      const periods = ((course.MarkingPeriods as SifElement | undefined)?.MarkingPeriod ?? []) as SifElement[];
      for (const p of periods)
        if (p.MarkData) p.MarkData = { '@MarkValueInfoDataRefId': LETTER_MARKS, ...(p.MarkData as SifElement) };
    }
    terms.push({
      TermInfoData: {
        '@SchoolAttendedRefId': schoolRefId(k.slice(k.indexOf('|') + 1)),
        SchoolYear: String(year),
        StartDate: TERM_DAY(year, false),
        EndDate: TERM_DAY(year, true),
      },
      Courses: term.Courses!,
    });
  }
  const latest = [...student.enrollments].sort((a, b) => a.enrollmentDate.localeCompare(b.enrollmentDate)).at(-1);
  const grade = latest ? reverseField(requireCrosswalk('sif/gradeLevel'), latest.gradeLevel) : undefined;
  return {
    '@RefId': refId,
    ...(studentRefId ? { '@SIF_RefId': studentRefId, '@SIF_RefObject': 'StudentPersonal' } : {}),
    ReportingDate: new Date().toISOString().slice(0, 10),
    StudentSchoolEnrollmentData: {
      '@SchoolAttendedRefId': schoolRefId(latest ? schoolKey(latest) : '-'),
      GradeLevel: { Code: grade ?? 'UG' },
    },
    SchoolAttendanceHistory: {
      SchoolAttended: [...schools.entries()].map(([k, s]) => ({
        '@RefId': schoolRefId(k),
        SchoolInfoData: {
          LocalId: s.schoolId ?? s.stateCode,
          StateProvinceId: s.stateCode,
          SchoolName: s.schoolName ?? `A school in ${s.stateCode}`,
        },
      })),
    },
    ...(terms.length ? { CourseHistory: { Term: terms } } : {}),
    AcademicPerformanceSummary: { TotalCreditsEarned: student.credits.totalCredits.toFixed(2) },
  };
}

/** Reads a child's consolidated academic record for the scope (disclosure grounds checked and audited). */
export async function readConsolidatedAcademicRecord(
  db: Db,
  scope: Scope,
  msixId: string,
  studentRefId: string | null,
): Promise<SifElement | { mergedInto: string }> {
  const r = await readStudent(db, scope, msixId, { surface: 'sif', object: 'StudentAcademicRecord' });
  if (r.kind === 'merged') return { mergedInto: r.into };
  return academicRecordTree(r.student, await consolidatedRefId(db, msixId), studentRefId);
}
