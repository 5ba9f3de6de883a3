/**
 * The national batch load's pair scoring, partitioned by blocking key: the
 * blocks of the pair plan (one block per blocking-key hash, in hash order) are
 * cut into consecutive ranges of about equal pair counts, and each range is
 * one partition that any worker may score. Scoring is most of a national
 * batch; clustering and writing stay with the one process that holds the batch
 * lock (batch-load.ts).
 *
 * Why the output is identical to the single-process batch:
 * - Every worker reads the same records: the coordinator exports its read
 *   snapshot (`pg_export_snapshot`) and each worker reads under it, in the
 *   same order, and builds the same plan, term frequencies and scorer.
 * - A pair of records sharing several keys belongs to one partition only: the
 *   one holding the first block (in plan order) the two records share.
 * - Each pair is scored by the batch's own `fileCandidatePair`, and its edge
 *   carries its place in the single-process visiting order (record i, the rank
 *   in i's block list of that first shared block, record j); the coordinator
 *   sorts the merged edges by it, so clustering sees them in exactly the order
 *   `linkBatch` produces, ties between equal weights included.
 *
 * Each partition runs once per cluster: a worker claims its row with a lease
 * in Postgres and a finished partition is never scored again. Nothing fails
 * silently: a partition whose worker died (lease run out), or a run no worker
 * picks up at all, is scored by the coordinator itself, with a warning.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  EdgeList,
  batchConflictFloor,
  clusterScoredPairs,
  emptyScoredPairs,
  fileCandidatePair,
  type BatchOptions,
  type BatchResult,
  type PreparedBatch,
  type ReviewPair,
  type ScoredPairs,
} from '../matching/batch.js';
import type { PairPlan } from '../matching/block-index.js';
import { QUEUES, type JobQueue } from '../jobs.js';
import type { Db } from '../store/db.js';

/**
 * Cuts the plan's blocks into at most `parts` consecutive ranges [lo, hi) of about equal pair counts (a block of s
 * records holds up to s(s-1)/2 pairs).
 */
export function blockPartitions(plan: PairPlan, parts: number): [number, number][] {
  const blocks = plan.blockStart.length - 1;
  let total = 0;
  for (let b = 0; b < blocks; b++) {
    const s = plan.blockStart[b + 1]! - plan.blockStart[b]!;
    total += (s * (s - 1)) / 2;
  }
  const out: [number, number][] = [];
  let lo = 0;
  let acc = 0;
  for (let b = 0; b < blocks; b++) {
    const s = plan.blockStart[b + 1]! - plan.blockStart[b]!;
    acc += (s * (s - 1)) / 2;
    if (acc >= (total * (out.length + 1)) / parts && out.length < parts - 1) {
      out.push([lo, b + 1]);
      lo = b + 1;
    }
  }
  if (lo < blocks || out.length === 0) out.push([lo, blocks]);
  return out;
}

/** Edges with their place in the single-process visiting order (record a, rank t of the first shared block, b). */
export interface OrderedEdges {
  a: Int32Array;
  b: Int32Array;
  t: Int32Array;
  w: Float64Array;
  length: number;
}

/** An {@link EdgeList} that also keeps, per edge, the rank of the first shared block at the time it was pushed. */
class EdgeBuffer {
  private readonly edges = new EdgeList(256);
  private t = new Int32Array(256);
  constructor(private readonly rank: { t: number }) {}
  push(a: number, b: number, w: number): void {
    const k = this.edges.length;
    if (k === this.t.length) {
      const grown = new Int32Array(k * 2);
      grown.set(this.t);
      this.t = grown;
    }
    this.t[k] = this.rank.t;
    this.edges.push(a, b, w);
  }
  done(): OrderedEdges {
    return { ...this.edges.data(), t: this.t.slice(0, this.edges.length) };
  }
}

/** What one partition's scoring produces. */
export interface PartitionScores {
  pairs: number;
  links: OrderedEdges;
  cannot: OrderedEdges;
  twins: OrderedEdges;
  review: (ReviewPair & { t: number })[];
}

/**
 * Rank, in record i's block list, of the first block that records i and j share, if that block is `block`;
 * otherwise -1 (the pair belongs to an earlier block, maybe another partition's). Both lists are ascending.
 */
function firstSharedRank(plan: PairPlan, i: number, j: number, block: number): number {
  const { offsets, memberBlocks } = plan;
  let x = offsets[i]!;
  let y = offsets[j]!;
  const xEnd = offsets[i + 1]!;
  const yEnd = offsets[j + 1]!;
  while (x < xEnd && y < yEnd) {
    const bx = memberBlocks[x]!;
    const by = memberBlocks[y]!;
    if (bx === by) return bx === block ? x - offsets[i]! : -1;
    if (bx < by) x++;
    else y++;
  }
  return -1;
}

