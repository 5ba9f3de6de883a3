/**
 * SIF queues and subscriptions. The exchange engine's messages for a state (move notices, record answers) are copied
 * to every queue subscribed to StudentRecordExchanges in the state's environments when they are placed in the
 * state's inbox ({@link copyToSifQueues}, in the same statement), so each consumer has its own copy: in placement
 * order (the engine's per-student order), kept until that consumer acknowledges it (at least once). A poll answers
 * the queue's oldest unacknowledged message as a SIF event with the copy's own message id; naming that id as
 * `lastMessageId` on the next poll (or DELETE …/messages/{id}) removes it from that queue only. The first
 * acknowledgement of a message on any queue also acknowledges the state's inbox item, which is how the exchange
 * ledger learns that the state has it.
 */
import type { Db } from '../store/db.js';
import type { ModuleSqlFile } from '../store/migrate.js';
import { ackInbox } from '../exchange/delivery/inbox.js';
import type { MessageEnvelope } from '../exchange/messages.js';
import type { SifElement } from '../../mappings/sif/tree.js';
import { EXCHANGE_SERVICE, exchangeEventTree } from './events.js';

export interface SifQueue {
  id: string;
  environmentId: string;
  name: string | null;
  createdAt: string;
  lastAccessed: string | null;
}

