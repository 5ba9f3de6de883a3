/**
 * Enqueue after commit. A flow that needs a job writes the job's intent in
 * the same transaction as the work (so the intent exists exactly when the work
 * committed), tries to enqueue it after commit (fast: a Redis outage does not
 * hold the caller), and the job deletes the intent when it finishes. The
 * recovery pass ({@link relayIntents}, a job scheduler, once per cluster)
 * enqueues intents whose job is missing and retries those whose job failed
 * all its attempts: after an outage of any length, accepted work finishes
 * without a person.
 */
import { QUEUES, ingestJobId, matchJobId, type JobPayloads, type JobQueue, type QueueName } from './jobs.js';
import type { RecoverableJobQueue } from './jobs.js';
import type { Db } from './store/db.js';
import { groupCommit } from '../lib/group-commit.js';

export interface JobIntent<Q extends QueueName = QueueName> {
  queue: Q;
  payload: JobPayloads[Q];
  jobId: string;
}

export function matchIntent(recordId: string, version: number, traceId: string): JobIntent<'match'> {
  return { queue: QUEUES.match, payload: { recordId, version, traceId }, jobId: matchJobId(recordId, version) };
}

export function ingestIntent(exchangeId: string, traceId: string): JobIntent<'ingest'> {
  return { queue: QUEUES.ingest, payload: { exchangeId, traceId }, jobId: ingestJobId(exchangeId) };
}

/** Writes intents inside the caller's transaction (one statement); an intent already there is kept. */
export async function recordIntents(tx: Db, intents: readonly JobIntent[]): Promise<void> {
  if (!intents.length) return;
  await tx.query(
    `INSERT INTO job_intents (job_id, queue, payload)
     SELECT x.job_id, x.queue, x.payload FROM jsonb_to_recordset($1::jsonb) AS x(job_id text, queue text, payload jsonb)
     ON CONFLICT (job_id) DO NOTHING`,
    [JSON.stringify(intents.map((i) => ({ job_id: i.jobId, queue: i.queue, payload: i.payload })))],
  );
}

/**
 * After commit: enqueues the intents, 100 at a time (500 to a round trip where the queue takes many at once).
 * Returns how many could not be enqueued; they wait for the recovery pass, nothing is lost.
 */
export async function enqueueIntents(queue: JobQueue, intents: readonly JobIntent[]): Promise<number> {
  if (queue.enqueueMany) return enqueueInBulk(queue, intents);
  let failed = 0;
  for (let i = 0; i < intents.length; i += 100) {
    const results = await Promise.allSettled(
      intents.slice(i, i + 100).map((x) => queue.enqueue(x.queue, x.payload, { jobId: x.jobId })),
    );
    const down = results.filter((r) => r.status === 'rejected').length;
    failed += down;
    // Redis is down: the rest would fail the same way, each after its timeout. The recovery pass has them.
    if (down === results.length) return intents.length - i - results.length + failed;
  }
  return failed;
}

/** Most intents one process enqueues in the background at once (see {@link enqueueIntentsInBackground}). */
const MAX_BACKGROUND_INTENTS = 20_000;
let backgroundIntents = 0;

/**
 * After commit, without holding the caller's answer: starts enqueueing the intents and returns at once. For a write
 * whose answer does not depend on its jobs being in Redis (a SIF multi-create of 1,000 objects waited longer for
 * BullMQ's adds than for its own database write). The intents are committed, so nothing rests on this succeeding:
 * a failed enqueue, one cut short by shutdown, or one skipped because {@link MAX_BACKGROUND_INTENTS} are already
 * being enqueued (a flood of writes) is left to the recovery pass.
 */
export function enqueueIntentsInBackground(queue: JobQueue, intents: readonly JobIntent[]): void {
  if (!intents.length || backgroundIntents + intents.length > MAX_BACKGROUND_INTENTS) return;
  backgroundIntents += intents.length;
  void enqueueIntents(queue, intents)
    .catch(() => intents.length)
    .finally(() => {
      backgroundIntents -= intents.length;
    });
}

/** Most intents one grouped enqueue sends (one round trip where the queue takes many at once). */
const GROUP_MAX = 500;

const enqueueGroups = new WeakMap<JobQueue, (intents: readonly JobIntent[]) => Promise<number>>();

/**
 * {@link enqueueIntents} for many concurrent requests of one process (group commit, lib/group-commit.ts): intents
 * that arrive while an enqueue is running wait for it and then go to the queue together (one round trip to Redis for
 * all of them instead of one each). Each caller still learns how many of its own intents could not be enqueued, and
 * only after its enqueue was tried, so it can record them for the recovery pass exactly as with
 * {@link enqueueIntents}.
 */
