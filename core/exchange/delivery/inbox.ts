import { pageSize } from '../../paging.js';
import type { Db } from '../../store/db.js';
import type { MessageEnvelope } from '../messages.js';
import { isExchangeUuid } from '../ids.js';

export interface InboxItem {
  /** Position in the state's inbox; page with `after`. */
  position: number;
  deliveryId: string;
  placedAt: string;
  message: MessageEnvelope;
}

/**
 * The messages waiting in a state's inbox, oldest first (the per-student order
 * holds because a message is placed only after the one before it). Items stay
 * until acknowledged; `after` pages through them.
 */
export async function readInbox(
  db: Db,
  stateCode: string,
  opts: { after?: number; limit?: number } = {},
): Promise<InboxItem[]> {
  const r = await db.query<{
    seq: number | string;
    delivery_id: string;
    placed_at: Date | string;
    body: MessageEnvelope;
  }>(
    `SELECT i.seq, i.delivery_id, i.placed_at, d.body FROM inbox_items i JOIN deliveries d ON d.id = i.delivery_id
     WHERE i.state_code = $1 AND i.acked_at IS NULL AND i.seq > $2 ORDER BY i.seq LIMIT $3`,
    [stateCode, opts.after ?? 0, pageSize(opts.limit)],
  );
  return r.rows.map((x) => ({
    position: Number(x.seq),
    deliveryId: x.delivery_id,
    placedAt: new Date(x.placed_at).toISOString(),
    message: x.body,
  }));
}

export type AckResult = { kind: 'acked'; at: string } | { kind: 'already'; at: string } | { kind: 'not-found' };

/** Acknowledges one inbox item (by delivery id). Acknowledging twice is harmless. */
export async function ackInbox(db: Db, stateCode: string, deliveryId: string, by: string): Promise<AckResult> {
  if (!isExchangeUuid(deliveryId)) return { kind: 'not-found' };
  const r = await db.query<{ acked_at: Date | string }>(
    `UPDATE inbox_items SET acked_at = now(), acked_by = $3 WHERE state_code = $1 AND delivery_id = $2
     AND acked_at IS NULL RETURNING acked_at`,
    [stateCode, deliveryId, by],
  );
  if (r.rows[0]) return { kind: 'acked', at: new Date(r.rows[0].acked_at).toISOString() };
  const prior = await db.query<{ acked_at: Date | string | null }>(
    'SELECT acked_at FROM inbox_items WHERE state_code = $1 AND delivery_id = $2',
    [stateCode, deliveryId],
  );
  if (prior.rows[0]?.acked_at) return { kind: 'already', at: new Date(prior.rows[0].acked_at).toISOString() };
  return { kind: 'not-found' };
}

/** When a delivery placed in an inbox was acknowledged (null: not yet, or not an inbox delivery). */
export async function inboxAck(
  db: Db,
  deliveryId: string,
): Promise<{ placedAt: string; ackedAt: string | null } | null> {
  const r = await db.query<{ placed_at: Date | string; acked_at: Date | string | null }>(
    'SELECT placed_at, acked_at FROM inbox_items WHERE delivery_id = $1',
    [deliveryId],
  );
  const x = r.rows[0];
  return x
    ? { placedAt: new Date(x.placed_at).toISOString(), ackedAt: x.acked_at ? new Date(x.acked_at).toISOString() : null }
    : null;
}
