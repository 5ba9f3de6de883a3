import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectAs } from '../support/auth.js';
import { startSystem, type TestSystem } from '../support/system.js';

let sys: TestSystem;
beforeAll(async () => {
  sys = await startSystem();
});
afterAll(async () => {
  await sys?.close();
});

type Item = { id: string; createdAt: string };

/** Pages a newest-first list by `before` and `beforeId` (the last item seen) and returns every id it was given. */
async function pageAll(get: (url: string) => Promise<Item[]>, base: string, limit: number): Promise<string[]> {
  const seen: string[] = [];
  let last: Item | undefined;
  for (let page = 0; page < 50; page++) {
    const keyset = last ? `&before=${encodeURIComponent(last.createdAt)}&beforeId=${last.id}` : '';
    const items = await get(`${base}${base.includes('?') ? '&' : '?'}limit=${limit}${keyset}`);
    if (items.length === 0) return seen;
    seen.push(...items.map((i) => i.id));
    last = items.at(-1);
  }
  throw new Error('paging did not end');
}

/**
 * Rows written in one transaction share one created_at. With `before` (a time, shown to the millisecond) alone, the
 * next page started below that time and skipped the rest of them: the soak's help desk missed dead letters that
 * way. `beforeId` (the last item's id) continues right after the last item seen.
 */
describe('newest-first lists page by (createdAt, id)', () => {
  it('give every notice and every ledger exchange once when they share one createdAt', async () => {
    const help = await injectAs(sys, { state: null, roles: ['help-desk'] });
    const get = async (url: string) => {
      const r = await help(url);
      expect(r.statusCode, r.body).toBe(200);
      return r.json<{ items: Item[] }>().items;
    };
    await sys.db.transaction(async (tx) => {
      for (let i = 0; i < 7; i++) {
        await tx.query(
          `INSERT INTO move_notices (kind, dedupe_key, msix_id, from_state, to_state, created_by)
           VALUES ('departure', $1, '100000000001', 'TX', 'MI', 'test')`,
          [`keyset-${i}`],
        );
        await tx.query(
          `INSERT INTO exchanges (direction, kind, state_code, status, trace_id)
           VALUES ('inbound', 'records', 'TX', 'accepted', $1)`,
          [`keyset-${i}`],
        );
      }
    });
    const notices = (await sys.db.query<{ id: string }>('SELECT id FROM move_notices')).rows.map((r) => r.id);
    const exchanges = (await sys.db.query<{ id: string }>('SELECT id FROM exchanges')).rows.map((r) => r.id);
    expect(notices).toHaveLength(7);
    expect(exchanges).toHaveLength(7);

    expect((await pageAll(get, '/api/v1/notices', 3)).toSorted()).toEqual(notices.toSorted());
    expect((await pageAll(get, '/api/v1/exchanges?state=TX', 3)).toSorted()).toEqual(exchanges.toSorted());

    // `before` alone keeps its meaning: strictly older than that time (here: nothing).
    const first = (await get('/api/v1/notices?limit=1'))[0]!;
    expect(await get(`/api/v1/notices?before=${encodeURIComponent(first.createdAt)}`)).toEqual([]);
    // A malformed id is a 400 naming the parameter, not a database error.
    const bad = await help(`/api/v1/deliveries?before=${encodeURIComponent(first.createdAt)}&beforeId=x`);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('beforeId');
  });
});
