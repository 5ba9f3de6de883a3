import type { Db } from './store/db.js';
import { listState, type Scope } from './security/scope.js';

/** Counts under this many children are never shown (small cells could identify a child). */
export const SUPPRESS_BELOW = 5;

export interface CountCell {
  state: string;
  /** Null when suppressed. */
  children: number | null;
  suppressed: boolean;
}

export interface ChildCounts {
  from: string;
  to: string;
  suppressBelow: number;
  rows: CountCell[];
  /** Null when showing it would reveal a suppressed cell. */
  total: number | null;
}

/**
 * Suppresses small cells: every count under SUPPRESS_BELOW, and, when exactly
 * one cell is suppressed, the next smallest too, so that the total minus the
 * shown cells cannot give a suppressed one back.
 */
export function suppress(rows: readonly { state: string; children: number }[]): {
  rows: CountCell[];
  total: number | null;
} {
  const out: CountCell[] = rows.map((r) => ({ ...r, suppressed: r.children < SUPPRESS_BELOW }));
  const hidden = out.filter((r) => r.suppressed).length;
  if (hidden === 1) {
    const next = out.filter((r) => !r.suppressed).sort((a, b) => (a.children ?? 0) - (b.children ?? 0))[0];
    if (next) next.suppressed = true;
  }
  const sum = rows.reduce((n, r) => n + r.children, 0);
  const total = sum < SUPPRESS_BELOW || (hidden === 1 && out.filter((r) => r.suppressed).length < 2) ? null : sum;
  return { rows: out.map((r) => (r.suppressed ? { ...r, children: null } : r)), total };
}

/**
 * Children with a qualifying arrival in the period, by the state they
 * arrived in (the federal child count's basis): distinct consolidated
 * students, so a child counted by two states' records is one child. A
 * state-bound reader gets its own state's row only. Aggregates only: no
 * student is disclosed, so nothing is audited per child.
 */
export async function childCounts(db: Db, scope: Scope, period: { from: string; to: string }): Promise<ChildCounts> {
  const state = listState(scope, null) ?? null;
  const r = await db.query<{ state: string; children: number }>(
    `SELECT m->>'stateCode' AS state, count(DISTINCT s.msix_id)::int AS children
     FROM students s, jsonb_array_elements(s.view->'qualifyingMoves') m
     WHERE s.status = 'active'
       AND m->>'qualifyingArrivalDate' >= $1 AND m->>'qualifyingArrivalDate' <= $2
       AND ($3::text IS NULL OR m->>'stateCode' = $3)
     GROUP BY 1 ORDER BY 1`,
    [period.from, period.to, state],
  );
  return { ...period, suppressBelow: SUPPRESS_BELOW, ...suppress(r.rows) };
}