/**
 * Scores every pair whose first shared block lies in [lo, hi). Yields to the event loop every `yieldEvery` pairs (a
 * worker's queue lock and lease stay alive) and calls `onYield` then.
 */
export async function scoreBlockRange<R>(
  batch: PreparedBatch<R>,
  lo: number,
  hi: number,
  opts: { yieldEvery?: number; onYield?: () => Promise<void> | void } = {},
): Promise<PartitionScores> {
  const { records, set, plan, scorer, prefilter } = batch;
  const { blockStart, members } = plan;
  const floor = batchConflictFloor(scorer);
  const rank = { t: 0 };
  const review: (ReviewPair & { t: number })[] = [];
  const sink = {
    links: new EdgeBuffer(rank),
    cannot: new EdgeBuffer(rank),
    twins: new EdgeBuffer(rank),
    review: { push: (p: ReviewPair) => review.push({ ...p, t: rank.t }) },
  };
  const yieldEvery = opts.yieldEvery ?? 200_000;
  let pairs = 0;
  let sinceYield = 0;
  for (let block = lo; block < hi; block++) {
    const end = blockStart[block + 1]!;
    for (let p = blockStart[block]!; p < end; p++) {
      const i = members[p]!;
      if (p > blockStart[block]! && members[p - 1] === i) continue;
      for (let q = p + 1; q < end; q++) {
        const j = members[q]!;
        if (j === i || members[q - 1] === j) continue;
        const t = firstSharedRank(plan, i, j, block);
        if (t < 0) continue;
        pairs++;
        rank.t = t;
        fileCandidatePair(records, set, scorer, floor, prefilter, i, j, sink);
      }
      sinceYield += end - p;
      if (sinceYield >= yieldEvery) {
        sinceYield = 0;
        await opts.onYield?.();
        await new Promise((r) => setImmediate(r));
      }
    }
  }
  return { pairs, links: sink.links.done(), cannot: sink.cannot.done(), twins: sink.twins.done(), review };
}

/** Single-process visiting order: record a, then rank of the first shared block, then record b. */
function visitOrder(a: ArrayLike<number>, t: ArrayLike<number>, b: ArrayLike<number>, n: number): Int32Array {
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  order.sort((x, y) => a[x]! - a[y]! || t[x]! - t[y]! || b[x]! - b[y]!);
  return order;
}

function mergeEdges(parts: OrderedEdges[]): EdgeList {
  const total = parts.reduce((s, p) => s + p.length, 0);
  const a = new Int32Array(total);
  const b = new Int32Array(total);
  const t = new Int32Array(total);
  const w = new Float64Array(total);
  let k = 0;
  for (const p of parts) {
    a.set(p.a, k);
    b.set(p.b, k);
    t.set(p.t, k);
    w.set(p.w, k);
    k += p.length;
  }
  const out = new EdgeList(Math.max(1, total));
  for (const x of visitOrder(a, t, b, total)) out.push(a[x]!, b[x]!, w[x]!);
  return out;
}

/** The partitions' scores as one `ScoredPairs`, in the single-process visiting order. */
export function mergePartitions(parts: readonly PartitionScores[]): ScoredPairs {
  const out = emptyScoredPairs();
  out.pairs = parts.reduce((s, p) => s + p.pairs, 0);
  out.links = mergeEdges(parts.map((p) => p.links));
  out.cannot = mergeEdges(parts.map((p) => p.cannot));
  out.twins = mergeEdges(parts.map((p) => p.twins));
  const review = parts.flatMap((p) => p.review);
  const order = visitOrder(
    review.map((r) => r.a),
    review.map((r) => r.t),
    review.map((r) => r.b),
    review.length,
  );
  for (const x of order) {
    const { t: _t, ...pair } = review[x]!;
    out.review.push(pair);
  }
  return out;
}

/** Clusters the merged partitions exactly as `linkBatch` clusters its own scores. */
export function clusterPartitions<R>(
  batch: PreparedBatch<R>,
  parts: readonly PartitionScores[],
  options: BatchOptions = {},
): BatchResult {
  return clusterScoredPairs(
    batch.records,
    batch.scorer,
    mergePartitions(parts),
    { blockingEntries: batch.blockingEntries, skippedBlocks: batch.plan.skippedBlocks },
    options,
  );
}

