/**
 * Student locks held by pending merge, split and undo requests. A student
 * named by a pending request cannot be named by another request or have a
 * review resolved on it; the matcher still links new records to it.
 */
import type { Db } from '../store/db.js';
import { setStudentsLocked } from '../students.js';

export async function lockedAmong(
  db: Db,
  msixIds: readonly string[],
): Promise<{ msixIds: string[]; requestIds: string[] }> {
  if (msixIds.length === 0) return { msixIds: [], requestIds: [] };
  const r = await db.query<{ msix_id: string; request_id: string }>(
    'SELECT msix_id, request_id FROM student_locks WHERE msix_id = ANY($1::text[]) ORDER BY msix_id',
    [msixIds],
  );
  return { msixIds: r.rows.map((x) => x.msix_id), requestIds: [...new Set(r.rows.map((x) => x.request_id))] };
}

/**
 * Locks the students for a request and marks them `locked` so their view
 * says so. Throws {@link LockRace} when another request holds any of them:
 * the caller's transaction then rolls back and the caller answers 409.
 */
export async function lockForRequest(tx: Db, msixIds: readonly string[], requestId: string): Promise<void> {
  const sorted = [...new Set(msixIds)].sort();
  const held = await lockedAmong(tx, sorted);
  if (held.msixIds.length) throw new LockRace(held.msixIds, held.requestIds);
  const ins = await tx.query<{ msix_id: string }>(
    'INSERT INTO student_locks (msix_id, request_id) SELECT m, $2::uuid FROM unnest($1::text[]) AS m ON ' +
      'CONFLICT DO NOTHING RETURNING msix_id',
    [sorted, requestId],
  );
  if (ins.rows.length !== sorted.length) {
    // Lost a race with another request between the check and the insert.
    const again = await lockedAmong(tx, sorted);
    throw new LockRace(
      again.msixIds,
      again.requestIds.filter((r) => r !== requestId),
    );
  }
  await setStudentsLocked(tx, sorted, true);
}

/** Releases a request's locks and returns the students it held. */
export async function unlockRequest(tx: Db, requestId: string): Promise<string[]> {
  const r = await tx.query<{ msix_id: string }>('DELETE FROM student_locks WHERE request_id = $1 RETURNING msix_id', [
    requestId,
  ]);
  const ids = r.rows.map((x) => x.msix_id);
  await setStudentsLocked(tx, ids, false);
  return ids;
}

/** Thrown when a student is held by another request; the transaction rolls back and the caller answers 409. */
export class LockRace extends Error {
  constructor(
    readonly msixIds: string[],
    readonly requestIds: string[],
  ) {
    super(`students ${msixIds.join(', ')} were locked by another request meanwhile`);
    this.name = 'LockRace';
  }
}
