/**
 * Settings shared by the hostile-input tests (issue 18 item 2). `npm test` runs a small sample of each target;
 * `npm run fuzz` (scripts/fuzz.mjs) sets FUZZ_RUNS=10000 for the nightly size. The seed is fixed and printed, so
 * a failure replays with `FUZZ_SEED=<seed> FUZZ_RUNS=<n> npx vitest run test/fuzz/<file>` (fast-check also prints
 * the seed and counterexample path of a failing property).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type fc from 'fast-check';

/** Inputs per target: a small sample in `npm test`, FUZZ_RUNS (10,000 nightly) otherwise. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? '') || 0;
const SAMPLE = FUZZ_RUNS > 0 ? FUZZ_RUNS : undefined;
/** The fixed seed; FUZZ_SEED overrides it to replay or to explore. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? '') || 20_261_203;

/** fast-check's parameters for one target: its runs (`sample` in `npm test`), the shared seed. */
export function fuzzParams<T>(sample: number): fc.Parameters<T> {
  return { numRuns: SAMPLE ?? sample, seed: FUZZ_SEED, endOnFailure: true };
}

/** A vitest timeout for a target whose inputs take about `msPerInput` each. */
export function fuzzTimeout(sample: number, msPerInput: number): number {
  return Math.max(60_000, (SAMPLE ?? sample) * msPerInput * 4);
}

let printed = false;
/** Says once per file which seed and size run, so a failing nightly run can be replayed. */
export function announce(file: string): void {
  if (printed) return;
  printed = true;
  console.log(`[fuzz] ${file}: FUZZ_SEED=${FUZZ_SEED} runs per target=${SAMPLE ?? 'sample'}`);
}

/**
 * The time one input may take. Generous on purpose: it tells a hang or a quadratic blow-up (seconds) from a slow
 * machine (milliseconds), and is not a speed figure (those live in bench/).
 */
export const MAX_MS_PER_INPUT = 3_000;
/** Heap growth one input may cause while it is parsed (before any collection): a blow-up, not ordinary garbage. */
export const MAX_HEAP_PER_INPUT = 256 * 1024 * 1024;
/** Heap a whole target may keep after a full collection: what parsing leaves behind (a leak), not garbage. */
export const MAX_RETAINED_HEAP = 48 * 1024 * 1024;

let gcFn: (() => void) | null = null;
/** A full garbage collection (V8's `gc`, exposed at run time so the suite needs no node flag). */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** What one input cost: wall time and heap growth. */
export interface Cost {
  ms: number;
  heapBytes: number;
}

/** Runs `fn` and says what it cost. */
export async function measure<T>(fn: () => Promise<T> | T): Promise<{ value: T; cost: Cost }> {
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const value = await fn();
  return { value, cost: { ms: performance.now() - t0, heapBytes: process.memoryUsage().heapUsed - heap0 } };
}

/**
 * Time per chunk a stream may add to {@link MAX_MS_PER_INPUT}: a 383 kB file fed one byte at a time is 383,000
 * awaited chunks (8 µs each at load 20), linear work that says nothing of a quadratic blow-up.
 */
export const MAX_MS_PER_CHUNK = 0.02;

/**
 * Throws (failing the property) when one input took too long or grew the heap too much; `chunks`, for a stream,
 * allows {@link MAX_MS_PER_CHUNK} more for each chunk it was cut into.
 */
export function assertBounded(cost: Cost, what: string, chunks = 0): void {
  const maxMs = MAX_MS_PER_INPUT + chunks * MAX_MS_PER_CHUNK;
  if (cost.ms > maxMs) throw new Error(`${what} took ${cost.ms.toFixed(0)} ms (> ${maxMs.toFixed(0)})`);
  if (cost.heapBytes > MAX_HEAP_PER_INPUT)
    throw new Error(`${what} grew the heap by ${(cost.heapBytes / 2 ** 20).toFixed(0)} MiB`);
}

/** Retained heap across a whole target: collects, runs `fn`, collects, and fails on growth over the bound. */
export async function withRetainedHeapBound(what: string, fn: () => Promise<void>): Promise<void> {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  await fn();
  collectGarbage();
  const grown = process.memoryUsage().heapUsed - before;
  if (grown > MAX_RETAINED_HEAP)
    throw new Error(`${what} kept ${(grown / 2 ** 20).toFixed(0)} MiB of heap after collection (a leak?)`);
}
