import type { Db } from '../store/db.js';
import { enqueueFollowUps, type DeliverDeps } from './delivery/deliver.js';
import { overdueRequests } from './requests/requests.js';
import { settleRequest } from './requests/request-settle.js';

export interface SweepResult {
  requeued: number;
  recovered: number;
  released: number;
  settled: number;
}

/**
 * The safety net under the queue. Every few seconds it finds what should be
 * moving and is not: attempts whose worker died (lease over), deliveries due
 * with no job (an enqueue lost with Redis), messages held behind one that has
 * since been delivered, and requests past their deadline. It only enqueues
 * and settles; the deliver job decides everything else, so running it often
 * or on several workers is harmless.
 */
export async function sweepExchange(
  deps: DeliverDeps,
  opts: { graceMs: number; limit?: number },
): Promise<SweepResult> {
  const now = (deps.now ?? Date.now)();
  const limit = opts.limit ?? 500;
  const db: Db = deps.db;
  const bucket = Math.floor(now / Math.max(opts.graceMs, 1000));
  const recovered = await db.query<{ id: string; trace_id: string }>(
    `UPDATE deliveries SET status = 'retrying', next_attempt_at = $1, lease_until = NULL,
     last_error = 'the attempt did not finish (its worker stopped?)', updated_at = now()
     WHERE id IN (SELECT id FROM deliveries WHERE status = 'sending' AND lease_until < $1 LIMIT $2)
     RETURNING id, trace_id`,
    [new Date(now), limit],
  );
  const due = await db.query<{ id: string; trace_id: string; attempts: number }>(
    `SELECT id, trace_id, attempts FROM deliveries WHERE status IN ('queued', 'retrying') AND next_attempt_at < $1
     ORDER BY next_attempt_at LIMIT $2`,
    [new Date(now - opts.graceMs), limit],
  );
  const released = await db.query<{ id: string; trace_id: string }>(
    `UPDATE deliveries SET status = 'queued', next_attempt_at = $1, updated_at = now()
     WHERE id IN (
       SELECT d.id FROM deliveries d WHERE d.status = 'held' AND NOT EXISTS (
         SELECT 1 FROM deliveries p WHERE p.state_code = d.state_code AND p.msix_id = d.msix_id AND p.seq < d.seq
         AND p.status NOT IN ('delivered', 'cancelled'))
       LIMIT $2)
     RETURNING id, trace_id`,
    [new Date(now), limit],
  );
  const jobs = [
    ...recovered.rows.map((r) => ({ deliveryId: r.id, traceId: r.trace_id, reason: `l${now}`, at: now })),
    ...due.rows.map((r) => ({ deliveryId: r.id, traceId: r.trace_id, reason: `s${r.attempts}-${bucket}`, at: now })),
    ...released.rows.map((r) => ({ deliveryId: r.id, traceId: r.trace_id, reason: `h${now}`, at: now })),
  ];
  let settled = 0;
  for (const id of await overdueRequests(db, new Date(now), limit)) {
    const resp = await db.transaction((tx) => settleRequest(tx, deps, id, new Date(now)));
    if (resp) {
      settled++;
      if (resp.status !== 'held') jobs.push({ deliveryId: resp.id, traceId: resp.traceId, reason: 'new', at: now });
    }
  }
  await enqueueFollowUps(deps, jobs, now);
  return { requeued: due.rows.length, recovered: recovered.rows.length, released: released.rows.length, settled };
}
