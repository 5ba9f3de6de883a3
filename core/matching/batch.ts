/**
 * Batch linking of a whole file: block, score every candidate pair once,
 * cluster the automatic links with union-find (never chaining through a
 * conflict), and collect the near-match pairs for review.
 */
import { BlockIndex } from './block-index.js';
import type { ComparisonSet } from './compare/field-comparison.js';
import type { MatchModel } from './model.js';
import { CompiledModel, weightToProbability } from './scoring.js';
import { buildTermFrequencies } from './term-frequency.js';
import { ConstrainedUnionFind } from './union-find.js';

export interface BatchOptions {
  /** Use term frequencies counted on this batch (default) or the model's shipped table. */
  termFrequencies?: 'batch' | 'model';
  /** Manual decisions, as record numbers: always together / never together. */
  mustLink?: ReadonlyArray<readonly [number, number]>;
  cannotLink?: ReadonlyArray<readonly [number, number]>;
  /** Called now and then with a phase name and progress in [0, 1]. */
  onProgress?: (phase: string, done: number, total: number) => void;
  /** Override the model's maxBlockSize. */
  maxBlockSize?: number;
  /** Largest cluster-pair product for which a merge is checked on all cross pairs (default 400). */
  maxCrossPairs?: number;
  /** Pairs to leave unscored, e.g. two records of the same file when linking two files. */
  skipPair?: (i: number, j: number) => boolean;
}

export interface ReviewPair {
  a: number;
  b: number;
  probability: number;
  conflicts: string[];
}

export interface BatchResult {
  /** Cluster number (= smallest record number in the cluster) for each record. */
  clusterOf: Int32Array;
  review: ReviewPair[];
  stats: {
    records: number;
    blockingEntries: number;
    candidatePairs: number;
    skippedBlocks: number;
    linkEdges: number;
    refusedLinks: number;
    clusters: number;
  };
}

class EdgeList {
  a = new Int32Array(1024);
  b = new Int32Array(1024);
  w = new Float64Array(1024);
  length = 0;
  push(a: number, b: number, w: number): void {
    if (this.length === this.a.length) {
      const grow = <T extends Int32Array | Float64Array>(x: T): T => {
        const y = new (x.constructor as new (n: number) => T)(x.length * 2);
        y.set(x);
        return y;
      };
      this.a = grow(this.a);
      this.b = grow(this.b);
      this.w = grow(this.w);
    }
    this.a[this.length] = a;
    this.b[this.length] = b;
    this.w[this.length] = w;
    this.length++;
  }
}

/** Links all records of one batch. Records must already be standardized for `set`. */
export function linkBatch<R>(records: readonly R[], set: ComparisonSet<R>, model: MatchModel, options: BatchOptions = {}): BatchResult {
  const n = records.length;
  const progress = options.onProgress ?? (() => {});
  const index = new BlockIndex({ maxBlockSize: options.maxBlockSize ?? model.maxBlockSize }, n * 12);
  for (let i = 0; i < n; i++) {
    index.add(i, set.blockingKeys(records[i]!));
    if ((i & 0x3ffff) === 0) progress('blocking', i, n);
  }
  index.seal();
  const termFrequencies = (options.termFrequencies ?? 'batch') === 'batch' ? buildTermFrequencies(records, set.comparisons) : model.termFrequencies;
  const scorer = new CompiledModel(model, set, { population: n, termFrequencies });
  const conflictFloor = scorer.reviewWeight - 4;
  const links = new EdgeList();
  const uf = new ConstrainedUnionFind(n);
  for (const [i, j] of options.cannotLink ?? []) uf.addCannotLink(i, j);
  for (const [i, j] of options.mustLink ?? []) uf.union(i, j);
  const review: ReviewPair[] = [];
  const { pairs, skippedBlocks } = index.forEachPair(
    (i, j) => {
      if (options.skipPair && options.skipPair(i, j)) return;
      const a = records[i]!;
      const b = records[j]!;
      const w = scorer.weightAtLeast(a, b, conflictFloor);
      if (w < conflictFloor) return;
      const conflicts = scorer.conflictsOf(a, b);
      if (conflicts.length > 0) uf.addCannotLink(i, j);
      const decision = scorer.decide(w, conflicts);
      if (decision === 'link') links.push(i, j, w);
      else if (decision === 'review') review.push({ a: i, b: j, probability: weightToProbability(w), conflicts });
    },
    (done) => progress('scoring', done, n),
  );
  progress('clustering', 0, links.length);
  const order = new Int32Array(links.length);
  for (let k = 0; k < order.length; k++) order[k] = k;
  order.sort((x, y) => links.w[y]! - links.w[x]!);
  let refusedLinks = 0;
  const maxCrossPairs = options.maxCrossPairs ?? 400;
  for (const k of order) {
    const i = links.a[k]!;
    const j = links.b[k]!;
    if (uf.find(i) === uf.find(j)) continue;
    // Cluster check: the two clusters must agree on average, not just through one pair.
    const si = uf.sizeOf(i);
    const sj = uf.sizeOf(j);
    let clusterOk = true;
    if ((si > 1 || sj > 1) && si * sj <= maxCrossPairs) {
      let sum = 0;
      for (const x of uf.membersOf(i)) for (const y of uf.membersOf(j)) sum += scorer.weightOf(records[x]!, records[y]!) - scorer.priorWeight;
      clusterOk = sum / (si * sj) + scorer.priorWeight >= scorer.reviewWeight;
    }
    if (!clusterOk || !uf.union(i, j)) {
      refusedLinks++;
      review.push({ a: i, b: j, probability: weightToProbability(links.w[k]!), conflicts: ['cluster-conflict'] });
    }
  }
  const clusterOf = new Int32Array(n);
  const smallest = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const root = uf.find(i);
    const first = smallest.get(root);
    if (first === undefined) smallest.set(root, i);
    clusterOf[i] = first ?? i;
  }
  const openReview = review.filter((p) => clusterOf[p.a] !== clusterOf[p.b]);
  return {
    clusterOf,
    review: openReview,
    stats: {
      records: n,
      blockingEntries: index.entryCount,
      candidatePairs: pairs,
      skippedBlocks,
      linkEdges: links.length,
      refusedLinks,
      clusters: smallest.size,
    },
  };
}
