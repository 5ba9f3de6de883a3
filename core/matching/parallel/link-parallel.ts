/**
 * Batch linking on several cores. Scoring the candidate pairs is ~70% of a
 * national-scale batch and every pair is independent, so worker threads
 * score disjoint chunks of records while the main thread scores too; the
 * main thread then clusters, exactly as the single-thread `linkBatch`.
 *
 * Why this shape:
 * - Each worker loads its own copy of the records through a record source
 *   (e.g. reads and standardizes the same CSV) while the main thread reads
 *   too, so reading costs no extra wall time on a free core, and no million
 *   objects are serialized between threads.
 * - Blocking keys are computed in shares by all threads; the main thread
 *   sorts them into one index and publishes its pair plan on
 *   SharedArrayBuffers, so workers do not copy it.
 * - Chunks are claimed from a shared atomic counter (a busy core takes
 *   fewer) and their edges are concatenated in chunk order, which is the
 *   single-thread visiting order: the result is identical to `linkBatch`
 *   for the same records, whatever the number of threads or the timing.
 * - Anything that goes wrong in a worker (cannot start, different records,
 *   crash) falls back to the main thread doing that share, with a warning.
 */
import { Worker } from 'node:worker_threads';
import {
  EdgeList,
  batchPrefilter,
  batchScorer,
  batchTermFrequencies,
  clusterScoredPairs,
  linkBatch,
  scorePairRange,
  emptyScoredPairs,
  type BatchOptions,
  type BatchResult,
  type EdgeListData,
  type ReviewPair,
  type ScoredPairs,
} from '../batch.js';
import { BlockIndex, packKeys } from '../block-index.js';
import type { ComparisonSet } from '../compare/field-comparison.js';
import type { MatchModel } from '../model.js';
import { recordsFingerprint, type ChunkResult, type FromWorker, type ModuleExportRef, type RecordSourceRef, type ToWorker, type WorkerInit } from './protocol.js';

export type { ModuleExportRef, RecordSourceRef } from './protocol.js';

const TS = import.meta.url.endsWith('.ts');

/** URL of a module of the matching engine, as this build names it (.ts under tsx/vitest, .js compiled). */
export function engineModuleUrl(relativeToMatching: string): string {
  return new URL(`../${relativeToMatching}${TS ? '.ts' : '.js'}`, import.meta.url).href;
}

/** The person comparison set, for worker threads. */
export const PERSON_SET_REF: ModuleExportRef = { module: engineModuleUrl('person-comparisons'), export: 'personComparisonSet' };

/** Worker threads read and standardize this record CSV themselves (see `batch-csv.ts`). */
export function csvRecordSource(path: string): RecordSourceRef {
  return { module: engineModuleUrl('batch-csv'), export: 'loadStandardizedCsv', args: [path] };
}

interface Loaded {
  records: number;
  fingerprint: number;
}

/** One worker thread and the dispatch of its messages. */
class WorkerHandle {
  readonly worker: Worker;
  readonly loaded: Promise<Loaded>;
  private failure: Error | null = null;
  private onMessage: ((m: FromWorker) => void) | null = null;
  private onFailure: ((err: Error) => void) | null = null;
  private ended = false;

