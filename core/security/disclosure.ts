import type { Db } from '../store/db.js';
import type { Principal } from '../principal.js';

/**
 * Why a state-bound person or system may see one child's consolidated record.
 * FERPA allows disclosure to the school a child is moving to; MSIX practice
 * turns that into: the child is enrolled in your state (an active record that
 * carries an enrollment), a move or departure notice names your state, or you
 * chose the child in a national search with a stated purpose (that person
 * only, for a limited time). Each ground is one query; the first that holds is
 * the reason written to the audit trail.
 */
export type DisclosureGrounds = { kind: 'granted'; basis: string; reason: string } | { kind: 'denied'; reason: string };

/** Who asks, as the grounds see it: a state and, for personal grants, the subject. */
export interface GroundAsker {
  state: string;
  subject: string;
}

/**
 * One ground: returns the audit reason when it holds for this caller and
 * child, else null. Must only read, and must use parameterized SQL.
 */
export interface Ground {
  name: string;
  check(db: Db, who: GroundAsker, msixId: string): Promise<{ basis: string; reason: string } | null>;
}

/** The child, and the student it was merged into: `$1` is the MSIX id asked for. */
export const SAME_CHILD = `(SELECT $1::text UNION SELECT merged_into FROM students WHERE msix_id = $1
                   AND merged_into IS NOT NULL)`;

/**
 * A stub: a record with no enrollment (a name and a birth date, say). It is stored and matched like any record but
 * opens nothing ({@link recordInState} asks the same of the stored JSON), and the state sees it flagged.
 */
export function isStubRecord(record: { enrollments?: readonly unknown[] | null }): boolean {
  return !record.enrollments?.length;
}

/**
 * The child, or a student merged with it, has an active record from the caller's state that carries an
 * enrollment. A stub (a name and birth date with no enrollment, which any state system can write and the matcher
 * links) is no ground: otherwise writing one would open any child.
 */
export const recordInState: Ground = {
  name: 'record-in-state',
  async check(db, who, msixId) {
    const r = await db.query<{ id: string }>(
      `SELECT s.id FROM links l JOIN state_records s ON s.id = l.record_id
       WHERE l.msix_id IN ${SAME_CHILD} AND s.state_code = $2 AND s.status = 'active'
         AND jsonb_array_length(coalesce(s.record->'enrollments', '[]'::jsonb)) > 0
       LIMIT 1`,
      [msixId, who.state],
    );
    return r.rows[0]
      ? { basis: 'record-in-state', reason: `the child has a ${who.state} record (${r.rows[0].id})` }
      : null;
  },
};

/** Decides, with the grounds assembled at start, whether a principal may open a child. */
export interface DisclosurePolicy {
  readonly grounds: readonly Ground[];
  decide(db: Db, principal: Principal, msixId: string): Promise<DisclosureGrounds>;
}

/** Roles that read any child's record without a state ground (national administration). */
const NATIONAL_READERS = new Set(['admin']);

/**
 * The disclosure policy of a gateway: the grounds, in the order they are
 * tried. The composition root lists them explicitly (gateway/app.ts), so what
 * opens a child is one visible list, not whatever modules happened to load.
 */
export function disclosurePolicy(grounds: readonly Ground[]): DisclosurePolicy {
  const names = new Set<string>();
  for (const g of grounds) {
    if (names.has(g.name)) throw new Error(`disclosure ground ${g.name} is listed twice`);
    names.add(g.name);
  }
  return {
    grounds,
    async decide(db, principal, msixId) {
      if (principal.roles.some((r) => NATIONAL_READERS.has(r)))
        return { kind: 'granted', basis: 'national-admin', reason: 'national administrator' };
      if (!principal.state) return { kind: 'denied', reason: 'not bound to a state' };
      const who = { state: principal.state, subject: principal.subject };
      for (const g of grounds) {
        const hit = await g.check(db, who, msixId);
        if (hit) return { kind: 'granted', ...hit };
      }
      return {
        kind: 'denied',
        reason: `no record, notice or request links the child to ${principal.state}`,
      };
    },
  };
}
