import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAccepted, children, startFaultWorld, write, type FaultWorld, type Proc } from './support.js';

/**
 * Issue 17: a burst of writes while the gateway, then a worker, get SIGTERM (a rolling restart). Requests
 * already being handled finish; every record answered 2xx is stored, matched once and counted once; the
 * stopped processes exit 0 and the others keep running.
 */
describe('a burst during SIGTERM', () => {
  let w: FaultWorld;
  let worker: Proc;
  beforeAll(async () => {
    w = await startFaultWorld();
    worker = await w.start('worker');
  });
  afterAll(async () => w?.close());

  it('answers or refuses each write whole; everything answered 2xx is stored, matched, counted once', async () => {
    const first = await w.start('gateway');
    const second = await w.start('gateway');
    const token = await w.token(first, 'TX');
    const batches = Array.from({ length: 30 }, (_, b) => children('TX', `burst-${b}`, 8, b + 1));
    const answered = await Promise.all(
      batches.map(async (records, i) => {
        // Half of the clients go to the gateway being stopped, half to the one that stays.
        const to = i % 2 === 0 ? first : second;
        if (i === 10) void first.stop('SIGTERM');
        if (i === 20) void worker.stop('SIGTERM');
        try {
          return { records, res: await write(to, token, records) };
        } catch {
          return { records, res: null }; // refused at the socket: the client knows it was not taken
        }
      }),
    );
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(await worker.stop('SIGTERM')).toBe(0);
    for (const a of answered) if (a.res) expect(a.res.status, JSON.stringify(a.res.body).slice(0, 200)).toBe(201);
    const accepted = answered.filter((a) => a.res?.status === 201).flatMap((a) => a.records);
    expect(accepted.length).toBeGreaterThanOrEqual(15 * 8);

    // The next worker takes over whatever the stopped one left.
    const next = await w.start('worker');
    await checkAccepted(
      w.db,
      'TX',
      accepted.map((r) => r.stateStudentId),
    );
    expect(second.alive()).toBe(true);
    expect(next.alive()).toBe(true);
  }, 180_000);
});
