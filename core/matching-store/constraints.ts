/**
 * Manual decisions as record-pair constraints. A later decision on a pair
 * revokes the opposite earlier one; nothing here is ever deleted, so a
 * merge or split can be undone by revoking what it added and restoring what
 * it revoked.
 */
import type { Db } from '../store/db.js';

export type ConstraintKind = 'must-link' | 'cannot-link';
export type ConstraintSource = 'review' | 'merge' | 'split' | 'undo';

export interface RecordConstraints {
  mustLink: [string, string][];
  cannotLink: [string, string][];
  /** Records named with the given record, whichever kind. */
  partners: string[];
}

const ordered = (a: string, b: string): [string, string] => (a < b ? [a, b] : [b, a]);

export interface ConstraintChange {
  /** Constraint ids created. */
  added: number[];
  /** Constraint ids revoked because the new decision contradicts them. */
  revoked: number[];
}

/**
 * Records `kind` between every pair (a in left, b in right, a ≠ b). Existing
 * active constraints of the same kind are kept; the opposite kind is revoked.
 */
export async function addConstraints(
  tx: Db,
  kind: ConstraintKind,
  left: readonly string[],
  right: readonly string[],
  by: { source: ConstraintSource; sourceId: string | null; actor: string },
): Promise<ConstraintChange> {
  const pairs = new Map<string, [string, string]>();
  for (const a of left)
    for (const b of right)
      if (a !== b) {
        const p = ordered(a, b);
        pairs.set(`${p[0]}|${p[1]}`, p);
      }
  if (pairs.size === 0) return { added: [], revoked: [] };
  const as = [...pairs.values()].map((p) => p[0]);
  const bs = [...pairs.values()].map((p) => p[1]);
  const opposite: ConstraintKind = kind === 'must-link' ? 'cannot-link' : 'must-link';
  const revoked = await tx.query<{ id: number }>(
    `UPDATE match_constraints c SET revoked_at = now(), revoked_by = $4, revoked_source_id = $5
     FROM unnest($1::uuid[], $2::uuid[]) AS p(a, b)
     WHERE c.revoked_at IS NULL AND c.kind = $3 AND c.record_a = p.a AND c.record_b = p.b RETURNING c.id`,
    [as, bs, opposite, by.actor, by.sourceId],
  );
  const added = await tx.query<{ id: number }>(
    `INSERT INTO match_constraints (kind, record_a, record_b, source, source_id, created_by)
     SELECT $3, p.a, p.b, $4, $5, $6 FROM unnest($1::uuid[], $2::uuid[]) AS p(a, b)
     WHERE NOT EXISTS (SELECT 1 FROM match_constraints c WHERE c.revoked_at IS NULL AND c.kind = $3 AND c.record_a = p.a
     AND c.record_b = p.b)
     RETURNING id`,
    [as, bs, kind, by.source, by.sourceId, by.actor],
  );
  return { added: added.rows.map((r) => Number(r.id)), revoked: revoked.rows.map((r) => Number(r.id)) };
}

/** Undo support: revokes the constraints a decision added and restores those it revoked. */
export async function revertConstraints(
  tx: Db,
  change: ConstraintChange,
  by: { actor: string; sourceId: string | null },
): Promise<void> {
  if (change.added.length) {
    await tx.query(
      'UPDATE match_constraints SET revoked_at = now(), revoked_by = $2, revoked_source_id = $3 WHERE id ' +
        '= ANY($1::bigint[]) AND revoked_at IS NULL',
      [change.added, by.actor, by.sourceId],
    );
  }
  if (change.revoked.length) {
    await tx.query(
      'UPDATE match_constraints SET revoked_at = NULL, revoked_by = NULL, revoked_source_id = NULL WHERE ' +
        'id = ANY($1::bigint[])',
      [change.revoked],
    );
  }
}
