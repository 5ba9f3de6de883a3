import type { StateRecord, CreditSummaryT, LinkedRecordT, Student, MsixId } from '@msix/adapter-sdk/canonical';

/** One linked state record, as the consolidation needs it. */
export interface ConsolidationInput {
  recordId: string;
  stateCode: string;
  stateStudentId: string;
  status: 'active' | 'withdrawn';
  record: StateRecord;
  receivedAt: string;
  updatedAt: string;
  link: { linkType: 'new' | 'auto' | 'manual'; score: number | null; rulesVersion: string; linkedAt: string };
}

export interface ConsolidationOptions {
  /** Credits a high-school diploma needs; states differ, 22 is a common figure. */
  requiredCredits: number;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
const ALERT_RANK: Record<string, number> = { None: 0, Acute: 1, Chronic: 2 };

/**
 * Computes the consolidated student from its active linked records: pure, so
 * the same records always give the same view, and a withdrawn record simply
 * drops out. Identity comes from the most recently updated record; every other
 * name a state used is kept in `otherNames` so a counselor can see them.
 */
export function consolidate(
  msixId: MsixId,
  status: Student['status'],
  records: ConsolidationInput[],
  opts: ConsolidationOptions,
  times: { createdAt: string; updatedAt: string },
): Student {
  const active = records.filter((r) => r.status === 'active').sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1));
  const latest = active[0];
  const identity = latest ? latest.record.identity : { firstName: '', lastName1: '', birthDate: '1900-01-01' };
  const tag = (r: ConsolidationInput) => ({ stateCode: r.stateCode, stateStudentId: r.stateStudentId });

  const otherNames = new Map<string, Student['otherNames'][number]>();
  for (const r of active.slice(1)) {
    const i = r.record.identity;
    const key = `${i.firstName}|${i.lastName1}|${i.lastName2 ?? ''}`.toUpperCase();
    const mainKey = `${identity.firstName}|${identity.lastName1}|${identity.lastName2 ?? ''}`.toUpperCase();
    if (key !== mainKey && !otherNames.has(key)) {
      otherNames.set(key, {
        ...tag(r),
        firstName: i.firstName,
        lastName1: i.lastName1,
        ...(i.lastName2 ? { lastName2: i.lastName2 } : {}),
      });
    }
  }

  const enrollments = active
    .flatMap((r) => (r.record.enrollments ?? []).map((e) => ({ ...e, ...tag(r) })))
    .sort((a, b) => (a.enrollmentDate < b.enrollmentDate ? -1 : 1));
  const courses = active
    .flatMap((r) => (r.record.courses ?? []).map((c) => ({ ...c, ...tag(r) })))
    .sort((a, b) => a.endAcademicYear - b.endAcademicYear || a.courseTitle.localeCompare(b.courseTitle));
  const assessments = active.flatMap((r) => (r.record.assessments ?? []).map((a) => ({ ...a, ...tag(r) })));
  const qualifyingMoves = active
    .flatMap((r) => (r.record.qualifyingMoves ?? []).map((m) => ({ ...m, ...tag(r) })))
    .sort((a, b) => (a.qualifyingArrivalDate < b.qualifyingArrivalDate ? -1 : 1));
  const parents = active.flatMap((r) => (r.record.parents ?? []).map((p) => ({ ...p, ...tag(r) })));

  const bySubject = new Map<string, number>();
  const byState = new Map<string, { credits: number; courses: number }>();
  let total = 0;
  for (const c of courses) {
    const cr = c.creditsGranted ?? 0;
    total += cr;
    const subject = c.subjectArea ?? 'Unspecified';
    bySubject.set(subject, (bySubject.get(subject) ?? 0) + cr);
    const s = byState.get(c.stateCode) ?? { credits: 0, courses: 0 };
    s.credits += cr;
    s.courses += 1;
    byState.set(c.stateCode, s);
  }
  const credits: CreditSummaryT = {
    totalCredits: round2(total),
    requiredCredits: opts.requiredCredits,
    remainingCredits: round2(Math.max(0, opts.requiredCredits - total)),
    bySubject: [...bySubject]
      .map(([subjectArea, c]) => ({ subjectArea, credits: round2(c) }))
      .sort((a, b) => a.subjectArea.localeCompare(b.subjectArea)),
    byState: [...byState].map(([stateCode, s]) => ({ stateCode, credits: round2(s.credits), courses: s.courses })),
    algebra1: enrollments.some((e) => e.algebra1Indicator === true),
    graduated: enrollments.some((e) => e.graduationIndicator === true),
  };

  const medicalAlert = enrollments.reduce((worst, e) => {
    const a = e.medicalAlert ?? 'None';
    return (ALERT_RANK[a] ?? 0) > (ALERT_RANK[worst] ?? 0) ? a : worst;
  }, 'None');

  const linked: LinkedRecordT[] = records.map((r) => ({
    ...tag(r),
    recordId: r.recordId,
    linkType: r.link.linkType,
    score: r.link.score,
    rulesVersion: r.link.rulesVersion,
    linkedAt: r.link.linkedAt,
    receivedAt: r.receivedAt,
  }));

  return {
    msixId,
    status,
    identity,
    otherNames: [...otherNames.values()],
    parents,
    records: linked,
    states: [...new Set(active.map((r) => r.stateCode))].sort(),
    qualifyingMoves,
    enrollments,
    courses,
    assessments,
    health: { immunizationRecordOnFile: enrollments.some((e) => e.immunizationRecordFlag === true), medicalAlert },
    credits,
    createdAt: times.createdAt,
    updatedAt: times.updatedAt,
  };
}
