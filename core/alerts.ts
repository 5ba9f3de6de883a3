/**
 * The status board's alerts sent to a webhook (issue 14: one alert per problem, not per message). Each pass compares
 * the board's open alerts with those already announced (alert_notifications): a new problem is announced once, a
 * problem that cleared is announced as resolved and forgotten (so its return is announced again), and an
 * announcement the webhook refused is tried again on the next pass. Counts and state codes only: an alert holds no
 * student data. Sending is the caller's (the worker posts JSON); this module knows no HTTP.
 */
import { statusBoard, type StatusAlert } from './status.js';
import type { Db } from './store/db.js';

/** What the webhook receives: the alert, and whether it opened or cleared. */
export interface AlertEvent {
  event: 'opened' | 'resolved';
  key: string;
  kind: string;
  stateCode: string;
  message: string;
  /** When the problem was first seen (opened) or seen cleared (resolved). */
  at: string;
}

/** Sends one event; throws when the receiver did not take it. */
export type SendAlert = (event: AlertEvent) => Promise<void>;

/** One pass: announces new problems and cleared ones; returns how many events were sent and how many failed. */
export async function notifyAlerts(
  db: Db,
  send: SendAlert,
  now = new Date(),
): Promise<{ opened: number; resolved: number; failed: number }> {
  const { alerts } = await statusBoard(db, now);
  const open = new Map<string, StatusAlert>(alerts.map((a) => [a.key, a]));
  const known = await db.query<{ key: string; kind: string; state_code: string; message: string; sent: boolean }>(
    `SELECT key, kind, state_code, message, notified_at IS NOT NULL AS sent FROM alert_notifications`,
  );
  const result = { opened: 0, resolved: 0, failed: 0 };
  const at = now.toISOString();
  for (const a of alerts) {
    if (known.rows.some((k) => k.key === a.key && k.sent)) continue;
    // The row first (another worker's pass that inserted it sends instead), then the announcement.
    await db.query(
      `INSERT INTO alert_notifications (key, kind, state_code, message, opened_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (key) DO NOTHING`,
      [a.key, a.kind, a.stateCode, a.message, at],
    );
    try {
      await send({ event: 'opened', key: a.key, kind: a.kind, stateCode: a.stateCode, message: a.message, at });
      await db.query(`UPDATE alert_notifications SET notified_at = $2 WHERE key = $1`, [a.key, at]);
      result.opened++;
    } catch {
      result.failed++;
    }
  }
  for (const k of known.rows) {
    if (open.has(k.key)) continue;
    const gone = await db.query(`DELETE FROM alert_notifications WHERE key = $1 RETURNING key`, [k.key]);
    // Announced as resolved only if it was announced as opened; a failed resolution is not retried (it is gone).
    if (!gone.rows.length || !k.sent) continue;
    try {
      await send({ event: 'resolved', key: k.key, kind: k.kind, stateCode: k.state_code, message: k.message, at });
      result.resolved++;
    } catch {
      result.failed++;
    }
  }
  return result;
}
