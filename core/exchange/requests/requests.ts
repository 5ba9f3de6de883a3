import { COUNT_CAP, counted, createdBefore, pageSize, type Counted } from '../../paging.js';
import type { Db } from '../../store/db.js';
import { GatewayError } from '../../errors.js';
import { listState, rowVisible, type Scope } from '../../security/scope.js';
import type { RecordAnswer, SourceMode, SourceStatus } from './answer.js';
import { isExchangeUuid, type DeliveryId, type RecordRequestId } from '../ids.js';

/**
 * received → routed → waiting (on a live state) → answered | partly_answered | expired | failed.
 * A request the gateway refuses (unknown child, no ground, no connector) is
 * recorded as `failed` with the reason, so the help desk sees refusals too.
 */
export type RequestStatus = 'received' | 'routed' | 'waiting' | 'answered' | 'partly_answered' | 'expired' | 'failed';
export const FINAL_REQUEST: ReadonlySet<RequestStatus> = new Set(['answered', 'partly_answered', 'expired', 'failed']);

export interface RequestSourceView {
  stateCode: string;
  mode: SourceMode;
  status: SourceStatus;
  deliveryId: DeliveryId | null;
  detail: string | null;
  answeredAt: string | null;
}

export interface RecordRequest {
  id: RecordRequestId;
  exchangeId: string;
  requestingState: string;
  requestedBy: string;
  clientId: string | null;
  lookup: 'msix-id' | 'demographics';
  msixId: string | null;
  purpose: string;
  status: RequestStatus;
  reason: string | null;
  deadlineAt: string;
  answerDeliveryId: DeliveryId | null;
  history: { status: RequestStatus; at: string }[];
  traceId: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  sources: RequestSourceView[];
}

