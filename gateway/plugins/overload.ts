/**
 * Load shedding (issue 18 item 3). Past its capacity a server that keeps accepting work answers everyone late: each
 * new request queues behind the others (for a pool connection, for the CPU), so latency grows with the backlog until
 * clients time out and retry, which adds more. This guard answers `503 GW_ERR_OVERLOADED` with `Retry-After` at once
 * instead, in the first onRequest hook (before token checks or body parsing cost anything), when
 *
 * - the requests this process is working on reach OVERLOAD_MAX_IN_FLIGHT (the backlog itself: it rises first when
 *   Postgres is the limit, while the event loop still looks idle),
 * - the event-loop delay exceeds OVERLOAD_MAX_EVENT_LOOP_DELAY_MS (the CPU is the limit), or the V8 heap in use
 *   exceeds OVERLOAD_MAX_HEAP_USED_MB (memory is the limit), and {@link UNDER_PRESSURE_IN_FLIGHT} requests are in
 *   flight already.
 *
 * Health, readiness and metrics routes declare `overloadExempt`: an orchestrator must see a busy process as alive,
 * and Prometheus must see the shedding. Written in-house rather than with @fastify/under-pressure, which samples
 * the same event-loop histogram but has no in-flight limit (the signal that comes first here), no per-route
 * exemption and no way to feed it a reading, so a test would have to block the event loop and wait out its timer.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import { GatewayError } from '../../core/errors.js';
import { LogLimiter } from '../../runtime/log-limit.js';
import { httpShed } from '../../runtime/metrics.js';
import { sendProblem } from './problems.js';

/** One reading of the process's pressure signals. */
export interface PressureReading {
  /** Mean event-loop delay over the last sample, beyond the monitor's own resolution (ms). */
  eventLoopDelayMs: number;
  heapUsedBytes: number;
}

/** Where the guard reads pressure from: the process sampler, or a test's own values. */
export type PressureProbe = () => PressureReading;

/** Why a request was shed (the `reason` label of msix_http_shed_total). */
export type ShedReason = 'in-flight' | 'event-loop-delay' | 'heap';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Never shed (health, readiness, metrics). */
    overloadExempt?: boolean;
  }
}

const SAMPLE_MS = 500;
/**
 * Requests a process under event-loop or heap pressure still works on: it sheds the excess, not everything. Without
 * it a process starved by its neighbours (the load bench at load 19 on 2 cores) answered nothing but 503s for the
 * whole run, and a late event loop stays late when the cause is outside the process.
 */
export const UNDER_PRESSURE_IN_FLIGHT = 4;
const RESOLUTION_MS = 10;

/**
 * Samples the event-loop delay histogram and the heap every {@link SAMPLE_MS}: requests read the last reading (a
 * field read), not the histogram (a native call each). The delay read is the lower of the last two samples' means:
 * one long synchronous task (schemas compiled at start, a large document parsed) makes a single sample late and
 * sheds nothing; only lateness that lasts from one sample into the next, a saturated CPU, does.
 */
function processPressure(): { start(): void; read: PressureProbe; stop(): void } {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let previousMs = 0;
  let last: PressureReading = { eventLoopDelayMs: 0, heapUsedBytes: process.memoryUsage().heapUsed };
  let timer: NodeJS.Timeout | undefined;
  const sample = () => {
    // The monitor's timer fires every RESOLUTION_MS at best: that much of each sample is not delay. No sample yet: 0.
    const meanMs = histogram.count ? Math.max(0, histogram.mean / 1e6 - RESOLUTION_MS) : 0;
    histogram.reset();
    last = { eventLoopDelayMs: Math.min(previousMs, meanMs), heapUsedBytes: process.memoryUsage().heapUsed };
    previousMs = meanMs;
  };
  return {
    start: () => {
      histogram.enable();
      timer = setInterval(sample, SAMPLE_MS);
      timer.unref();
    },
    read: () => last,
    stop: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

export interface OverloadOptions {
  /** A test's pressure readings instead of the process sampler. */
  probe?: PressureProbe;
}

/** The guard, on every route of the instance it is registered on (fastify-plugin: not encapsulated). */
const overloadPlugin: FastifyPluginAsync<OverloadOptions> = async (app, opts) => {
  const c = app.ctx.config;
  const maxInFlight = c.OVERLOAD_MAX_IN_FLIGHT;
  const maxDelayMs = c.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS;
  const maxHeapBytes = c.OVERLOAD_MAX_HEAP_USED_MB * 1024 * 1024;
  const retryAfter = String(c.OVERLOAD_RETRY_AFTER_SECONDS);
  if (!maxInFlight && !maxDelayMs && !maxHeapBytes) return;
  let probe = opts.probe;
  if (!probe && (maxDelayMs || maxHeapBytes)) {
    const sampler = processPressure();
    // From the first request on: building the app blocks the event loop for a while, which is not overload.
    app.addHook('onReady', async () => sampler.start());
    app.addHook('onClose', async () => sampler.stop());
    probe = sampler.read;
  }
  const limiter = new LogLimiter(app.log);
  let inFlight = 0;
  const release = () => {
    inFlight--;
  };

  const reasonNow = (): ShedReason | null => {
    if (maxInFlight && inFlight >= maxInFlight) return 'in-flight';
    if (!probe || inFlight < UNDER_PRESSURE_IN_FLIGHT) return null;
    const r = probe();
    if (maxDelayMs && r.eventLoopDelayMs > maxDelayMs) return 'event-loop-delay';
    if (maxHeapBytes && r.heapUsedBytes > maxHeapBytes) return 'heap';
    return null;
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.overloadExempt) return;
    const reason = reasonNow();
    if (!reason) {
      inFlight++;
      // 'close' follows every response, sent or aborted ('finish' does not follow an aborted one).
      reply.raw.once('close', release);
      return;
    }
    httpShed.inc({ reason });
    limiter.log('warn', `overload|${reason}`, { reason, inFlight }, 'overloaded: shedding requests with 503');
    reply.header('retry-after', retryAfter);
    return sendProblem(
      reply,
      request,
      new GatewayError(
        'GW_ERR_OVERLOADED',
        `The gateway is at capacity (${reason}); nothing of this request was done. Send it again after ` +
          `${retryAfter} s.`,
        { extra: { retryAfterSeconds: Number(retryAfter) } },
      ),
    );
  });
};

export default fp(overloadPlugin, { name: 'msix-overload' });
