/**
 * Bulk matching for an initial national load: every pending record of the
 * store is linked in one pass of the engine's batch linker
 * (core/matching/batch.ts) instead of one job per record, then written in
 * set-based transactions, one group of whole clusters at a time.
 *
 * Same outcomes as the incremental path: records already linked anchor their
 * students (must-link among a student's records); manual constraints hold;
 * a pending record alone in its cluster but near another student waits in a
 * near-match review; a cluster that would join two existing students is
 * for a person (review). Records held unlinked for review are candidates
 * too (batch-held.ts): a cluster of pending records that would start a new
 * student but is clearly a held record's child is held with it (reason
 * `held-match`, `waits_for_record`), and placed again when that record's
 * review is decided. While the load runs it holds the batch lock
 * exclusively, so match jobs wait and then find their records done.
 */
import type { ConsolidationOptions } from '../consolidate.js';
import { linkBatch, prepareBatch, type BatchResult, type PreparedBatch } from '../matching/batch.js';
import { personComparisonSet } from '../matching/person-comparisons.js';
import { CompiledModel } from '../matching/scoring.js';
import { buildTermFrequencies } from '../matching/term-frequency.js';
import type { StandardizedPerson } from '../matching/types.js';
import type { Db } from '../store/db.js';
import { setMatchStatus } from '../records.js';
import { createStudents, refreshStudents } from '../students.js';
import { emitStudentEvents, type StudentEvent } from '../outbox/student-events.js';
import { writeLinks, type LinkCause, type WriteLink } from './links.js';
import { storeModel } from './engine.js';
import { HeldIndex, readHeld, type HeldPair, type HeldRecords } from './batch-held.js';
import { explainScore, type MatchExplanation, type PairExplanation, type StudentExplanation } from './explanation.js';
import { standardizeStored, type StoredIdentityRow } from './person.js';
import { MATCH_BATCH_LOCK } from './place.js';
import { followMerges } from './students-live.js';
import {
  clusterPartitions,
  runPartition,
  scorePartitioned,
  scorerId,
  type PartitionClaim,
  type PartitionOutcome,
  type PartitionRun,
  type PartitionedOptions,
} from './batch-partitions.js';

export interface BatchLoadOptions {
  consolidation: ConsolidationOptions;
  /** Records per write transaction (whole clusters; default 5000). */
  chunkRecords?: number;
  /** Rows per read page (default 20000). */
  pageRows?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
  actor?: string;
  /**
   * Score the candidate pairs in partitions by blocking key that any worker takes through the queue (Postgres only;
   * batch-partitions.ts); absent: in this process. Same result either way.
   */
  partitioned?: PartitionedOptions;
}

export interface BatchLoadReport {
  pending: number;
  anchors: number;
  /** Records held unlinked for review in the store, candidates of the pending ones. */
  heldAnchors: number;
  /**
   * Pending records that are updates of records already linked: left to their
   * match jobs, which may keep, re-score or question the existing link (the
   * worker's sweeper queues them); the bulk load only places new records.
   */
  updatesLeftToJobs: number;
  linked: number;
  newStudents: number;
  reviews: number;
  /** Pending records held with a held record (reviews whose `waits_for_record` is set; counted in `reviews`). */
  waiting: number;
  clusters: number;
  candidatePairs: number;
  ms: { read: number; link: number; write: number; total: number };
  /** How the pairs were scored when partitioned. */
  partitions?: Omit<PartitionRun, 'runId'>;
}

interface Loaded {
  ids: string[];
  versions: number[];
  states: string[];
  /** Student of an anchor (already linked) record; null for pending ones. */
  anchor: (string | null)[];
  std: StandardizedPerson[];
}

type Row = StoredIdentityRow & { version: number; msix_id: string | null };

/**
 * New pending records first, then (only when there are some) the linked ones that anchor existing
 * students — an updated record waiting for its own match job anchors its student with its current link.
 */
