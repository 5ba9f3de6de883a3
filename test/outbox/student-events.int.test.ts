import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeStudentEvents, emitStudentEvent } from '../../core/outbox/student-events.js';
import type { Db } from '../../core/store/db.js';
import { freshDb } from '../support/db.js';
import { eventually } from '../support/system.js';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => ({ db, drop } = await freshDb('postgres')));
afterAll(async () => drop?.());

const event = (msixId: string) => ({
  msixId,
  recordId: null,
  stateCode: 'TX',
  kind: 'record-linked' as const,
  details: {},
  traceId: `t-${msixId}`,
});

/** A transaction that runs `write`, then stays open until `commit()` is called: a match job still working. */
function heldTransaction(write: (tx: Db) => Promise<void>): { written: Promise<void>; commit(): Promise<void> } {
  let wrote!: () => void;
  let release!: () => void;
  const written = new Promise<void>((r) => (wrote = r));
  const released = new Promise<void>((r) => (release = r));
  const done = db.transaction(async (tx) => {
    await write(tx);
    wrote();
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

/** Reads the outbox as a consumer does, collecting what it is handed, until `want` events were seen. */
async function drain(consumer: string, seen: string[], want: number): Promise<void> {
  await eventually(
    async () => {
      await consumeStudentEvents(db, consumer, 100, async (_tx, batch) => {
        seen.push(...batch.map((e) => e.msixId));
      });
      return seen.length >= want;
    },
    10_000,
    20,
  );
}

describe('the student events outbox under concurrent writers', () => {
  it('hands a consumer an event whose transaction commits after a later event was read', async () => {
    // Event a is written first (lower id) by a transaction that stays open; event b commits at once.
    const a = heldTransaction((tx) => emitStudentEvent(tx, event('a-1')));
    await a.written;
    await db.transaction((tx) => emitStudentEvent(tx, event('b-1')));
    const seen: string[] = [];
    // The consumer runs while a is still open: it must not move past a.
    await consumeStudentEvents(db, 'c1', 100, async (_tx, batch) => {
      seen.push(...batch.map((e) => e.msixId));
    });
    await a.commit();
    await drain('c1', seen, 2);
    expect(seen.sort()).toEqual(['a-1', 'b-1']);
    // Nothing comes twice.
    await consumeStudentEvents(db, 'c1', 100, async (_tx, batch) => {
      seen.push(...batch.map((e) => e.msixId));
    });
    expect(seen).toHaveLength(2);
  });

  it("is as safe for a plain INSERT from SQL (the match job's matching_commit, the bulk load)", async () => {
    const a = heldTransaction(async (tx) => {
      await tx.query(
        `INSERT INTO student_events (msix_id, state_code, kind, details) VALUES ('a-2', 'TX', 'record-linked', '{}')`,
      );
    });
    await a.written;
    await db.query(
      `INSERT INTO student_events (msix_id, state_code, kind, details) VALUES ('b-2', 'TX', 'record-linked', '{}')`,
    );
    const seen: string[] = [];
    await consumeStudentEvents(db, 'c2', 100, async (_tx, batch) => {
      seen.push(...batch.map((e) => e.msixId));
    });
    await a.commit();
    await drain('c2', seen, 4);
    // c2 also reads the two events of the first test, once each.
    expect(seen.sort()).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
  });

  it('never hands out the events of a transaction that rolled back, nor the ones around them twice', async () => {
    await expect(
      db.transaction(async (tx) => {
        await emitStudentEvent(tx, event('gone'));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await db.transaction((tx) => emitStudentEvent(tx, event('c-3')));
    const seen: string[] = [];
    await drain('c3', seen, 5);
    expect(seen.sort()).toEqual(['a-1', 'a-2', 'b-1', 'b-2', 'c-3']);
  });

  it('keeps the cursor where it was when the consumer fails, so the batch is read again', async () => {
    const seen: string[] = [];
    await expect(
      consumeStudentEvents(db, 'c4', 2, async () => {
        throw new Error('consumer bug');
      }),
    ).rejects.toThrow('consumer bug');
    await drain('c4', seen, 5);
    expect(seen.sort()).toEqual(['a-1', 'a-2', 'b-1', 'b-2', 'c-3']);
  });
});
