/**
 * Batch linking of a whole file: block, score every candidate pair once,
 * cluster the automatic links with union-find (never chaining through a
 * conflict), and collect the near-match pairs for review.
 */
import { BlockIndex, forEachPairInRange, type PairPlan } from './block-index.js';
import { type PairPrefilter, choosePrefilter } from './batch-prefilter.js';
import { type ComparisonSet, isHardConflict } from './compare/field-comparison.js';
import type { MatchModel, TermFrequencyTable } from './model.js';
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
  /**
   * Exact pre-filter (`batch-prefilter.ts`), chosen on a sample of the batch's pairs when it pays
   * (default true). It changes the running time only, never the result.
   */
  prefilter?: boolean;
  /** Told which comparison order the pre-filter uses (field names), or null when it is not used. */
  onPrefilter?: (fields: string[] | null) => void;
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
  /** The record links automatically into two clusters that disagree on average: it could be either child. */
  ambiguousRecord: 'ambiguous-record',
} as const;

/**
 * Record pairs with a weight in growable typed arrays: compact at 1M
 * records, and their buffers can be transferred between threads.
 */
export class EdgeList {
  a: Int32Array;
  b: Int32Array;
  w: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity);
    this.b = new Int32Array(capacity);
    this.w = new Float64Array(capacity);
  }
  private grow(min: number): void {
    const size = Math.max(min, this.a.length * 2, 16);
    const a = new Int32Array(size);
    const b = new Int32Array(size);
    const w = new Float64Array(size);
    a.set(this.a.subarray(0, this.length));
    b.set(this.b.subarray(0, this.length));
    w.set(this.w.subarray(0, this.length));
    this.a = a;
    this.b = b;
    this.w = w;
  }
  push(a: number, b: number, w: number): void {
    if (this.length === this.a.length) this.grow(this.length + 1);
    this.a[this.length] = a;
    this.b[this.length] = b;
    this.w[this.length] = w;
    this.length++;
  }
  /** Appends all edges of `other` after this list's own. */
  append(other: EdgeListData): void {
    if (this.length + other.length > this.a.length) this.grow(this.length + other.length);
    this.a.set(other.a.subarray(0, other.length), this.length);
    this.b.set(other.b.subarray(0, other.length), this.length);
    this.w.set(other.w.subarray(0, other.length), this.length);
    this.length += other.length;
  }
  /** The edges as exactly-sized arrays (for postMessage with transfer). */
  data(): EdgeListData {
    return {
      a: this.a.slice(0, this.length),
      b: this.b.slice(0, this.length),
      w: this.w.slice(0, this.length),
      length: this.length,
    };
  }
}

/** Plain form of an {@link EdgeList}, as sent between threads. */
export interface EdgeListData {
  a: Int32Array;
  b: Int32Array;
  w: Float64Array;
  length: number;
}

/** What scoring the candidate pairs of a range of records produces, in visiting order. */
export interface ScoredPairs {
  /** Pairs whose decision is `link`. */
  links: EdgeList;
  /** Pairs with a conflict (never in one cluster). */
  cannot: EdgeList;
  /** Conflicting pairs that are clear twin evidence (`ComparisonSet.twinPair`). */
  twins: EdgeList;
  /** Pairs whose decision is `review`. */
  review: ReviewPair[];
  /** Candidate pairs visited. */
  pairs: number;
}

/** A fresh accumulator for {@link scorePairRange}. */
export function emptyScoredPairs(): ScoredPairs {
  return { links: new EdgeList(), cannot: new EdgeList(), twins: new EdgeList(), review: [], pairs: 0 };
}

/**
 * Term frequencies a batch run scores with: counted on the batch itself
 * (default) or the model's shipped table. Computed once and handed to every
 * scoring thread, so all threads weigh a pair identically.
 */
export function batchTermFrequencies<R>(
  records: readonly R[],
  set: ComparisonSet<R>,
  model: MatchModel,
  options: Pick<BatchOptions, 'termFrequencies'> = {},
): Record<string, TermFrequencyTable> {
  return (options.termFrequencies ?? 'batch') === 'batch'
    ? buildTermFrequencies(records, set.comparisons)
    : model.termFrequencies;
}

