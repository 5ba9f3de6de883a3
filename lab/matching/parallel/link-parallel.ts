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
 * - The main thread never waits for a worker to be ready. Blocking keys and
 *   then scoring are split into chunks of records claimed from shared atomic
 *   counters; a worker joins whenever it has loaded, and on a busy machine
 *   (the 2-core box is shared) simply takes fewer chunks, or none. The
 *   main thread sorts the keys into one index and publishes its pair plan on
 *   SharedArrayBuffers, so workers do not copy it.
 * - Chunk results are concatenated in chunk order, which is the
 *   single-thread visiting order: the result is identical to `linkBatch`
 *   for the same records, whatever the number of threads or the timing.
 * - Anything that goes wrong in a worker (cannot start, holds other records,
 *   crashes) leaves its chunks to the main thread, with a warning.
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
} from '../../../core/matching/batch.js';
import { BlockIndex, packKeys } from '../../../core/matching/block-index.js';
import type { ComparisonSet } from '../../../core/matching/compare/field-comparison.js';
import type { MatchModel } from '../../../core/matching/model.js';
import {
  recordsFingerprint,
  type ChunkResult,
  type ExpectedRecords,
  type FromWorker,
  type ModuleExportRef,
  type RecordSourceRef,
  type ToWorker,
  type WorkerInit,
} from './protocol.js';

export type { ModuleExportRef, RecordSourceRef } from './protocol.js';

const TS = import.meta.url.endsWith('.ts');

/**
 * URL of a module, relative to `lab/matching/`, as this build names it (.ts under tsx/vitest, .js compiled);
 * the engine itself is `../../core/matching/`.
 */
export function engineModuleUrl(relativeToLabMatching: string): string {
  return new URL(`../${relativeToLabMatching}${TS ? '.ts' : '.js'}`, import.meta.url).href;
}

/** The person comparison set, for worker threads. */
export const PERSON_SET_REF: ModuleExportRef = {
  module: engineModuleUrl('../../core/matching/person-comparisons'),
  export: 'personComparisonSet',
};

/** Worker threads read and standardize this record CSV themselves (see `batch-csv.ts`). */
export function csvRecordSource(path: string): RecordSourceRef {
  return { module: engineModuleUrl('batch-csv'), export: 'loadStandardizedCsv', args: [path] };
}

/** One worker thread and the dispatch of its messages. */
class WorkerHandle {
  readonly worker: Worker;
  /** What the worker loaded (null until its `loaded` message is handled). */
  loaded: ExpectedRecords | null = null;
  /** Resolves once the worker has loaded its records or failed. */
  readonly settled: Promise<void>;
  private failure: Error | null = null;
  private onMessage: ((m: FromWorker) => void) | null = null;
  private onFailure: ((err: Error) => void) | null = null;
  private ended = false;

  constructor(init: WorkerInit) {
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: init });
    let settle!: () => void;
    this.settled = new Promise<void>((resolve) => (settle = resolve));
    const fail = (err: Error) => {
      settle();
      this.fail(err);
    };
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'error') fail(new Error(m.message.split('\n')[0]));
      else if (m.type === 'loaded') {
        this.loaded = { records: m.records, fingerprint: m.fingerprint };
        settle();
      } else this.onMessage?.(m);
    });
    this.worker.on('error', (err) => fail(err));
    this.worker.on('exit', (code) => {
      this.ended = true;
      fail(new Error(`exited (code ${code})`));
    });
  }

  /** Marks the worker failed (reported once, to the current listener). */
  fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.onFailure?.(err);
  }

  /** Routes the worker's messages to `onMessage`; `onFailure` fires once if it fails from now on. */
  listen(onMessage: (m: FromWorker) => void, onFailure: (err: Error) => void): void {
    this.onMessage = onMessage;
    this.onFailure = onFailure;
  }

  post(message: ToWorker): void {
    if (this.failure === null) this.worker.postMessage(message);
  }

  get failed(): Error | null {
    return this.failure;
  }

  async terminate(): Promise<void> {
    this.onFailure = null;
    this.onMessage = null;
    if (!this.ended) await this.worker.terminate();
  }
}

