import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, STORE_KINDS } from '../support/db.js';
import type { Db } from '../../core/store/db.js';
import { rekeyStore } from '../../core/matching-store/rekey.js';
import { child, linkOf, storeAndMatch } from './helpers.js';

describe.each(STORE_KINDS)('re-keying the store after a rules change on %s', (kind) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb(kind));
  });
  afterAll(async () => {
    await drop?.();
  });

  const keysOf = async (id: string) =>
    (await db.query<{ key: string }>('SELECT key FROM blocking_keys WHERE record_id = $1 ORDER BY key', [id])).rows.map(
      (r) => r.key,
    );

  it('restores the current keys of records keyed under older rules, and a second run changes nothing', async () => {
    const a = await storeAndMatch(db, child(3, 0, 'TX'));
    const b = await storeAndMatch(db, child(3, 1, 'CA'));
    const current = await keysOf(a.id);
    expect(current.length).toBeGreaterThan(3);
    const studentBefore = await linkOf(db, b.id);

    // As if matched under older rules: one key missing, one key the current rules no longer make.
    await db.query('DELETE FROM blocking_keys WHERE record_id = $1 AND key = $2', [a.id, current[0]]);
    await db.query(`INSERT INTO blocking_keys (key, record_id) VALUES ('OLD|RULES|KEY', $1)`, [a.id]);

    const first = await rekeyStore(db, { pageRows: 1 });
    expect(first).toMatchObject({ records: 2, changed: 1, keysAdded: 1, keysRemoved: 1 });
    expect(await keysOf(a.id)).toEqual(current);
    // Links are not touched.
    expect(await linkOf(db, b.id)).toBe(studentBefore);

    const second = await rekeyStore(db);
    expect(second).toMatchObject({ records: 2, changed: 0, keysAdded: 0, keysRemoved: 0 });
  });
});
