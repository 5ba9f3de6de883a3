import { appendAudit, type Actor } from '../audit.js';
import { updateExchange } from '../ledger.js';
import type { Db } from '../store/db.js';
import { lockAndLoad } from './delivery/deliver.js';
import { deliveryFromRow, type DeliveryRow } from './delivery/deliveries.js';
import type { Delivery, DeliveryStatus } from './delivery/deliveries.js';

/** A delivery the help desk may retry or cancel: dead, or waiting (not in flight, not settled). */
export const HELP_DESK_ACTIONABLE: readonly DeliveryStatus[] = ['dead', 'retrying', 'queued', 'held'];

export type HelpDeskResult =
  | { kind: 'ok'; delivery: Delivery }
  | { kind: 'not-found' }
  | { kind: 'conflict'; reason: string };

/**
 * A help-desk retry: a dead delivery (or one waiting for its next attempt)
 * goes again now, with a fresh round of attempts. The earlier attempts stay in
 * the ledger. A delivered message is never sent twice this way, and a live
 * query whose request has been answered is not re-opened (ask again instead).
 * The caller enqueues the deliver job.
 */
export async function retryDelivery(db: Db, id: string, actor: Actor, traceId: string): Promise<HelpDeskResult> {
  return db.transaction(async (tx) => {
    const d = await lockAndLoad(tx, id);
    if (!d) return { kind: 'not-found' };
    if (d.kind === 'record-query')
      return {
        kind: 'conflict',
        reason:
          'a live query belongs to its record request, which has been settled or is still running; make ' +
          'a new request instead',
      };
    if (!HELP_DESK_ACTIONABLE.includes(d.status))
      return {
        kind: 'conflict',
        reason: `the delivery is ${d.status}; only a dead or waiting delivery can be retried`,
      };
    const r = await tx.query<DeliveryRow>(
      `UPDATE deliveries SET status = CASE WHEN status = 'held' THEN 'held'
       ELSE 'queued' END, budget_from = attempts, next_attempt_at = now(),
         lease_until = NULL, updated_at = now() WHERE id = $1 RETURNING *`,
      [id],
    );
    await updateExchange(tx, d.exchangeId, {
      status: 'queued',
      summary: { retriedBy: actor.id, retriedAt: new Date().toISOString(), retriedFrom: d.status },
    });
    await appendAudit(tx, {
      actor,
      action: 'delivery.retried',
      msixId: d.msixId,
      traceId,
      details: { deliveryId: id, from: d.status, to: d.stateCode, kind: d.kind },
    });
    return { kind: 'ok', delivery: deliveryFromRow(r.rows[0]!) };
  });
}

/**
 * Sets a delivery aside for good (a message the receiver will never take), so
 * the messages behind it for the same student can flow. Needs a reason, which
 * is kept in the ledger and the audit trail.
 */
export async function cancelDelivery(
  db: Db,
  id: string,
  actor: Actor,
  reason: string,
  traceId: string,
): Promise<HelpDeskResult & { released?: string[] }> {
  return db.transaction(async (tx) => {
    const d = await lockAndLoad(tx, id);
    if (!d) return { kind: 'not-found' };
    if (d.kind === 'record-query')
      return { kind: 'conflict', reason: "a live query ends with its record request's deadline" };
    if (!HELP_DESK_ACTIONABLE.includes(d.status)) return { kind: 'conflict', reason: `the delivery is ${d.status}` };
    const r = await tx.query<DeliveryRow>(
      `UPDATE deliveries SET status = 'cancelled', last_error = $2, lease_until = NULL, updated_at = now() WHERE id = $1
       RETURNING *`,
      [id, `cancelled by ${actor.id}: ${reason}`],
    );
    await updateExchange(tx, d.exchangeId, { status: 'failed', error: { cancelledBy: actor.id, reason } });
    await appendAudit(tx, {
      actor,
      action: 'delivery.cancelled',
      msixId: d.msixId,
      reason,
      traceId,
      details: { deliveryId: id, from: d.status, to: d.stateCode, kind: d.kind },
    });
    const released: string[] = [];
    if (d.seq !== null && d.msixId !== null) {
      const next = await tx.query<{ id: string }>(
        `UPDATE deliveries SET status = 'queued', next_attempt_at = now(), updated_at = now()
         WHERE id = (SELECT id FROM deliveries WHERE state_code = $1 AND msix_id = $2 AND seq > $3 AND status = 'held'
         ORDER BY seq LIMIT 1) RETURNING id`,
        [d.stateCode, d.msixId, d.seq],
      );
      released.push(...next.rows.map((x) => x.id));
    }
    return { kind: 'ok', delivery: deliveryFromRow(r.rows[0]!), released };
  });
}
