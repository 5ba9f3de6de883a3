/**
 * Incremental matching of one arriving record against the candidates the
 * store found through its blocking keys. Pure: the caller supplies the
 * candidates with the student each belongs to, and any manual decisions,
 * which always win over scores.
 */
import { DISTINCT_PREFIX, isHardConflict, type ComparisonSet } from './compare/field-comparison.js';
import type { MatchModel } from './model.js';
import { personComparisonSet } from './person-comparisons.js';
import {
  compileModel,
  weightToProbability,
  type CompiledModel,
  type FieldContribution,
  type PairScore,
  type ScoringOptions,
} from './scoring.js';
import type { StandardizedPerson } from './types.js';

/** A stored record offered as a candidate, with the student (cluster) it belongs to. */
export interface Candidate<R = StandardizedPerson> {
  record: R;
  studentId: string;
}

/** Manual decisions by record id; the engine never undoes them. */
export interface MatchConstraints {
  /** Pairs a person said are the same child. */
  mustLink?: ReadonlyArray<readonly [string, string]>;
  /** Pairs a person said are different children. */
  cannotLink?: ReadonlyArray<readonly [string, string]>;
  /** Students the arriving record was ruled not to belong to. */
  cannotLinkStudents?: readonly string[];
}

export interface ScoredCandidate {
  recordId: string;
  score: PairScore;
}

/** All candidates of one student, best first. */
export interface StudentMatch {
  studentId: string;
  /** Highest pair probability among the student's records. */
  bestProbability: number;
  bestWeight: number;
  /** Conflicts with any record of the student (one is enough to stop an automatic link). */
  conflicts: string[];
  candidates: ScoredCandidate[];
  /** Set when a manual decision settled this student. */
  manual?: 'must-link' | 'cannot-link';
  /** A record of this student is certainly another child (e.g. the arriving record's twin). */
  distinct?: boolean;
}

export type ArrivalDecision =
  | { kind: 'link'; studentId: string; reason: 'score' | 'manual' }
  | { kind: 'new' }
  | { kind: 'review'; studentIds: string[]; reason: 'near-match' | 'conflict' | 'ambiguous' };

export interface ArrivalResult {
  decision: ArrivalDecision;
  /** Students ordered by best probability. */
  students: StudentMatch[];
  rulesVersion: string;
  /**
   * The match weights of the link and review thresholds at this population (for {@link decideArrival} on a subset of
   * students).
   */
  linkWeight?: number;
  reviewWeight?: number;
}

/**
 * Weight, conflicts and decision of a pair without building its explanation: the per-field
 * contributions are computed on first access (an enumerable getter, so JSON and structuredClone
 * still carry them). Most candidates of a lookup are never shown, so most are never explained.
 */
function fastScore<R>(scorer: CompiledModel<R>, a: R, b: R): PairScore {
  const weight = scorer.weightOf(a, b);
  const conflicts = scorer.conflictsOf(a, b);
  let contributions: FieldContribution[] | null = null;
  const score = {
    weight,
    probability: weightToProbability(weight),
    conflicts,
    decision: scorer.decide(weight, conflicts),
    rulesVersion: scorer.model.rulesVersion,
  } as PairScore;
  Object.defineProperty(score, 'contributions', {
    enumerable: true,
    configurable: true,
    get: () => (contributions ??= scorer.score(a, b).contributions),
    set: (v: FieldContribution[]) => {
      contributions = v;
    },
  });
  return score;
}

/** Conflict of a student holding a record that is clear twin evidence against the arriving record. */
export const CO_TWIN_IN_STUDENT = 'co-twin-in-student';

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/**
 * Scores an arriving record against its candidates, groups them by student
 * and decides: link to one student, create a new student, or send to review.
 * Two students both above the link threshold is ambiguous and goes to review.
 */