interface Row {
  id: string;
  exchange_id: string;
  requesting_state: string;
  requested_by: string;
  client_id: string | null;
  lookup: 'msix-id' | 'demographics';
  msix_id: string | null;
  purpose: string;
  status: RequestStatus;
  reason: string | null;
  deadline_at: Date | string;
  answer_delivery_id: string | null;
  history: { status: RequestStatus; at: string }[];
  trace_id: string;
  created_at: Date | string;
  updated_at: Date | string;
  completed_at: Date | string | null;
}
interface SourceRow {
  request_id: string;
  state_code: string;
  mode: SourceMode;
  status: SourceStatus;
  delivery_id: string | null;
  state_student_id: string | null;
  detail: string | null;
  answered_at: Date | string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function fromRows(r: Row, sources: SourceRow[]): RecordRequest {
  return {
    id: r.id as RecordRequestId,
    exchangeId: r.exchange_id,
    requestingState: r.requesting_state,
    requestedBy: r.requested_by,
    clientId: r.client_id,
    lookup: r.lookup,
    msixId: r.msix_id,
    purpose: r.purpose,
    status: r.status,
    reason: r.reason,
    deadlineAt: iso(r.deadline_at)!,
    answerDeliveryId: r.answer_delivery_id as DeliveryId | null,
    history: r.history,
    traceId: r.trace_id,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    completedAt: iso(r.completed_at),
    sources: sources.map((s) => ({
      stateCode: s.state_code,
      mode: s.mode,
      status: s.status,
      deliveryId: s.delivery_id as DeliveryId | null,
      detail: s.detail,
      answeredAt: iso(s.answered_at),
    })),
  };
}

/** A request to create: the fields of a stored request that its creator sets. */
export type NewRequest = Pick<
  RecordRequest,
  | 'exchangeId'
  | 'requestingState'
  | 'requestedBy'
  | 'clientId'
  | 'lookup'
  | 'msixId'
  | 'purpose'
  | 'status'
  | 'deadlineAt'
  | 'traceId'
  | 'history'
> &
  Partial<Pick<RecordRequest, 'reason'>>;

export async function insertRequest(tx: Db, r: NewRequest): Promise<RecordRequestId> {
  const res = await tx.query<{ id: string }>(
    `INSERT INTO record_requests (exchange_id, requesting_state, requested_by, client_id, lookup, msix_id, purpose,
     status, reason, deadline_at, trace_id, history, completed_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12, CASE WHEN $13 THEN now() END) RETURNING id`,
    [
      r.exchangeId,
      r.requestingState,
      r.requestedBy,
      r.clientId,
      r.lookup,
      r.msixId,
      r.purpose,
      r.status,
      r.reason ?? null,
      r.deadlineAt,
      r.traceId,
      JSON.stringify(r.history),
      FINAL_REQUEST.has(r.status),
    ],
  );
  return res.rows[0]!.id as RecordRequestId;
}

export async function insertSource(
  tx: Db,
  requestId: string,
  s: { stateCode: string; mode: SourceMode; status: SourceStatus; stateStudentId: string | null },
): Promise<void> {
  await tx.query(
    `INSERT INTO record_request_sources (request_id, state_code, mode, status, state_student_id, answered_at)
     VALUES ($1,$2,$3,$4,$5, CASE WHEN $4 = 'answered' THEN now() END)`,
    [requestId, s.stateCode, s.mode, s.status, s.stateStudentId],
  );
}

export async function setSourceDelivery(
  tx: Db,
  requestId: string,
  stateCode: string,
  deliveryId: string,
): Promise<void> {
  await tx.query('UPDATE record_request_sources SET delivery_id = $3 WHERE request_id = $1 AND state_code = $2', [
    requestId,
    stateCode,
    deliveryId,
  ]);
}

/** Moves a request to a new status, appending it to the history. */
export async function setRequestStatus(
  tx: Db,
  id: string,
  status: RequestStatus,
  extra: { reason?: string | null; answer?: RecordAnswer; answerDeliveryId?: string } = {},
): Promise<void> {
  await tx.query(
    `UPDATE record_requests SET status = $2, reason = COALESCE($3, reason), answer = COALESCE($4::jsonb, answer),
       answer_delivery_id = COALESCE($5::uuid, answer_delivery_id),
       history = history || jsonb_build_array(jsonb_build_object('status', $2::text, 'at', now())),
       updated_at = now(), completed_at = CASE WHEN $6 THEN COALESCE(completed_at, now()) ELSE completed_at END
     WHERE id = $1`,
    [
      id,
      status,
      extra.reason ?? null,
      extra.answer ? JSON.stringify(extra.answer) : null,
      extra.answerDeliveryId ?? null,
      FINAL_REQUEST.has(status),
    ],
  );
}

export async function getRequest(db: Db, id: string): Promise<RecordRequest | null> {
  if (!isExchangeUuid(id)) return null;
  const r = await db.query<Row>('SELECT * FROM record_requests WHERE id = $1', [id]);
  if (!r.rows[0]) return null;
  const s = await db.query<SourceRow>(
    'SELECT * FROM record_request_sources WHERE request_id = $1 ORDER BY state_code',
    [id],
  );
  return fromRows(r.rows[0], s.rows);
}

/** The stored answer (student data): read only by the requester's route, which audits the read. */
export async function getRequestAnswer(db: Db, id: string): Promise<RecordAnswer | null> {
  if (!isExchangeUuid(id)) return null;
  const r = await db.query<{ answer: RecordAnswer | null }>('SELECT answer FROM record_requests WHERE id = $1', [id]);
  return r.rows[0]?.answer ?? null;
}

/** Sources with the fresh records live states sent (student data), for building the answer. */
export async function sourcesWithRecords(tx: Db, id: string): Promise<(SourceRow & { record: unknown })[]> {
  const r = await tx.query<SourceRow & { record: unknown }>(
    'SELECT * FROM record_request_sources WHERE request_id = $1 ORDER BY state_code FOR UPDATE',
    [id],
  );
  return r.rows;
}

/** Records what a live source answered (or that it did not). Ignored once the source is final. */
export async function setSourceResult(
  tx: Db,
  requestId: string,
  stateCode: string,
  status: SourceStatus,
  records: unknown,
  detail: string | null,
): Promise<boolean> {
  const r = await tx.query(
    `UPDATE record_request_sources SET status = $3, record = $4, detail = $5, answered_at = now()
     WHERE request_id = $1 AND state_code = $2 AND status = 'pending'`,
    [requestId, stateCode, status, records === null ? null : JSON.stringify(records), detail],
  );
  return r.rowCount === 1;
}

export interface RequestFilter {
  requestingState?: string;
  status?: RequestStatus;
  msixId?: string;
  limit?: number;
  /** Items skipped (the portal's pages); `before` is the API's keyset. */
  offset?: number;
  before?: string;
  /** With `before`: the id of the last item seen (see {@link createdBefore}). */
  beforeId?: string;
}

/** The request filter's WHERE clause and its parameters ($1 to $5), shared by the list and its count. */
function requestWhere(f: RequestFilter): { where: string; params: unknown[] } {
  return {
    where: `($1::text IS NULL OR requesting_state = $1) AND ($2::text IS NULL OR status = $2)
       AND ($3::text IS NULL OR msix_id = $3) AND ${createdBefore(4, 5)}`,
    params: [
      f.requestingState ?? null,
      f.status ?? null,
      f.msixId ?? null,
      f.before ?? null,
      f.before ? (f.beforeId ?? null) : null,
    ],
  };
}

export async function listRequests(db: Db, f: RequestFilter = {}): Promise<RecordRequest[]> {
  const { where, params } = requestWhere(f);
  const r = await db.query<Row>(
    `SELECT * FROM record_requests WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $6 OFFSET $7`,
    [...params, pageSize(f.limit), f.offset ?? 0],
  );
  if (!r.rows.length) return [];
  const s = await db.query<SourceRow>(
    'SELECT * FROM record_request_sources WHERE request_id = ANY($1::uuid[]) ORDER BY state_code',
    [r.rows.map((x) => x.id)],
  );
  return r.rows.map((row) =>
    fromRows(
      row,
      s.rows.filter((x) => x.request_id === row.id),
    ),
  );
}

/** How many record requests the filter finds, counted up to `COUNT_CAP` (the portal's "page 2 of 7"). */
export async function countRequests(db: Db, f: RequestFilter = {}): Promise<Counted> {
  const { where, params } = requestWhere(f);
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM record_requests WHERE ${where} LIMIT $6) t`,
    [...params, COUNT_CAP + 1],
  );
  return counted(r.rows[0]?.n ?? 0);
}

/** Open requests past their deadline (plus a grace), for the sweeper. */
export async function overdueRequests(db: Db, now: Date, limit = 200): Promise<string[]> {
  const r = await db.query<{ id: string }>(
    `SELECT id FROM record_requests WHERE status IN ('received', 'routed', 'waiting') AND deadline_at < $1
     ORDER BY deadline_at LIMIT $2`,
    [now, limit],
  );
  return r.rows.map((x) => x.id);
}

/**
 * One request's status as the scope sees it (no student data): the requesting
 * state's own, or any for national roles.
 */
export async function readRequest(db: Db, scope: Scope, id: string): Promise<RecordRequest> {
  const r = await getRequest(db, id);
  if (!r || !rowVisible(scope, r.requestingState))
    throw new GatewayError('GW_ERR_NOT_FOUND', `No record request ${id}.`);
  return r;
}

/** Requests as the scope sees them, newest first. */
export async function searchRequests(db: Db, scope: Scope, f: RequestFilter = {}): Promise<RecordRequest[]> {
  const state = listState(scope, f.requestingState);
  return listRequests(db, { ...f, ...(state ? { requestingState: state } : {}) });
}

/** How many record requests a search finds as the scope sees them, counted up to `COUNT_CAP`. */
export async function countRequestsSeen(db: Db, scope: Scope, f: RequestFilter = {}): Promise<Counted> {
  const state = listState(scope, f.requestingState);
  return countRequests(db, { ...f, ...(state ? { requestingState: state } : {}) });
}

/**
 * The answer to a request, for the requesting state only (audited as a
 * disclosure, with the request and its purpose as the reason); 409 while
 * there is none yet.
 */
export async function readRequestAnswer(
  db: Db,
  scope: Scope,
  id: string,
  details: Record<string, unknown> = {},
): Promise<{ request: RecordRequest; answer: RecordAnswer }> {
  const r = await getRequest(db, id);
  if (!r || r.requestingState !== scope.principal.state) {
    throw new GatewayError('GW_ERR_NOT_FOUND', `No record request ${id} from your state.`);
  }
  const answer = await getRequestAnswer(db, r.id);
  if (!answer) {
    throw new GatewayError('GW_ERR_CONFLICT', `Record request ${r.id} is ${r.status}: there is no answer yet.`, {
      extra: { status: r.status, deadlineAt: r.deadlineAt },
    });
  }
  await scope.audit.disclosed({
    action: 'record-request.answer-read',
    msixId: r.msixId,
    recordIds: answer.student.records.map((x) => x.recordId),
    fields: ['*'],
    reason: `record request ${r.id} from ${r.requestingState} (${r.purpose})`,
    details: { requestId: r.id, ...details },
  });
  return { request: r, answer };
}
