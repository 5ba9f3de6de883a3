import type { Db } from '../../store/db.js';
import { retryDelayMs, type BackoffPolicy } from './backoff.js';

/**
 * A circuit per receiving system. After `threshold` transient failures in a
 * row the circuit opens: deliveries to that system wait (without spending
 * attempts) until it is due for a probe, and one delivery at a time probes.
 * The first success closes it and the waiting deliveries flow. This is what
 * lets a state that is down for hours get everything once it is back, and
 * keeps the ledger and the alerts from filling with doomed attempts.
 */
export interface CircuitPolicy {
  threshold: number;
  backoff: BackoffPolicy;
  /** How long one probe may take before another delivery may probe. */
  probeLeaseMs: number;
}

export type Gate = { kind: 'closed' } | { kind: 'probe' } | { kind: 'open'; until: number };

/** The circuit key of a state's delivery endpoint or its live source. */
export function circuitTarget(stateCode: string, purpose: 'deliver' | 'source'): string {
  return `${stateCode}:${purpose}`;
}

/**
 * Decides whether this delivery may go now; a due open circuit lets exactly
 * one caller through as the probe. `known` is the circuit row when the caller
 * already read it (undefined: read it here).
 */
export async function circuitGate(
  tx: Db,
  target: string,
  now: number,
  policy: CircuitPolicy,
  known?: { failures: number | null; open_until: Date | string | null } | null,
): Promise<Gate> {
  const row =
    known !== undefined
      ? known
      : (
          await tx.query<{ failures: number; open_until: Date | string | null }>(
            'SELECT failures, open_until FROM exchange_circuits WHERE target = $1',
            [target],
          )
        ).rows[0];
  if (!row || row.failures === null || row.failures < policy.threshold) return { kind: 'closed' };
  const until = row.open_until ? new Date(row.open_until).getTime() : 0;
  if (until > now) return { kind: 'open', until };
  const claimed = await tx.query(
    `UPDATE exchange_circuits SET open_until = $2, updated_at = now() WHERE target = $1 AND (open_until IS NULL
     OR open_until <= $3)`,
    [target, new Date(now + policy.probeLeaseMs), new Date(now)],
  );
  return claimed.rowCount === 1 ? { kind: 'probe' } : { kind: 'open', until: now + policy.probeLeaseMs };
}

export type CircuitChange = 'opened' | 'closed' | 'unchanged';

/**
 * Records the outcome of an attempt, in its own short transaction (the row is
 * never held locked while a delivery commits); says when the circuit just
 * opened or closed (alert once each way). A success on a healthy receiver,
 * the common case, costs one read.
 */
export async function circuitRecord(
  db: Db,
  target: string,
  ok: boolean,
  error: string | null,
  now: number,
  policy: CircuitPolicy,
  random: () => number = Math.random,
): Promise<CircuitChange> {
  if (ok) {
    const healthy = await db.query('SELECT 1 FROM exchange_circuits WHERE target = $1 AND failures > 0', [target]);
    if (healthy.rows.length === 0) return 'unchanged';
  }
  return db.transaction((tx) => record(tx, target, ok, error, now, policy, random));
}

async function record(
  tx: Db,
  target: string,
  ok: boolean,
  error: string | null,
  now: number,
  policy: CircuitPolicy,
  random: () => number,
): Promise<CircuitChange> {
  if (ok) {
    const before = await tx.query<{ failures: number }>(
      'SELECT failures FROM exchange_circuits WHERE target = $1 AND failures > 0 FOR UPDATE',
      [target],
    );
    const was = before.rows[0]?.failures;
    if (was === undefined) return 'unchanged';
    await tx.query(
      'UPDATE exchange_circuits SET failures = 0, open_until = NULL, opened_at = NULL, updated_at = ' +
        'now() WHERE target = $1',
      [target],
    );
    return was >= policy.threshold ? 'closed' : 'unchanged';
  }
  const r = await tx.query<{ failures: number }>(
    `INSERT INTO exchange_circuits (target, failures, last_error) VALUES ($1, 1, $2)
     ON CONFLICT (target) DO UPDATE SET failures = exchange_circuits.failures + 1, last_error = EXCLUDED.last_error,
     updated_at = now()
     RETURNING failures`,
    [target, error],
  );
  const failures = r.rows[0]!.failures;
  if (failures < policy.threshold) return 'unchanged';
  const until = new Date(now + retryDelayMs(failures - policy.threshold + 1, policy.backoff, random));
  await tx.query(
    `UPDATE exchange_circuits SET open_until = $2, opened_at = COALESCE(opened_at, $3) WHERE target = $1`,
    [target, until, new Date(now)],
  );
  return failures === policy.threshold ? 'opened' : 'unchanged';
}

export interface CircuitView {
  target: string;
  failures: number;
  open: boolean;
  openUntil: string | null;
  openedAt: string | null;
  lastError: string | null;
}

/** Circuits that are failing, for the help desk ("which states are down, since when"). */
export async function failingCircuits(db: Db): Promise<CircuitView[]> {
  const r = await db.query<{
    target: string;
    failures: number;
    open_until: Date | string | null;
    opened_at: Date | string | null;
    last_error: string | null;
  }>(
    'SELECT target, failures, open_until, opened_at, last_error FROM exchange_circuits WHERE failures > ' +
      '0 ORDER BY target',
  );
  const now = Date.now();
  return r.rows.map((x) => ({
    target: x.target,
    failures: x.failures,
    open: x.open_until !== null && new Date(x.open_until).getTime() > now,
    openUntil: x.open_until ? new Date(x.open_until).toISOString() : null,
    openedAt: x.opened_at ? new Date(x.opened_at).toISOString() : null,
    lastError: x.last_error,
  }));
}
