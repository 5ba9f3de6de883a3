import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, checkAccepted, children, startFaultWorld, write, type FaultWorld, type Proc } from './support.js';

/**
 * Issue 17, fault 1: the server ends a session (restart, failover, an idle-in-transaction timeout,
 * pg_terminate_backend) while a process is inside a transaction. Before the fix the unhandled 'error' of the
 * checked-out client killed the process; now the transaction fails cleanly (503 + Retry-After, or the job
 * is retried) and the process keeps serving.
 */
describe('a Postgres backend terminated mid-transaction', () => {
  let w: FaultWorld;
  let gateway: Proc;
  let worker: Proc;
  beforeAll(async () => {
    w = await startFaultWorld();
    [gateway, worker] = await Promise.all([w.start('gateway'), w.start('worker')]);
  });
  const killers: (() => Promise<number>)[] = [];
  afterAll(async () => {
    for (const k of killers) await k();
    await w?.close();
  });

  /**
   * Terminates `count` of the role's backends while they are inside a transaction, one every `everyMs`
   * (an operator's failover, not a permanent outage); resolves with how many it ended.
   */
  function killer(role: 'gateway' | 'worker', count = 6, everyMs = 250) {
    let stop = false;
    const done = (async () => {
      let kills = 0;
      while (!stop && kills < count) {
        const [pid] = await backends(w.db, role, true);
        if (pid !== undefined) {
          const r = await w.db.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
          if (r.rows[0]!.ok) {
            kills++;
            await new Promise((r) => setTimeout(r, everyMs));
            continue;
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      return kills;
    })();
    const stopIt = async () => {
      stop = true;
      return done;
    };
    killers.push(stopIt);
    return stopIt;
  }

  it('in the gateway: writes are answered 503 with Retry-After or stored once, and the gateway lives', async () => {
    const token = await w.token(gateway, 'TX');
    const batches = Array.from({ length: 8 }, (_, b) => children('TX', `pgkill-${b}`, 100, b + 1));
    const stopKiller = killer('gateway', 3, 200);
    let unavailable = 0;
    const answers = [];
    // Two clients at a time, each retrying a 503 as its Retry-After asks.
    for (let i = 0; i < batches.length; i += 2)
      answers.push(
        ...(await Promise.all(
          batches.slice(i, i + 2).map(async (records) => {
            const first = await write(gateway, token, records);
            if (first.status !== 503) return first;
            unavailable++;
            return write(gateway, token, records, { retry503: true });
          }),
        )),
      );
    const kills = await stopKiller();
    expect(kills).toBeGreaterThan(0);
    expect(unavailable).toBeGreaterThan(0);
    for (const a of answers) expect(a.status, JSON.stringify(a.body).slice(0, 300)).toBe(201);
    expect(gateway.alive()).toBe(true);
    await checkAccepted(
      w.db,
      'TX',
      batches.flat().map((r) => r.stateStudentId),
    );
    expect(worker.alive()).toBe(true);
  }, 180_000);

  it('in the worker: match jobs whose connection died are retried, each matched once; the worker lives', async () => {
    const token = await w.token(gateway, 'MI');
    const records = children('MI', 'pkw', 300, 99);
    const stopKiller = killer('worker', 3, 200);
    for (let i = 0; i < records.length; i += 100) {
      const res = await write(gateway, token, records.slice(i, i + 100), { retry503: true });
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
    }
    await checkAccepted(
      w.db,
      'MI',
      records.map((r) => r.stateStudentId),
    );
    expect(await stopKiller()).toBeGreaterThan(0);
    expect(worker.alive()).toBe(true);
    expect(gateway.alive()).toBe(true);
  }, 180_000);
});