export function enqueueIntentsGrouped(queue: JobQueue, intents: readonly JobIntent[]): Promise<number> {
  if (!intents.length) return Promise.resolve(0);
  let submit = enqueueGroups.get(queue);
  if (!submit) {
    submit = groupCommit(
      async (groups: (readonly JobIntent[])[]) => {
        const all = groups.flat();
        const failed = await enqueueIntents(queue, all).catch(() => all.length);
        // When some could not be enqueued, each caller records all of its intents: recording one whose job was
        // enqueued costs nothing (the job or the recovery pass deletes it), missing one would lose work.
        return groups.map((g) => ({ ok: true as const, value: failed ? g.length : 0 }));
      },
      { max: GROUP_MAX, weight: (g) => g.length },
    );
    enqueueGroups.set(queue, submit);
  }
  return submit(intents);
}

async function enqueueInBulk(queue: JobQueue, intents: readonly JobIntent[]): Promise<number> {
  const byQueue = new Map<QueueName, JobIntent[]>();
  for (const x of intents) {
    const list = byQueue.get(x.queue);
    if (list) list.push(x);
    else byQueue.set(x.queue, [x]);
  }
  let enqueued = 0;
  for (const [name, list] of byQueue)
    for (let i = 0; i < list.length; i += 500) {
      const chunk = list.slice(i, i + 500);
      try {
        await queue.enqueueMany!(name, chunk);
        enqueued += chunk.length;
      } catch {
        // Redis is down: the rest would fail the same way, each after its timeout. The recovery pass has them.
        return intents.length - enqueued;
      }
    }
  return 0;
}

/** The job finished: its intent is done. */
export async function completeIntent(db: Db, jobId: string): Promise<void> {
  await db.query('DELETE FROM job_intents WHERE job_id = $1', [jobId]);
}

export interface RelayOptions {
  /** An intent is looked at when untouched for this long (a fresh one is being enqueued by its writer). */
  graceMs: number;
  /** Intents per page (default 500). */
  pageSize?: number;
  /** Most intents one pass looks at (default 20,000); the rest are next, being the longest untouched. */
  maxPerPass?: number;
}

export interface RelayResult {
  looked: number;
  added: number;
  retried: number;
  completed: number;
  /** True when Redis stopped answering during the pass (the rest waits for the next). */
  interrupted: boolean;
}

/**
 * The recovery pass. Pages through intents untouched for `graceMs`, the
 * longest untouched first; for each makes sure its job will run (added when
 * lost, retried when failed, deleted when it already completed); then marks
 * the page as just looked at, which moves it behind every other intent. A
 * thousand intents whose jobs keep failing therefore never hide a new one.
 */
export async function relayIntents(db: Db, queue: RecoverableJobQueue, opts: RelayOptions): Promise<RelayResult> {
  const pageSize = opts.pageSize ?? 500;
  const maxPerPass = opts.maxPerPass ?? 20_000;
  const out: RelayResult = { looked: 0, added: 0, retried: 0, completed: 0, interrupted: false };
  while (out.looked < maxPerPass) {
    const page = (
      await db.query<{ job_id: string; queue: QueueName; payload: JobPayloads[QueueName] }>(
        `SELECT job_id, queue, payload FROM job_intents
         WHERE due_at <= now() - ($1::double precision * interval '1 millisecond')
         ORDER BY due_at, job_id LIMIT $2`,
        [opts.graceMs, pageSize],
      )
    ).rows;
    if (!page.length) break;
    const done: string[] = [];
    for (let i = 0; i < page.length; i += 50) {
      const slice = page.slice(i, i + 50);
      const results = await Promise.allSettled(
        slice.map((r) => queue.ensure(r.queue, r.payload as never, { jobId: r.job_id })),
      );
      results.forEach((r, k) => {
        if (r.status === 'rejected') return;
        if (r.value === 'added') out.added++;
        else if (r.value === 'retried') out.retried++;
        else if (r.value === 'completed') {
          out.completed++;
          done.push(slice[k]!.job_id);
        }
      });
      if (results.every((r) => r.status === 'rejected')) out.interrupted = true;
      if (out.interrupted) break;
    }
    if (done.length) await db.query('DELETE FROM job_intents WHERE job_id = ANY($1::text[])', [done]);
    if (out.interrupted) break;
    await db.query('UPDATE job_intents SET due_at = now(), relayed = relayed + 1 WHERE job_id = ANY($1::text[])', [
      page.map((r) => r.job_id),
    ]);
    out.looked += page.length;
    if (page.length < pageSize) break;
  }
  return out;
}
