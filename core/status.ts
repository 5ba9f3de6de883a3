/**
 * How the exchange is doing, per state and in total: what the help desk's status board shows and what /metrics
 * exports. Counts only (no student data), read in a few grouped statements so a board or a scrape stays cheap.
 */
import type { Db } from './store/db.js';

/** Deliveries still on their way (not delivered, dead, cancelled or expired). */
const PENDING = ['queued', 'held', 'sending', 'retrying'];

export interface StateStatus {
  stateCode: string;
  /** Newest submission from the state (any inbound exchange). */
  lastSubmissionAt: string | null;
  /** Newest message the state's receiver accepted. */
  lastDeliveredAt: string | null;
  accepted24h: number;
  rejected24h: number;
  accepted7d: number;
  rejected7d: number;
  /** Rejected records over received ones, over 24 hours and 7 days (null: nothing received). */
  rejectionRate24h: number | null;
  rejectionRate7d: number | null;
  deliveriesPending: number;
  /** Pending deliveries past their deadline. */
  deliveriesLate: number;
  deliveriesDead: number;
  /** The state's receiver: open when the gateway stopped sending after repeated failures. */
  receiver: 'ok' | 'failing' | 'open';
  receiverError: string | null;
}

export type AlertKind = 'late-delivery' | 'dead-delivery' | 'rejection-jump' | 'silent-state' | 'receiver-down';

/** One problem, once: keyed by kind and state, however many messages it concerns. */
export interface StatusAlert {
  key: string;
  kind: AlertKind;
  stateCode: string;
  message: string;
}

export interface AlertRules {
  /** A state with no submission for this long is silent. */
  silentAfterHours: number;
  /** A 24-hour rejection rate this many times the 7-day rate (and at least minRejected records) is a jump. */
  rejectionJumpFactor: number;
  minRejected: number;
}

export const DEFAULT_ALERT_RULES: AlertRules = { silentAfterHours: 72, rejectionJumpFactor: 2, minRejected: 5 };

const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
const rate = (rejected: number, accepted: number): number | null =>
  rejected + accepted === 0 ? null : rejected / (rejected + accepted);

/**
 * The board: one row per state that has exchanged anything or has a delivery endpoint, with the problems found.
 * `now` is the caller's clock (tests move it instead of sleeping).
 */
export async function statusBoard(
  db: Db,
  now: Date,
  rules: AlertRules = DEFAULT_ALERT_RULES,
): Promise<{ states: StateStatus[]; alerts: StatusAlert[] }> {
  const inbound = await db.query<{
    state_code: string;
    last_at: Date | null;
    a24: number;
    r24: number;
    a7: number;
    r7: number;
  }>(
    `SELECT state_code, max(created_at) AS last_at,
       coalesce(sum((counts->>'accepted')::int) FILTER (WHERE created_at > $1::timestamptz - interval '1 day'), 0)::int
         AS a24,
       coalesce(sum((counts->>'rejected')::int) FILTER (WHERE created_at > $1::timestamptz - interval '1 day'), 0)::int
         AS r24,
       coalesce(sum((counts->>'accepted')::int) FILTER (WHERE created_at > $1::timestamptz - interval '7 days'), 0)::int
         AS a7,
       coalesce(sum((counts->>'rejected')::int) FILTER (WHERE created_at > $1::timestamptz - interval '7 days'), 0)::int
         AS r7
     FROM exchanges WHERE direction = 'inbound' AND parent_id IS NULL GROUP BY state_code`,
    [now],
  );
  const outbound = await db.query<{
    state_code: string;
    pending: number;
    late: number;
    dead: number;
    last_delivered: Date | null;
  }>(
    `SELECT state_code,
       count(*) FILTER (WHERE status = ANY($2::text[]))::int AS pending,
       count(*) FILTER (WHERE status = ANY($2::text[]) AND deadline_at < $1::timestamptz)::int AS late,
       count(*) FILTER (WHERE status = 'dead')::int AS dead,
       max(delivered_at) AS last_delivered
     FROM deliveries GROUP BY state_code`,
    [now, PENDING],
  );
  const circuits = await db.query<{ target: string; failures: number; open_until: Date | null; last_error: string }>(
    'SELECT target, failures, open_until, last_error FROM exchange_circuits WHERE failures > 0',
  );
  const endpoints = await db.query<{ state_code: string }>('SELECT state_code FROM exchange_endpoints');

  const codes = new Set<string>([
    ...inbound.rows.map((r) => r.state_code),
    ...outbound.rows.map((r) => r.state_code),
    ...endpoints.rows.map((r) => r.state_code),
  ]);
  const inBy = new Map(inbound.rows.map((r) => [r.state_code, r]));
  const outBy = new Map(outbound.rows.map((r) => [r.state_code, r]));
  const states: StateStatus[] = [...codes].sort().map((stateCode) => {
    const i = inBy.get(stateCode);
    const o = outBy.get(stateCode);
    // A circuit's target is the state and a purpose (circuitTarget: 'TX:deliver').
    const c = circuits.rows.filter((x) => x.target.split(':')[0] === stateCode);
    const open = c.find((x) => x.open_until && new Date(x.open_until) > now);
    return {
      stateCode,
      lastSubmissionAt: iso(i?.last_at),
      lastDeliveredAt: iso(o?.last_delivered),
      accepted24h: i?.a24 ?? 0,
      rejected24h: i?.r24 ?? 0,
      accepted7d: i?.a7 ?? 0,
      rejected7d: i?.r7 ?? 0,
      rejectionRate24h: rate(i?.r24 ?? 0, i?.a24 ?? 0),
      rejectionRate7d: rate(i?.r7 ?? 0, i?.a7 ?? 0),
      deliveriesPending: o?.pending ?? 0,
      deliveriesLate: o?.late ?? 0,
      deliveriesDead: o?.dead ?? 0,
      receiver: open ? 'open' : c.length ? 'failing' : 'ok',
      receiverError: (open ?? c[0])?.last_error ?? null,
    };
  });
  return { states, alerts: states.flatMap((s) => alertsOf(s, now, rules)) };
}

