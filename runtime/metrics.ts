/**
 * The process's Prometheus metrics (prom-client): one registry per process, shared by the gateway (HTTP, and the
 * gauges it reads from the store at each scrape) and the workers (job durations and failures). Metric names follow
 * Prometheus conventions: `msix_` prefix, base units (seconds), `_total` for counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'msix_' });

export const httpRequests = new Counter({
  name: 'msix_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});
export const httpDuration = new Histogram({
  name: 'msix_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route pattern and status class.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
export const httpShed = new Counter({
  name: 'msix_http_shed_total',
  help: 'Requests answered 503 GW_ERR_OVERLOADED at once, by reason (in-flight, event-loop-delay, heap).',
  labelNames: ['reason'] as const,
  registers: [registry],
});
export const jobDuration = new Histogram({
  name: 'msix_job_duration_seconds',
  help: 'Time a queue job ran, by queue and outcome (completed, failed).',
  labelNames: ['queue', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [registry],
});
export const jobFailures = new Counter({
  name: 'msix_job_failures_total',
  help: 'Failed job attempts, by queue and whether it was the last attempt.',
  labelNames: ['queue', 'final'] as const,
  registers: [registry],
});
export const queueJobs = new Gauge({
  name: 'msix_queue_jobs',
  help: 'Jobs in each queue by state (waiting, active, delayed, failed), read at scrape time.',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
});
export const deliveries = new Gauge({
  name: 'msix_deliveries',
  help: 'Deliveries to the states by receiving state and status, read at scrape time.',
  labelNames: ['state', 'status'] as const,
  registers: [registry],
});
export const records = new Gauge({
  name: 'msix_state_records',
  help: 'State records by match status (pending, matched, review), read at scrape time.',
  labelNames: ['match_status'] as const,
  registers: [registry],
});
export const links = new Gauge({
  name: 'msix_links',
  help: 'Record-to-student links by how they were made (new student, automatic, manual), read at scrape time.',
  labelNames: ['type'] as const,
  registers: [registry],
});
export const openReviews = new Gauge({
  name: 'msix_match_reviews_open',
  help: 'Near matches waiting for a data administrator.',
  registers: [registry],
});
export const pendingMerges = new Gauge({
  name: 'msix_merge_requests_pending',
  help: 'Merge and split requests waiting for a second approver.',
  registers: [registry],
});
export const alerts = new Gauge({
  name: 'msix_alerts',
  help: 'Open problems on the status board (one per kind and state), by kind and state.',
  labelNames: ['kind', 'state'] as const,
  registers: [registry],
});
