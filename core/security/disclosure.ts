import type { Db } from '../store/db.js';
import type { Principal } from '../principal.js';

/**
 * Why a state-bound person or system may see one child's consolidated record.
 * FERPA allows disclosure to the school a child is moving to; MSIX practice
 * turns that into: the child has a record in your state, or a record request
 * or move notice names your state. Each ground is one query; the first that
 * holds is the reason written to the audit trail.
 */
export type DisclosureGrounds = { kind: 'granted'; basis: string; reason: string } | { kind: 'denied'; reason: string };

/**
 * One ground: returns the audit reason when it holds for this state and child,
 * else null. Must only read, and must use parameterized SQL.
 */
export type GroundCheck = (db: Db, state: string, msixId: string) => Promise<{ basis: string; reason: string } | null>;

/** The child, or the student it was merged into, has an active record from `state`. */
export const recordInState: GroundCheck = async (db, state, msixId) => {
  const r = await db.query<{ id: string }>(
    `SELECT s.id FROM links l JOIN state_records s ON s.id = l.record_id
     WHERE l.msix_id IN (SELECT $1::text UNION SELECT merged_into FROM students WHERE msix_id = $1
     AND merged_into IS NOT NULL)
       AND s.state_code = $2 AND s.status = 'active'
     LIMIT 1`,
    [msixId, state],
  );
  return r.rows[0] ? { basis: 'record-in-state', reason: `the child has a ${state} record (${r.rows[0].id})` } : null;
};

/**
 * The grounds checked, in order. The record-request and move-notice work adds
 * its checks here (or at start-up through `addDisclosureGround`), e.g. a query
 * for an open request or notice naming `state` for `msixId`.
 */
const grounds: { name: string; check: GroundCheck }[] = [{ name: 'record-in-state', check: recordInState }];

/** Adds a ground (record requests, move notices). Idempotent by name. */
export function addDisclosureGround(name: string, check: GroundCheck): void {
  const i = grounds.findIndex((g) => g.name === name);
  if (i >= 0) grounds[i] = { name, check };
  else grounds.push({ name, check });
}

/** Roles that read any child's record without a state ground (national administration). */
const NATIONAL_READERS = new Set(['admin']);

/**
 * Decides whether `principal` may see the consolidated record `msixId`, and why.
 * National administrators always may; everyone else needs a state and a ground.
 */
export async function disclosureGrounds(db: Db, principal: Principal, msixId: string): Promise<DisclosureGrounds> {
  if (principal.roles.some((r) => NATIONAL_READERS.has(r)))
    return { kind: 'granted', basis: 'national-admin', reason: 'national administrator' };
  if (!principal.state) return { kind: 'denied', reason: 'not bound to a state' };
  for (const g of grounds) {
    const hit = await g.check(db, principal.state, msixId);
    if (hit) return { kind: 'granted', ...hit };
  }
  return { kind: 'denied', reason: `no record, request or move notice links the child to ${principal.state}` };
}
