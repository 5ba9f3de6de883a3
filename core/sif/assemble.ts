/**
 * One child's canonical state record built from every SIF object the state wrote about the child: identity from the
 * StudentPersonal, an enrollment per StudentSchoolEnrollment (with the migrant program facts of the StudentMigrant
 * in force at its entry date, and the school's NCES id and name from its SchoolInfo), qualifying moves from the
 * StudentMigrant objects, and course history from the StudentAcademicRecords. Pure.
 */
import type { FieldIssue, CourseT, EnrollmentT, QualifyingMoveT, StateRecord } from '@msix/adapter-sdk/canonical';
import { sifToCanonical, type SifFragment, type SifToCanonical } from '../../mappings/sif/map.js';
import type { SifObjectRow } from './store.js';

export type AssembleResult =
  | { kind: 'record'; record: StateRecord }
  | { kind: 'no-student' }
  | { kind: 'invalid'; issues: FieldIssue[] };

interface Program {
  startDate?: string;
  exitDate?: string;
  priorityForServices?: boolean;
  continuationOfServicesReason?: string;
  enrollmentType?: string;
}

/** The default MSIX enrollment type when no StudentMigrant says otherwise: a basic school program. */
const BASIC_SCHOOL_PROGRAM = '01';

/**
 * `mapped`: how an object's tree is mapped; a writer passes a memo so that an object read for its references, then
 * rebuilt into its child's record (and again for each later object of the same child in the request), is mapped once.
 */
export function assembleStateRecord(
  stateCode: string,
  objects: readonly SifObjectRow[],
  schools: ReadonlyMap<string, SifObjectRow>,
  mapped: (o: SifObjectRow) => SifToCanonical = (o) => sifToCanonical(o.object, o.body),
): AssembleResult {
  const issues: FieldIssue[] = [];
  const frag = (o: SifObjectRow): SifFragment => {
    const r = mapped(o);
    issues.push(...r.issues);
    return r.fragment;
  };
  const personal = objects.find((o) => o.object === 'StudentPersonal');
  if (!personal) return { kind: 'no-student' };
  const sp = frag(personal);
  const programs: Program[] = [];
  const moves: QualifyingMoveT[] = [];
  for (const o of objects.filter((x) => x.object === 'StudentMigrant')) {
    const f = frag(o);
    if (f.program) programs.push(f.program as Program);
    if (f.move && (f.move as QualifyingMoveT).qualifyingArrivalDate) moves.push(f.move as QualifyingMoveT);
  }
  programs.sort((a, b) => (a.startDate ?? '').localeCompare(b.startDate ?? ''));
  const enrollments: EnrollmentT[] = [];
  for (const o of objects.filter((x) => x.object === 'StudentSchoolEnrollment')) {
    const e = (frag(o).enrollment ?? {}) as Partial<EnrollmentT>;
    const at = e.enrollmentDate ?? '';
    const program = programs.filter((p) => (p.startDate ?? '') <= at).at(-1) ?? programs[0];
    const school = o.schoolRef ? schools.get(o.schoolRef) : undefined;
    const s = school ? ((frag(school).school ?? {}) as { schoolId?: string; schoolName?: string }) : {};
    enrollments.push({
      ...e,
      enrollmentType: program?.enrollmentType ?? BASIC_SCHOOL_PROGRAM,
      ...(program?.priorityForServices !== undefined ? { priorityForServices: program.priorityForServices } : {}),
      ...(program?.continuationOfServicesReason
        ? { continuationOfServicesReason: program.continuationOfServicesReason }
        : {}),
      ...(s.schoolId && /^\d{12}$/.test(s.schoolId) ? { schoolId: s.schoolId } : {}),
      ...(s.schoolName ? { schoolName: s.schoolName.slice(0, 100) } : {}),
    } as EnrollmentT);
  }
  const courses: CourseT[] = [];
  for (const o of objects.filter((x) => x.object === 'StudentAcademicRecord'))
    courses.push(...(((frag(o).courses as CourseT[] | undefined) ?? []) as CourseT[]));
  if (issues.length) return { kind: 'invalid', issues };
  const record = {
    stateCode,
    stateStudentId: sp.stateStudentId as string,
    identity: sp.identity as StateRecord['identity'],
    ...(moves.length ? { qualifyingMoves: moves } : {}),
    ...(enrollments.length ? { enrollments } : {}),
    ...(courses.length ? { courses } : {}),
  } as StateRecord;
  return { kind: 'record', record };
}
