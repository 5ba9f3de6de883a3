import { enqueueFollowUps } from '../../core/exchange/delivery/deliver.js';
import { consumeMoveEvents } from '../../core/exchange/notices/move-consumer.js';
import { sweepExchange } from '../../core/exchange/sweep.js';
import type { WorkerContext } from '../context.js';
import { exchangeDeps } from './exchange-deps.js';

export interface ExchangeLoops {
  /** Runs both loops once now (tests, and the demo after seeding). */
  tick(): Promise<{ notices: number; swept: number }>;
  close(): Promise<void>;
}

/**
 * The exchange's two background loops in a worker: the move-notice consumer
 * of the student events outbox, and the sweeper that keeps every delivery and
 * request moving. Each runs one pass at a time; several workers may run them
 * (the outbox cursor and the deliver job's claim make that safe).
 */
export function startExchangeLoops(ctx: WorkerContext): ExchangeLoops {
  const deps = exchangeDeps(ctx);
  const c = ctx.config;
  let closed = false;
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
      if (r.events < 200 || closed) return total;
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
  const inflight = new Set<Promise<unknown>>();
  const loop = (fn: () => Promise<unknown>, every: number, name: string) => {
    let running = false;
    const timer = setInterval(() => {
      if (running || closed) return;
      running = true;
      const p = fn()
        .catch((e: unknown) => ctx.logger.warn({ err: e }, `${name} failed`))
        .finally(() => {
          running = false;
          inflight.delete(p);
        });
      inflight.add(p);
    }, every);
    timer.unref();
    return timer;
  };
  const timers = [
    loop(moves, c.EXCHANGE_EVENTS_POLL_MS, 'move consumer'),
    loop(sweep, c.EXCHANGE_SWEEP_MS, 'exchange sweep'),
  ];
  return {
    tick: async () => ({ notices: await moves(), swept: await sweep() }),
    close: async () => {
      closed = true;
      for (const t of timers) clearInterval(t);
      await Promise.all(inflight);
    },
  };
}
