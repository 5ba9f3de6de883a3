/**
 * An exact pre-filter for batch scoring. At national scale ~96% of the
 * candidate pairs score far below the review floor, and the scorer's
 * early exit (`CompiledModel.weightAtLeast`) only gives up after the
 * comparisons in its fixed order. The pre-filter evaluates the same
 * comparisons in an order chosen on a sample of this batch's own pairs
 * (cheap and decisive first, measured, not guessed) and drops a pair only
 * when an upper bound of its weight is below the floor: the weights of the
 * comparisons done so far plus the best weight (and largest term-frequency
 * bonus) every other comparison could still add. Every pair it keeps is
 * then scored by the scorer as before, so the batch result is exactly the
 * same with or without it; only the time changes.
 */
import { NO_EVIDENCE } from './compare/field-comparison.js';
import type { CompiledModel } from './scoring.js';

/** Largest term-frequency adjustment upward (`scoring.ts` clamps to ±5 bits). */
const TF_MAX_UP = 5;
/** Slack against floating-point rounding: the bound is summed in another order than the weight. */
const EPSILON = 1e-6;

export class PairPrefilter<R> {
  private readonly compare: Array<(a: R, b: R) => number>;
  private readonly weights: Float64Array[];
  private readonly tf: boolean[];
  /** rest[k] = most that comparisons order[k..] could add. */
  private readonly rest: Float64Array;

  /**
   * @param order comparison indexes, each once, in evaluation order
   * @param floor weight below which the caller drops a pair
   */
  constructor(
    private readonly scorer: CompiledModel<R>,
    readonly order: readonly number[],
    private readonly floor: number,
  ) {
    const comparisons = scorer.set.comparisons;
    if ([...order].sort((x, y) => x - y).join() !== comparisons.map((_, f) => f).join())
      throw new Error('prefilter order must list every comparison once');
    this.compare = order.map((f) => comparisons[f]!.compare.bind(comparisons[f]));
    this.weights = order.map((f) => scorer.weights[f]!);
    this.tf = order.map((f) => scorer.tf[f] !== null && scorer.tf[f] !== undefined);
    this.rest = new Float64Array(order.length + 1);
    for (let k = order.length - 1; k >= 0; k--) {
      this.rest[k] = this.rest[k + 1]! + Math.max(0, ...this.weights[k]!) + (this.tf[k] ? TF_MAX_UP : 0);
    }
  }

  /** False only when the pair's weight is certainly below the floor. */
  mayReach(a: R, b: R): boolean {
    const limit = this.floor - EPSILON;
    let w = this.scorer.priorWeight;
    const n = this.compare.length;
    for (let k = 0; k < n; k++) {
      if (w + this.rest[k]! < limit) return false;
      const level = this.compare[k]!(a, b);
      if (level === NO_EVIDENCE) continue;
      w += this.weights[k]![level]!;
      if (this.tf[k]) w += this.scorer.tfAdjustment(this.order[k]!, a, b, level);
    }
    return w >= limit;
  }
}

/**
 * Chooses the pre-filter for a batch from a sample of its candidate pairs:
 * measures what each comparison costs and contributes, searches an order
 * that minimises the expected cost (hill climbing on swaps), then times
 * the filtered path against the scorer alone on the sample. Returns null
 * when the filter would not pay (the scorer's own order is as good).
 */
export function choosePrefilter<R>(
  records: readonly R[],
  scorer: CompiledModel<R>,
  floor: number,
  sample: { a: Int32Array; b: Int32Array; length: number },
): PairPrefilter<R> | null {
  const comparisons = scorer.set.comparisons;
  const F = comparisons.length;
  const P = sample.length;
  if (P < 1000 || F < 2) return null;
  const cost = new Float64Array(F);
  const contribution = comparisons.map(() => new Float64Array(P));
  // Two passes: the first warms the JIT and the comparisons' memos (Jaro-Winkler), the second is timed.
  for (let pass = 0; pass < 2; pass++) {
    for (let f = 0; f < F; f++) {
      const c = comparisons[f]!;
      const hasTf = scorer.tf[f] !== null && scorer.tf[f] !== undefined;
      const started = performance.now();
      for (let p = 0; p < P; p++) {
        const a = records[sample.a[p]!]!;
        const b = records[sample.b[p]!]!;
        const level = c.compare(a, b);
        contribution[f]![p] =
          level === NO_EVIDENCE ? 0 : scorer.weights[f]![level]! + (hasTf ? scorer.tfAdjustment(f, a, b, level) : 0);
      }
      cost[f] = (performance.now() - started) / P + 1e-9;
    }
  }
  const best = comparisons.map((_, f) => Math.max(0, ...scorer.weights[f]!) + (scorer.tf[f] ? TF_MAX_UP : 0));
  const expectedCost = (order: number[]): number => {
    const rest = new Float64Array(F + 1);
    for (let k = F - 1; k >= 0; k--) rest[k] = rest[k + 1]! + best[order[k]!]!;
    let total = 0;
    for (let p = 0; p < P; p++) {
      let w = scorer.priorWeight;
      for (let k = 0; k < F; k++) {
        if (w + rest[k]! < floor) break;
        total += cost[order[k]!]!;
        w += contribution[order[k]!]![p]!;
      }
    }
    return total;
  };
  // Start cheap-first, then swap any two comparisons while that lowers the expected cost.
  let order = comparisons.map((_, f) => f).sort((x, y) => cost[x]! - cost[y]!);
  let current = expectedCost(order);
  for (let round = 0; round < 20; round++) {
    let improved = false;
    for (let x = 0; x < F; x++) {
      for (let y = x + 1; y < F; y++) {
        const next = order.slice();
        [next[x], next[y]] = [next[y]!, next[x]!];
        const c = expectedCost(next);
        if (c < current * 0.999) {
          order = next;
          current = c;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  const filter = new PairPrefilter(scorer, order, floor);
  // Measure both paths on the sample (twice each, interleaved, best of two).
  const timeScorer = () => {
    const started = performance.now();
    for (let p = 0; p < P; p++) scorer.weightAtLeast(records[sample.a[p]!]!, records[sample.b[p]!]!, floor);
    return performance.now() - started;
  };
  const timeFiltered = () => {
    const started = performance.now();
    for (let p = 0; p < P; p++) {
      const a = records[sample.a[p]!]!;
      const b = records[sample.b[p]!]!;
      if (filter.mayReach(a, b)) scorer.weightAtLeast(a, b, floor);
    }
    return performance.now() - started;
  };
  let plain = Infinity;
  let filtered = Infinity;
  for (let k = 0; k < 2; k++) {
    plain = Math.min(plain, timeScorer());
    filtered = Math.min(filtered, timeFiltered());
  }
  return filtered < plain * 0.95 ? filter : null;
}
