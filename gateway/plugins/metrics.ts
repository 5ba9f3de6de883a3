import { timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import { GatewayError } from '../../core/errors.js';
import { operationsTotals, statusBoard } from '../../core/status.js';
import * as m from '../../runtime/metrics.js';
import { BullJobQueue } from '../../runtime/queue.js';

/** Equal-time comparison of the presented token with the configured one. */
function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Prometheus metrics (issue 14 item 7): every answered request is counted and timed by route pattern (never by
 * its raw URL, which may hold ids); GET /metrics reads queue depths, deliveries by status, match outcomes and the
 * status board's alerts at scrape time and serves them with the process's counters (runtime/metrics.ts).
 */
const metricsPlugin: FastifyPluginAsync = async (app) => {
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    m.httpRequests.inc(labels);
    m.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      // Public to the security layer: Prometheus has no person or client token; METRICS_TOKEN guards it instead.
      config: { access: { public: true }, overloadExempt: true },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        description: 'Needs Authorization: Bearer <METRICS_TOKEN> when the gateway is configured with one.',
      },
    },
    async (request, reply) => {
      const token = app.ctx.config.METRICS_TOKEN;
      if (token) {
        const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
        if (!sameToken(given, token)) {
          reply.header('www-authenticate', 'Bearer realm="metrics"');
          throw new GatewayError('GW_ERR_UNAUTHENTICATED', 'Send the metrics token as a Bearer token.');
        }
      }
      await readGauges(app);
      return reply
        .type(m.registry.contentType)
        .header('cache-control', 'no-store')
        .send(await m.registry.metrics());
    },
  );
};

/** Sets the scrape-time gauges from the store and the queues (a queue that does not answer is left out). */
async function readGauges(app: Parameters<FastifyPluginAsync>[0]): Promise<void> {
  const { db, queue } = app.ctx;
  const [totals, board] = await Promise.all([operationsTotals(db), statusBoard(db, new Date())]);
  m.records.reset();
  for (const [k, n] of Object.entries(totals.recordsByMatchStatus)) m.records.set({ match_status: k }, n);
  m.links.reset();
  for (const [k, n] of Object.entries(totals.linksByType)) m.links.set({ type: k }, n);
  m.openReviews.set(totals.openReviews);
  m.pendingMerges.set(totals.pendingMergeRequests);
  m.deliveries.reset();
  for (const d of totals.deliveriesByStateAndStatus) m.deliveries.set({ state: d.stateCode, status: d.status }, d.n);
  m.alerts.reset();
  for (const a of board.alerts) m.alerts.set({ kind: a.kind, state: a.stateCode }, 1);
  m.queueJobs.reset();
  if (queue instanceof BullJobQueue) {
    const counts = await queue.counts().catch(() => null);
    for (const [q, byState] of Object.entries(counts ?? {}))
      for (const [state, n] of Object.entries(byState)) m.queueJobs.set({ queue: q, state }, n);
  }
}

export default fp(metricsPlugin, { name: 'msix-metrics' });