export function matchArriving<R = StandardizedPerson>(
  arriving: R,
  candidates: ReadonlyArray<Candidate<R>>,
  model: MatchModel,
  constraints: MatchConstraints = {},
  set: ComparisonSet<R> = personComparisonSet as unknown as ComparisonSet<R>,
  options?: ScoringOptions,
): ArrivalResult {
  const scorer = compileModel(model, set, options);
  const arrivingId = set.idOf(arriving);
  const must = new Set((constraints.mustLink ?? []).map(([a, b]) => pairKey(a, b)));
  const cannot = new Set((constraints.cannotLink ?? []).map(([a, b]) => pairKey(a, b)));
  const bannedStudents = new Set(constraints.cannotLinkStudents ?? []);
  const byStudent = new Map<string, StudentMatch>();
  for (const c of candidates) {
    const id = set.idOf(c.record);
    if (id === arrivingId) continue;
    const score = fastScore(scorer, arriving, c.record);
    // Clear twin evidence against any record of the student (not only its best one) keeps the whole
    // student apart from an automatic link: the student may hold the arriving child's co-twin.
    const coTwin = score.conflicts.length > 0 && set.twinPair?.(arriving, c.record, scorer.levels) === true;
    let s = byStudent.get(c.studentId);
    if (!s) {
      s = { studentId: c.studentId, bestProbability: 0, bestWeight: -Infinity, conflicts: [], candidates: [] };
      byStudent.set(c.studentId, s);
    }
    s.candidates.push({ recordId: id, score });
    if (score.weight > s.bestWeight) {
      s.bestWeight = score.weight;
      s.bestProbability = score.probability;
    }
    // A conflict only matters with a record that is plausibly the same child.
    if (score.decision !== 'none') for (const k of score.conflicts) if (!s.conflicts.includes(k)) s.conflicts.push(k);
    if (coTwin && !s.conflicts.includes(CO_TWIN_IN_STUDENT)) s.conflicts.push(CO_TWIN_IN_STUDENT);
    if (score.conflicts.some((k) => k.startsWith(DISTINCT_PREFIX))) s.distinct = true;
    const key = pairKey(arrivingId, id);
    if (cannot.has(key) || bannedStudents.has(c.studentId)) s.manual = 'cannot-link';
    else if (must.has(key) && s.manual !== 'cannot-link') s.manual = 'must-link';
  }
  // An uncorroborated pair (names only) says nothing against a student another of whose records links cleanly.
  for (const s of byStudent.values())
    if (s.candidates.some((c) => c.score.decision === 'link')) s.conflicts = s.conflicts.filter(isHardConflict);
  for (const studentId of bannedStudents) {
    const s = byStudent.get(studentId);
    if (s) s.manual = 'cannot-link';
  }
  const students = [...byStudent.values()].sort((x, y) => y.bestWeight - x.bestWeight);
  for (const s of students) s.candidates.sort((x, y) => y.score.weight - x.score.weight);
  const decision = decideArrival(students, scorer.linkWeight, scorer.reviewWeight);
  return {
    decision,
    students,
    rulesVersion: model.rulesVersion,
    linkWeight: scorer.linkWeight,
    reviewWeight: scorer.reviewWeight,
  };
}

/**
 * The decision among scored students (best first): manual decisions, then
 * one clean linkable student, ambiguity, conflicts, near matches. Exported
 * so a caller can decide among a subset of `matchArriving`'s students.
 */
export function decideArrival(students: StudentMatch[], linkWeight: number, reviewWeight: number): ArrivalDecision {
  const manual = students.filter((s) => s.manual === 'must-link');
  if (manual.length === 1) return { kind: 'link', studentId: manual[0]!.studentId, reason: 'manual' };
  if (manual.length > 1) return { kind: 'review', studentIds: manual.map((s) => s.studentId), reason: 'ambiguous' };
  const open = students.filter((s) => s.manual !== 'cannot-link' && s.distinct !== true);
  const linkable = open.filter((s) => s.bestWeight >= linkWeight);
  const clean = linkable.filter((s) => s.conflicts.length === 0);
  if (clean.length === 1 && linkable.length === 1)
    return { kind: 'link', studentId: clean[0]!.studentId, reason: 'score' };
  if (linkable.length > 1) return { kind: 'review', studentIds: linkable.map((s) => s.studentId), reason: 'ambiguous' };
  if (linkable.length === 1) return { kind: 'review', studentIds: [linkable[0]!.studentId], reason: 'conflict' };
  const near = open.filter((s) => s.bestWeight >= reviewWeight);
  if (near.length > 0) return { kind: 'review', studentIds: near.map((s) => s.studentId), reason: 'near-match' };
  return { kind: 'new' };
}
