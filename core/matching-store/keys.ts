/**
 * Blocking keys in the store: kept per record in `blocking_keys` (indexed by
 * key), replaced when the record changes, removed when it is withdrawn; and
 * the advisory locks that serialize match jobs sharing a key.
 */
import type { Db } from '../store/db.js';

/** FNV-1a, 32 bits, as a signed integer (the advisory lock key space is int4). */
export function keyLockId(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** The keys' advisory lock ids, distinct, ascending: the order every locker takes them in. */
export function keyLockIds(keys: readonly string[]): number[] {
  return [...new Set(keys.map(keyLockId))].sort((a, b) => a - b);
}

/**
 * Takes a transaction-scoped advisory lock on every key, in ascending lock-id
 * order: two jobs whose records share a key run one after the other, and no
 * two jobs can wait on each other in a cycle.
 */
export async function lockKeys(tx: Db, keys: readonly string[]): Promise<void> {
  const ids = keyLockIds(keys);
  if (ids.length === 0) return;
  await tx.query('SELECT matching_lock_keys($1::int4[])', [ids]);
}

/**
 * Takes the same locks without waiting: false when another transaction holds
 * any of them (the locks that were free are held anyway until the end of the
 * transaction, which only delays others).
 */
export async function tryLockKeys(tx: Db, keys: readonly string[]): Promise<boolean> {
  const ids = keyLockIds(keys);
  if (ids.length === 0) return true;
  const r = await tx.query<{ ok: boolean }>(
    'SELECT bool_and(pg_try_advisory_xact_lock(727003, h)) AS ok FROM unnest($1::int4[]) AS h',
    [ids],
  );
  return r.rows[0]?.ok === true;
}

/** A withdrawn record is nobody's candidate any more. */
export async function removeKeys(tx: Db, recordId: string): Promise<void> {
  await tx.query('DELETE FROM blocking_keys WHERE record_id = $1', [recordId]);
}

/** Record ids sharing each key, keys with more than `maxBlock` records dropped (they say little). */
export async function recordsByKeys(
  db: Db,
  keys: readonly string[],
  excludeId: string,
  maxBlock: number,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const r = await db.query<{ key: string; record_id: string }>(
    `SELECT k.key, b.record_id FROM unnest($1::text[]) AS k(key)
     CROSS JOIN LATERAL (SELECT record_id FROM blocking_keys WHERE key = k.key LIMIT $2) b`,
    [keys, maxBlock + 1],
  );
  const byKey = new Map<string, string[]>();
  for (const row of r.rows) (byKey.get(row.key) ?? byKey.set(row.key, []).get(row.key)!).push(row.record_id);
  const out = new Set<string>();
  for (const ids of byKey.values()) {
    if (ids.length > maxBlock) continue;
    for (const id of ids) if (id !== excludeId) out.add(id);
  }
  return [...out];
}