/** The problems of one state's row, one alert per kind. */
export function alertsOf(s: StateStatus, now: Date, rules: AlertRules = DEFAULT_ALERT_RULES): StatusAlert[] {
  const out: StatusAlert[] = [];
  const add = (kind: AlertKind, message: string) =>
    out.push({ key: `${kind}:${s.stateCode}`, kind, stateCode: s.stateCode, message });
  if (s.deliveriesLate > 0)
    add('late-delivery', `${s.deliveriesLate} deliveries to ${s.stateCode} are past their deadline.`);
  if (s.deliveriesDead > 0)
    add('dead-delivery', `${s.deliveriesDead} deliveries to ${s.stateCode} gave up: retry or cancel them.`);
  if (s.receiver === 'open')
    add('receiver-down', `${s.stateCode}'s receiver keeps failing; the gateway probes it before sending more.`);
  const r24 = s.rejectionRate24h;
  const r7 = s.rejectionRate7d ?? 0;
  if (r24 !== null && s.rejected24h >= rules.minRejected && r24 > Math.max(r7 * rules.rejectionJumpFactor, 0.05))
    add(
      'rejection-jump',
      `${s.stateCode} rejections jumped: ${Math.round(r24 * 100)}% over 24 hours against ` +
        `${Math.round(r7 * 100)}% over 7 days.`,
    );
  const silentSince = now.getTime() - rules.silentAfterHours * 3_600_000;
  if (s.lastSubmissionAt && new Date(s.lastSubmissionAt).getTime() < silentSince)
    add('silent-state', `${s.stateCode} has sent nothing for over ${rules.silentAfterHours} hours.`);
  return out;
}

/** Totals for /metrics: records by match status, links by how they were made, open reviews, deliveries by status. */
export async function operationsTotals(db: Db): Promise<{
  recordsByMatchStatus: Record<string, number>;
  linksByType: Record<string, number>;
  openReviews: number;
  pendingMergeRequests: number;
  deliveriesByStateAndStatus: { stateCode: string; status: string; n: number }[];
}> {
  const [records, links, reviews, merges, deliveries] = await Promise.all([
    db.query<{ k: string; n: number }>('SELECT match_status AS k, count(*)::int AS n FROM state_records GROUP BY 1'),
    db.query<{ k: string; n: number }>('SELECT link_type AS k, count(*)::int AS n FROM links GROUP BY 1'),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM match_reviews WHERE status = 'open'`),
    db.query<{ n: number }>(`SELECT count(*)::int AS n FROM merge_requests WHERE status = 'pending'`),
    db.query<{ state_code: string; status: string; n: number }>(
      'SELECT state_code, status, count(*)::int AS n FROM deliveries GROUP BY 1, 2',
    ),
  ]);
  const byKey = (rows: { k: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.k, r.n]));
  return {
    recordsByMatchStatus: byKey(records.rows),
    linksByType: byKey(links.rows),
    openReviews: reviews.rows[0]?.n ?? 0,
    pendingMergeRequests: merges.rows[0]?.n ?? 0,
    deliveriesByStateAndStatus: deliveries.rows.map((r) => ({ stateCode: r.state_code, status: r.status, n: r.n })),
  };
}
