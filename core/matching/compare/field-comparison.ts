/**
 * The generic comparison framework. A dataset is linked with a list of
 * field comparisons; each maps a record pair to a graded level (index into
 * `levels`, 0 = strongest agreement) or NO_EVIDENCE when either side is
 * missing. Person records, FEBRL and Splink data plug in their own lists.
 */

/** Returned by a comparison when a value is missing on either side: contributes weight 0. */
export const NO_EVIDENCE = -1;

export interface FieldComparison<R> {
  /** Name shown in explanations and stored in the model. */
  readonly field: string;
  /** Level names, strongest agreement first; the last is the catch-all "else". */
  readonly levels: readonly string[];
  /** Level index of the pair, or NO_EVIDENCE. Must be cheap: it runs on every candidate pair. */
  compare(a: R, b: R): number;
  /**
   * For term-frequency adjustment: the value whose frequency weakens or
   * strengthens agreement at this level (e.g. the shared surname), or null.
   */
  tfValue?(a: R, b: R, level: number): string | null;
  /** Values of one record counted in the term-frequency table for this field. */
  tfValuesOf?(r: R): string[];
}

/**
 * Conflict labels with this prefix mean "two different people" (e.g. twins
 * with unrelated given names): never linked, and not worth a review.
 */
export const DISTINCT_PREFIX = 'distinct:';

/**
 * Conflict labels with this prefix stop the pair's own automatic link (it goes to review) but are no
 * evidence of two people: the pair lacks corroboration, it does not contradict. Batch clustering does not
 * turn them into cannot-links, and a student with another record that links cleanly is still linked.
 */
export const UNCORROBORATED_PREFIX = 'uncorroborated:';

/** True for a conflict that keeps two records apart (everything except an uncorroborated pair). */
export function isHardConflict(label: string): boolean {
  return !label.startsWith(UNCORROBORATED_PREFIX);
}

/**
 * Rules that stop an automatic link whatever the score (twins, sex
 * disagreement…). Receives the computed levels in comparison order.
 */
export type ConflictRule<R> = (a: R, b: R, levels: ArrayLike<number>) => string | null;

/** Everything needed to link one kind of record. */
export interface ComparisonSet<R> {
  readonly name: string;
  readonly comparisons: readonly FieldComparison<R>[];
  readonly conflicts: readonly ConflictRule<R>[];
  /** Cheap high-recall blocking keys of one record. */
  blockingKeys(r: R): string[];
  /** Strict rule used to estimate the prior probability that two records match (not EM). */
  deterministicMatch(a: R, b: R): boolean;
  /** Id used in outputs. */
  idOf(r: R): string;
  /**
   * Optional: true when a conflicting pair is clear evidence of two different
   * children born together (twins with conflicting names). Batch linking then
   * treats their clusters as twins and holds for review any record linked to both.
   */
  twinPair?(a: R, b: R, levels: ArrayLike<number>): boolean;
}

/** Adapts a comparison of one record type to a wrapper type (e.g. FEBRL record holding a person). */
export function liftComparison<R, S>(comparison: FieldComparison<S>, get: (r: R) => S): FieldComparison<R> {
  const lifted: FieldComparison<R> = {
    field: comparison.field,
    levels: comparison.levels,
    compare: (a, b) => comparison.compare(get(a), get(b)),
  };
  if (comparison.tfValue) {
    const tf = comparison.tfValue.bind(comparison);
    lifted.tfValue = (a, b, level) => tf(get(a), get(b), level);
  }
  if (comparison.tfValuesOf) {
    const tfOf = comparison.tfValuesOf.bind(comparison);
    lifted.tfValuesOf = (r) => tfOf(get(r));
  }
  return lifted;
}