/**
 * Runs one chunked job on the main thread and every worker: all claim chunk
 * numbers from `next`; the main thread never waits for a worker to be ready,
 * only, at the end, for chunks a worker has claimed and not yet sent. Chunks
 * a failed worker leaves are done on the main thread. Results in chunk order.
 */
async function shareChunks<T>(
  handles: readonly WorkerHandle[],
  job: 'keys' | 'score',
  chunkCount: number,
  next: Int32Array,
  message: ToWorker,
  fromWorker: (m: FromWorker) => { chunk: number; value: T } | null,
  local: (chunk: number) => T,
  warn: (message: string) => void,
  onShare: (chunksByWorkers: number) => void,
  afterLocalChunk: () => void = () => {},
  mainThreadShares = true,
): Promise<T[]> {
  const results: Array<T | undefined> = new Array(chunkCount);
  let delivered = 0;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  let ended = 0;
  const expect = message.expect;
  for (const h of handles) {
    // Known before the job starts: the worker failed, or loaded other records (it would refuse the job too).
    if (
      h.failed === null &&
      h.loaded !== null &&
      (h.loaded.records !== expect.records || h.loaded.fingerprint !== expect.fingerprint)
    ) {
      h.fail(new Error(`holds other records (${h.loaded.records} records, expected ${expect.records})`));
      warn(`batch worker not used: ${h.failed!.message}`);
    } else if (h.failed !== null && job === 'keys') warn(`batch worker not used: ${h.failed.message}`);
    if (h.failed !== null) {
      ended++;
      continue;
    }
    let done = false;
    h.listen(
      (m) => {
        const r = fromWorker(m);
        if (r !== null) {
          if (results[r.chunk] === undefined) delivered++;
          results[r.chunk] = r.value;
        } else if (m.type === 'done' && m.job === job && !done) {
          done = true;
          ended++;
        }
        notify();
      },
      (err) => {
        warn(
          `batch worker not used for ${job === 'keys' ? 'blocking keys' : 'scoring'} (${err.message}); ` +
            `the main thread does its share`,
        );
        if (!done) {
          done = true;
          ended++;
        }
        notify();
      },
    );
    h.post(message);
  }
  let byMain = 0;
  for (let c = mainThreadShares ? Atomics.add(next, 0, 1) : chunkCount; c < chunkCount; c = Atomics.add(next, 0, 1)) {
    results[c] = local(c);
    delivered++;
    byMain++;
    afterLocalChunk();
  }
  while (delivered < chunkCount && ended < handles.length) await new Promise<void>((resolve) => (wake = resolve));
  for (let c = 0; c < chunkCount; c++) {
    if (results[c] === undefined) {
      results[c] = local(c);
      byMain++;
    }
  }
  onShare(chunkCount - byMain);
  return results as T[];
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
    for (let k = 0; k < options.workers; k++)
      handles.push(new WorkerHandle({ entry, source: options.source, set: options.set }));
    return new BatchWorkerPool(handles);
  }

  get size(): number {
    return this.handles.length;
  }

  /**
   * Resolves when every worker has loaded its records or failed. Optional:
   * `linkBatchParallel` does not wait for it (a late worker just helps less).
   */
  async ready(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.settled));
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
  /**
   * False leaves every chunk to the workers, and the main thread does only what a failed worker left: for a
   * caller whose main thread must stay responsive, and for tests, which otherwise cannot know how a busy
   * machine splits the chunks (default true: the main thread claims chunks too).
   */
  mainThreadShares?: boolean;
  /** Told how many chunks of a job the workers did (the rest ran on the main thread). */
  onShare?: (job: 'keys' | 'score', chunksByWorkers: number, chunks: number) => void;
}

/**
 * {@link linkBatch} with the blocking keys and the pair scoring shared
 * between the main thread and the pool's workers. Same result as
 * `linkBatch(records, set, model, options)` for the same records. `skipPair`
 * (a function) cannot reach a worker: with it, the batch runs on the main
 * thread alone.
 */
