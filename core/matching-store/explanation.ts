/**
 * What is stored with every link and review: the decision, the rules
 * version, and for the deciding pair the per-field levels and weights with a
 * snapshot of the values compared, so a reviewer sees exactly what the
 * engine saw, even after the records change.
 */
import type { ArrivalResult, StudentMatch } from '../matching/incremental.js';
import type { FieldContribution, PairScore } from '../matching/scoring.js';
import type { PersonRecord, StandardizedPerson } from '../matching/types.js';

export interface ExplainedField extends FieldContribution {
  /** Value of the record being placed, as entered (masked for the help desk). */
  value: string | null;
  /** Value of the candidate record it was compared with. */
  otherValue: string | null;
}

export interface PairExplanation {
  /** The candidate record compared with the record being placed. */
  recordId: string;
  probability: number;
  weight: number;
  conflicts: string[];
  fields: ExplainedField[];
}

export interface StudentExplanation {
  msixId: string;
  bestProbability: number;
  conflicts: string[];
  manual: 'must-link' | 'cannot-link' | null;
  distinct: boolean;
  best: PairExplanation | null;
}

export interface MatchExplanation {
  decision: 'link' | 'new' | 'review' | 'manual' | 'batch';
  reason: string;
  rulesVersion: string;
  candidatesConsidered: number;
  /** The deciding pair: with the chosen student (link) or the nearest one (new, review). */
  best: PairExplanation | null;
  /** The closest students, best first (at most five). */
  students: StudentExplanation[];
  /** Records held unlinked for a near-match review that were candidates too, closest first (at most five). */
  held?: PairExplanation[];
  /** The held record this one is held with: it is placed again when that record's review is decided. */
  waitsFor?: string;
  /** Who decided, for manual decisions. */
  decidedBy?: string;
}

const join = (...parts: (string | null)[]): string | null => {
  const s = parts.filter((p): p is string => p !== null && p !== '').join(' ');
  return s === '' ? null : s;
};

/** Entered values behind each engine field; unknown fields show no value. */
export function fieldValues(p: PersonRecord): Record<string, string | null> {
  return {
    given_name: join(p.firstName, p.middleName),
    surnames: join(p.lastName1, p.lastName2),
    birth_date: p.birthDate,
    sex: p.sex,
    birthplace: join(p.birthCity, p.birthState, p.birthCountry),
    parents:
      [join(p.parent1FirstName, p.parent1LastName), join(p.parent2FirstName, p.parent2LastName)]
        .filter((x) => x !== null)
        .join(' / ') || null,
    parent_surnames: join(p.parent1LastName, p.parent2LastName),
    state_student_id: p.state && p.stateStudentId ? `${p.state}:${p.stateStudentId}` : null,
  };
}

/** One scored pair with the values compared. */
export function explainScore(
  arriving: StandardizedPerson,
  other: StandardizedPerson | undefined,
  otherId: string,
  score: PairScore,
): PairExplanation {
  const mine = fieldValues(arriving.raw);
  const theirs = other ? fieldValues(other.raw) : {};
  return {
    recordId: otherId,
    probability: score.probability,
    weight: score.weight,
    conflicts: score.conflicts,
    fields: score.contributions.map((c) => ({
      ...c,
      value: mine[c.field] ?? null,
      otherValue: theirs[c.field] ?? null,
    })),
  };
}

function explainPair(
  arriving: StandardizedPerson,
  other: StandardizedPerson | undefined,
  s: StudentMatch,
): PairExplanation | null {
  const best = s.candidates[0];
  return best ? explainScore(arriving, other, best.recordId, best.score) : null;
}

/**
 * The explanation of one arrival decision; `chosen` is the student linked to,
 * if any; `heldWith` the held record the arrival is held with, if any (then
 * the deciding pair is the one with that record).
 */
export function explainArrival(
  arriving: StandardizedPerson,
  candidates: ReadonlyMap<string, StandardizedPerson>,
  result: ArrivalResult,
  decision: MatchExplanation['decision'],
  reason: string,
  chosen: string | null,
  heldWith: string | null = null,
): MatchExplanation {
  const isHeld = (s: StudentMatch) => s.studentId.startsWith('held:');
  const real = result.students.filter((s) => !isHeld(s));
  const held = result.students.filter(isHeld);
  const students: StudentExplanation[] = real.slice(0, 5).map((s) => ({
    msixId: s.studentId,
    bestProbability: s.bestProbability,
    conflicts: s.conflicts,
    manual: s.manual ?? null,
    distinct: s.distinct === true,
    best: explainPair(arriving, candidates.get(s.candidates[0]?.recordId ?? ''), s),
  }));
  const lead =
    chosen !== null
      ? result.students.find((s) => s.studentId === chosen)
      : heldWith !== null
        ? held.find((s) => s.candidates[0]?.recordId === heldWith)
        : (real[0] ?? held[0]);
  return {
    decision,
    reason,
    rulesVersion: result.rulesVersion,
    candidatesConsidered: result.students.reduce((n, s) => n + s.candidates.length, 0),
    best: lead ? explainPair(arriving, candidates.get(lead.candidates[0]?.recordId ?? ''), lead) : null,
    students,
    ...(held.length
      ? {
          held: held.slice(0, 5).map((s) => explainPair(arriving, candidates.get(s.candidates[0]?.recordId ?? ''), s)!),
        }
      : {}),
    ...(heldWith !== null ? { waitsFor: heldWith } : {}),
  };
}

/** Replaces every value with `***`, keeping fields, levels and weights (help-desk view). */
export function maskExplanation<T extends MatchExplanation | PairExplanation | null>(e: T): T {
  if (e === null) return e;
  const maskPair = (p: PairExplanation | null): PairExplanation | null =>
    p && {
      ...p,
      fields: p.fields.map((f) => ({
        ...f,
        value: f.field === 'state_student_id' || f.value === null ? f.value : '***',
        otherValue: f.field === 'state_student_id' || f.otherValue === null ? f.otherValue : '***',
      })),
    };
  if ('fields' in e) return maskPair(e) as T;
  const m = e as MatchExplanation;
  return {
    ...m,
    best: maskPair(m.best),
    students: m.students.map((s) => ({ ...s, best: maskPair(s.best) })),
    ...(m.held ? { held: m.held.map((p) => maskPair(p)!) } : {}),
  } as T;
}
