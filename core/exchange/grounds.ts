import { SAME_CHILD, type Ground } from '../security/disclosure.js';

/**
 * The disclosure grounds the exchange gives (listed by the composition root,
 * gateway/app.ts): a state may read a child's consolidated record when a move
 * or departure notice named it as the child's new state, or (for one person,
 * for a limited time) when that person chose the child in a national search.
 * Read-only, parameterized, one query each.
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

/**
 * The caller chose the child in a national search (core/exchange/requests/search.ts): the record opens to that
 * person only (not the state), until the grant expires. A record request is no ground of its own: it was granted
 * on one of these, and a request standing forever for every user of a state is what issue 13 finding 1 closed.
 */
export const searchChoiceGround: Ground = {
  name: 'search-choice',
  async check(db, who, msixId) {
    const r = await db.query<{ search_id: string; purpose: string; expires_at: Date | string }>(
      `SELECT search_id, purpose, expires_at FROM search_grants WHERE msix_id IN ${SAME_CHILD} AND state_code = $2
         AND subject = $3 AND expires_at > now() ORDER BY expires_at DESC LIMIT 1`,
      [msixId, who.state, who.subject],
    );
    const g = r.rows[0];
    return g
      ? {
          basis: 'search-choice',
          reason:
            `chosen in national search ${g.search_id} (${g.purpose}) by ${who.subject}, ` +
            `open until ${new Date(g.expires_at).toISOString()}`,
        }
      : null;
  },
};
