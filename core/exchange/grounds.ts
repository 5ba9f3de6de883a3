import { SAME_CHILD, type Ground } from '../security/disclosure.js';

/**
 * The disclosure grounds the exchange gives (listed by the composition root,
 * gateway/app.ts): a state may read a child's consolidated record when a move
 * or departure notice named it as the child's new state, or when it asked for
 * the child's records and the request was accepted. Read-only,
 * parameterized, one query each.
 */

/** A move or departure notice told the caller's state that the child is (or is about to be) enrolled there. */
export const noticeGround: Ground = {
  name: 'move-or-departure-notice',
  async check(db, who, msixId) {
    const r = await db.query<{ id: string; kind: string; from_state: string }>(
      `SELECT id, kind, from_state FROM move_notices WHERE msix_id IN ${SAME_CHILD} AND to_state = $2
       ORDER BY created_at DESC LIMIT 1`,
      [msixId, who.state],
    );
    const n = r.rows[0];
    return n
      ? {
          basis: `${n.kind}-notice`,
          reason: `${n.kind} notice ${n.id}: the child moved from ${n.from_state} to ${who.state}`,
        }
      : null;
  },
};

/** The caller's state asked for the child's records and the request was accepted (refused requests never count). */
export const requestGround: Ground = {
  name: 'record-request',
  async check(db, who, msixId) {
    const r = await db.query<{ id: string }>(
      `SELECT id FROM record_requests WHERE msix_id IN ${SAME_CHILD} AND requesting_state = $2
         AND status IN ('routed', 'waiting', 'answered', 'partly_answered') ORDER BY created_at DESC LIMIT 1`,
      [msixId, who.state],
    );
    return r.rows[0] ? { basis: 'record-request', reason: `record request ${r.rows[0].id} from ${who.state}` } : null;
  },
};
