// Entry of a batch-scoring worker thread. Plain JavaScript on purpose: on
// Node 20 a worker does not inherit the parent's `--import tsx` hooks, so
// when the engine runs from TypeScript sources (tsx, vitest) this file
// registers tsx itself before importing the real worker module.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