// Stored form of a partition's scores: a JSON header (pairs, edge counts, review pairs) and the edge arrays.
export function encodePartition(s: PartitionScores): Buffer {
  const header = Buffer.from(
    JSON.stringify({ pairs: s.pairs, n: [s.links.length, s.cannot.length, s.twins.length], review: s.review }),
  );
  const chunks: Buffer[] = [Buffer.alloc(4), header];
  chunks[0]!.writeUInt32LE(header.length);
  for (const e of [s.links, s.cannot, s.twins])
    for (const arr of [e.a, e.b, e.t, e.w]) chunks.push(Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
  return Buffer.concat(chunks);
}

export function decodePartition(buf: Buffer): PartitionScores {
  const headerLength = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + headerLength).toString()) as {
    pairs: number;
    n: [number, number, number];
    review: (ReviewPair & { t: number })[];
  };
  let at = 4 + headerLength;
  const take = <A>(count: number, bytes: number, make: (b: ArrayBuffer) => A): A => {
    const copy = new Uint8Array(count * bytes);
    copy.set(buf.subarray(at, at + count * bytes));
    at += count * bytes;
    return make(copy.buffer);
  };
  const edges = (n: number): OrderedEdges => ({
    a: take(n, 4, (b) => new Int32Array(b)),
    b: take(n, 4, (b) => new Int32Array(b)),
    t: take(n, 4, (b) => new Int32Array(b)),
    w: take(n, 8, (b) => new Float64Array(b)),
    length: n,
  });
  const [links, cannot, twins] = header.n.map(edges) as [OrderedEdges, OrderedEdges, OrderedEdges];
  return { pairs: header.pairs, links, cannot, twins, review: header.review };
}

/** How the coordinator hands partitions out and when it scores them itself. */
export interface PartitionedOptions {
  queue: JobQueue;
  /** Partitions to cut the blocks into (default 16). */
  parts?: number;
  /** A partition's lease; a worker renews it while it scores (default 5 min). */
  leaseMs?: number;
  /** No partition claimed by any worker after this long: the coordinator scores them all itself (default 60 s). */
  unclaimedMs?: number;
  pollMs?: number;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** Called when a partition is done, with how many are. */
  onProgress?: (done: number, total: number) => void;
}

export interface PartitionRun {
  runId: string;
  parts: number;
  /** Partitions scored by workers; the rest by the coordinator (a dead worker, no worker at all). */
  byWorkers: number;
  workers: string[];
}

/** Who scores: host, process and one instance in it (tests run a coordinator and workers in one process). */
export const scorerId = () => `${hostname}:${process.pid}:${randomUUID().slice(0, 8)}`;

/**
 * Coordinator side: records the partitions of this run (with the snapshot the workers must read under), enqueues one
 * job per partition, waits for them, scores itself whatever no live worker holds, and returns the merged result in
 * partition order. The rows are deleted at the end, whatever happens.
 */
export async function scorePartitioned<R>(
  db: Db,
  batch: PreparedBatch<R>,
  snapshot: string,
  opts: PartitionedOptions,
): Promise<{ parts: PartitionScores[]; run: PartitionRun }> {
  const runId = randomUUID();
  const me = scorerId();
  const ranges = blockPartitions(batch.plan, opts.parts ?? 16);
  const leaseMs = opts.leaseMs ?? 300_000;
  const unclaimedMs = opts.unclaimedMs ?? 60_000;
  const pollMs = opts.pollMs ?? 250;
  // Rows of a coordinator that died mid-run (its snapshot is gone with it) are of no use to anyone.
  await db.query(`DELETE FROM batch_partitions WHERE created_at < now() - interval '1 day'`);
  await db.query(
    `INSERT INTO batch_partitions (run_id, part, block_lo, block_hi, snapshot, records)
     SELECT $1, p - 1, (r->>0)::int, (r->>1)::int, $2, $3
     FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS x(r, p)`,
    [runId, snapshot, batch.records.length, JSON.stringify(ranges)],
  );
  try {
    const jobs = ranges.map((_, part) => ({
      payload: { runId, part, traceId: `batch-${runId}` },
      jobId: partitionJobId(runId, part),
    }));
    try {
      if (opts.queue.enqueueMany) await opts.queue.enqueueMany(QUEUES.batch, jobs);
      else for (const j of jobs) await opts.queue.enqueue(QUEUES.batch, j.payload, { jobId: j.jobId });
    } catch (err) {
      opts.log?.warn({ err, runId }, 'could not enqueue the batch partitions; scoring them here');
    }
    /** Last time a worker (not this coordinator) held a live lease on one of the run's partitions, or the start. */
    let workerSeen = Date.now();
    let announced = -1;
    for (;;) {
      const r = await db.query<{ part: number; status: string; expired: boolean; claimed_by: string | null }>(
        `SELECT part, status, claimed_by, (lease_until IS NOT NULL AND lease_until < now()) AS expired
         FROM batch_partitions WHERE run_id = $1 ORDER BY part`,
        [runId],
      );
      const done = r.rows.filter((x) => x.status === 'done').length;
      if (done !== announced) opts.onProgress?.(done, ranges.length);
      announced = done;
      if (done === ranges.length) break;
      if (r.rows.some((x) => x.status === 'running' && !x.expired && x.claimed_by !== me)) workerSeen = Date.now();
      // A partition whose worker stopped (lease run out), or any pending one once no worker has been at work on this
      // run for `unclaimedMs` (none running, all busy elsewhere, or all gone).
      const orphan = r.rows.find(
        (x) =>
          (x.status === 'running' && x.expired) || (x.status === 'pending' && Date.now() - workerSeen > unclaimedMs),
      );
      if (orphan) {
        const why =
          orphan.status === 'running'
            ? `its worker ${orphan.claimed_by} stopped`
            : `no worker at work on the run for ${unclaimedMs} ms`;
        opts.log?.warn({ runId, part: orphan.part, why }, 'scoring a batch partition in the coordinator');
        await runPartition(db, batch, runId, orphan.part, { leaseMs, by: me });
        continue;
      }
      await new Promise((res) => setTimeout(res, pollMs));
    }
    const rows = await db.query<{ result: Buffer; claimed_by: string }>(
      'SELECT result, claimed_by FROM batch_partitions WHERE run_id = $1 ORDER BY part',
      [runId],
    );
    const workers = [...new Set(rows.rows.map((x) => x.claimed_by))].filter((w) => w !== me);
    return {
      parts: rows.rows.map((x) => decodePartition(x.result)),
      run: {
        runId,
        parts: ranges.length,
        byWorkers: rows.rows.filter((x) => x.claimed_by !== me).length,
        workers,
      },
    };
  } finally {
    await db.query('DELETE FROM batch_partitions WHERE run_id = $1', [runId]).catch(() => {});
  }
}