/** The scorer of a batch of `population` records (the prior follows the batch size). */
export function batchScorer<R>(
  set: ComparisonSet<R>,
  model: MatchModel,
  population: number,
  termFrequencies: Record<string, TermFrequencyTable>,
): CompiledModel<R> {
  return new CompiledModel(model, set, { population, termFrequencies });
}

/** Pairs below this weight are dropped: not a link, not for review, too weak even to record a conflict. */
export function batchConflictFloor<R>(scorer: CompiledModel<R>): number {
  return scorer.reviewWeight - 4;
}

/**
 * Up to `target` candidate pairs of a plan, taken from 16 record windows
 * spread over the batch (pairs of early records differ from late ones).
 */
export function samplePlanPairs(plan: PairPlan, target = 20_000): EdgeList {
  const out = new EdgeList(target);
  const n = plan.records;
  const windows = 16;
  const stamp = new Int32Array(n).fill(-1);
  for (let w = 0; w < windows; w++) {
    const quota = Math.floor((target * (w + 1)) / windows);
    for (
      let i = Math.floor((n * w) / windows), end = Math.floor((n * (w + 1)) / windows);
      i < end && out.length < quota;
      i++
    ) {
      forEachPairInRange(plan, i, i + 1, (x, y) => out.push(x, y, 0), stamp);
    }
  }
  return out;
}

/** The batch's pre-filter, or null when it is turned off or would not pay on this batch. */
export function batchPrefilter<R>(
  records: readonly R[],
  scorer: CompiledModel<R>,
  plan: PairPlan,
  options: Pick<BatchOptions, 'prefilter' | 'onPrefilter'>,
): PairPrefilter<R> | null {
  const filter =
    options.prefilter === false || plan.records < 10_000
      ? null
      : choosePrefilter(records, scorer, batchConflictFloor(scorer), samplePlanPairs(plan));
  options.onPrefilter?.(filter ? filter.order.map((f) => scorer.set.comparisons[f]!.field) : null);
  return filter;
}

/**
 * Scores the candidate pairs (i, j), lo <= i < hi, of a pair plan and
 * collects link, conflict, twin and review edges. Pure and synchronous: the
 * single-thread batch calls it on [0, n), worker threads on disjoint
 * ranges; ranges scored in order concatenate to the same result.
 */
export function scorePairRange<R>(
  records: readonly R[],
  set: ComparisonSet<R>,
  scorer: CompiledModel<R>,
  plan: PairPlan,
  lo: number,
  hi: number,
  out: ScoredPairs = emptyScoredPairs(),
  options: {
    skipPair?: (i: number, j: number) => boolean;
    stamp?: Int32Array;
    onProgress?: (doneRecords: number) => void;
    /** Drops pairs certainly below the floor before the scorer sees them (same result, less time). */
    prefilter?: PairPrefilter<R> | null;
  } = {},
): ScoredPairs {
  const conflictFloor = batchConflictFloor(scorer);
  const prefilter = options.prefilter ?? null;
  const skipPair = options.skipPair;
  out.pairs += forEachPairInRange(
    plan,
    lo,
    hi,
    (i, j) => {
      if (skipPair?.(i, j)) return;
      fileCandidatePair(records, set, scorer, conflictFloor, prefilter, i, j, out);
    },
    options.stamp,
    options.onProgress,
  );
  return out;
}

/** Where {@link fileCandidatePair} puts a scored pair ({@link ScoredPairs} is one). */
export interface PairSink {
  links: { push(a: number, b: number, w: number): void };
  cannot: { push(a: number, b: number, w: number): void };
  twins: { push(a: number, b: number, w: number): void };
  review: { push(p: ReviewPair): void };
}

/**
 * Scores one candidate pair (i, j) and files it as a link, conflict, twin and/or review edge, or drops it below
 * `conflictFloor`: the one home of what a batch does with a pair, whichever way the pairs are split (record ranges
 * here and in the threaded batch, blocking-key partitions in the store's partitioned load).
 */
