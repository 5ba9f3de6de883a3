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
  /** 'cluster-pair' (default): one review item per pair of clusters; 'record-pair': every open record pair. */
  review?: 'cluster-pair' | 'record-pair';
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
    /** Open review pairs before grouping them by pair of clusters. */
    reviewRecordPairs: number;
    /** Records in at least one of those record pairs (the review share without grouping). */
    recordsInRecordPairReview: number;
    linkEdges: number;
    refusedLinks: number;
    /** Records whose automatic links were held for review because they link to two twins. */
    heldRecords: number;
    clusters: number;
  };
}

/** Review reasons added by the clustering step. */
export const CLUSTER_CONFLICT = {
  /** The link would join two clusters that disagree on average or across a cannot-link. */
  cluster: 'cluster-conflict',
  /** The record links automatically to two children that are twins of each other. */
  ambiguousTwin: 'ambiguous-twin',
} as const;

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
  /** Cannot-links found while scoring (conflicts); twin-type ones also mark their two clusters as siblings. */
  const cannot = new EdgeList();
  const twinEdges = new EdgeList();
  const scoredReview: ReviewPair[] = [];
  const { pairs, skippedBlocks } = index.forEachPair(
    (i, j) => {
      if (options.skipPair && options.skipPair(i, j)) return;
      const a = records[i]!;
      const b = records[j]!;
      const w = scorer.weightAtLeast(a, b, conflictFloor);
      if (w < conflictFloor) return;
      const conflicts = scorer.conflictsOf(a, b);
      if (conflicts.length > 0) {
        cannot.push(i, j, w);
        if (set.twinPair && set.twinPair(a, b, scorer.levels)) twinEdges.push(i, j, w);
      }
      const decision = scorer.decide(w, conflicts);
      if (decision === 'link') links.push(i, j, w);
      else if (decision === 'review') scoredReview.push({ a: i, b: j, probability: weightToProbability(w), conflicts });
    },
    (done) => progress('scoring', done, n),
  );
  progress('clustering', 0, links.length);
  const order = new Int32Array(links.length);
  for (let k = 0; k < order.length; k++) order[k] = k;
  order.sort((x, y) => links.w[y]! - links.w[x]!);
  const maxCrossPairs = options.maxCrossPairs ?? 400;

  /** Greedy constrained clustering of the link edges, leaving out the edges of `held` records. */
  const cluster = (held: Uint8Array) => {
    const uf = new ConstrainedUnionFind(n);
    for (let k = 0; k < cannot.length; k++) uf.addCannotLink(cannot.a[k]!, cannot.b[k]!);
    for (const [i, j] of options.cannotLink ?? []) uf.addCannotLink(i, j);
    for (const [i, j] of options.mustLink ?? []) uf.union(i, j);
    const refused: ReviewPair[] = [];
    for (const k of order) {
      const i = links.a[k]!;
      const j = links.b[k]!;
      if (held[i] === 1 || held[j] === 1) {
        refused.push({ a: i, b: j, probability: weightToProbability(links.w[k]!), conflicts: [CLUSTER_CONFLICT.ambiguousTwin] });
        continue;
      }
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
        refused.push({ a: i, b: j, probability: weightToProbability(links.w[k]!), conflicts: [CLUSTER_CONFLICT.cluster] });
      }
    }
    return { uf, refused };
  };

  // Never merge twins: a record with automatic links into two clusters that are twins of each
  // other (a twin conflict between them) could be either child, so its links are held for review
  // and the clusters are rebuilt without them. Repeats until no such record is left.
  const held = new Uint8Array(n);
  let heldRecords = 0;
  let clustered = cluster(held);
  for (let round = 0; round < 8 && twinEdges.length > 0; round++) {
    const { uf } = clustered;
    const twinClusters = new Set<number>();
    /** record * n + root of a cluster the record has a twin conflict with (so it is not that child). */
    const twinOf = new Set<number>();
    const pairKey = (x: number, y: number) => (x < y ? x * n + y : y * n + x);
    for (let k = 0; k < twinEdges.length; k++) {
      const a = twinEdges.a[k]!;
      const b = twinEdges.b[k]!;
      const ra = uf.find(a);
      const rb = uf.find(b);
      if (ra === rb) continue;
      twinClusters.add(pairKey(ra, rb));
      twinOf.add(a * n + rb);
      twinOf.add(b * n + ra);
    }
    // A record is held when it has a link inside its own cluster and another into its co-twin's cluster.
    const own = new Uint8Array(n);
    const cross = new Uint8Array(n);
    for (let k = 0; k < links.length; k++) {
      const i = links.a[k]!;
      const j = links.b[k]!;
      if (held[i] === 1 || held[j] === 1) continue;
      const ri = uf.find(i);
      const rj = uf.find(j);
      if (ri === rj) {
        own[i] = 1;
        own[j] = 1;
      } else if (twinClusters.has(pairKey(ri, rj))) {
        // Linked into the co-twin's cluster without a conflict with it: could be either child.
        if (!twinOf.has(i * n + rj)) cross[i] = 1;
        if (!twinOf.has(j * n + ri)) cross[j] = 1;
      }
    }
    let marked = 0;
    for (let x = 0; x < n; x++) {
      if (own[x] === 1 && cross[x] === 1 && held[x] === 0) {
        held[x] = 1;
        marked++;
      }
    }
    if (marked === 0) break;
    heldRecords += marked;
    clustered = cluster(held);
  }
  const { uf, refused } = clustered;
  const refusedLinks = refused.length;
  const review = scoredReview.concat(refused);
  const clusterOf = new Int32Array(n);
  const smallest = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const root = uf.find(i);
    const first = smallest.get(root);
    if (first === undefined) smallest.set(root, i);
    clusterOf[i] = first ?? i;
  }
  // One review item per pair of clusters (the strongest record pair, with every conflict seen
  // between the two clusters): a reviewer decides "same child or not" once per pair of students.
  const open = review.filter((p) => clusterOf[p.a] !== clusterOf[p.b]);
  let openReview = open;
  if ((options.review ?? 'cluster-pair') === 'cluster-pair') {
    const best = new Map<string, ReviewPair>();
    for (const p of open) {
      const ca = clusterOf[p.a]!;
      const cb = clusterOf[p.b]!;
      const key = ca < cb ? `${ca},${cb}` : `${cb},${ca}`;
      const seen = best.get(key);
      if (!seen) best.set(key, { ...p, conflicts: [...p.conflicts] });
      else {
        for (const c of p.conflicts) if (!seen.conflicts.includes(c)) seen.conflicts.push(c);
        if (p.probability > seen.probability) {
          seen.a = p.a;
          seen.b = p.b;
          seen.probability = p.probability;
        }
      }
    }
    openReview = [...best.values()];
  }
  return {
    clusterOf,
    review: openReview,
    stats: {
      records: n,
      blockingEntries: index.entryCount,
      candidatePairs: pairs,
      skippedBlocks,
      reviewRecordPairs: open.length,
      recordsInRecordPairReview: new Set(open.flatMap((p) => [p.a, p.b])).size,
      linkEdges: links.length,
      refusedLinks,
      heldRecords,
      clusters: smallest.size,
    },
  };
}
