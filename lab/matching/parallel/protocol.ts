/**
 * Messages between the main thread and batch-scoring worker threads. Only
 * structured-cloneable data crosses: typed arrays (transferred or on
 * SharedArrayBuffers), the model as JSON, and references to modules the
 * worker imports for itself (functions cannot be sent).
 */
import type { EdgeListData } from '../../../core/matching/batch.js';
import type { ReviewPair } from '../../../core/matching/batch.js';
import type { PairPlan } from '../../../core/matching/block-index.js';
import type { MatchModel, TermFrequencyTable } from '../../../core/matching/model.js';

/** A named export of a module, by absolute URL, that a worker thread imports. */
export interface ModuleExportRef {
  /** Absolute `file:` URL of the module. */
  module: string;
  /** Name of the export. */
  export: string;
}

/**
 * How a worker thread gets its own copy of the batch's records: it calls
 * the exported function with `args` (structured-cloneable) and must get the
 * very same records, in the same order, as the main thread holds.
 */
export interface RecordSourceRef extends ModuleExportRef {
  args: unknown[];
}

export interface WorkerInit {
  /** URL of the worker module (worker-entry.mjs imports it). */
  entry: string;
  source: RecordSourceRef;
  /** The `ComparisonSet` export. */
  set: ModuleExportRef;
}

/** What a worker checks its records against before doing any work. */
export interface ExpectedRecords {
  records: number;
  fingerprint: number;
}

/**
 * Jobs are posted at once, even before the worker has loaded its records:
 * it takes them in order when ready, and claims chunks from shared counters,
 * so a worker that is late (a busy machine) simply takes fewer chunks.
 */
export type ToWorker =
  | {
      type: 'keys';
      expect: ExpectedRecords;
      /** Shared counter: next chunk of records to claim (Atomics.add). */
      next: Int32Array;
      chunkSize: number;
    }
  | {
      type: 'score';
      expect: ExpectedRecords;
      plan: PairPlan;
      model: MatchModel;
      termFrequencies: Record<string, TermFrequencyTable>;
      next: Int32Array;
      chunkSize: number;
      /** Comparison order of the main thread's exact pre-filter, or null for none (see batch-prefilter.ts). */
      prefilterOrder: number[] | null;
    };

export interface ChunkResult {
  chunk: number;
  pairs: number;
  links: EdgeListData;
  cannot: EdgeListData;
  twins: EdgeListData;
  review: ReviewPair[];
}

export type FromWorker =
  | { type: 'loaded'; records: number; fingerprint: number }
  | { type: 'keys'; chunk: number; entries: Float64Array }
  | ({ type: 'chunk' } & ChunkResult)
  /** The worker claimed no further chunk of the job (`chunks` it did). */
  | { type: 'done'; job: 'keys' | 'score'; chunks: number }
  | { type: 'error'; message: string };

/**
 * FNV-1a over the record ids in order: main and worker threads compare it
 * to be sure record number i is the same record on both sides.
 */
export function recordsFingerprint<R>(records: readonly R[], idOf: (r: R) => string): number {
  let h = 0x811c9dc5;
  for (const r of records) {
    const id = idOf(r);
    for (let i = 0; i < id.length; i++) {
      h ^= id.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) ^ records.length;
}
