/**
 * changesSinceMarker on interleaved writers (issue 15, on issue 11's change clock): a SIF write whose transaction
 * commits after a later one must still reach a consumer that took its marker in between.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentChangeMarker, listSifObjects, putSifObject } from '../../core/sif/store.js';
import type { Db } from '../../core/store/db.js';
import { freshDb } from '../support/db.js';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => ({ db, drop } = await freshDb('postgres')));
afterAll(async () => drop?.());

const object = (refId: string) => ({
  refId,
  stateCode: 'TX',
  zoneId: 'TX',
  object: 'StudentPersonal' as const,
  studentRef: refId,
  schoolRef: null,
  stateStudentId: null,
  body: { '@RefId': refId },
});

describe('SIF change markers', () => {
  it('never passes over a change that commits after a later one', async () => {
    let wrote!: () => void;
    let release!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const released = new Promise<void>((r) => (release = r));
    const slow = db.transaction(async (tx) => {
      await putSifObject(tx, object('A0000000000000000000000000000001'));
      wrote();
      await released;
    });
    await written;
    await putSifObject(db, object('B0000000000000000000000000000002'));
    const marker = await currentChangeMarker(db);
    release();
    await slow;

    const page = await listSifObjects(db, {
      stateCode: 'TX',
      zoneId: 'TX',
      object: 'StudentPersonal',
      since: marker,
      offset: 0,
      limit: 100,
    });
    expect(page.rows.map((r) => r.refId)).toContain('A0000000000000000000000000000001');
  });
});
