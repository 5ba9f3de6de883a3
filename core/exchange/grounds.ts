import type { Db } from '../store/db.js';

/**
 * The disclosure grounds the exchange adds (registered with the security
 * module's `addDisclosureGround` when the exchange routes load): a state may
 * read a child's consolidated record when a move or departure notice named it
 * as the child's new state, or when it asked for the child's records and the
 * request was accepted. Read-only, parameterized, one query each.
 */
export type ExchangeGround = (
  db: Db,
  state: string,
  msixId: string,
) => Promise<{ basis: string; reason: string } | null>;

const sameChild = `(SELECT $1::text UNION SELECT merged_into FROM students WHERE msix_id = $1
                   AND merged_into IS NOT NULL)`;

/** A move or departure notice told `state` that the child is (or is about to be) enrolled there. */
export const noticeGround: ExchangeGround = async (db, state, msixId) => {
  const r = await db.query<{ id: string; kind: string; from_state: string }>(
    `SELECT id, kind, from_state FROM move_notices WHERE msix_id IN ${sameChild} AND to_state = $2
     ORDER BY created_at DESC LIMIT 1`,
    [msixId, state],
  );
  const n = r.rows[0];
  return n
    ? {
        basis: `${n.kind}-notice`,
        reason: `${n.kind} notice ${n.id}: the child moved from ${n.from_state} to ${state}`,
      }
    : null;
};

/** `state` asked for the child's records and the request was accepted (refused requests never count). */
export const requestGround: ExchangeGround = async (db, state, msixId) => {
  const r = await db.query<{ id: string }>(
    `SELECT id FROM record_requests WHERE msix_id IN ${sameChild} AND requesting_state = $2
       AND status IN ('routed', 'waiting', 'answered', 'partly_answered') ORDER BY created_at DESC LIMIT 1`,
    [msixId, state],
  );
  return r.rows[0] ? { basis: 'record-request', reason: `record request ${r.rows[0].id} from ${state}` } : null;
};
