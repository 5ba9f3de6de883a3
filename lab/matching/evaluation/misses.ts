/**
 * Why true pairs were missed: for every child split over several clusters,
 * the strongest pair between each smaller part and the rest of the child's
 * records, classified by what kept them apart. Pairs are counted as the
 * pairwise metric counts them (part size × rest), so the categories add up
 * to the recall lost. For deciding which rule or key to work on next.
 */
import type { BatchResult } from '../../../core/matching/batch.js';
import type { ComparisonSet } from '../../../core/matching/compare/field-comparison.js';
import type { CompiledModel } from '../../../core/matching/scoring.js';

export interface MissBreakdown {
  truePairs: number;
  missedPairs: number;
  /** Missed true pairs by cause, largest first. */
  causes: Array<{ cause: string; pairs: number }>;
}

/**
 * Causes: `no-shared-key` (blocking never paired them); `conflict:<rule>` (the
 * best pair itself has a review conflict); `below-link` (scored under the
 * link threshold); `held-twin` (a record linking to two co-twins was held);
 * `cluster-conflict:<rule>` (the two clusters hold a conflicting pair);
 * `cluster-average` (the clusters disagree on average); `other`.
 */
export function explainMisses<R>(
  records: readonly R[],
  truth: ReadonlyArray<string | number>,
  set: ComparisonSet<R>,
  scorer: CompiledModel<R>,
  result: BatchResult,
): MissBreakdown {
  const { clusterOf } = result;
  const keys = records.map((r) => new Set(set.blockingKeys(r)));
  const members = new Map<number, number[]>();
  for (let i = 0; i < records.length; i++)
    (members.get(clusterOf[i]!) ?? members.set(clusterOf[i]!, []).get(clusterOf[i]!)!).push(i);
  const byTruth = new Map<string | number, number[]>();
  truth.forEach((t, i) => {
    (byTruth.get(t) ?? byTruth.set(t, []).get(t)!).push(i);
  });
  const heldTwin = new Set<number>();
  for (const p of result.review)
    if (p.conflicts.includes('ambiguous-twin') || p.conflicts.includes('ambiguous-record')) {
      heldTwin.add(p.a);
      heldTwin.add(p.b);
    }

  const causes = new Map<string, number>();
  let truePairs = 0;
  let missedPairs = 0;
  for (const recs of byTruth.values()) {
    const n = recs.length;
    truePairs += (n * (n - 1)) / 2;
    const parts = new Map<number, number[]>();
    for (const i of recs) (parts.get(clusterOf[i]!) ?? parts.set(clusterOf[i]!, []).get(clusterOf[i]!)!).push(i);
    if (parts.size === 1) continue;
    const sorted = [...parts.values()].sort((a, b) => b.length - a.length);
    for (let x = 0; x < sorted.length; x++)
      for (let y = x + 1; y < sorted.length; y++) missedPairs += sorted[x]!.length * sorted[y]!.length;
    let earlier = sorted[0]!.length;
    for (const part of sorted.slice(1)) {
      let best = -Infinity;
      let bi = -1;
      let bj = -1;
      for (const i of part)
        for (const j of recs) {
          if (clusterOf[j] === clusterOf[i]) continue;
          const w = scorer.weightOf(records[i]!, records[j]!);
          if (w > best) {
            best = w;
            bi = i;
            bj = j;
          }
        }
      const a = records[bi]!;
      const b = records[bj]!;
      let cause: string;
      // The conflict rules read the levels of the last scored pair: score the best pair again first.
      scorer.weightOf(a, b);
      const conflicts = scorer.conflictsOf(a, b);
      if (![...keys[bi]!].some((k) => keys[bj]!.has(k))) cause = 'no-shared-key';
      else if (conflicts.length > 0) cause = `conflict:${[...new Set(conflicts)].sort().join('+')}`;
      else if (scorer.decide(best, conflicts) !== 'link') cause = 'below-link';
      else if (heldTwin.has(bi) || heldTwin.has(bj)) cause = 'held-twin';
      else {
        const ca = members.get(clusterOf[bi]!)!;
        const cb = members.get(clusterOf[bj]!)!;
        const cross = new Set<string>();
        let sum = 0;
        for (const x of ca)
          for (const y of cb) {
            sum += scorer.weightOf(records[x]!, records[y]!);
            for (const c of scorer.conflictsOf(records[x]!, records[y]!)) cross.add(c);
          }
        cause =
          cross.size > 0
            ? `cluster-conflict:${[...cross].sort().join('+')}`
            : sum / (ca.length * cb.length) < scorer.reviewWeight
              ? 'cluster-average'
              : 'other';
      }
      // Pairs with the larger parts before this one: every missed pair is counted once.
      causes.set(cause, (causes.get(cause) ?? 0) + part.length * earlier);
      earlier += part.length;
    }
  }
  return {
    truePairs,
    missedPairs,
    causes: [...causes].map(([cause, pairs]) => ({ cause, pairs })).sort((x, y) => y.pairs - x.pairs),
  };
}