export async function linkBatchParallel<R>(
  records: readonly R[],
  set: ComparisonSet<R>,
  model: MatchModel,
  options: ParallelBatchOptions,
): Promise<BatchResult> {
  const { pool } = options;
  const warn = options.onWarning ?? (() => {});
  const progress = options.onProgress ?? (() => {});
  const n = records.length;
  if (options.skipPair !== undefined || pool.size === 0) {
    await pool.close();
    return linkBatch(records, set, model, options);
  }
  try {
    // Workers check that they hold exactly these records before doing any work.
    const expect = { records: n, fingerprint: recordsFingerprint(records, (r) => set.idOf(r)) };
    const handles = pool.handles;

    // Blocking keys: chunks of records shared by all threads, added to the index in record order.
    progress('blocking', 0, n);
    const keyChunk = 1 << 16;
    const keyChunks = Math.ceil(n / keyChunk);
    const keysOf = (c: number) =>
      packKeys((i) => set.blockingKeys(records[i]!), c * keyChunk, Math.min(n, (c + 1) * keyChunk) - c * keyChunk);
    const keyNext = new Int32Array(new SharedArrayBuffer(4));
    const entries = await shareChunks(
      handles,
      'keys',
      keyChunks,
      keyNext,
      { type: 'keys', expect, next: keyNext, chunkSize: keyChunk },
      (m) => (m.type === 'keys' ? { chunk: m.chunk, value: m.entries } : null),
      keysOf,
      warn,
      (byWorkers) => options.onShare?.('keys', byWorkers, keyChunks),
      undefined,
      options.mainThreadShares,
    );
    const index = new BlockIndex(
      { maxBlockSize: options.maxBlockSize ?? model.maxBlockSize },
      entries.reduce((t, e) => t + e.length, 0),
    );
    for (let c = 0; c < keyChunks; c++) {
      index.addPacked(entries[c]!, n);
      entries[c] = new Float64Array(0);
    }
    const plan = index.pairPlan({ shared: true });
    const termFrequencies = batchTermFrequencies(records, set, model, options);
    const scorer = batchScorer(set, model, n, termFrequencies);
    const prefilter = batchPrefilter(records, scorer, plan, options);

    // Scoring: chunks of records claimed by every thread.
    const chunkSize = Math.max(1, options.chunkSize ?? Math.max(256, Math.ceil(n / 256)));
    const chunkCount = Math.ceil(n / chunkSize);
    const next = new Int32Array(new SharedArrayBuffer(4));
    const stamp = new Int32Array(n).fill(-1);
    const results: Array<ScoredPairs | ChunkResult | undefined> = await shareChunks<ScoredPairs | ChunkResult>(
      handles,
      'score',
      chunkCount,
      next,
      {
        type: 'score',
        expect,
        plan,
        model,
        termFrequencies,
        next,
        chunkSize,
        prefilterOrder: prefilter ? [...prefilter.order] : null,
      },
      (m) => (m.type === 'chunk' ? { chunk: m.chunk, value: m } : null),
      (c) =>
        scorePairRange(
          records,
          set,
          scorer,
          plan,
          c * chunkSize,
          Math.min(n, (c + 1) * chunkSize),
          emptyScoredPairs(),
          { stamp, prefilter },
        ),
      warn,
      (byWorkers) => options.onShare?.('score', byWorkers, chunkCount),
      () => progress('scoring', Math.min(n, Atomics.load(next, 0) * chunkSize), n),
      options.mainThreadShares,
    );
    await pool.close();

    // Concatenate in chunk order = the single-thread visiting order.
    const sum = (pick: (r: ScoredPairs | ChunkResult) => EdgeListData) =>
      results.reduce((t, r) => t + pick(r!).length, 0);
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
    return clusterScoredPairs(
      records,
      scorer,
      merged,
      { blockingEntries: index.entryCount, skippedBlocks: plan.skippedBlocks },
      options,
    );
  } finally {
    await pool.close();
  }
}
