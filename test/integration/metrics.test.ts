import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../demo/seed.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';

/**
 * Prometheus metrics over the gateway: requests by route pattern (never a raw URL with an id in it) with latency
 * histograms, queue depths, job durations and failures, match outcomes, deliveries by status, the board's alerts;
 * and the metrics token when one is configured.
 */
let sys: TestSystem;
beforeAll(async () => {
  sys = await startSystem({ workers: true, env: { METRICS_TOKEN: 'scrape-token-for-tests-0123' } });
  await seedDemo(sys.db, sys.queue);
  await sys.workers?.sweep();
});
afterAll(async () => {
  await sys?.close();
});

const scrape = async () =>
  sys.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-for-tests-0123' } });

describe('/metrics', () => {
  it('refuses a scrape without the configured token', async () => {
    expect((await sys.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await sys.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('serves HTTP, queue, job, matching and delivery metrics in the Prometheus text format', async () => {
    await sys.app.inject({ method: 'GET', url: '/api/v1/students/123456789012' });
    // Wait until the demo records are matched, so the match outcomes and job durations are there.
    await eventually(async () => {
      const r = await sys.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM state_records WHERE match_status = 'pending'`,
      );
      return r.rows[0]!.n === 0;
    }, 60_000);
    const res = await scrape();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    // By route pattern: the id never becomes a label.
    expect(text).toMatch(
      /msix_http_requests_total\{method="GET",route="\/api\/v1\/students\/:msixId",status="401"\} 1/,
    );
    expect(text).not.toContain('123456789012');
    expect(text).toMatch(/msix_http_request_duration_seconds_bucket\{le="0.005",method="GET"/);
    expect(text).toMatch(/msix_queue_jobs\{queue="match",state="waiting"\} \d+/);
    expect(text).toMatch(/msix_job_duration_seconds_count\{queue="match",outcome="completed"\} [1-9]/);
    expect(text).toMatch(/msix_state_records\{match_status="matched"\} [1-9]/);
    expect(text).toMatch(/msix_state_records\{match_status="review"\} [1-9]/);
    expect(text).toMatch(/msix_links\{type="auto"\} [1-9]/);
    expect(text).toMatch(/msix_match_reviews_open [1-9]/);
    expect(text).toMatch(/# TYPE msix_deliveries gauge/);
    expect(text).toMatch(/msix_process_cpu_user_seconds_total \d/);
  });

  it('exports the status board alerts, one per problem', async () => {
    const d = await eventually(
      async () => (await sys.db.query<{ state_code: string }>('SELECT state_code FROM deliveries LIMIT 1')).rows[0],
    );
    await sys.db.query(`UPDATE deliveries SET status = 'dead' WHERE state_code = $1`, [d.state_code]);
    const text = (await scrape()).body;
    expect(text).toContain(`msix_alerts{kind="dead-delivery",state="${d.state_code}"} 1`);
    expect(text).toMatch(new RegExp(`msix_deliveries\\{state="${d.state_code}",status="dead"\\} [1-9]`));
  });
});
