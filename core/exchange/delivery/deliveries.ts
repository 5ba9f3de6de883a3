import { COUNT_CAP, counted, createdBefore, pageSize, type Counted } from '../../paging.js';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { createExchange, type Exchange } from '../../ledger.js';
import type { DeliveryId, NoticeId, RecordRequestId } from '../ids.js';
import { isExchangeUuid } from '../ids.js';
import { idempotencyKeyFor, type MessageEnvelope, type MessageKind } from '../messages.js';

/**
 * - `queued`: waiting for its first attempt (or released by help desk / its predecessor);
 * - `held`: an earlier message about the same student to the same state is not delivered yet;
 * - `sending`: an attempt is in flight (leased, so a crashed worker's attempt is retried);
 * - `retrying`: the last attempt failed transiently; the next is at `nextAttemptAt`;
 * - `delivered` / `dead` / `cancelled` / `expired` (a live query past its deadline): final.
 */
export const DELIVERY_STATUSES = [
  'queued',
  'held',
  'sending',
  'retrying',
  'delivered',
  'dead',
  'cancelled',
  'expired',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const FINAL_DELIVERY: ReadonlySet<DeliveryStatus> = new Set(['delivered', 'dead', 'cancelled', 'expired']);

export interface Delivery {
  id: DeliveryId;
  exchangeId: string;
  stateCode: string;
  kind: MessageKind;
  msixId: string | null;
  seq: number | null;
  idempotencyKey: string;
  noticeId: NoticeId | null;
  requestId: RecordRequestId | null;
  body: MessageEnvelope;
  disclosure: Disclosure;
  status: DeliveryStatus;
  attempts: number;
  /** Attempts counted against the limit start after this many (a help-desk retry starts a new round). */
  budgetFrom: number;
  nextAttemptAt: string;
  leaseUntil: string | null;
  deadlineAt: string | null;
  channel: string | null;
  lastError: string | null;
  traceId: string;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface DeliveryRow {
  id: string;
  exchange_id: string;
  state_code: string;
  kind: MessageKind;
  msix_id: string | null;
  seq: number | string | null;
  idempotency_key: string;
  notice_id: string | null;
  request_id: string | null;
  body: MessageEnvelope;
  audit: Disclosure;
  status: DeliveryStatus;
  attempts: number;
  budget_from: number;
  next_attempt_at: Date | string;
  lease_until: Date | string | null;
  deadline_at: Date | string | null;
  channel: string | null;
  last_error: string | null;
  trace_id: string;
  created_at: Date | string;
  updated_at: Date | string;
  delivered_at: Date | string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function deliveryFromRow(r: DeliveryRow): Delivery {
  return {
    id: r.id as DeliveryId,
    exchangeId: r.exchange_id,
    stateCode: r.state_code,
    kind: r.kind,
    msixId: r.msix_id,
    seq: r.seq === null ? null : Number(r.seq),
    idempotencyKey: r.idempotency_key,
    noticeId: r.notice_id as NoticeId | null,
    requestId: r.request_id as RecordRequestId | null,
    body: r.body,
    disclosure: r.audit,
    status: r.status,
    attempts: r.attempts,
    budgetFrom: r.budget_from,
    nextAttemptAt: iso(r.next_attempt_at)!,
    leaseUntil: iso(r.lease_until),
    deadlineAt: iso(r.deadline_at),
    channel: r.channel,
    lastError: r.last_error,
    traceId: r.trace_id,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    deliveredAt: iso(r.delivered_at),
  };
}

export interface NewDelivery {
  stateCode: string;
  kind: MessageKind;
  msixId: string | null;
  /** Ordered deliveries get the next sequence number of (state, student); queries are unordered. */
  ordered: boolean;
  data: Record<string, unknown>;
  traceId: string;
  noticeId?: NoticeId | null;
  requestId?: RecordRequestId | null;
  /** The ledger row this delivery belongs under (the request or the notice). */
  parentExchangeId?: string | null;
  deadlineAt?: string | null;
  /** Ledger business keys shown to the help desk (never student data). */
  summary?: Record<string, unknown>;
  /** What the message discloses and why: written to the audit trail when it is delivered. */
  disclosure: Disclosure;
}

/** The audit facts of a delivery: which fields of whose record, and the ground for sending them. */
export interface Disclosure {
  fields: string[];
  recordIds?: string[];
  reason: string;
}

/**
 * Creates a delivery and its outbound ledger row, in the caller's transaction
 * (the one that decided to send it, so a decision is never lost and never made
 * twice). The envelope is built here, once: every retry sends the same bytes.
 * The caller enqueues the deliver job after commit (not for a delivery born
 * `held`: delivering the one before it releases it); the sweeper catches the
 * case where an enqueue is lost.
 */
export async function createDelivery(tx: Db, d: NewDelivery): Promise<Delivery> {
  const id = randomUUID() as DeliveryId;
  let seq: number | null = null;
  let held = false;
  if (d.ordered && d.msixId) {
    // The line lock (as the deliver job takes it): an earlier message's delivery cannot slip between the check below
    // and commit.
    await tx.query('SELECT pg_advisory_xact_lock(727040, hashtext($1))', [`${d.stateCode}:${d.msixId}`]);
    const s = await tx.query<{ last_seq: number | string; pending: boolean }>(
      `INSERT INTO delivery_sequences (state_code, msix_id, last_seq) VALUES ($1, $2, 1)
       ON CONFLICT (state_code, msix_id) DO UPDATE SET last_seq = delivery_sequences.last_seq + 1
       RETURNING last_seq, EXISTS (SELECT 1 FROM deliveries WHERE state_code = $1 AND msix_id = $2
       AND status NOT IN ('delivered', 'cancelled')) AS pending`,
      [d.stateCode, d.msixId],
    );
    seq = Number(s.rows[0]!.last_seq);
    // Born held behind an earlier message still on its way: no job needed until that one is delivered.
    held = s.rows[0]!.pending;
  }
  const ex: Exchange = await createExchange(tx, {
    direction: 'outbound',
    kind: d.kind,
    stateCode: d.stateCode,
    status: 'queued',
    traceId: d.traceId,
    parentId: d.parentExchangeId ?? null,
    msixId: d.msixId,
    summary: { deliveryId: id, sequence: seq, ...(d.summary ?? {}) },
  });
  const body: MessageEnvelope = {
    id,
    idempotencyKey: idempotencyKeyFor(id),
    kind: d.kind,
    to: d.stateCode,
    msixId: d.msixId,
    sequence: seq,
    createdAt: new Date().toISOString(),
    traceId: d.traceId,
    data: d.data,
  };
  const r = await tx.query<DeliveryRow>(
    `INSERT INTO deliveries (id, exchange_id, state_code, kind, msix_id, seq, idempotency_key, notice_id, request_id,
     body, audit, status, deadline_at, trace_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$14,$12,$13) RETURNING *`,
    [
      id,
      ex.id,
      d.stateCode,
      d.kind,
      d.msixId,
      seq,
      body.idempotencyKey,
      d.noticeId ?? null,
      d.requestId ?? null,
      JSON.stringify(body),
      JSON.stringify(d.disclosure),
      d.deadlineAt ?? null,
      d.traceId,
      held ? 'held' : 'queued',
    ],
  );
  return deliveryFromRow(r.rows[0]!);
}

export async function getDelivery(db: Db, id: string): Promise<Delivery | null> {
  if (!isExchangeUuid(id)) return null;
  const r = await db.query<DeliveryRow>('SELECT * FROM deliveries WHERE id = $1', [id]);
  return r.rows[0] ? deliveryFromRow(r.rows[0]) : null;
}

export interface DeliveryFilter {
  stateCode?: string;
  status?: DeliveryStatus;
  kind?: string;
  msixId?: string;
  noticeId?: string;
  requestId?: string;
  limit?: number;
  /** Items skipped (the portal's pages); `before` is the API's keyset. */
  offset?: number;
  before?: string;
  /** With `before`: the id of the last item seen (see {@link createdBefore}). */
  beforeId?: string;
}

/** The delivery filter's WHERE clause and its parameters ($1 to $8), shared by the list and its count. */
function deliveryWhere(f: DeliveryFilter): { where: string; params: unknown[] } {
  return {
    where: `($1::text IS NULL OR state_code = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL
     OR kind = $3)
       AND ($4::text IS NULL OR msix_id = $4) AND ${createdBefore(5, 8)}
       AND ($6::uuid IS NULL OR notice_id = $6) AND ($7::uuid IS NULL OR request_id = $7)`,
    params: [
      f.stateCode ?? null,
      f.status ?? null,
      f.kind ?? null,
      f.msixId ?? null,
      f.before ?? null,
      f.noticeId && isExchangeUuid(f.noticeId) ? f.noticeId : null,
      f.requestId && isExchangeUuid(f.requestId) ? f.requestId : null,
      f.before ? (f.beforeId ?? null) : null,
    ],
  };
}

/** Deliveries newest first, for the help desk's worklists (dead, held, retrying). */
export async function listDeliveries(db: Db, f: DeliveryFilter = {}): Promise<Delivery[]> {
  const { where, params } = deliveryWhere(f);
  const r = await db.query<DeliveryRow>(
    `SELECT * FROM deliveries WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $9 OFFSET $10`,
    [...params, pageSize(f.limit), f.offset ?? 0],
  );
  return r.rows.map(deliveryFromRow);
}

/** How many deliveries the filter finds, counted up to `COUNT_CAP` (the portal's "page 2 of 7"). */
export async function countDeliveries(db: Db, f: DeliveryFilter = {}): Promise<Counted> {
  const { where, params } = deliveryWhere(f);
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM deliveries WHERE ${where} LIMIT $9) t`,
    [...params, COUNT_CAP + 1],
  );
  return counted(r.rows[0]?.n ?? 0);
}

/** One attempt, as its ledger row records it. */
export interface DeliveryAttempt {
  exchangeId: string;
  attempt: number;
  channel: string;
  outcome: string;
  status: string;
  httpStatus: number | null;
  durationMs: number;
  error: unknown;
  at: string;
}

/** The attempts of a delivery, oldest first (child rows of its ledger row). */
export async function deliveryAttempts(db: Db, d: Pick<Delivery, 'exchangeId'>): Promise<DeliveryAttempt[]> {
  const r = await db.query<{
    id: string;
    status: string;
    summary: Record<string, unknown>;
    error: unknown;
    created_at: Date | string;
  }>(
    `SELECT id, status, summary, error, created_at FROM exchanges WHERE parent_id = $1 AND kind = 'delivery-attempt'
     ORDER BY created_at, id`,
    [d.exchangeId],
  );
  return r.rows.map((x) => ({
    exchangeId: x.id,
    attempt: Number(x.summary.attempt ?? 0),
    channel: String(x.summary.channel ?? ''),
    outcome: String(x.summary.outcome ?? ''),
    status: x.status,
    httpStatus: typeof x.summary.httpStatus === 'number' ? x.summary.httpStatus : null,
    durationMs: Number(x.summary.durationMs ?? 0),
    error: x.error,
    at: new Date(x.created_at).toISOString(),
  }));
}

/** The deliver job id for one reason to run (BullMQ ignores a repeated id, so each reason gets its own). */
export function deliverJobId(id: string, reason: string): string {
  return `dlv-${id}-${reason}`;
}
