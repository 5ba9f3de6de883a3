/**
 * A SIF query page (issue 15, query p95): the page is chosen on the narrow sort columns and only its 100 rows are
 * read whole, with the total in the same statement. Sorting every matching object with its body spilled to disk
 * once a state held a few thousand objects; here 3,000 objects of about 3 kB each would need a 9 MB sort.
 * And a SIF request looks its session up once (it was read twice: for the secret, then for the principal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSifObjects } from '../../core/sif/store.js';
import type { Db } from '../../core/store/db.js';
import { sifAuthorization } from '../../core/security/sif-hmac.js';
import { MemoryReplayGuard } from '../../core/security/replay-guard.js';
import { sifScheme } from '../../gateway/plugins/auth.js';
import { freshDb } from '../support/db.js';

interface PlanNode {
  'Node Type': string;
  'Sort Space Type'?: string;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe('SIF query pages', () => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await freshDb('postgres'));
    await db.query(
      `INSERT INTO sif_objects (ref_id, state_code, zone_id, object, state_student_id, body, created_at)
       SELECT upper(md5(g::text)), 'TX', 'TX', 'StudentPersonal', 'S' || g,
         jsonb_build_object('@RefId', upper(md5(g::text)), 'LocalId', repeat(md5(g::text), 100)),
         timestamptz '2026-01-01' + (g % 7) * interval '1 second'
       FROM generate_series(1, 3000) g`,
    );
    await db.query('ANALYZE sif_objects');
  });
  afterAll(async () => {
    await drop();
  });

  it('reads a late page in one statement that never sorts whole objects on disk', async () => {
    const seen: { sql: string; params: readonly unknown[] }[] = [];
    const recording: Db = {
      ...db,
      kind: db.kind,
      query: (sql, params = []) => {
        seen.push({ sql, params });
        return db.query(sql, params);
      },
    };
    const page = await listSifObjects(recording, {
      stateCode: 'TX',
      zoneId: 'TX',
      object: 'StudentPersonal',
      offset: 2900,
      limit: 100,
    });
    expect(page.total).toBe(3000);
    const expected = await db.query<{ ref_id: string }>(
      "SELECT ref_id FROM sif_objects WHERE state_code = 'TX' ORDER BY created_at, ref_id OFFSET 2900 LIMIT 100",
    );
    expect(page.rows.map((r) => r.refId)).toEqual(expected.rows.map((r) => r.ref_id));
    expect(page.rows[0]!.body.LocalId).toHaveLength(3200);
    expect(seen).toHaveLength(1);
    for (const { sql, params } of seen) {
      const plan = await db.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
        params,
      );
      const spilled = nodes(plan.rows[0]!['QUERY PLAN'][0]!.Plan).filter((n) => n['Sort Space Type'] === 'Disk');
      expect(spilled, sql).toEqual([]);
    }
  });

  it('answers past the last page with no rows and the total', async () => {
    const page = await listSifObjects(db, {
      stateCode: 'TX',
      zoneId: 'TX',
      object: 'StudentPersonal',
      offset: 3000,
      limit: 100,
    });
    expect(page).toEqual({ rows: [], total: 3000 });
  });

  it('looks a SIF session up once per request', async () => {
    let lookups = 0;
    const authenticate = sifScheme({
      replay: new MemoryReplayGuard(),
      windowSeconds: 300,
      allowBasic: true,
      sessionFor: async (token) => {
        lookups++;
        return token === 'tok'
          ? {
              secret: 'sec',
              principal: { kind: 'client', subject: 'c', clientId: 'c', state: 'TX', roles: ['state-system'] },
            }
          : null;
      },
    });
    const r = await authenticate({ headers: { authorization: sifAuthorization('Basic', 'tok', 'sec') } } as never);
    expect(r.kind).toBe('ok');
    expect(lookups).toBe(1);
    const bad = await authenticate({ headers: { authorization: sifAuthorization('Basic', 'tok', 'x') } } as never);
    expect(bad.kind).toBe('invalid');
  });
});
