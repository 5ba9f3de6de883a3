/**
 * SIF queues and subscriptions. A queue shows its state's messages from the exchange engine (move notices, record
 * answers: the state's inbox, so the engine's per-student order and at-least-once delivery hold unchanged) as SIF
 * events on the StudentRecordExchanges service, one per poll; polling with the last message's id acknowledges every
 * message up to it. A queue shows them only when it subscribes to StudentRecordExchanges in the state's zone.
 */
import type { Db } from '../store/db.js';
import { ackInbox, readInbox } from '../exchange/delivery/inbox.js';
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

async function subscribed(db: Db, queueId: string, zoneId: string): Promise<boolean> {
  const r = await db.query(
    'SELECT 1 FROM sif_subscriptions WHERE queue_id = $1 AND zone_id = $2 AND service_name = $3',
    [queueId, zoneId, EXCHANGE_SERVICE],
  );
  return r.rowCount > 0;
}

/** One message of a queue: the SIF event headers and the StudentRecordExchanges body. */
export interface QueueMessage {
  messageId: string;
  eventAction: 'CREATE';
  serviceName: string;
  zoneId: string;
  /** How many more wait after this one. */
  remaining: number;
  body: SifElement;
  message: MessageEnvelope;
}

/**
 * The next message of a queue after acknowledging `lastMessageId` (and every message before it). Null when the queue
 * is empty or subscribes to nothing that carries the state's messages.
 */
export async function nextQueueMessage(
  db: Db,
  q: { queue: SifQueue; stateCode: string; zoneId: string; by: string; lastMessageId?: string },
): Promise<{ kind: 'message'; message: QueueMessage } | { kind: 'empty' } | { kind: 'unknown-ack' }> {
  await db.query('UPDATE sif_queues SET last_accessed = now() WHERE id = $1', [q.queue.id]);
  if (q.lastMessageId) {
    if (!isUuid(q.lastMessageId)) return { kind: 'unknown-ack' };
    const upTo = await db.query<{ seq: string }>(
      'SELECT seq FROM inbox_items WHERE state_code = $1 AND delivery_id = $2',
      [q.stateCode, q.lastMessageId],
    );
    if (!upTo.rows[0]) return { kind: 'unknown-ack' };
    const earlier = await readInbox(db, q.stateCode, { limit: 200 });
    for (const item of earlier.filter((i) => i.position <= Number(upTo.rows[0]!.seq)))
      await ackInbox(db, q.stateCode, item.deliveryId, q.by);
  }
  if (!(await subscribed(db, q.queue.id, q.zoneId))) return { kind: 'empty' };
  const next = await readInbox(db, q.stateCode, { limit: 200 });
  const item = next.find((i) => i.message.kind !== 'record-query');
  if (!item) return { kind: 'empty' };
  return {
    kind: 'message',
    message: {
      messageId: item.deliveryId,
      eventAction: 'CREATE',
      serviceName: EXCHANGE_SERVICE,
      zoneId: q.zoneId,
      remaining: next.length - 1,
      body: await exchangeEventTree(db, item.message),
      message: item.message,
    },
  };
}

/** Messages waiting for a queue's state (messageCount in the queue document). */
export async function waitingCount(db: Db, stateCode: string): Promise<number> {
  const r = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM inbox_items WHERE state_code = $1 AND acked_at IS NULL',
    [stateCode],
  );
  return Number(r.rows[0]!.n);
}
