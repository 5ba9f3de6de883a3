/**
 * Batch-scoring worker thread (started by `BatchWorkerPool`). Loads its own
 * copy of the records from the record source, checks they are the main
 * thread's, then works through the jobs posted to it: blocking-key entries
 * of record chunks, then scoring of record chunks, each chunk claimed from
 * a shared counter until none is left and posted back as transferable
 * typed arrays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  batchConflictFloor,
  batchScorer,
  emptyScoredPairs,
  scorePairRange,
  type EdgeList,
  type EdgeListData,
} from '../../../core/matching/batch.js';
import { PairPrefilter } from '../../../core/matching/batch-prefilter.js';
import { packKeys } from '../../../core/matching/block-index.js';
import type { ComparisonSet } from '../../../core/matching/compare/field-comparison.js';
import {
  recordsFingerprint,
  type ExpectedRecords,
  type FromWorker,
  type ToWorker,
  type WorkerInit,
} from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const describe = (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err));

async function importExport<T>(module: string, name: string): Promise<T> {
  const mod = (await import(module)) as Record<string, unknown>;
  if (!(name in mod)) throw new Error(`${module} has no export ${name}`);
  return mod[name] as T;
}

function edgeData(list: EdgeList, transfer: ArrayBuffer[]): EdgeListData {
  const data = list.data();
  transfer.push(data.a.buffer as ArrayBuffer, data.b.buffer as ArrayBuffer, data.w.buffer as ArrayBuffer);
  return data;
}

// Jobs can arrive while the records are still loading: queue them.
const queue: ToWorker[] = [];
let run: ((m: ToWorker) => void) | null = null;
port.on('message', (m: ToWorker) => (run ? run(m) : queue.push(m)));

async function main(): Promise<void> {
  const set = await importExport<ComparisonSet<unknown>>(init.set.module, init.set.export);
  const load = await importExport<(...args: unknown[]) => Promise<unknown[]> | unknown[]>(
    init.source.module,
    init.source.export,
  );
  const records = await load(...init.source.args);
  const fingerprint = recordsFingerprint(records, (r) => set.idOf(r));
  send({ type: 'loaded', records: records.length, fingerprint });
  const check = (expect: ExpectedRecords) => {
    if (expect.records !== records.length || expect.fingerprint !== fingerprint) {
      throw new Error(`holds other records (${records.length} records, expected ${expect.records})`);
    }
  };
  const handle = (message: ToWorker) => {
    try {
      check(message.expect);
      const n = records.length;
      const { next, chunkSize } = message;
      let chunks = 0;
      if (message.type === 'keys') {
        for (let chunk = Atomics.add(next, 0, 1); chunk * chunkSize < n; chunk = Atomics.add(next, 0, 1)) {
          const lo = chunk * chunkSize;
          const entries = packKeys((i) => set.blockingKeys(records[i]!), lo, Math.min(n, lo + chunkSize) - lo);
          send({ type: 'keys', chunk, entries }, [entries.buffer as ArrayBuffer]);
          chunks++;
        }
        send({ type: 'done', job: 'keys', chunks });
        return;
      }
      const { plan } = message;
      const scorer = batchScorer(set, message.model, n, message.termFrequencies);
      const prefilter =
        message.prefilterOrder === null
          ? null
          : new PairPrefilter(scorer, message.prefilterOrder, batchConflictFloor(scorer));
      const stamp = new Int32Array(n).fill(-1);
      for (let chunk = Atomics.add(next, 0, 1); chunk * chunkSize < n; chunk = Atomics.add(next, 0, 1)) {
        const lo = chunk * chunkSize;
        const scored = scorePairRange(records, set, scorer, plan, lo, Math.min(n, lo + chunkSize), emptyScoredPairs(), {
          stamp,
          prefilter,
        });
        const transfer: ArrayBuffer[] = [];
        send(
          {
            type: 'chunk',
            chunk,
            pairs: scored.pairs,
            links: edgeData(scored.links, transfer),
            cannot: edgeData(scored.cannot, transfer),
            twins: edgeData(scored.twins, transfer),
            review: scored.review,
          },
          transfer,
        );
        chunks++;
      }
      send({ type: 'done', job: 'score', chunks });
    } catch (err) {
      // The main thread does this worker's share; it stays idle until terminated.
      send({ type: 'error', message: describe(err) });
      run = () => {};
    }
  };
  run = handle;
  for (const m of queue.splice(0)) handle(m);
}

main().catch((err: unknown) => {
  send({ type: 'error', message: describe(err) });
  run = () => {};
});