async function readAll(db: Db, pageRows: number, progress: (phase: string, n: number) => void): Promise<Loaded> {
  const out: Loaded = { ids: [], versions: [], states: [], anchor: [], std: [] };
  for (const pending of [true, false]) {
    if (!pending && out.ids.length === 0) break;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const r = await db.query<Row>(
        pending
          ? `SELECT s.id, s.version, s.state_code, s.state_student_id, s.record->'identity' AS identity,
             s.record->'parents' AS parents, NULL::text AS msix_id
           FROM state_records s WHERE s.match_status = 'pending' AND s.status = 'active' AND s.id > $1
             AND NOT EXISTS (SELECT 1 FROM links l WHERE l.record_id = s.id) ORDER BY s.id LIMIT $2`
          : `SELECT s.id, s.version, s.state_code, s.state_student_id, s.record->'identity' AS identity,
             s.record->'parents' AS parents, l.msix_id
           FROM state_records s JOIN links l ON l.record_id = s.id JOIN students st ON st.msix_id = l.msix_id
           WHERE s.status = 'active' AND st.status IN ('active', 'locked') AND s.id > $1 ORDER BY s.id LIMIT $2`,
        [after, pageRows],
      );
      for (const row of r.rows) {
        out.ids.push(row.id);
        out.versions.push(row.version);
        out.states.push(row.state_code);
        out.anchor.push(row.msix_id);
        out.std.push(standardizeStored(row));
      }
      progress(pending ? 'read pending' : 'read linked', out.ids.length);
      if (r.rows.length < pageRows) break;
      after = r.rows[r.rows.length - 1]!.id;
    }
  }
  return out;
}

/** Matches every pending record in bulk. See the module comment for the rules. */
export async function runBatchLoad(db: Db, opts: BatchLoadOptions): Promise<BatchLoadReport> {
  // PGlite has one connection: the whole load runs in the locking transaction.
  if (db.kind === 'pglite') {
    return db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MATCH_BATCH_LOCK]);
      return load(tx, opts);
    });
  }
  return db.transaction(async (lockTx) => {
    await lockTx.query('SELECT pg_advisory_xact_lock($1)', [MATCH_BATCH_LOCK]);
    const partitioned = opts.partitioned;
    if (!partitioned) return load(db, opts);
    // The workers read what this load reads: its snapshot, exported and held open until the pairs are scored.
    return db.transaction(async (snap) => {
      await snap.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const r = await snap.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
      return load(db, opts, { reader: snap, snapshot: r.rows[0]!.id, partitioned });
    });
  });
}

/** Reads a partitioned load's records as its coordinator read them (under its snapshot) and prepares their scoring. */
async function readUnderSnapshot(db: Db, snapshot: string): Promise<PreparedBatch<StandardizedPerson>> {
  if (!/^[0-9A-F]+-[0-9A-F]+-[0-9]+$/i.test(snapshot)) throw new Error(`not a snapshot id: ${snapshot}`);
  const data = await db.transaction(async (tx) => {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await tx.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
    return readAll(tx, 20_000, () => {});
  });
  return prepareBatch(data.std, personComparisonSet, storeModel());
}

/**
 * The worker's side of a partitioned load (the `batch` job): claims the partition, reads the records under the
 * coordinator's snapshot (once per run and process, kept for the run's next partitions, dropped after `keepMs` idle)
 * and scores it.
 */
export function partitionWorker(db: Db, opts: { leaseMs?: number; keepMs?: number } = {}) {
  let cached: { runId: string; batch: Promise<PreparedBatch<StandardizedPerson>>; timer?: NodeJS.Timeout } | null =
    null;
  const keepMs = opts.keepMs ?? 120_000;
  const by = scorerId();
  const prepare = (claim: PartitionClaim) => {
    if (cached?.runId !== claim.runId) {
      clearTimeout(cached?.timer);
      cached = { runId: claim.runId, batch: readUnderSnapshot(db, claim.snapshot) };
      // A failed read is not kept: the next partition (or the retry) reads again.
      cached.batch.catch(() => {
        if (cached?.runId === claim.runId) cached = null;
      });
    }
    return cached.batch;
  };
  return async (job: { runId: string; part: number }): Promise<PartitionOutcome> => {
    try {
      return await runPartition(db, prepare, job.runId, job.part, { leaseMs: opts.leaseMs ?? 300_000, by });
    } finally {
      if (cached) {
        clearTimeout(cached.timer);
        const mine = cached;
        mine.timer = setTimeout(() => {
          if (cached === mine) cached = null;
        }, keepMs);
        mine.timer.unref();
      }
    }
  };
}

