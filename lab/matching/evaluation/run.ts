/**
 * Runs one labelled data set through training (unsupervised EM unless a
 * model is given), batch linking and scoring, and reports the figures the
 * research targets are stated in.
 */
import { BlockIndex } from '../../../core/matching/block-index.js';
import { linkBatch } from '../../../core/matching/batch.js';
import type { ComparisonSet } from '../../../core/matching/compare/field-comparison.js';
import type { MatchModel, MatchThresholds } from '../../../core/matching/model.js';
import { trainModel } from '../training.js';
import { ConstrainedUnionFind } from '../../../core/matching/union-find.js';
import { CompiledModel } from '../../../core/matching/scoring.js';
import { buildTermFrequencies } from '../../../core/matching/term-frequency.js';
import { linkageMetrics, type LinkageMetrics } from './metrics.js';
import { explainMisses, type MissBreakdown } from './misses.js';

export interface EvaluationInput<R> {
  name: string;
  records: readonly R[];
  /** Ground-truth entity of each record. */
  truth: ReadonlyArray<string | number>;
  set: ComparisonSet<R>;
  /** 0/1 per record when linking two files (only cross-file pairs count). */
  source?: Uint8Array;
  /** Twin group per record (-1 = none), to count twins merged. */
  twinGroup?: Int32Array;
  /** Use this model instead of training one on the data. */
  model?: MatchModel;
  thresholds?: MatchThresholds;
  maxBlockSize?: number;
  /** Also classify the missed true pairs by cause (slower: rescoring every split child). */
  misses?: boolean;
}

export interface EvaluationResult extends LinkageMetrics {
  name: string;
  records: number;
  candidatePairs: number;
  blockingRecall: number;
  /** Records in at least one open review pair, as a share of all records. */
  reviewShare: number;
  reviewPairs: number;
  /** Review share if every open record pair were its own review item (before grouping by cluster pair). */
  reviewShareRecordPairs: number;
  /** Share of review worklist items (one per pair of clusters) whose two records are the same child. */
  reviewTrueShare: number;
  /** Pairwise recall counting review pairs as found (auto + queue). */
  recallWithReview: number;
  twinsMerged: number | null;
  /** Predicted clusters holding records of two or more children: each one shows a child's records to another. */
  mixedClusters: number;
  misses?: MissBreakdown;
  seconds: number;
  model: MatchModel;
}

export function evaluate<R>(input: EvaluationInput<R>): EvaluationResult {
  const started = performance.now();
  const { records, truth, source, set } = input;
  const n = records.length;
  const sourceById = source ? new Map(records.map((r, i) => [set.idOf(r), source[i]!])) : null;
  const pairFilter = sourceById
    ? (a: R, b: R) => sourceById.get(set.idOf(a)) !== sourceById.get(set.idOf(b))
    : undefined;
  let model =
    input.model ??
    trainModel(records, set, {
      trainedOn: input.name,
      ...(pairFilter ? { pairFilter } : {}),
      ...(input.maxBlockSize ? { maxBlockSize: input.maxBlockSize } : {}),
    });
  if (input.thresholds) model = { ...model, thresholds: input.thresholds };
  const skipPair = source ? (i: number, j: number) => source[i] === source[j] : undefined;
  const result = linkBatch(records, set, model, {
    ...(skipPair ? { skipPair } : {}),
    ...(input.maxBlockSize ? { maxBlockSize: input.maxBlockSize } : {}),
  });
  const metrics = linkageMetrics(result.clusterOf, truth, source);

  // Blocking recall: true pairs that share at least one (non-oversized) key.
  const index = new BlockIndex({ maxBlockSize: input.maxBlockSize ?? model.maxBlockSize }, n * 12);
  for (let i = 0; i < n; i++) index.add(i, set.blockingKeys(records[i]!));
  let foundTrue = 0;
  const { pairs } = index.forEachPair((i, j) => {
    if (skipPair?.(i, j)) return;
    if (truth[i] === truth[j]) foundTrue++;
  });
  const blockingRecall = metrics.pairwise.truePairs === 0 ? 1 : foundTrue / metrics.pairwise.truePairs;

  let reviewTrue = 0;
  for (const p of result.review) if (truth[p.a] === truth[p.b]) reviewTrue++;
  const inReview = new Set<number>();
  const uf = new ConstrainedUnionFind(n);
  for (let i = 0; i < n; i++) uf.union(i, result.clusterOf[i]!);
  for (const p of result.review) {
    inReview.add(p.a);
    inReview.add(p.b);
    uf.union(p.a, p.b);
  }
  const withReview = new Int32Array(n);
  for (let i = 0; i < n; i++) withReview[i] = uf.find(i);
  const recallWithReview = linkageMetrics(withReview, truth, source).pairwise.recall;

  let twinsMerged: number | null = null;
  if (input.twinGroup) {
    const tg = input.twinGroup;
    const merged = new Set<string>();
    const byCluster = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      if (tg[i]! < 0) continue;
      const c = result.clusterOf[i]!;
      (byCluster.get(c) ?? byCluster.set(c, []).get(c)!).push(i);
    }
    for (const members of byCluster.values()) {
      for (const i of members)
        for (const j of members) if (truth[i] !== truth[j] && tg[i] === tg[j]) merged.add(`${tg[i]}`);
    }
    twinsMerged = merged.size;
  }
  const childrenOf = new Map<number, Set<string | number>>();
  for (let i = 0; i < n; i++) {
    const c = result.clusterOf[i]!;
    (childrenOf.get(c) ?? childrenOf.set(c, new Set()).get(c)!).add(truth[i]!);
  }
  let mixedClusters = 0;
  for (const s of childrenOf.values()) if (s.size > 1) mixedClusters++;
  return {
    name: input.name,
    records: n,
    ...metrics,
    candidatePairs: pairs,
    blockingRecall,
    reviewShare: inReview.size / n,
    reviewPairs: result.review.length,
    reviewTrueShare: result.review.length === 0 ? 0 : reviewTrue / result.review.length,
    reviewShareRecordPairs: result.stats.recordsInRecordPairReview / n,
    recallWithReview,
    twinsMerged,
    mixedClusters,
    ...(input.misses
      ? {
          misses: explainMisses(
            records,
            truth,
            set,
            new CompiledModel(model, set, {
              population: n,
              termFrequencies: buildTermFrequencies(records, set.comparisons),
            }),
            result,
          ),
        }
      : {}),
    seconds: (performance.now() - started) / 1000,
    model,
  };
}
