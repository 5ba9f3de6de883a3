/**
 * Linkage quality metrics: pairwise precision/recall/F1 (against all true
 * pairs) and B-cubed precision/recall/F1 (per record, cluster-level).
 */

export interface LinkageMetrics {
  pairwise: {
    precision: number;
    recall: number;
    f1: number;
    truePositives: number;
    predictedPairs: number;
    truePairs: number;
  };
  bcubed: { precision: number; recall: number; f1: number };
}

function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

function pairsOf(n: number): number {
  return (n * (n - 1)) / 2;
}

/**
 * Scores predicted clusters against truth labels. With `source` (0/1 per
 * record), only pairs across the two sources count (two-file linkage).
 */
export function linkageMetrics(
  predicted: ArrayLike<number | string>,
  truth: ArrayLike<number | string>,
  source?: ArrayLike<number>,
): LinkageMetrics {
  const n = predicted.length;
  const cell = new Map<string, number[]>();
  const predCount = new Map<number | string, number[]>();
  const truthCount = new Map<number | string, number[]>();
  const bump = <K>(m: Map<K, number[]>, k: K, s: number) => {
    let v = m.get(k);
    if (!v) m.set(k, (v = [0, 0]));
    v[s]!++;
  };
  for (let i = 0; i < n; i++) {
    const s = source ? source[i]! : 0;
    bump(cell, `${predicted[i]}\u0000${truth[i]}`, s);
    bump(predCount, predicted[i]!, s);
    bump(truthCount, truth[i]!, s);
  }
  const count = (v: number[]) => (source ? v[0]! * v[1]! : pairsOf(v[0]!));
  let tp = 0;
  for (const v of cell.values()) tp += count(v);
  let predicted_ = 0;
  for (const v of predCount.values()) predicted_ += count(v);
  let truePairs = 0;
  for (const v of truthCount.values()) truePairs += count(v);
  const precision = predicted_ === 0 ? 1 : tp / predicted_;
  const recall = truePairs === 0 ? 1 : tp / truePairs;
  // B-cubed over all records (a record counts itself).
  let bp = 0;
  let br = 0;
  for (let i = 0; i < n; i++) {
    const c = cell.get(`${predicted[i]}\u0000${truth[i]}`)!;
    const inter = c[0]! + c[1]!;
    const p = predCount.get(predicted[i]!)!;
    const t = truthCount.get(truth[i]!)!;
    bp += inter / (p[0]! + p[1]!);
    br += inter / (t[0]! + t[1]!);
  }
  bp /= n;
  br /= n;
  return {
    pairwise: {
      precision,
      recall,
      f1: f1(precision, recall),
      truePositives: tp,
      predictedPairs: predicted_,
      truePairs,
    },
    bcubed: { precision: bp, recall: br, f1: f1(bp, br) },
  };
}
