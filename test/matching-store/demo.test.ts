import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import type { JobQueue } from '../../core/jobs.js';
import { seedDemo } from '../../demo/seed.js';
import { findStateRecord } from '../../core/records.js';
import { consolidation, linkOf, match } from './helpers.js';
import { matchRecord } from '../../core/linking.js';

/** The demo data through the real engine: Ana is one student, the twins two, and one near match waits. */
describe.each(STORE_KINDS)('demo data on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  const jobs: string[] = [];
  const queue: JobQueue = {
    enqueue: async (_q, payload) => {
      jobs.push((payload as { recordId: string }).recordId);
    },
    ping: async () => true,
  };
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
    await seedDemo(db, queue);
    for (const id of jobs) await matchRecord({ db, consolidation }, { recordId: id, version: 1, traceId: 'demo' });
  });
  afterAll(async () => {
    await drop?.();
  });

  const msixOf = async (state: string, id: string) => linkOf(db, (await findStateRecord(db, state, id))!.id);

  it("links Ana's Texas, Michigan (joined surnames, no accent) and Florida records into one student", async () => {
    const tx = await msixOf('TX', 'TX0048213');
    expect(tx).toMatch(/^\d{12}$/);
    expect(await msixOf('MI', '7730019921')).toBe(tx);
    expect(await msixOf('FL', 'FL5530098127')).toBe(tx);
  });

  it('keeps the Washington twins apart', async () => {
    const jose = await msixOf('WA', 'WA771201');
    expect(jose).toMatch(/^\d{12}$/);
    expect(await msixOf('WA', 'WA771202')).not.toBe(jose);
  });

  it('links Guadalupe Ramírez across California and Washington', async () => {
    expect(await msixOf('WA', 'WA8840213')).toBe(await msixOf('CA', 'CA3301928'));
  });

  it('holds the Michigan Guadalupe Torres (sex typed differently) in the near-match worklist', async () => {
    const mi = (await findStateRecord(db, 'MI', '7730020456'))!;
    expect(mi.matchStatus).toBe('review');
    expect(await linkOf(db, mi.id)).toBeNull();
    const r = await db.query<{ candidate_msix_ids: string[]; reason: string }>(
      `SELECT candidate_msix_ids, reason FROM match_reviews WHERE record_id = $1 AND status = 'open'`,
      [mi.id],
    );
    expect(r.rows).toEqual([{ candidate_msix_ids: [await msixOf('TX', 'TX0051774')], reason: 'conflict' }]);
    expect(await match(db, mi.id)).toMatchObject({ kind: 'skipped' });
  });

  it("holds Texas's María Lozano (birth date read day-first, mother's surname wrong) in Texas's worklist", async () => {
    const tx = (await findStateRecord(db, 'TX', 'TX0063318'))!;
    const r = await db.query<{ candidate_msix_ids: string[]; reason: string; state_code: string }>(
      `SELECT candidate_msix_ids, reason, state_code FROM match_reviews WHERE record_id = $1 AND status = 'open'`,
      [tx.id],
    );
    expect(r.rows).toEqual([
      { candidate_msix_ids: [await msixOf('WA', 'WA9031557')], reason: expect.any(String), state_code: 'TX' },
    ]);
    expect(tx.matchStatus).toBe('review');
  });
});
