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

/**
 * A count as every report but the child counts shows it: a cell of 1 to 4 is null (suppressed), since a small cell
 * could identify a child; 0 tells nothing about anyone and is shown. Per cell, and reports built on it show no
 * totals that would give a suppressed cell back.
 */
export function cell(n: number): number | null {
  return n > 0 && n < SUPPRESS_BELOW ? null : n;
}

/** The period and suppression rule every report carries beside its rows. */
export interface ReportFrame {
  from: string;
  to: string;
  suppressBelow: number;
}

export interface MobilityCell {
  fromState: string;
  toState: string;
  /** Children with a qualifying move from `fromState` to `toState` arriving in the period; null when suppressed. */
  children: number | null;
}

export interface Mobility extends ReportFrame {
  /** The states of the matrix, rows and columns alike, in order. */
  states: string[];
  cells: MobilityCell[];
}

/**
 * Mobility between states: distinct children with a qualifying move from one state to another whose arrival falls
 * in the period (moves from abroad or with no state of origin are left out). A state-bound reader sees the moves
 * into and out of its state.
 */
export async function mobility(db: Db, scope: Scope, period: { from: string; to: string }): Promise<Mobility> {
  const state = listState(scope, null) ?? null;
  const r = await db.query<{ from_state: string; to_state: string; children: number }>(
    `SELECT m->>'fromState' AS from_state, m->>'stateCode' AS to_state, count(DISTINCT s.msix_id)::int AS children
     FROM students s, jsonb_array_elements(s.view->'qualifyingMoves') m
     WHERE s.status = 'active' AND coalesce(m->>'fromState', '') <> '' AND m->>'fromState' <> m->>'stateCode'
       AND m->>'qualifyingArrivalDate' >= $1 AND m->>'qualifyingArrivalDate' <= $2
       AND ($3::text IS NULL OR m->>'stateCode' = $3 OR m->>'fromState' = $3)
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [period.from, period.to, state],
  );
  const states = [...new Set(r.rows.flatMap((x) => [x.from_state, x.to_state]))].sort();
  return {
    ...period,
    suppressBelow: SUPPRESS_BELOW,
    states,
    cells: r.rows.map((x) => ({ fromState: x.from_state, toState: x.to_state, children: cell(x.children) })),
  };
}

export interface QualityCause {
  /** The canonical field (a JSON pointer with list positions as `*`). */
  path: string;
  rule: string;
  records: number | null;
}

export interface QualityRow {
  state: string;
  /** Submissions received (files, record batches, API writes): not children, so never suppressed. */
  submissions: number;
  /** Records accepted and rejected over those submissions. */
  accepted: number | null;
  rejected: number | null;
  /** Rejected of accepted and rejected, when neither is suppressed. */
  rejectionRate: number | null;
  /** Rejected records of state files missing a required field, and those with an invalid value. */
  missing: number | null;
  invalid: number | null;
  /** The most frequent rejection causes in state files, most frequent first (at most five). */
  causes: QualityCause[];
}

export interface DataQuality extends ReportFrame {
  rows: QualityRow[];
}

/**
 * Data quality by state over the period: submissions, records accepted and rejected (the status board's counts,
 * from the ledger), and, from the stored reports of state files, rejected records missing a required field or
 * holding an invalid value and the most frequent causes by canonical field and rule. No value is quoted.
 */
export async function dataQuality(db: Db, scope: Scope, period: { from: string; to: string }): Promise<DataQuality> {
  const state = listState(scope, null) ?? null;
  const params = [period.from, period.to, state];
  const totals = await db.query<{ state: string; submissions: number; accepted: number; rejected: number }>(
    `SELECT state_code AS state, count(*)::int AS submissions,
            coalesce(sum((counts->>'accepted')::int), 0)::int AS accepted,
            coalesce(sum((counts->>'rejected')::int), 0)::int AS rejected
     FROM exchanges
     WHERE direction = 'inbound' AND parent_id IS NULL
       AND created_at >= $1::date AND created_at < $2::date + 1 AND ($3::text IS NULL OR state_code = $3)
     GROUP BY 1 ORDER BY 1`,
    params,
  );
  const where =
    'ir.created_at >= $1::date AND ir.created_at < $2::date + 1 AND ($3::text IS NULL OR e.state_code = $3)';
  const issues = await db.query<{ state: string; path: string; rule: string; records: number }>(
    `SELECT e.state_code AS state, regexp_replace(i->>'path', '/[0-9]+(?=/|$)', '/*', 'g') AS path,
            i->>'rule' AS rule, count(DISTINCT (ir.exchange_id, r->>'recordNumber'))::int AS records
     FROM ingest_reports ir JOIN exchanges e ON e.id = ir.exchange_id,
          jsonb_array_elements(ir.report->'records') r, jsonb_array_elements(r->'issues') i
     WHERE ${where} AND r->>'status' = 'rejected' AND coalesce(i->>'severity', 'error') = 'error'
     GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2, 3`,
    params,
  );
  const kinds = await db.query<{ state: string; missing: number; invalid: number }>(
    `SELECT state, count(*) FILTER (WHERE missing)::int AS missing, count(*) FILTER (WHERE invalid)::int AS invalid
     FROM (SELECT e.state_code AS state,
                  bool_or(i->>'rule' = 'required') AS missing, bool_or(i->>'rule' <> 'required') AS invalid
           FROM ingest_reports ir JOIN exchanges e ON e.id = ir.exchange_id,
                jsonb_array_elements(ir.report->'records') r, jsonb_array_elements(r->'issues') i
           WHERE ${where} AND r->>'status' = 'rejected' AND coalesce(i->>'severity', 'error') = 'error'
           GROUP BY ir.exchange_id, e.state_code, r->>'recordNumber') per_record
     GROUP BY 1`,
    params,
  );
  const rows = totals.rows.map((t): QualityRow => {
    const k = kinds.rows.find((x) => x.state === t.state);
    const [accepted, rejected] = [cell(t.accepted), cell(t.rejected)];
    const all = t.accepted + t.rejected;
    return {
      state: t.state,
      submissions: t.submissions,
      accepted,
      rejected,
      rejectionRate:
        all > 0 && accepted !== null && rejected !== null ? Math.round((t.rejected / all) * 1000) / 1000 : null,
      missing: cell(k?.missing ?? 0),
      invalid: cell(k?.invalid ?? 0),
      causes: issues.rows
        .filter((i) => i.state === t.state)
        .slice(0, 5)
        .map((i) => ({ path: i.path, rule: i.rule, records: cell(i.records) })),
    };
  });
  return { ...period, suppressBelow: SUPPRESS_BELOW, rows };
}

/** How long the open near matches of the worklist have waited, in days: the buckets' lower bounds. */
export const AGING_BUCKETS = [
  { label: 'under 8 days', min: 0 },
  { label: '8 to 30 days', min: 8 },
  { label: '31 to 90 days', min: 31 },
  { label: 'over 90 days', min: 91 },
] as const;

export interface AgingRow {
  state: string;
  /** Open reviews by bucket (AGING_BUCKETS' order). */
  open: (number | null)[];
  /** Reviews decided in the period, and the mean days they waited for the decision. */
  decided: number | null;
  meanDaysToDecision: number | null;
}

export interface WorklistAging extends ReportFrame {
  asOf: string;
  buckets: string[];
  rows: AgingRow[];
}

/**
 * Worklist aging by state: the near matches still open, by how long they have waited (as of `now`), and those
 * decided in the period with the mean days they waited.
 */
export async function worklistAging(
  db: Db,
  scope: Scope,
  period: { from: string; to: string },
  now = new Date(),
): Promise<WorklistAging> {
  const state = listState(scope, null) ?? null;
  const r = await db.query<{ state: string; bucket: number | null; decided: boolean; n: number; days: number }>(
    `SELECT state_code AS state, status = 'resolved' AS decided,
            CASE WHEN status = 'open' THEN width_bucket(extract(epoch FROM $4::timestamptz - created_at) / 86400,
                                                        ARRAY[0, 8, 31, 91]::float8[]) END AS bucket,
            count(*)::int AS n,
            coalesce(avg(extract(epoch FROM decided_at - created_at) / 86400), 0)::float8 AS days
     FROM match_reviews
     WHERE ($3::text IS NULL OR state_code = $3)
       AND (status = 'open' OR (status = 'resolved' AND decided_at >= $1::date AND decided_at < $2::date + 1))
     GROUP BY 1, 2, 3 ORDER BY 1`,
    [period.from, period.to, state, now.toISOString()],
  );
  const states = [...new Set(r.rows.map((x) => x.state))].sort();
  const rows = states.map((s): AgingRow => {
    const mine = r.rows.filter((x) => x.state === s);
    const decided = mine.find((x) => x.decided);
    return {
      state: s,
      open: AGING_BUCKETS.map((_b, i) => cell(mine.find((x) => !x.decided && x.bucket === i + 1)?.n ?? 0)),
      decided: cell(decided?.n ?? 0),
      meanDaysToDecision: decided && cell(decided.n) !== null ? Math.round(decided.days * 10) / 10 : null,
    };
  });
  return {
    ...period,
    suppressBelow: SUPPRESS_BELOW,
    asOf: now.toISOString(),
    buckets: AGING_BUCKETS.map((b) => b.label),
    rows,
  };
}

export interface DeadlineRow {
  state: string;
  /** What is counted: record requests the state asked, or deliveries to the state. */
  kind: 'record-requests' | 'deliveries';
  total: number | null;
  /** Done by the deadline, done after it, still open past it, given up (expired, failed or dead). */
  onTime: number | null;
  late: number | null;
  overdue: number | null;
  givenUp: number | null;
  /** On time of those done or due, when none of them is suppressed. */
  onTimeRate: number | null;
}

export interface Deadlines extends ReportFrame {
  rows: DeadlineRow[];
}

/**
 * Deadlines met: record requests made in the period (by the requesting state; answered or partly answered by the
 * deadline counts as on time) and deliveries with a deadline created in the period (by the receiving state).
 */
export async function deadlines(
  db: Db,
  scope: Scope,
  period: { from: string; to: string },
  now = new Date(),
): Promise<Deadlines> {
  const state = listState(scope, null) ?? null;
  const params = [period.from, period.to, state, now.toISOString()];
  const r = await db.query<{
    state: string;
    kind: DeadlineRow['kind'];
    total: number;
    on_time: number;
    late: number;
    overdue: number;
    given_up: number;
  }>(
    `SELECT requesting_state AS state, 'record-requests' AS kind, count(*)::int AS total,
            count(*) FILTER (WHERE status IN ('answered', 'partly_answered') AND completed_at <= deadline_at)::int
              AS on_time,
            count(*) FILTER (WHERE status IN ('answered', 'partly_answered') AND completed_at > deadline_at)::int
              AS late,
            count(*) FILTER (WHERE status IN ('received', 'routed', 'waiting') AND deadline_at < $4)::int AS overdue,
            count(*) FILTER (WHERE status IN ('expired', 'failed'))::int AS given_up
     FROM record_requests
     WHERE created_at >= $1::date AND created_at < $2::date + 1 AND ($3::text IS NULL OR requesting_state = $3)
     GROUP BY 1
     UNION ALL
     SELECT state_code, 'deliveries', count(*)::int,
            count(*) FILTER (WHERE status = 'delivered' AND delivered_at <= deadline_at)::int,
            count(*) FILTER (WHERE status = 'delivered' AND delivered_at > deadline_at)::int,
            count(*) FILTER (WHERE status IN ('queued', 'held', 'sending', 'retrying') AND deadline_at < $4)::int,
            count(*) FILTER (WHERE status IN ('dead', 'expired'))::int
     FROM deliveries
     WHERE deadline_at IS NOT NULL AND created_at >= $1::date AND created_at < $2::date + 1
       AND ($3::text IS NULL OR state_code = $3)
     GROUP BY 1
     ORDER BY 1, 2`,
    params,
  );
  return {
    ...period,
    suppressBelow: SUPPRESS_BELOW,
    rows: r.rows.map((x) => {
      const [onTime, late, overdue, givenUp] = [cell(x.on_time), cell(x.late), cell(x.overdue), cell(x.given_up)];
      const due = [onTime, late, overdue, givenUp];
      const sum = x.on_time + x.late + x.overdue + x.given_up;
      return {
        state: x.state,
        kind: x.kind,
        total: cell(x.total),
        onTime,
        late,
        overdue,
        givenUp,
        onTimeRate: sum > 0 && due.every((d) => d !== null) ? Math.round((x.on_time / sum) * 1000) / 1000 : null,
      };
    }),
  };
}