export function fileCandidatePair<R>(
  records: readonly R[],
  set: ComparisonSet<R>,
  scorer: CompiledModel<R>,
  conflictFloor: number,
  prefilter: PairPrefilter<R> | null,
  i: number,
  j: number,
  out: PairSink,
): void {
  const a = records[i]!;
  const b = records[j]!;
  if (prefilter !== null && !prefilter.mayReach(a, b)) return;
  const w = scorer.weightAtLeast(a, b, conflictFloor);
  if (w < conflictFloor) return;
  const conflicts = scorer.conflictsOf(a, b);
  if (conflicts.some(isHardConflict)) {
    out.cannot.push(i, j, w);
    if (set.twinPair?.(a, b, scorer.levels)) out.twins.push(i, j, w);
  }
  const decision = scorer.decide(w, conflicts);
  if (decision === 'link') out.links.push(i, j, w);
  else if (decision === 'review') out.review.push({ a: i, b: j, probability: weightToProbability(w), conflicts });
}

/** Links all records of one batch. Records must already be standardized for `set`. */
export function linkBatch<R>(
  records: readonly R[],
  set: ComparisonSet<R>,
  model: MatchModel,
  options: BatchOptions = {},
): BatchResult {
  const n = records.length;
  const progress = options.onProgress ?? (() => {});
  const batch = prepareBatch(records, set, model, options);
  const scored = scorePairRange(records, set, batch.scorer, batch.plan, 0, n, emptyScoredPairs(), {
    skipPair: options.skipPair,
    prefilter: batch.prefilter,
    onProgress: (done) => progress('scoring', done, n),
  });
  return clusterScoredPairs(
    records,
    batch.scorer,
    scored,
    { blockingEntries: batch.blockingEntries, skippedBlocks: batch.plan.skippedBlocks },
    options,
  );
}

/** Everything a batch scores with: the blocking index's plan, the scorer and the pre-filter. */
export interface PreparedBatch<R> {
  records: readonly R[];
  set: ComparisonSet<R>;
  plan: PairPlan;
  scorer: CompiledModel<R>;
  prefilter: PairPrefilter<R> | null;
  blockingEntries: number;
}

/**
 * First half of {@link linkBatch}: blocking keys into the index, its pair plan, the term frequencies, the scorer and
 * the pre-filter. The partitioned batch (core/matching-store/batch-partitions.ts) builds it the same way in the
 * coordinator and every worker, so all of them score the same pairs alike.
 */
export function prepareBatch<R>(
  records: readonly R[],
  set: ComparisonSet<R>,
  model: MatchModel,
  options: Pick<BatchOptions, 'maxBlockSize' | 'termFrequencies' | 'prefilter' | 'onProgress'> = {},
): PreparedBatch<R> {
  const n = records.length;
  const progress = options.onProgress ?? (() => {});
  const index = new BlockIndex({ maxBlockSize: options.maxBlockSize ?? model.maxBlockSize }, n * 12);
  for (let i = 0; i < n; i++) {
    index.add(i, set.blockingKeys(records[i]!));
    if ((i & 0x3ffff) === 0) progress('blocking', i, n);
  }
  const plan = index.pairPlan();
  const scorer = batchScorer(set, model, n, batchTermFrequencies(records, set, model, options));
  const prefilter = batchPrefilter(records, scorer, plan, options);
  return { records, set, plan, scorer, prefilter, blockingEntries: index.entryCount };
}

/**
 * Second half of {@link linkBatch}: clusters the scored edges of the whole
 * batch (constrained union-find, twin hold-back) and groups the review
 * pairs. Shared by the single-thread and the parallel batch.
 */
