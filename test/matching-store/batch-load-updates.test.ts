import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { runBatchLoad } from '../../core/matching-store/batch-load.js';
import { child, consolidation, linkOf, match, store, storeAndMatch } from './helpers.js';

/**
 * A record already linked that its state updates is pending again, but it is
 * not new: the bulk load leaves it to its match job (which may keep or question
 * the link) and lets it anchor its student meanwhile.
 */
describe.each(STORE_KINDS)('bulk load and updates of linked records on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
  });
  afterAll(async () => {
    await drop?.();
  });

  const history = async (id: string) =>
    (await db.query('SELECT cause FROM link_history WHERE record_id = $1 ORDER BY id', [id])).rows;

  it('leaves an update of a linked record to its match job, and the record still anchors its student', async () => {
    const a = await storeAndMatch(db, child(7, 0, 'TX'));
    const msix = (await linkOf(db, a.id))!;
    const before = await history(a.id);
    // Texas sends the record again with a corrected middle name: pending, still linked.
    const upd = await store(db, {
      ...child(7, 0, 'TX'),
      identity: { ...child(7, 0, 'TX').identity, middleName: 'Elena' },
    });
    expect(upd.version).toBe(2);
    // A new record of the same child from Michigan arrives in the same load.
    const mi = await store(db, child(7, 1, 'MI'));

    const report = await runBatchLoad(db, { consolidation });
    expect(report).toMatchObject({ pending: 1, updatesLeftToJobs: 1, linked: 1, newStudents: 0 });
    // The new record joined the student the updated record anchors.
    expect(await linkOf(db, mi.id)).toBe(msix);
    // The update is untouched by the load: still pending, same link, no new history row.
    const st = await db.query<{ match_status: string }>('SELECT match_status FROM state_records WHERE id = $1', [a.id]);
    expect(st.rows[0]!.match_status).toBe('pending');
    expect(await history(a.id)).toEqual(before);
    // Its match job then does its work.
    expect(await match(db, a.id, 2)).toMatchObject({ kind: 'refreshed' });
    expect(await linkOf(db, a.id)).toBe(msix);
  });
});
