/**
 * Batch-scoring worker thread (started by `BatchWorkerPool`). Loads its own
 * copy of the records from the record source, then on request computes the
 * blocking-key entries of a record range, and scores chunks of records
 * claimed from a shared counter until none is left, posting each chunk's
 * edges back as transferable typed arrays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { batchConflictFloor, batchScorer, emptyScoredPairs, scorePairRange, type EdgeList, type EdgeListData } from '../batch.js';
import { PairPrefilter } from '../batch-prefilter.js';
import { packKeys } from '../block-index.js';
import type { ComparisonSet } from '../compare/field-comparison.js';
import { recordsFingerprint, type FromWorker, type ToWorker, type WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

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

async function main(): Promise<void> {
  const set = await importExport<ComparisonSet<unknown>>(init.set.module, init.set.export);
  const load = await importExport<(...args: unknown[]) => Promise<unknown[]> | unknown[]>(init.source.module, init.source.export);
  const records = await load(...init.source.args);
  port.on('message', (message: ToWorker) => {
    try {
      if (message.type === 'keys') {
        const entries = packKeys((i) => set.blockingKeys(records[i]!), message.lo, message.hi - message.lo);
        send({ type: 'keys', lo: message.lo, hi: message.hi, entries }, [entries.buffer as ArrayBuffer]);
        return;
      }
      const { plan, chunkSize, next } = message;
      const n = plan.records;
      const scorer = batchScorer(set, message.model, n, message.termFrequencies);
      const prefilter = message.prefilterOrder === null ? null : new PairPrefilter(scorer, message.prefilterOrder, batchConflictFloor(scorer));
      const stamp = new Int32Array(n).fill(-1);
      let chunks = 0;
      for (;;) {
        const chunk = Atomics.add(next, 0, 1);
        const lo = chunk * chunkSize;
        if (lo >= n) break;
        const scored = scorePairRange(records, set, scorer, plan, lo, Math.min(n, lo + chunkSize), emptyScoredPairs(), { stamp, prefilter });
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
      send({ type: 'scored', chunks });
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
  send({ type: 'loaded', records: records.length, fingerprint: recordsFingerprint(records, (r) => set.idOf(r)) });
}

main().catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