export function clusterScoredPairs<R>(
  records: readonly R[],
  scorer: CompiledModel<R>,
  scored: ScoredPairs,
  index: { blockingEntries: number; skippedBlocks: number },
  options: BatchOptions = {},
): BatchResult {
  const n = records.length;
  const progress = options.onProgress ?? (() => {});
  const { links, cannot, pairs } = scored;
  const twinEdges = scored.twins;
  const scoredReview = scored.review;
  const skippedBlocks = index.skippedBlocks;
  progress('clustering', 0, links.length);
  const order = new Int32Array(links.length);
  for (let k = 0; k < order.length; k++) order[k] = k;
  order.sort((x, y) => links.w[y]! - links.w[x]!);
  const maxCrossPairs = options.maxCrossPairs ?? 400;

  /** Cross-pair weights (minus the prior) of the cluster checks, kept for the next twin round. */
  const crossWeights = new Map<number, number>();
  /** Cross pairs of the cluster checks that hold a conflict. */
  const crossConflicts = new Set<number>();
  /** Greedy constrained clustering of the link edges, leaving out the edges of `held` records. */
  const cluster = (held: Uint8Array) => {
    const uf = new ConstrainedUnionFind(n);
    for (let k = 0; k < cannot.length; k++) uf.addCannotLink(cannot.a[k]!, cannot.b[k]!);
    for (const [i, j] of options.cannotLink ?? []) uf.addCannotLink(i, j);
    for (const [i, j] of options.mustLink ?? []) uf.union(i, j);
    const refused: ReviewPair[] = [];
    /** Link edges refused because the two clusters disagree on average or hold a conflicting cross pair. */
    const averageRefused: number[] = [];
    for (const k of order) {
      const i = links.a[k]!;
      const j = links.b[k]!;
      if (held[i] !== 0 || held[j] !== 0) {
        refused.push({
          a: i,
          b: j,
          probability: weightToProbability(links.w[k]!),
          conflicts: [
            held[i] === 2 || held[j] === 2 ? CLUSTER_CONFLICT.ambiguousRecord : CLUSTER_CONFLICT.ambiguousTwin,
          ],
        });
        continue;
      }
      if (uf.find(i) === uf.find(j)) continue;
      // Cluster check: the two clusters must agree on average, not just through one pair.
      const si = uf.sizeOf(i);
      const sj = uf.sizeOf(j);
      let clusterOk = true;
      if ((si > 1 || sj > 1) && si * sj <= maxCrossPairs) {
        let sum = 0;
        let conflict = false;
        for (const x of uf.membersOf(i)) {
          for (const y of uf.membersOf(j)) {
            const key = x * n + y;
            let v = crossWeights.get(key);
            if (v === undefined) {
              v = scorer.weightOf(records[x]!, records[y]!) - scorer.priorWeight;
              // A cross pair that no blocking key brought together can still hold a conflict (two ids of one
              // state, twins): the merge would put both records in one cluster, so it is refused (rules -6).
              if (scorer.conflictsOf(records[x]!, records[y]!).some(isHardConflict)) crossConflicts.add(key);
              crossWeights.set(key, v);
            }
            if (crossConflicts.has(key)) conflict = true;
            sum += v;
          }
        }
        const averageOk = sum / (si * sj) + scorer.priorWeight >= scorer.reviewWeight;
        if (!averageOk) averageRefused.push(k);
        clusterOk = averageOk && !conflict;
      }
      if (!clusterOk || !uf.union(i, j)) {
        refused.push({
          a: i,
          b: j,
          probability: weightToProbability(links.w[k]!),
          conflicts: [CLUSTER_CONFLICT.cluster],
        });
      }
    }
    return { uf, refused, averageRefused };
  };

  // Never merge twins: a record with automatic links into two clusters that are twins of each
  // other (a twin conflict between them) could be either child, so its links are held for review
  // and the clusters are rebuilt without them. Repeats until no such record is left.
  // The same holds for a record linking into two clusters that disagree on average or across a conflicting
  // pair no blocking key had paired (two JAMES BROWNs
  // born two years apart, and a third record without a birth date whose father matches both): the
  // record could be either child (rules `-6`); held records are marked 2 for the review label.
  const held = new Uint8Array(n);
  let heldRecords = 0;
  let clustered = cluster(held);
  for (let round = 0; round < 8; round++) {
    const { uf, averageRefused } = clustered;
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
      if (held[i] !== 0 || held[j] !== 0) continue;
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
    for (const k of averageRefused) {
      const i = links.a[k]!;
      const j = links.b[k]!;
      if (uf.find(i) === uf.find(j)) continue;
      if (cross[i] === 0) cross[i] = 2;
      if (cross[j] === 0) cross[j] = 2;
    }
    let marked = 0;
    for (let x = 0; x < n; x++) {
      if (own[x] === 1 && cross[x] !== 0 && held[x] === 0) {
        held[x] = cross[x]!;
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
      blockingEntries: index.blockingEntries,
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