async function load(
  db: Db,
  opts: BatchLoadOptions,
  split?: { reader: Db; snapshot: string; partitioned: PartitionedOptions },
): Promise<BatchLoadReport> {
  const reader = split?.reader ?? db;
  const t0 = performance.now();
  const progress = opts.onProgress ?? (() => {});
  const actor = opts.actor ?? 'batch-load';
  const model = storeModel();
  const data = await readAll(reader, opts.pageRows ?? 20_000, (phase, n) => progress(phase, n, 0));
  const n = data.ids.length;
  const pendingCount = data.anchor.filter((a) => a === null).length;
  const heldRecords: HeldRecords =
    pendingCount === 0
      ? { ids: [], states: [], std: [], waitsFor: [], candidates: [] }
      : await readHeld(reader, opts.pageRows ?? 20_000, (k) => progress('read held', k, 0));
  const updates = await reader.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM state_records s WHERE s.match_status = 'pending' AND s.status = 'active'
       AND EXISTS (SELECT 1 FROM links l WHERE l.record_id = s.id)`,
  );
  const tRead = performance.now();
  const empty: BatchLoadReport = {
    pending: 0,
    anchors: n,
    heldAnchors: heldRecords.ids.length,
    updatesLeftToJobs: updates.rows[0]!.n,
    linked: 0,
    newStudents: 0,
    reviews: 0,
    waiting: 0,
    clusters: 0,
    candidatePairs: 0,
    ms: { read: tRead - t0, link: 0, write: 0, total: tRead - t0 },
  };
  if (pendingCount === 0) return empty;

  const index = new Map(data.ids.map((id, i) => [id, i]));
  const mustLink: [number, number][] = [];
  const firstOf = new Map<string, number>();
  data.anchor.forEach((s, i) => {
    if (s === null) return;
    const f = firstOf.get(s);
    if (f === undefined) firstOf.set(s, i);
    else mustLink.push([f, i]);
  });
  const cannotLink: [number, number][] = [];
  const cons = await reader.query<{ kind: string; record_a: string; record_b: string }>(
    'SELECT kind, record_a, record_b FROM match_constraints WHERE revoked_at IS NULL',
  );
  const heldIds = new Set(heldRecords.ids);
  const heldConstraints: typeof cons.rows = [];
  for (const c of cons.rows) {
    if (heldIds.has(c.record_a) || heldIds.has(c.record_b)) heldConstraints.push(c);
    const a = index.get(c.record_a);
    const b = index.get(c.record_b);
    if (a === undefined || b === undefined) continue;
    (c.kind === 'must-link' ? mustLink : cannotLink).push([a, b]);
  }
  let run: PartitionRun | null = null;
  let result: BatchResult;
  if (split) {
    const batch = prepareBatch(data.std, personComparisonSet, model);
    const scored = await scorePartitioned(db, batch, split.snapshot, {
      ...split.partitioned,
      onProgress: (done, total) => progress('partitions', done, total),
    });
    run = scored.run;
    result = clusterPartitions(batch, scored.parts, { mustLink, cannotLink, onProgress: progress });
  } else result = linkBatch(data.std, personComparisonSet, model, { mustLink, cannotLink, onProgress: progress });
  const tLink = performance.now();

  // Clusters, their anchored students, and held singletons.
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++)
    (members.get(result.clusterOf[i]!) ?? members.set(result.clusterOf[i]!, []).get(result.clusterOf[i]!)!).push(i);
  const studentsOf = (c: number) => [
    ...new Set(
      members
        .get(c)!
        .map((i) => data.anchor[i])
        .filter((s): s is string => s !== null),
    ),
  ];
  const partners = new Map<number, { j: number; probability: number }[]>();
  for (const p of result.review) {
    for (const [x, y] of [
      [p.a, p.b],
      [p.b, p.a],
    ] as const) {
      if (data.anchor[x] !== null || members.get(result.clusterOf[x]!)!.length !== 1) continue;
      (partners.get(x) ?? partners.set(x, []).get(x)!).push({ j: y, probability: p.probability });
    }
  }
  const held = new Set<number>();
  for (const [x, list] of partners)
    if (list.some((p) => !partners.has(p.j) || members.get(result.clusterOf[p.j]!)!.length > 1)) held.add(x);

  const termFrequencies = buildTermFrequencies(data.std, personComparisonSet.comparisons);
  const scorer = new CompiledModel(model, personComparisonSet, { population: n, termFrequencies });
  const pairExplanation = (i: number, j: number) =>
    explainScore(data.std[i]!, data.std[j]!, data.ids[j]!, scorer.score(data.std[i]!, data.std[j]!));
  // Held records: scored against the pending records with the same scorer, outside the clustering.
  const heldIndex = new HeldIndex(
    heldRecords,
    scorer,
    (std) => personComparisonSet.blockingKeys(std),
    model.maxBlockSize,
  );
  for (const c of heldConstraints) heldIndex.addConstraint(c.kind, c.record_a, c.record_b);
  let anchorsByStudent: Map<string, number[]> | null = null;
  const anchorsOf = (msixId: string) => {
    if (!anchorsByStudent) {
      anchorsByStudent = new Map();
      data.anchor.forEach((s, i) => {
        if (s !== null) (anchorsByStudent!.get(s) ?? anchorsByStudent!.set(s, []).get(s)!).push(i);
      });
    }
    return anchorsByStudent.get(msixId) ?? [];
  };

  // Write whole clusters per transaction.
  const chunk = opts.chunkRecords ?? 5000;
  const isHeldCluster = (c: number) => members.get(c)!.length === 1 && held.has(members.get(c)![0]!);
  // Held records go last: their candidates' new students exist by then.
  const clusterIds = [...members.keys()]
    .filter((c) => members.get(c)!.some((i) => data.anchor[i] === null))
    .sort((a, b) => Number(isHeldCluster(a)) - Number(isHeldCluster(b)));
  const report: BatchLoadReport = {
    ...empty,
    pending: pendingCount,
    anchors: n - pendingCount,
    clusters: result.stats.clusters,
    candidatePairs: result.stats.candidatePairs,
    ...(run ? { partitions: { parts: run.parts, byWorkers: run.byWorkers, workers: run.workers } } : {}),
  };
  const waitTarget = (w: Waiting) => (w.lead !== null ? data.ids[w.lead]! : heldRecords.ids[w.h]!);
  const studentOfCluster = new Map<number, string>();
  for (const c of clusterIds) {
    const s = studentsOf(c);
    if (s.length === 1) studentOfCluster.set(c, s[0]!);
  }
  const waitingClusters = new Set<number>();
  let done = 0;
  for (let start = 0; start < clusterIds.length; ) {
    const group: number[] = [];
    let size = 0;
    while (start < clusterIds.length && (size === 0 || size < chunk)) {
      const c = clusterIds[start++]!;
      group.push(c);
      size += members.get(c)!.length;
    }
    // Blocking keys of the group's pending records (written below), and their held candidates.
    const keysOf = new Map<number, string[]>();
    const heldPairs = new Map<number, HeldPair[]>();
    const waiting = new Map<number, Waiting>();
    for (const c of group) {
      const pend = members.get(c)!.filter((i) => data.anchor[i] === null);
      for (const i of pend) keysOf.set(i, personComparisonSet.blockingKeys(data.std[i]!));
      // A cluster linked to one existing student is decided: held records take no part in that.
      if (studentsOf(c).length === 1 || heldIndex.size === 0) continue;
      let lead: { i: number; pair: HeldPair } | null = null;
      for (const i of pend) {
        const pairs = heldIndex.pairsOf(data.ids[i]!, data.std[i]!, keysOf.get(i)!);
        if (pairs.length === 0) continue;
        heldPairs.set(i, pairs);
        const strong = heldIndex.strongest(data.ids[i]!, pairs);
        if (!strong) continue;
        waiting.set(i, { h: strong.h, lead: null });
        if (!lead || strong.score.weight > lead.pair.score.weight) lead = { i, pair: strong };
      }
      // A cluster that would start a new student is held whole: its other records wait for the one closest to the held
      // record.
      if (lead && studentsOf(c).length === 0 && !isHeldCluster(c)) {
        for (const i of pend) if (!waiting.has(i)) waiting.set(i, { h: lead.pair.h, lead: lead.i });
        waitingClusters.add(c);
      }
    }
    await db.transaction(async (tx) => {
      const fresh = group.filter((c) => studentsOf(c).length === 0 && !isHeldCluster(c) && !waitingClusters.has(c));
      const newIds = await createStudents(tx, fresh.length);
      fresh.forEach((c, k) => {
        studentOfCluster.set(c, newIds[k]!);
      });
      await writeGroup(tx, group, {
        data,
        members,
        studentsOf,
        studentOfCluster,
        held,
        partners,
        result,
        pairExplanation,
        model: model.rulesVersion,
        actor,
        report,
        fresh: new Set(fresh),
        consolidation: opts.consolidation,
        keysOf,
        heldRecords,
        heldPairs,
        waiting,
        waitingClusters,
        waitTarget,
        anchorsOf,
        scorer,
      });
    });
    done += size;
    progress('write', done, pendingCount);
  }
  const tEnd = performance.now();
  report.ms = { read: tRead - t0, link: tLink - tRead, write: tEnd - tLink, total: tEnd - t0 };
  return report;
}

/**
 * A pending record held with a held record: `h` the held record; `lead` the record of its cluster it waits for, when
 * not `h` itself.
 */
interface Waiting {
  h: number;
  lead: number | null;
}

interface GroupContext {
  data: Loaded;
  members: Map<number, number[]>;
  studentsOf: (c: number) => string[];
  studentOfCluster: Map<number, string>;
  held: Set<number>;
  partners: Map<number, { j: number; probability: number }[]>;
  result: ReturnType<typeof linkBatch>;
  pairExplanation: (i: number, j: number) => ReturnType<typeof explainScore>;
  model: string;
  actor: string;
  report: BatchLoadReport;
  fresh: Set<number>;
  consolidation: ConsolidationOptions;
  keysOf: Map<number, string[]>;
  heldRecords: HeldRecords;
  heldPairs: Map<number, HeldPair[]>;
  waiting: Map<number, Waiting>;
  waitingClusters: Set<number>;
  waitTarget: (w: Waiting) => string;
  anchorsOf: (msixId: string) => number[];
  scorer: CompiledModel<StandardizedPerson>;
}

async function writeGroup(tx: Db, group: number[], g: GroupContext): Promise<void> {
  const { data } = g;
  const links: (WriteLink & { cause: LinkCause })[] = [];
  const cause: LinkCause = { cause: 'batch', actor: g.actor };
  const status = { ids: [] as string[], versions: [] as number[], st: [] as ('matched' | 'review')[] };
  const keys = { key: [] as string[], rec: [] as string[] };
  const events: Omit<StudentEvent, 'id' | 'at'>[] = [];
  const reviews: {
    id: string;
    st: string;
    v: number;
    reason: string;
    cands: string[];
    p: number;
    expl: MatchExplanation;
    waits: string | null;
  }[] = [];
  const touched = new Set<string>();
  const clusterOf = g.result.clusterOf;
  // Records held with a held record share its review's candidate students, as they are now (merged ones followed).
  const merged = await followMerges(tx, [
    ...new Set(
      group
        .filter((c) => g.waitingClusters.has(c))
        .flatMap((c) => g.members.get(c)!)
        .flatMap((i) => {
          const w = g.waiting.get(i);
          return w ? g.heldRecords.candidates[w.h]! : [];
        }),
    ),
  ]);
  const heldExplanations = (i: number): PairExplanation[] =>
    (g.heldPairs.get(i) ?? [])
      .slice(0, 5)
      .map((p) => explainScore(data.std[i]!, g.heldRecords.std[p.h], g.heldRecords.ids[p.h]!, p.score));
  for (const c of group) {
    const list = g.members.get(c)!;
    const anchored = g.studentsOf(c);
    for (const i of list) {
      if (data.anchor[i] !== null) continue;
      const id = data.ids[i]!;
      for (const k of g.keysOf.get(i) ?? personComparisonSet.blockingKeys(data.std[i]!)) {
        keys.key.push(k);
        keys.rec.push(id);
      }
      status.ids.push(id);
      status.versions.push(data.versions[i]!);
      const student = g.studentOfCluster.get(c);
      const heldExpl = heldExplanations(i);
      if (g.waitingClusters.has(c)) {
        // Held with a held record: it would start a new student, but it is that record's child (or its cluster is).
        const w = g.waiting.get(i)!;
        const waits = g.waitTarget(w);
        const cands = [...new Set(g.heldRecords.candidates[w.h]!.map((x) => merged.get(x) ?? x))];
        const students = cands
          .map((msixId) =>
            studentExplanation(
              msixId,
              g.anchorsOf(msixId).map((j) => g.pairExplanation(i, j)),
            ),
          )
          .sort((a, b) => b.bestProbability - a.bestProbability);
        const best =
          w.lead !== null
            ? g.pairExplanation(i, w.lead)
            : (heldExpl.find((p) => p.recordId === waits) ??
              explainScore(
                data.std[i]!,
                g.heldRecords.std[w.h],
                waits,
                g.scorer.score(data.std[i]!, g.heldRecords.std[w.h]!),
              ));
        const explanation: MatchExplanation = {
          decision: 'review',
          reason: 'held-match',
          rulesVersion: g.model,
          candidatesConsidered: list.length - 1 + (g.heldPairs.get(i)?.length ?? 0),
          best,
          students: students.slice(0, 5),
          ...(heldExpl.length ? { held: heldExpl } : {}),
          waitsFor: waits,
        };
        reviews.push({
          id,
          st: data.states[i]!,
          v: data.versions[i]!,
          reason: 'held-match',
          cands,
          p: Math.max(best.probability, students[0]?.bestProbability ?? 0),
          expl: explanation,
          waits,
        });
        status.st.push('review');
        for (const s of cands) {
          events.push({
            msixId: s,
            recordId: id,
            stateCode: data.states[i]!,
            kind: 'review-opened',
            details: { reason: 'held-match', batch: true, waitsFor: waits },
            traceId: null,
          });
        }
        g.report.reviews++;
        g.report.waiting++;
        continue;
      }
      if (student === undefined) {
        // Held: a near match (alone, close to another student) or a cluster spanning several students.
        const isHeld = g.held.has(i);
        const cands = isHeld
          ? [
              ...new Set(
                g.partners
                  .get(i)!
                  .map((p) => g.studentOfCluster.get(clusterOf[p.j]!) ?? data.anchor[p.j])
                  .filter((s): s is string => typeof s === 'string'),
              ),
            ]
          : anchored;
        const others = isHeld
          ? g.partners.get(i)!.map((p) => p.j)
          : list.filter((j) => j !== i && data.anchor[j] !== null);
        const students = cands
          .map((msixId) =>
            studentExplanation(
              msixId,
              others
                .filter((j) => (g.studentOfCluster.get(clusterOf[j]!) ?? data.anchor[j]) === msixId)
                .map((j) => g.pairExplanation(i, j)),
            ),
          )
          .sort((a, b) => b.bestProbability - a.bestProbability);
        const reason = isHeld ? (students[0]?.conflicts.length ? 'conflict' : 'near-match') : 'ambiguous';
        // Its own review as before; it also waits for a held record it clearly belongs with, like a match job's review.
        const w = g.waiting.get(i);
        const waits = w ? g.waitTarget(w) : null;
        const explanation: MatchExplanation = {
          decision: 'review',
          reason,
          rulesVersion: g.model,
          candidatesConsidered: others.length + (g.heldPairs.get(i)?.length ?? 0),
          best: students[0]?.best ?? null,
          students: students.slice(0, 5),
          ...(heldExpl.length ? { held: heldExpl } : {}),
          ...(waits ? { waitsFor: waits } : {}),
        };
        reviews.push({
          id,
          st: data.states[i]!,
          v: data.versions[i]!,
          reason,
          cands,
          p: students[0]?.bestProbability ?? 0,
          expl: explanation,
          waits,
        });
        status.st.push('review');
        for (const s of cands) {
          events.push({
            msixId: s,
            recordId: id,
            stateCode: data.states[i]!,
            kind: 'review-opened',
            details: { reason, batch: true, ...(waits ? { waitsFor: waits } : {}) },
            traceId: null,
          });
        }
        g.report.reviews++;
        if (waits) g.report.waiting++;
        continue;
      }
      const best =
        list
          .filter((j) => j !== i)
          .map((j) => g.pairExplanation(i, j))
          .sort((a, b) => b.weight - a.weight)[0] ?? null;
      const isNew = g.fresh.has(c);
      const firstOfNew = isNew && list.find((j) => data.anchor[j] === null) === i;
      const explanation: MatchExplanation = {
        decision: best ? 'batch' : 'new',
        reason: best ? 'batch-cluster' : 'no-candidate',
        rulesVersion: g.model,
        candidatesConsidered: list.length - 1,
        best,
        students: [],
      };
      links.push({
        recordId: id,
        msixId: student,
        linkType: firstOfNew ? 'new' : 'auto',
        score: firstOfNew ? null : (best?.probability ?? null),
        rulesVersion: g.model,
        explanation,
        cause,
      });
      status.st.push('matched');
      touched.add(student);
      events.push({
        msixId: student,
        recordId: id,
        stateCode: data.states[i]!,
        kind: firstOfNew ? 'student-created' : 'record-linked',
        details: { linkType: firstOfNew ? 'new' : 'auto', batch: true },
        traceId: null,
      });
      g.report.linked++;
      if (firstOfNew) g.report.newStudents++;
    }
  }
  // Reviews in one statement. A record pending again with an open near-match review of its own (its state
  // sent it again) gets that review updated in place, as a match job does; any other open review is kept.
  if (reviews.length) {
    await tx.query(
      `WITH u AS (SELECT * FROM json_to_recordset($1::json) AS u(id uuid, st text, v int, reason text, cands text[],
       p float8, expl jsonb, waits uuid)),
       upd AS (
         UPDATE match_reviews m SET record_version = u.v, reason = u.reason, candidate_msix_ids = u.cands,
         best_probability = u.p, rules_version = $2,
           explanation = u.expl, waits_for_record = u.waits, version = m.version + 1, updated_at = now()
         FROM u WHERE m.record_id = u.id AND m.status = 'open' AND m.kind = 'near-match' RETURNING m.id)
       INSERT INTO match_reviews (record_id, state_code, record_version, kind, reason, candidate_msix_ids,
       best_probability, rules_version, explanation, waits_for_record)
       SELECT u.id, u.st, u.v, 'near-match', u.reason, u.cands, u.p, $2, u.expl, u.waits FROM u
       WHERE NOT EXISTS (SELECT 1 FROM match_reviews m WHERE m.record_id = u.id AND m.status = 'open')`,
      [JSON.stringify(reviews), g.model],
    );
  }
  await tx.query('DELETE FROM blocking_keys WHERE record_id = ANY($1::uuid[])', [status.ids]);
  // Keys in index order: the inserts walk the primary key index instead of jumping around it.
  const order = keys.key
    .map((_, i) => i)
    .sort((a, b) => (keys.key[a]! < keys.key[b]! ? -1 : keys.key[a]! > keys.key[b]! ? 1 : 0));
  await tx.query('INSERT INTO blocking_keys (key, record_id) SELECT * FROM unnest($1::text[], $2::uuid[])', [
    order.map((i) => keys.key[i]),
    order.map((i) => keys.rec[i]),
  ]);
  // Links and their history (an existing link is left alone: a match job placed the record meanwhile).
  await writeLinks(tx, links, { replace: false });
  await setMatchStatus(tx, status.ids, status.st, status.versions);
  await emitStudentEvents(tx, events);
  await refreshStudents(tx, [...touched], g.consolidation);
}

/** One candidate student of a review, with the strongest of the given pairs. */
function studentExplanation(msixId: string, pairs: PairExplanation[]): StudentExplanation {
  const rep = pairs.sort((a, b) => b.weight - a.weight)[0] ?? null;
  return {
    msixId,
    bestProbability: rep?.probability ?? 0,
    conflicts: rep?.conflicts ?? [],
    manual: null,
    distinct: false,
    best: rep,
  };
}
