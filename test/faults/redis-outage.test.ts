import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allMatched,
  checkAccepted,
  children,
  startFaultWorld,
  typedFile,
  until,
  write,
  type FaultWorld,
  type Proc,
} from './support.js';

/**
 * Issue 17, fault 5: Redis unreachable. Before the fix a write waited on the queue connection for ever
 * (clients timed out with their records committed) and an upload got no exchange id. Now the write path
 * fails fast: records and files are committed with their job intents and answered at normal speed, and the
 * recovery pass enqueues their jobs when Redis is back. (The chosen behaviour: accept and queue later, not
 * refuse with 503 — the data is safe in Postgres, and a state's nightly load does not stop for the queue.)
 */
describe('Redis killed during writes and uploads', () => {
  let w: FaultWorld;
  let gateway: Proc;
  let worker: Proc;
  beforeAll(async () => {
    w = await startFaultWorld({ ownRedis: true });
    [gateway, worker] = await Promise.all([w.start('gateway'), w.start('worker')]);
  });
  afterAll(async () => w?.close());

  it('answers writes 201 and uploads 202 at once, then matches and ingests everything when Redis is back', async () => {
    const token = await w.token(gateway, 'TX');
    const before = children('TX', 'rb', 20, 1);
    const during = Array.from({ length: 5 }, (_, b) => children('TX', `rd${b}`, 20, b + 2));
    // Redis goes away while writes are in flight.
    const inflight = write(gateway, token, before);
    await w.redis!.stop();
    expect((await inflight).status).toBe(201);
    for (const records of during) {
      const res = await write(gateway, token, records);
      expect(res.status).toBe(201);
      expect(res.ms).toBeLessThan(5000);
    }
    const file = await typedFile('TX', 'TXF', 40);
    const t0 = Date.now();
    const up = await fetch(`${gateway.base}/api/v1/states/TX/files?adapter=msix-typed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: file,
      signal: AbortSignal.timeout(30_000),
    });
    expect(up.status).toBe(202);
    expect(Date.now() - t0).toBeLessThan(5000);
    const { exchangeId } = (await up.json()) as { exchangeId: string };
    expect(exchangeId).toMatch(/^[0-9a-f-]{36}$/);
    const ready = await fetch(`${gateway.base}/health/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { down: string[] }).down).toEqual(['redis']);

    await w.redis!.start();
    await checkAccepted(
      w.db,
      'TX',
      [...before, ...during.flat()].map((r) => r.stateStudentId),
    );
    const ex = await until('the file ingested', async () => {
      const r = await w.db.query<{ status: string; counts: Record<string, number> }>(
        'SELECT status, counts FROM exchanges WHERE id = $1',
        [exchangeId],
      );
      return r.rows[0]?.status === 'completed' ? r.rows[0] : null;
    });
    expect(ex.counts.created).toBe(40);
    await allMatched(
      w.db,
      'TX',
      Array.from({ length: 40 }, (_, i) => `TXF${String(i).padStart(6, '0')}`),
    );
    expect([gateway, worker].every((p) => p.alive())).toBe(true);
  }, 180_000);
});