/** The job id of one partition of one run: enqueueing it twice is one job. */
export function partitionJobId(runId: string, part: number): string {
  return `batch-${runId}-${part}`;
}

export type PartitionOutcome = { kind: 'scored'; pairs: number } | { kind: 'skipped'; reason: string };

/**
 * Claims a partition (pending, or running with its lease run out), scores it with `batch` and stores the result; a
 * partition already done or held by a live worker is skipped.
 */
export async function runPartition<R>(
  db: Db,
  batch: PreparedBatch<R> | ((claim: PartitionClaim) => Promise<PreparedBatch<R>>),
  runId: string,
  part: number,
  opts: { leaseMs: number; by: string },
): Promise<PartitionOutcome> {
  const me = opts.by;
  const lease = `${opts.leaseMs} milliseconds`;
  const claimed = await db.query<PartitionClaim>(
    `UPDATE batch_partitions SET status = 'running', claimed_by = $3, lease_until = now() + $4::interval
     WHERE run_id = $1 AND part = $2 AND (status = 'pending' OR (status = 'running' AND lease_until < now()))
     RETURNING run_id AS "runId", part, block_lo AS "blockLo", block_hi AS "blockHi", snapshot, records`,
    [runId, part, me, lease],
  );
  const claim = claimed.rows[0];
  if (!claim) return { kind: 'skipped', reason: 'done, held by a live worker, or its run is over' };
  const renew = () =>
    db.query(
      `UPDATE batch_partitions SET lease_until = now() + $4::interval
       WHERE run_id = $1 AND part = $2 AND claimed_by = $3 AND status = 'running'`,
      [runId, part, me, lease],
    );
  const prepared = typeof batch === 'function' ? await batch(claim) : batch;
  if (prepared.records.length !== claim.records)
    throw new Error(`batch ${runId}: read ${prepared.records.length} records, the coordinator ${claim.records}`);
  await renew();
  let lastRenew = Date.now();
  const scores = await scoreBlockRange(prepared, claim.blockLo, claim.blockHi, {
    onYield: async () => {
      if (Date.now() - lastRenew < opts.leaseMs / 4) return;
      lastRenew = Date.now();
      await renew();
    },
  });
  await db.query(
    `UPDATE batch_partitions SET status = 'done', result = $4, lease_until = NULL, claimed_by = $3
     WHERE run_id = $1 AND part = $2 AND status <> 'done'`,
    [runId, part, me, encodePartition(scores)],
  );
  return { kind: 'scored', pairs: scores.pairs };
}

/** A claimed partition: its blocks and what the worker must read to score them. */
export interface PartitionClaim {
  runId: string;
  part: number;
  blockLo: number;
  blockHi: number;
  snapshot: string;
  records: number;
}
