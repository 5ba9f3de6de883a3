import type { Db } from '../store/db.js';
import { GatewayError } from '../errors.js';
import { listState, rowVisible, type Scope } from '../security/scope.js';
import type { Counted } from '../paging.js';
import {
  countDeliveries,
  deliveryAttempts,
  getDelivery,
  listDeliveries,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryFilter,
  type DeliveryStatus,
} from './delivery/deliveries.js';
import { inboxAck } from './delivery/inbox.js';

/** A delivery as the help desk sees it: where it stands and every attempt, never the message body (student data). */
export interface DeliveryView {
  id: string;
  kind: string;
  to: string;
  msixId: string | null;
  sequence: number | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  channel: string | null;
  idempotencyKey: string;
  noticeId: string | null;
  requestId: string | null;
  createdAt: string;
  deliveredAt: string | null;
  acknowledgedAt?: string | null;
  attemptLog?: DeliveryAttempt[];
  links: Record<string, string>;
}

export function deliveryView(d: Delivery): DeliveryView {
  const waiting = d.status === 'queued' || d.status === 'retrying';
  return {
    id: d.id,
    kind: d.kind,
    to: d.stateCode,
    msixId: d.msixId,
    sequence: d.seq,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: waiting ? d.nextAttemptAt : null,
    lastError: d.lastError,
    channel: d.channel,
    idempotencyKey: d.idempotencyKey,
    noticeId: d.noticeId,
    requestId: d.requestId,
    createdAt: d.createdAt,
    deliveredAt: d.deliveredAt,
    links: {
      self: `/api/v1/deliveries/${d.id}`,
      exchange: `/api/v1/exchanges/${d.exchangeId}`,
      ...(d.noticeId ? { notice: `/api/v1/notices/${d.noticeId}` } : {}),
      ...(d.requestId ? { request: `/api/v1/record-requests/${d.requestId}` } : {}),
    },
  };
}

/** One delivery with its attempt log (ledger child rows) and, for the inbox, its acknowledgement. */
export async function deliveryDetail(db: Db, d: Delivery): Promise<DeliveryView> {
  const ack = await inboxAck(db, d.id);
  return {
    ...deliveryView(d),
    attemptLog: await deliveryAttempts(db, d),
    ...(ack ? { acknowledgedAt: ack.ackedAt } : {}),
  };
}

/** One delivery with its attempts, as the scope sees it: the receiving state's own, or any for national roles. */
export async function readDelivery(db: Db, scope: Scope, id: string): Promise<DeliveryView> {
  const d = await getDelivery(db, id);
  if (!d || !rowVisible(scope, d.stateCode)) throw new GatewayError('GW_ERR_NOT_FOUND', `No delivery ${id}.`);
  return deliveryDetail(db, d);
}

/** Deliveries as the scope sees them, newest first. */
export async function searchDeliveries(db: Db, scope: Scope, f: DeliveryFilter = {}): Promise<DeliveryView[]> {
  const stateCode = listState(scope, f.stateCode);
  return (await listDeliveries(db, { ...f, ...(stateCode ? { stateCode } : {}) })).map(deliveryView);
}

/** How many deliveries a search finds as the scope sees them, counted up to `COUNT_CAP`. */
export async function countDeliveriesSeen(db: Db, scope: Scope, f: DeliveryFilter = {}): Promise<Counted> {
  const stateCode = listState(scope, f.stateCode);
  return countDeliveries(db, { ...f, ...(stateCode ? { stateCode } : {}) });
}
