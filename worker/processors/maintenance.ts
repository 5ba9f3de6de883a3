import type { Job } from 'bullmq';
import { enqueueFollowUps } from '../../core/exchange/delivery/deliver.js';
import { consumeMoveEvents } from '../../core/exchange/notices/move-consumer.js';
import { sweepExchange } from '../../core/exchange/sweep.js';
import { relayIntents } from '../../core/job-intents.js';
import { notifyAlerts, type AlertEvent } from '../../core/alerts.js';
import { httpCall } from '../../core/exchange/delivery/http.js';
import { auditHead } from '../../core/security/audit-chain.js';
import { MAINTENANCE_TASKS, type MaintenanceJob, type MaintenanceTask } from '../../core/jobs.js';
import type { WorkerContext } from '../context.js';
import { exchangeDeps } from './exchange-deps.js';

export interface MaintenancePasses {
  /** Runs one pass of a task now, here (the demo after seeding; tests). */
  run(task: MaintenanceTask): Promise<number>;
  /** The `maintenance` job: one pass of the task its scheduler names. */
  processor(job: Job<MaintenanceJob>): Promise<unknown>;
}

/**
 * The periodic passes, run by the `maintenance` queue's job schedulers once
 * per cluster (worker/index.ts creates them): the recovery pass that relays
 * job intents, the move-notice consumer of the student events outbox, and the
 * exchange sweep that keeps every delivery and request moving, and the audit
 * chain head logged for log storage to keep as an anchor. A pass still
 * running in this process when its next job arrives is not started twice.
 */
export function maintenancePasses(ctx: WorkerContext): MaintenancePasses {
  const deps = exchangeDeps(ctx);
  const c = ctx.config;
  const relay = async (): Promise<number> => {
    const r = await relayIntents(ctx.db, ctx.queue, { graceMs: c.MATCH_SWEEP_MS });
    if (r.added || r.retried || r.completed)
      ctx.logger.info(r, 'recovery pass: jobs enqueued or retried for accepted work');
    return r.added + r.retried;
  };
  const moves = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const r = await consumeMoveEvents(ctx.db, { batch: 200, windowDays: c.EXCHANGE_MOVE_WINDOW_DAYS });
      total += r.notices;
      const now = Date.now();
      await enqueueFollowUps(
        deps,
        r.deliveries
          .filter((d) => d.status !== 'held')
          .map((d) => ({ deliveryId: d.id, traceId: d.traceId, reason: 'new', at: now })),
        now,
      );
      if (r.notices) ctx.logger.info({ notices: r.notices, events: r.events }, 'move notices created');
      for (const f of r.failed)
        ctx.logger.error(f, 'move notice could not be made for this event; it is skipped (see the error)');
      if (r.events < 200) return total;
    }
  };
  const sweep = async (): Promise<number> => {
    // A due delivery with no job for this long is presumed to have lost its job (a deliver job finishes within its
    // timeout).
    const r = await sweepExchange(deps, { graceMs: Math.max(2 * c.EXCHANGE_SWEEP_MS, 3 * c.DELIVERY_TIMEOUT_MS) });
    const n = r.requeued + r.recovered + r.released + r.settled;
    if (n) ctx.logger.info(r, 'exchange sweep');
    return n;
  };
  const logAuditHead = async (): Promise<number> => {
    const head = await auditHead(ctx.db);
    ctx.logger.info({ audit: { seq: head.seq, hash: head.hash, at: head.at } }, 'audit chain head');
    return 1;
  };
  const alerts = async (): Promise<number> => {
    if (!c.ALERT_WEBHOOK_URL) return 0;
    const r = await notifyAlerts(ctx.db, alertPoster(c.ALERT_WEBHOOK_URL, c.DELIVERY_TIMEOUT_MS));
    if (r.failed) ctx.logger.warn(r, 'alert webhook: some alerts were not taken; the next pass tries again');
    else if (r.opened || r.resolved) ctx.logger.info(r, 'alert webhook: alerts sent');
    return r.opened + r.resolved;
  };
  const passes: Record<MaintenanceTask, () => Promise<number>> = {
    [MAINTENANCE_TASKS.alerts]: alerts,
    [MAINTENANCE_TASKS.relay]: relay,
    [MAINTENANCE_TASKS.moveNotices]: moves,
    [MAINTENANCE_TASKS.exchangeSweep]: sweep,
    [MAINTENANCE_TASKS.auditHead]: logAuditHead,
  };
  const running = new Set<MaintenanceTask>();
  return {
    run: (task) => passes[task](),
    processor: async (job) => {
      const task = job.data.task;
      if (running.has(task) || !passes[task]) return { skipped: true };
      running.add(task);
      try {
        return { done: await passes[task]() };
      } finally {
        running.delete(task);
      }
    },
  };
}

/**
 * Posts one alert event as JSON to the webhook (the outbound HTTP call every channel uses, with its timeout; no
 * address policy: the operator names this URL, often an internal relay); anything but a 2xx answer is a failure.
 */
export function alertPoster(url: string, timeoutMs: number): (event: AlertEvent) => Promise<void> {
  return async (event) => {
    const r = await httpCall(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) },
      timeoutMs,
    );
    if (r.kind !== 'response') throw new Error(`the alert webhook was not reached: ${r.reason}`);
    if (r.status < 200 || r.status > 299) throw new Error(`the alert webhook answered ${r.status}`);
  };
}