  constructor(init: WorkerInit) {
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: init });
    let resolveLoaded!: (l: Loaded) => void;
    let rejectLoaded!: (err: Error) => void;
    this.loaded = new Promise<Loaded>((resolve, reject) => {
      resolveLoaded = resolve;
      rejectLoaded = reject;
    });
    this.loaded.catch(() => {}); // observed later; avoid an unhandled rejection meanwhile
    const fail = (err: Error) => {
      if (this.failure !== null) return;
      this.failure = err;
      rejectLoaded(err);
      this.onFailure?.(err);
    };
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'loaded') resolveLoaded({ records: m.records, fingerprint: m.fingerprint });
      else if (m.type === 'error') fail(new Error(`batch worker: ${m.message}`));
      else this.onMessage?.(m);
    });
    this.worker.on('error', (err) => fail(err));
    this.worker.on('exit', (code) => {
      this.ended = true;
      fail(new Error(`batch worker exited (code ${code})`));
    });
  }

  /** Routes the worker's next messages to `onMessage`; `onFailure` fires once if it fails (now or later). */
  listen(onMessage: (m: FromWorker) => void, onFailure: (err: Error) => void): void {
    this.onMessage = onMessage;
    this.onFailure = onFailure;
    if (this.failure !== null) onFailure(this.failure);
  }

  post(message: ToWorker): void {
    if (this.failure === null) this.worker.postMessage(message);
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  async terminate(): Promise<void> {
    this.onFailure = null;
    this.onMessage = null;
    if (!this.ended) await this.worker.terminate();
  }
}

export interface BatchWorkerPoolOptions {
  /** Worker threads besides the main thread (1 on a 2-core machine). */
  workers: number;
  /** Where each worker gets its copy of the records. */
  source: RecordSourceRef;
  /** The comparison set export (e.g. {@link PERSON_SET_REF}). */
  set: ModuleExportRef;
}

/**
 * Worker threads for one parallel batch. Start it as early as possible
 * (before the main thread reads its own records): the workers begin loading
 * theirs at once. A pool serves one `linkBatchParallel` call, which
 * terminates it when scoring is done so the workers' copies of the records
 * are freed before clustering.
 */
export class BatchWorkerPool {
  private constructor(readonly handles: WorkerHandle[]) {}

  static start(options: BatchWorkerPoolOptions): BatchWorkerPool {
    const entry = new URL(`./score-worker${TS ? '.ts' : '.js'}`, import.meta.url).href;
    const handles: WorkerHandle[] = [];
    for (let k = 0; k < options.workers; k++) handles.push(new WorkerHandle({ entry, source: options.source, set: options.set }));
    return new BatchWorkerPool(handles);
  }

  get size(): number {
    return this.handles.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.terminate()));
  }
}

export interface ParallelBatchOptions extends BatchOptions {
  /** Worker threads holding the same records (see {@link BatchWorkerPool}); closed by this call. */
  pool: BatchWorkerPool;
  /** Records per claimed chunk (default n/256, at least 256). */
  chunkSize?: number;
  /** A worker could not help (it failed or holds other records); its share ran on the main thread. */
  onWarning?: (message: string) => void;
}

/**
 * {@link linkBatch} with the blocking keys and the pair scoring shared
 * between the main thread and the pool's workers. Same result as
 * `linkBatch(records, set, model, options)` for the same records. `skipPair`
 * (a function) cannot reach a worker: with it, the batch runs on the main
 * thread alone.
 */