export interface SifSubscription {
  id: string;
  environmentId: string;
  queueId: string;
  zoneId: string;
  contextId: string;
  serviceType: string;
  serviceName: string;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const isUuid = (v: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v);

interface QueueRow {
  id: string;
  environment_id: string;
  name: string | null;
  created_at: Date | string;
  last_accessed: Date | string | null;
}
const queueFromRow = (r: QueueRow): SifQueue => ({
  id: r.id,
  environmentId: r.environment_id,
  name: r.name,
  createdAt: iso(r.created_at)!,
  lastAccessed: iso(r.last_accessed),
});

export async function createQueue(db: Db, environmentId: string, name: string | null): Promise<SifQueue> {
  const r = await db.query<QueueRow>('INSERT INTO sif_queues (environment_id, name) VALUES ($1, $2) RETURNING *', [
    environmentId,
    name?.slice(0, 200) ?? null,
  ]);
  return queueFromRow(r.rows[0]!);
}

export async function listQueues(db: Db, environmentId: string): Promise<SifQueue[]> {
  const r = await db.query<QueueRow>('SELECT * FROM sif_queues WHERE environment_id = $1 ORDER BY created_at', [
    environmentId,
  ]);
  return r.rows.map(queueFromRow);
}

export async function getQueue(db: Db, environmentId: string, id: string): Promise<SifQueue | null> {
  if (!isUuid(id)) return null;
  const r = await db.query<QueueRow>('SELECT * FROM sif_queues WHERE id = $1 AND environment_id = $2', [
    id,
    environmentId,
  ]);
  return r.rows[0] ? queueFromRow(r.rows[0]) : null;
}

export async function deleteQueue(db: Db, environmentId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const r = await db.query('DELETE FROM sif_queues WHERE id = $1 AND environment_id = $2', [id, environmentId]);
  return r.rowCount > 0;
}

interface SubRow {
  id: string;
  environment_id: string;
  queue_id: string;
  zone_id: string;
  context_id: string;
  service_type: string;
  service_name: string;
}
const subFromRow = (r: SubRow): SifSubscription => ({
  id: r.id,
  environmentId: r.environment_id,
  queueId: r.queue_id,
  zoneId: r.zone_id,
  contextId: r.context_id,
  serviceType: r.service_type,
  serviceName: r.service_name,
});

export async function createSubscription(
  db: Db,
  s: Omit<SifSubscription, 'id'>,
): Promise<{ kind: 'created' | 'exists'; subscription: SifSubscription }> {
  const r = await db.query<SubRow>(
    `INSERT INTO sif_subscriptions (environment_id, queue_id, zone_id, context_id, service_type, service_name)
     VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (queue_id, zone_id, context_id, service_name) DO NOTHING RETURNING *`,
    [s.environmentId, s.queueId, s.zoneId, s.contextId, s.serviceType, s.serviceName],
  );
  if (r.rows[0]) return { kind: 'created', subscription: subFromRow(r.rows[0]) };
  const e = await db.query<SubRow>(
    `SELECT * FROM sif_subscriptions WHERE queue_id = $1 AND zone_id = $2 AND context_id = $3 AND service_name = $4`,
    [s.queueId, s.zoneId, s.contextId, s.serviceName],
  );
  return { kind: 'exists', subscription: subFromRow(e.rows[0]!) };
}

export async function listSubscriptions(db: Db, environmentId: string): Promise<SifSubscription[]> {
  const r = await db.query<SubRow>('SELECT * FROM sif_subscriptions WHERE environment_id = $1 ORDER BY created_at', [
    environmentId,
  ]);
  return r.rows.map(subFromRow);
}

export async function deleteSubscription(db: Db, environmentId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const r = await db.query('DELETE FROM sif_subscriptions WHERE id = $1 AND environment_id = $2', [id, environmentId]);
  return r.rowCount > 0;
}

/**
 * This module's SQL: `sif_queue_copy_targets`, the one home of the rule that decides which queues get a copy of a
 * state's exchange message (queues subscribed to StudentRecordExchanges in its live environments, once each, and
 * only from the moment they subscribe).
 */
export const SIF_QUEUES_SQL: ModuleSqlFile = { id: 'core/sif/queues', url: new URL('./queues.sql', import.meta.url) };

/**
 * Copies an inbox item to every queue the copy rule names for its state (one statement, so the copies exist exactly
 * when the item does). The caller runs it in the transaction that places the item.
 */
export async function copyToSifQueues(db: Db, stateCode: string, deliveryId: string): Promise<void> {
  await db.query(
    `INSERT INTO sif_queue_messages (queue_id, delivery_id, zone_id)
     SELECT t.queue_id, $2::uuid, t.zone_id FROM sif_queue_copy_targets($1, $3) t
     ON CONFLICT (queue_id, delivery_id) DO NOTHING`,
    [stateCode, deliveryId, EXCHANGE_SERVICE],
  );
}

/** One message of a queue: the SIF event headers and the StudentRecordExchanges body. */
export interface QueueMessage {
  /** This queue's copy of the message (another queue's copy of the same message has another id). */
  messageId: string;
  eventAction: 'CREATE';
  serviceName: string;
  zoneId: string;
  /** How many more wait after this one. */
  remaining: number;
  body: SifElement;
  message: MessageEnvelope;
}

export type AckOutcome = { kind: 'acked' } | { kind: 'unknown' };

/**
 * Acknowledges one message of one queue (the consumer has it): removed from this queue only. The state's inbox
 * item is acknowledged too when it still is not (the first consumer to have it tells the ledger).
 */
export async function ackQueueMessage(
  db: Db,
  q: { queueId: string; stateCode: string; messageId: string; by: string },
): Promise<AckOutcome> {
  if (!isUuid(q.messageId)) return { kind: 'unknown' };
  const r = await db.query<{ delivery_id: string }>(
    `UPDATE sif_queue_messages SET acked_at = coalesce(acked_at, now()) WHERE queue_id = $1 AND id = $2
     RETURNING delivery_id`,
    [q.queueId, q.messageId],
  );
  if (!r.rows[0]) return { kind: 'unknown' };
  await ackInbox(db, q.stateCode, r.rows[0].delivery_id, q.by);
  return { kind: 'acked' };
}

/**
 * The next message of a queue after acknowledging `lastMessageId` (the message the consumer read last, on this
 * queue). Null when the queue holds nothing unacknowledged.
 */
export async function nextQueueMessage(
  db: Db,
  q: { queue: SifQueue; stateCode: string; by: string; lastMessageId?: string },
): Promise<{ kind: 'message'; message: QueueMessage } | { kind: 'empty' } | { kind: 'unknown-ack' }> {
  await db.query('UPDATE sif_queues SET last_accessed = now() WHERE id = $1', [q.queue.id]);
  if (q.lastMessageId) {
    const ack = await ackQueueMessage(db, {
      queueId: q.queue.id,
      stateCode: q.stateCode,
      messageId: q.lastMessageId,
      by: q.by,
    });
    if (ack.kind === 'unknown') return { kind: 'unknown-ack' };
  }
  const r = await db.query<{ id: string; zone_id: string; body: MessageEnvelope; remaining: string }>(
    `SELECT m.id, m.zone_id, d.body,
       (SELECT count(*) FROM sif_queue_messages o WHERE o.queue_id = m.queue_id AND o.acked_at IS NULL
        AND o.seq > m.seq) AS remaining
     FROM sif_queue_messages m JOIN deliveries d ON d.id = m.delivery_id
     WHERE m.queue_id = $1 AND m.acked_at IS NULL ORDER BY m.seq LIMIT 1`,
    [q.queue.id],
  );
  const item = r.rows[0];
  if (!item) return { kind: 'empty' };
  return {
    kind: 'message',
    message: {
      messageId: item.id,
      eventAction: 'CREATE',
      serviceName: EXCHANGE_SERVICE,
      zoneId: item.zone_id,
      remaining: Number(item.remaining),
      body: await exchangeEventTree(db, item.body),
      message: item.body,
    },
  };
}

/** Messages waiting on a queue (messageCount in the queue document). */
export async function waitingCount(db: Db, queueId: string): Promise<number> {
  const r = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM sif_queue_messages WHERE queue_id = $1 AND acked_at IS NULL',
    [queueId],
  );
  return Number(r.rows[0]!.n);
}
