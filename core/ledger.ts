import { COUNT_CAP, counted, createdBefore, pageSize, type Counted } from './paging.js';
import { GatewayError } from './errors.js';
import { listState, rowVisible, shown, type Scope } from './security/scope.js';
import type { Db } from './store/db.js';
import type { ExchangeId, FieldIssue } from '@msix/adapter-sdk/canonical';

export type ExchangeDirection = 'inbound' | 'outbound';
/** Ledger statuses, in the order an exchange usually moves through them. */
export type ExchangeStatus =
  | 'received'
  | 'processing'
  | 'completed'
  | 'completed_with_errors'
  | 'rejected'
  | 'failed'
  | 'queued'
  | 'delivered'
  | 'dead';

export interface Exchange {
  id: ExchangeId;
  direction: ExchangeDirection;
  kind: string;
  stateCode: string;
  status: ExchangeStatus;
  traceId: string;
  clientId: string | null;
  parentId: string | null;
  msixId: string | null;
  counts: Record<string, number>;
  summary: Record<string, unknown>;
  error: unknown;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}

interface Row {
  id: string;
  direction: ExchangeDirection;
  kind: string;
  state_code: string;
  status: ExchangeStatus;
  trace_id: string;
  client_id: string | null;
  parent_id: string | null;
  msix_id: string | null;
  counts: Record<string, number>;
  summary: Record<string, unknown>;
  error: unknown;
  created_at: Date | string;
  updated_at: Date | string;
  completed_at: Date | string | null;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

function fromRow(r: Row): Exchange {
  return {
    id: r.id as ExchangeId,
    direction: r.direction,
    kind: r.kind,
    stateCode: r.state_code,
    status: r.status,
    traceId: r.trace_id,
    clientId: r.client_id,
    parentId: r.parent_id,
    msixId: r.msix_id,
    counts: r.counts,
    summary: r.summary,
    error: r.error,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    completedAt: iso(r.completed_at),
  };
}

const FINAL: ReadonlySet<ExchangeStatus> = new Set([
  'completed',
  'completed_with_errors',
  'rejected',
  'failed',
  'delivered',
  'dead',
]);

export interface NewExchange {
  direction: ExchangeDirection;
  kind: string;
  stateCode: string;
  status: ExchangeStatus;
  traceId: string;
  clientId?: string | null;
  parentId?: string | null;
  msixId?: string | null;
  counts?: Record<string, number>;
  summary?: Record<string, unknown>;
}

export async function createExchange(db: Db, e: NewExchange): Promise<Exchange> {
  const r = await db.query<Row>(
    `INSERT INTO exchanges (direction, kind, state_code, status, trace_id, client_id, parent_id, msix_id, counts,
     summary, completed_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10, CASE WHEN $11 THEN now() END) RETURNING *`,
    [
      e.direction,
      e.kind,
      e.stateCode,
      e.status,
      e.traceId,
      e.clientId ?? null,
      e.parentId ?? null,
      e.msixId ?? null,
      JSON.stringify(e.counts ?? {}),
      JSON.stringify(e.summary ?? {}),
      FINAL.has(e.status),
    ],
  );
  return fromRow(r.rows[0]!);
}

export interface ExchangeUpdate {
  status?: ExchangeStatus;
  counts?: Record<string, number>;
  summary?: Record<string, unknown>;
  error?: unknown;
  msixId?: string;
}

/** Updates an exchange; `counts` and `summary` are merged into what is there. */
export async function updateExchange(db: Db, id: string, u: ExchangeUpdate): Promise<Exchange | null> {
  const r = await db.query<Row>(
    `UPDATE exchanges SET
       status = COALESCE($2, status),
       counts = counts || $3::jsonb,
       summary = summary || $4::jsonb,
       error = COALESCE($5::jsonb, error),
       msix_id = COALESCE($6, msix_id),
       updated_at = now(),
       completed_at = CASE WHEN $7 THEN COALESCE(completed_at, now()) ELSE completed_at END
     WHERE id = $1 RETURNING *`,
    [
      id,
      u.status ?? null,
      JSON.stringify(u.counts ?? {}),
      JSON.stringify(u.summary ?? {}),
      u.error === undefined ? null : JSON.stringify(u.error),
      u.msixId ?? null,
      u.status ? FINAL.has(u.status) : false,
    ],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

export async function getExchange(db: Db, id: string): Promise<Exchange | null> {
  if (!isUuid(id)) return null;
  const r = await db.query<Row>('SELECT * FROM exchanges WHERE id = $1', [id]);
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

export interface ExchangeFilter {
  stateCode?: string;
  status?: ExchangeStatus;
  kind?: string;
  limit?: number;
  /** Items skipped (the portal's pages); `before` is the API's keyset. */
  offset?: number;
  before?: string;
  /** With `before`: the id of the last item seen (see {@link createdBefore}). */
  beforeId?: string;
  /** Business keys the help desk searches by: the child, an exchange (with its child rows), a record request. */
  msixId?: string;
  exchangeId?: string;
  requestId?: string;
  /** A submitted file's name, as the state named it (case-insensitive, whole name). */
  fileName?: string;
  /** Created on or after `from`, on or before `to` (dates, UTC). */
  from?: string;
  to?: string;
  /**
   * A state's record of a child, by the state's own key (both or neither): the exchanges that last carried the
   * record and every exchange about the child it is linked to, whichever state they went to.
   */
  recordState?: string;
  stateStudentId?: string;
}

/**
 * The one rule the key schema cannot say: a state student id means nothing without its state (ids repeat across
 * states), and a state alone is not a key. The problem names the missing half, for the API and the ledger page
 * (both ask it before searching).
 */
export function ledgerKeyPairIssue(q: { recordState?: string; stateStudentId?: string }): FieldIssue | null {
  if (!!q.recordState === !!q.stateStudentId) return null;
  return q.stateStudentId
    ? {
        path: '/recordState',
        rule: 'required',
        message: 'A state student id needs its state: ids repeat across states',
        fix: 'Give the two letters of the state that assigned the id (recordState)',
      }
    : {
        path: '/stateStudentId',
        rule: 'required',
        message: 'A state alone finds no student',
        fix: "Give the state's student id too (stateStudentId), or filter by the exchange's state instead",
      };
}

/** The ledger filter's WHERE clause and its parameters ($1 to $13), shared by the list and its count. */
function ledgerWhere(f: ExchangeFilter): { where: string; params: unknown[] } {
  const record = f.recordState && f.stateStudentId ? [f.recordState, f.stateStudentId] : [null, null];
  return {
    where: `($1::text IS NULL OR state_code = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL
     OR kind = $3)
       AND ${createdBefore(4, 13)}
       AND ($5::text IS NULL OR msix_id = $5)
       AND ($6::uuid IS NULL OR id = $6 OR parent_id = $6)
       AND ($7::uuid IS NULL OR id IN (SELECT exchange_id FROM record_requests WHERE id = $7))
       AND ($8::text IS NULL OR id IN (SELECT exchange_id FROM submission_files WHERE lower(file_name) = lower($8)))
       AND ($9::date IS NULL OR created_at >= $9::date) AND ($10::date IS NULL OR created_at < $10::date + 1)
       AND ($12::text IS NULL
         OR id IN (SELECT last_exchange_id FROM state_records WHERE state_code = $11 AND state_student_id = $12)
         OR msix_id IN (SELECT l.msix_id FROM links l JOIN state_records r ON r.id = l.record_id
                        WHERE r.state_code = $11 AND r.state_student_id = $12))`,
    params: [
      f.stateCode ?? null,
      f.status ?? null,
      f.kind ?? null,
      f.before ?? null,
      f.msixId ?? null,
      f.exchangeId ?? null,
      f.requestId ?? null,
      f.fileName ?? null,
      f.from ?? null,
      f.to ?? null,
      ...record,
      f.before ? (f.beforeId ?? null) : null,
    ],
  };
}

export async function listExchanges(db: Db, f: ExchangeFilter = {}): Promise<Exchange[]> {
  const { where, params } = ledgerWhere(f);
  const r = await db.query<Row>(
    `SELECT * FROM exchanges WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $14 OFFSET $15`,
    [...params, pageSize(f.limit), f.offset ?? 0],
  );
  return r.rows.map(fromRow);
}

/** How many exchanges the filter finds, counted up to `COUNT_CAP` (the portal's "page 2 of 7"). */
export async function countExchanges(db: Db, f: ExchangeFilter = {}): Promise<Counted> {
  const { where, params } = ledgerWhere(f);
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM exchanges WHERE ${where} LIMIT $14) t`,
    [...params, COUNT_CAP + 1],
  );
  return counted(r.rows[0]?.n ?? 0);
}

/** One ledger entry as the scope sees it: another state's entry is not found (a probe learns nothing). */
export async function readExchange(db: Db, scope: Scope, id: string): Promise<Exchange> {
  const ex = await getExchange(db, id);
  if (!ex || !rowVisible(scope, ex.stateCode)) throw new GatewayError('GW_ERR_NOT_FOUND', `No exchange ${id}.`);
  return shown(scope, ex);
}

/**
 * The ledger as the scope sees it: a state-bound caller's own state only, masked for the help desk. Every search is
 * on the audit trail (`ledger.searched`, with the filter and how many entries it showed): the business keys name a
 * child, so who looked for which child's exchanges is recorded like any other read about a child.
 */
export async function searchLedger(db: Db, scope: Scope, f: ExchangeFilter = {}): Promise<Exchange[]> {
  const items = await listExchanges(db, { ...f, stateCode: listState(scope, f.stateCode) });
  await scope.audit.disclosed({
    action: 'ledger.searched',
    msixId: f.msixId ?? null,
    fields: ['exchange'],
    details: { filter: searchedFilter(f), shown: items.length },
  });
  return shown(scope, items);
}

/** The filter as the audit trail records it: the keys asked for, without paging or empty ones. */
function searchedFilter(f: ExchangeFilter): Record<string, string> {
  const { limit: _limit, offset: _offset, before: _before, beforeId: _beforeId, ...keys } = f;
  return Object.fromEntries(Object.entries(keys).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** How many ledger entries a search finds as the scope sees them, counted up to `COUNT_CAP`. */
export async function countLedger(db: Db, scope: Scope, f: ExchangeFilter = {}): Promise<Counted> {
  return countExchanges(db, { ...f, stateCode: listState(scope, f.stateCode) });
}