export async function linkBatchParallel<R>(records: readonly R[], set: ComparisonSet<R>, model: MatchModel, options: ParallelBatchOptions): Promise<BatchResult> {
  const { pool } = options;
  const warn = options.onWarning ?? (() => {});
  const progress = options.onProgress ?? (() => {});
  const n = records.length;
  if (options.skipPair !== undefined || pool.size === 0) {
    await pool.close();
    return linkBatch(records, set, model, options);
  }
  try {
    // Workers must hold exactly these records.
    const fingerprint = recordsFingerprint(records, (r) => set.idOf(r));
    const live: WorkerHandle[] = [];
    for (const h of pool.handles) {
      try {
        const loaded = await h.loaded;
        if (loaded.records === n && loaded.fingerprint === fingerprint) live.push(h);
        else {
          warn(`batch worker holds other records (${loaded.records} records, expected ${n}); not used`);
          await h.terminate();
        }
      } catch (err) {
        warn(`batch worker not used: ${err instanceof Error ? err.message : String(err)}`);
      }
    }

    // Blocking keys: one share per thread; the main thread sorts them into one index.
    const parts = live.length + 1;
    const bound = (k: number) => Math.floor((n * k) / parts);
    const keyReplies = live.map(
      (h, k) =>
        new Promise<Float64Array | null>((resolve) => {
          h.listen(
            (m) => {
              if (m.type === 'keys') resolve(m.entries);
            },
            () => resolve(null),
          );
          h.post({ type: 'keys', lo: bound(k + 1), hi: bound(k + 2) });
        }),
    );
    progress('blocking', 0, n);
    const index = new BlockIndex({ maxBlockSize: options.maxBlockSize ?? model.maxBlockSize }, 0);
    index.addPacked(packKeys((i) => set.blockingKeys(records[i]!), 0, bound(1)), n);
    for (let k = 0; k < live.length; k++) {
      const entries = await keyReplies[k]!;
      const lo = bound(k + 1);
      const hi = bound(k + 2);
      if (entries !== null) index.addPacked(entries, n);
      else {
        warn(`batch worker failed computing keys; main thread computes records ${lo}..${hi - 1}`);
        index.addPacked(packKeys((i) => set.blockingKeys(records[i]!), lo, hi - lo), n);
      }
    }
    progress('blocking', n, n);
    const plan = index.pairPlan({ shared: true });
    const termFrequencies = batchTermFrequencies(records, set, model, options);
    const scorer = batchScorer(set, model, n, termFrequencies);
    const prefilter = batchPrefilter(records, scorer, plan, options);

    // Scoring: chunks claimed from a shared counter by every thread.
    const chunkSize = Math.max(1, options.chunkSize ?? Math.max(256, Math.ceil(n / 256)));
    const chunkCount = Math.ceil(n / chunkSize);
    const next = new Int32Array(new SharedArrayBuffer(4));
    const results: Array<ScoredPairs | ChunkResult | undefined> = new Array(chunkCount);
    const workersDone = live.map(
      (h) =>
        new Promise<void>((resolve) => {
          h.listen(
            (m) => {
              if (m.type === 'chunk') results[m.chunk] = m;
              else if (m.type === 'scored') resolve();
            },
            (err) => {
              warn(`batch worker failed while scoring (${err.message}); the main thread scores what it left`);
              resolve();
            },
          );
          h.post({ type: 'score', plan, model, termFrequencies, next, chunkSize, prefilterOrder: prefilter ? [...prefilter.order] : null });
        }),
    );
    const stamp = new Int32Array(n).fill(-1);
    const scoreChunk = (c: number) =>
      scorePairRange(records, set, scorer, plan, c * chunkSize, Math.min(n, (c + 1) * chunkSize), emptyScoredPairs(), { stamp, prefilter });
    for (let c = Atomics.add(next, 0, 1); c < chunkCount; c = Atomics.add(next, 0, 1)) {
      results[c] = scoreChunk(c);
      progress('scoring', Math.min(n, Atomics.load(next, 0) * chunkSize), n);
    }
    await Promise.all(workersDone);
    await pool.close();
    for (let c = 0; c < chunkCount; c++) if (results[c] === undefined) results[c] = scoreChunk(c);

    // Concatenate in chunk order = the single-thread visiting order.
    const sum = (pick: (r: ScoredPairs | ChunkResult) => EdgeListData) => results.reduce((t, r) => t + pick(r!).length, 0);
    const merged: ScoredPairs = {
      links: new EdgeList(sum((r) => r.links)),
      cannot: new EdgeList(sum((r) => r.cannot)),
      twins: new EdgeList(sum((r) => r.twins)),
      review: [] as ReviewPair[],
      pairs: 0,
    };
    for (let c = 0; c < chunkCount; c++) {
      const r = results[c]!;
      merged.links.append(r.links);
      merged.cannot.append(r.cannot);
      merged.twins.append(r.twins);
      for (const p of r.review) merged.review.push(p);
      merged.pairs += r.pairs;
      results[c] = undefined;
    }
    return clusterScoredPairs(records, scorer, merged, { blockingEntries: index.entryCount, skippedBlocks: plan.skippedBlocks }, options);
  } finally {
    await pool.close();
  }
}
