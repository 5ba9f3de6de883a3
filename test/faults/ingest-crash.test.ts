import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestReport } from '../../core/ingest/report.js';
import { allMatched, startFaultWorld, typedFile, until, type FaultWorld, type Proc } from './support.js';

/**
 * Issue 17, fault 4: a worker dies twice during one ingest. Before the fix the second death failed the job
 * (BullMQ's default of one tolerated stall) and the file stayed "processing" for good; after a crash-resumed
 * ingest the ledger called the re-applied records "unchanged". Now the ingest resumes from its checkpoint in
 * Postgres each time and reports each record's first outcome.
 */
describe('a worker killed twice during one ingest', () => {
  let w: FaultWorld;
  let gateway: Proc;
  const STUDENTS = 600;
  // Small batches so the file spans many checkpoints (300) and a kill lands in the middle of it: with 60, a worker
  // on a quiet machine committed every remaining batch between the poll that saw 3 more and the kill, and the last
  // worker had nothing to resume.
  const BATCH = 2;
  const WORKER_ENV = { INGEST_BATCH_SIZE: String(BATCH) };
  beforeAll(async () => {
    w = await startFaultWorld();
    gateway = await w.start('gateway');
  });
  afterAll(async () => w?.close());

  const checkpoints = async (id: string) =>
    (await w.db.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest_checkpoints WHERE exchange_id = $1', [id]))
      .rows[0]!.n;
  const status = async (id: string) =>
    (await w.db.query<{ status: string }>('SELECT status FROM exchanges WHERE id = $1', [id])).rows[0]!.status;

  it('resumes from its checkpoint each time, completes, and counts every record once as created', async () => {
    const token = await w.token(gateway, 'TX');
    const up = await fetch(`${gateway.base}/api/v1/states/TX/files?adapter=msix-typed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: await typedFile('TX', 'TXK', STUDENTS),
    });
    expect(up.status).toBe(202);
    const { exchangeId } = (await up.json()) as { exchangeId: string };

    let seen = 0;
    for (let death = 1; death <= 2; death++) {
      const worker = await w.start('worker', WORKER_ENV);
      const from = seen;
      seen = await until(`batches committed before death ${death}`, async () => {
        const n = await checkpoints(exchangeId);
        return n >= from + 3 ? n : null;
      });
      await worker.stop('SIGKILL');
      expect(await status(exchangeId)).toBe('processing');
      expect(await checkpoints(exchangeId), 'the kill landed before the last batch').toBeLessThan(STUDENTS / BATCH);
    }
    const last = await w.start('worker', { ...WORKER_ENV, LOG_LEVEL: 'info' });
    await until('the file completed', async () => (await status(exchangeId)) === 'completed', 90_000);

    const ex = (
      await w.db.query<{ counts: Record<string, number> }>('SELECT counts FROM exchanges WHERE id = $1', [exchangeId])
    ).rows[0]!;
    expect(ex.counts).toMatchObject({ read: STUDENTS, accepted: STUDENTS, created: STUDENTS });
    expect(ex.counts.unchanged ?? 0).toBe(0);
    const report = (
      await w.db.query<{ report: IngestReport }>('SELECT report FROM ingest_reports WHERE exchange_id = $1', [
        exchangeId,
      ])
    ).rows[0]!.report;
    expect(report.records.filter((r) => /unchanged/.test(JSON.stringify(r)))).toEqual([]);
    expect(last.output()).toContain('resumed from its checkpoint');
    await allMatched(
      w.db,
      'TX',
      Array.from({ length: STUDENTS }, (_, i) => `TXK${String(i).padStart(6, '0')}`),
      120_000,
    );
    expect(last.alive()).toBe(true);
  }, 240_000);
});
