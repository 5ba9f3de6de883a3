import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  availableChangeVersions,
  deleteDoc,
  insertDocIfAbsent,
  listDeletes,
  listDocs,
  newDocumentId,
  type StoredDoc,
} from '../../core/edfi/store.js';
import type { Db } from '../../core/store/db.js';
import { freshDb } from '../support/db.js';
import { eventually } from '../support/system.js';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => ({ db, drop } = await freshDb('postgres')));
afterAll(async () => drop?.());

const doc = (tx: Db, resource: string, key: string) =>
  insertDocIfAbsent(tx, {
    id: newDocumentId(),
    stateCode: 'TX',
    resource,
    identityKey: `${resource}|["${key}"]`,
    aliasKey: null,
    keyValues: { key },
    refKeys: [],
    studentUniqueId: null,
    body: { key },
    contentHash: key,
    clientId: null,
  });

/** A transaction that writes, then stays open until `commit()`: a slow Ed-Fi write. */
function heldTransaction<T>(write: (tx: Db) => Promise<T>): { written: Promise<T>; commit(): Promise<void> } {
  let wrote!: (v: T) => void;
  let release!: () => void;
  const written = new Promise<T>((r) => (wrote = r));
  const released = new Promise<void>((r) => (release = r));
  const done = db.transaction(async (tx) => {
    wrote(await write(tx));
    await released;
  });
  return {
    written,
    commit: async () => {
      release();
      await done;
    },
  };
}

/**
 * A change-query client as the Ed-Fi Change Queries API prescribes: ask for the
 * newest change version, read (last synced, newest], remember newest.
 */
function syncClient(resource: string) {
  let synced = 0;
  const seen: string[] = [];
  return {
    seen,
    async sync(): Promise<void> {
      const { newestChangeVersion } = await availableChangeVersions(db);
      if (newestChangeVersion <= synced) return;
      const page = await listDocs(db, {
        stateCode: 'TX',
        resource,
        filters: [],
        minChangeVersion: synced + 1,
        maxChangeVersion: newestChangeVersion,
        offset: 0,
        limit: 500,
        totalCount: false,
      });
      const gone = await listDeletes(db, {
        stateCode: 'TX',
        resource,
        minChangeVersion: synced + 1,
        maxChangeVersion: newestChangeVersion,
        offset: 0,
        limit: 500,
        totalCount: false,
      });
      seen.push(
        ...page.docs.map((d) => String(d.keyValues.key)),
        ...gone.items.map((d) => `deleted:${String(d.keyValues.key)}`),
      );
      synced = newestChangeVersion;
    },
  };
}

describe('Ed-Fi change versions under concurrent writers', () => {
  it('never lets a client sync past a change that commits after a later one', async () => {
    const client = syncClient('schools');
    const slow = heldTransaction((tx) => doc(tx, 'schools', 'slow'));
    await slow.written;
    await doc(db, 'schools', 'fast');
    await client.sync();
    await slow.commit();
    await eventually(
      async () => {
        await client.sync();
        return client.seen.length >= 2;
      },
      10_000,
      20,
    );
    expect(client.seen.sort()).toEqual(['fast', 'slow']);
  });

  it('never lets a client sync past a delete that commits after a later write', async () => {
    const client = syncClient('programs');
    const victim = (await doc(db, 'programs', 'victim')) as StoredDoc;
    await eventually(
      async () => {
        await client.sync();
        return client.seen.includes('victim');
      },
      10_000,
      20,
    );
    const slow = heldTransaction((tx) => deleteDoc(tx, victim));
    await slow.written;
    await doc(db, 'programs', 'later');
    await client.sync();
    await slow.commit();
    await eventually(
      async () => {
        await client.sync();
        return client.seen.length >= 3;
      },
      10_000,
      20,
    );
    expect(client.seen.sort()).toEqual(['deleted:victim', 'later', 'victim']);
  });

  it('gives a document a new, larger version each time another transaction changes it', async () => {
    const a = (await doc(db, 'sessions', 'x'))!;
    const { newestChangeVersion } = await eventually(async () => {
      const v = await availableChangeVersions(db);
      return v.newestChangeVersion >= a.changeVersion ? v : null;
    });
    expect(newestChangeVersion).toBeGreaterThanOrEqual(a.changeVersion);
    const b = (await doc(db, 'sessions', 'y'))!;
    expect(b.changeVersion).toBeGreaterThan(a.changeVersion);
  });
});
