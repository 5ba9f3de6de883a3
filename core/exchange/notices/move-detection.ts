import type { EnrollmentT } from '@msix/adapter-sdk/canonical';
import type { ConsolidationInput } from '../../consolidate.js';

/**
 * A move the records show: the child's latest enrollment is in `toState`, the one before it (in another state) in
 * `fromState`.
 */
export interface Move {
  fromState: string;
  toState: string;
  /** The enrollment in `toState` that revealed the move. */
  enrollment: EnrollmentT & { stateCode: string; stateStudentId: string };
  /** The last enrollment in `fromState` before it. */
  previous: EnrollmentT & { stateCode: string; stateStudentId: string };
}

/**
 * Finds the child's latest move from the active linked records: the latest
 * enrollment, and the latest enrollment in any other state that began no
 * later. Records arrive in any order (history after the new enrollment, or
 * the other way round); this looks at all of them each time, and the notice's
 * dedupe key (student, from, to, enrollment) makes each move one notice.
 * Pure.
 */
export function detectMove(records: readonly ConsolidationInput[]): Move | null {
  const all = records
    .filter((r) => r.status === 'active')
    .flatMap((r) =>
      (r.record.enrollments ?? []).map((e) => ({ ...e, stateCode: r.stateCode, stateStudentId: r.stateStudentId })),
    )
    .sort((a, b) =>
      a.enrollmentDate < b.enrollmentDate
        ? -1
        : a.enrollmentDate > b.enrollmentDate
          ? 1
          : a.stateCode.localeCompare(b.stateCode),
    );
  const latest = all.at(-1);
  if (!latest) return null;
  const previous = all
    .filter((e) => e.stateCode !== latest.stateCode && e.enrollmentDate <= latest.enrollmentDate)
    .at(-1);
  if (!previous) return null;
  return { fromState: previous.stateCode, toState: latest.stateCode, enrollment: latest, previous };
}

/** One notice per move: the same student, states and enrollment always give the same key. */
export function moveDedupeKey(msixId: string, m: Move): string {
  return [
    'move',
    msixId,
    m.fromState,
    m.toState,
    m.enrollment.schoolId ?? m.enrollment.schoolName ?? '-',
    m.enrollment.enrollmentDate,
  ].join('|');
}

/** What the state the child left learns: where and when the child enrolled, nothing more. */
export function newEnrollmentFacts(e: Move['enrollment']): Record<string, unknown> {
  const pick = {
    stateCode: e.stateCode,
    enrollmentDate: e.enrollmentDate,
    gradeLevel: e.gradeLevel,
    schoolName: e.schoolName,
    schoolId: e.schoolId,
    districtId: e.districtId,
    districtName: e.districtName,
  };
  return Object.fromEntries(Object.entries(pick).filter(([, v]) => v !== undefined));
}
