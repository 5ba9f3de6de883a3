import { createdBefore, pageSize } from '../../paging.js';
import type { Student } from '@msix/adapter-sdk/canonical';
import type { Db } from '../../store/db.js';
import { GatewayError } from '../../errors.js';
import { createExchange } from '../../ledger.js';
import { listState, type Scope } from '../../security/scope.js';
import { createDelivery, type Delivery } from '../delivery/deliveries.js';
import { isExchangeUuid, type NoticeId } from '../ids.js';
import { moveDedupeKey, newEnrollmentFacts, type Move } from './move-detection.js';

export interface Notice {
  id: NoticeId;
  kind: 'move' | 'departure';
  msixId: string;
  fromState: string;
  toState: string;
  enrollment: Record<string, unknown> | null;
  expectedArrival: string | null;
  comment: string | null;
  exchangeId: string | null;
  createdBy: string;
  createdAt: string;
}

interface Row {
  id: string;
  kind: 'move' | 'departure';
  msix_id: string;
  from_state: string;
  to_state: string;
  enrollment: Record<string, unknown> | null;
  expected_arrival: Date | string | null;
  comment: string | null;
  exchange_id: string | null;
  created_by: string;
  created_at: Date | string;
}

const day = (d: Date | string | null): string | null =>
  d === null ? null : typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);

function fromRow(r: Row): Notice {
  return {
    id: r.id as NoticeId,
    kind: r.kind,
    msixId: r.msix_id,
    fromState: r.from_state,
    toState: r.to_state,
    enrollment: r.enrollment,
    expectedArrival: day(r.expected_arrival),
    comment: r.comment,
    exchangeId: r.exchange_id,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

interface NewNotice {
  kind: 'move' | 'departure';
  dedupeKey: string;
  msixId: string;
  fromState: string;
  toState: string;
  enrollment?: Record<string, unknown> | null;
  expectedArrival?: string | null;
  comment?: string | null;
  eventId?: number | null;
  createdBy: string;
  traceId: string;
}

/** Inserts the notice once per dedupe key, with its ledger row; null when this move was already noticed. */
async function insertNotice(tx: Db, n: NewNotice): Promise<Notice | null> {
  const r = await tx.query<Row>(
    `INSERT INTO move_notices (kind, dedupe_key, msix_id, from_state, to_state, enrollment, expected_arrival, comment,
     event_id, created_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
    [
      n.kind,
      n.dedupeKey,
      n.msixId,
      n.fromState,
      n.toState,
      n.enrollment ? JSON.stringify(n.enrollment) : null,
      n.expectedArrival ?? null,
      n.comment ?? null,
      n.eventId ?? null,
      n.createdBy,
    ],
  );
  if (!r.rows[0]) return null;
  const ex = await createExchange(tx, {
    direction: 'outbound',
    kind: `${n.kind}-notice`,
    stateCode: n.toState,
    status: 'completed',
    traceId: n.traceId,
    msixId: n.msixId,
    summary: { noticeId: r.rows[0].id, fromState: n.fromState, toState: n.toState },
  });
  await tx.query('UPDATE move_notices SET exchange_id = $2 WHERE id = $1', [r.rows[0].id, ex.id]);
  return fromRow({ ...r.rows[0], exchange_id: ex.id });
}

/** State student ids a state uses for the child, so its system can find the child without the MSIX id. */
function idsIn(student: Student, state: string): string[] {
  return [...new Set(student.records.filter((r) => r.stateCode === state).map((r) => r.stateStudentId))];
}

/**
 * The notices of one move: the state the child left learns where the child
 * enrolled; the new state learns the child's history and gets the
 * consolidated record. Nothing is created when the move was already noticed.
 */
export async function createMoveNotice(
  tx: Db,
  input: { msixId: string; move: Move; student: Student; eventId: number | null; traceId: string },
): Promise<{ notice: Notice; deliveries: Delivery[] } | null> {
  const { msixId, move, student } = input;
  const notice = await insertNotice(tx, {
    kind: 'move',
    dedupeKey: moveDedupeKey(msixId, move),
    msixId,
    fromState: move.fromState,
    toState: move.toState,
    enrollment: newEnrollmentFacts(move.enrollment),
    eventId: input.eventId,
    createdBy: 'system',
    traceId: input.traceId,
  });
  if (!notice) return null;
  const common = { noticeId: notice.id, msixId, fromState: move.fromState, toState: move.toState };
  const departed = await createDelivery(tx, {
    stateCode: move.fromState,
    kind: 'move-notice',
    msixId,
    ordered: true,
    traceId: input.traceId,
    noticeId: notice.id,
    parentExchangeId: notice.exchangeId,
    data: {
      ...common,
      role: 'departed',
      yourStudentIds: idsIn(student, move.fromState),
      newEnrollment: newEnrollmentFacts(move.enrollment),
    },
    summary: { noticeId: notice.id, role: 'departed' },
    disclosure: {
      fields: ['enrollment.stateCode', 'enrollment.school', 'enrollment.enrollmentDate', 'enrollment.gradeLevel'],
      reason: `move notice ${notice.id}: the child left ${move.fromState} and enrolled in ${move.toState}`,
    },
  });
  const arrived = await createDelivery(tx, {
    stateCode: move.toState,
    kind: 'move-notice',
    msixId,
    ordered: true,
    traceId: input.traceId,
    noticeId: notice.id,
    parentExchangeId: notice.exchangeId,
    data: {
      ...common,
      role: 'arrived',
      yourStudentIds: idsIn(student, move.toState),
      historyStates: student.states.filter((s) => s !== move.toState),
      student,
    },
    summary: { noticeId: notice.id, role: 'arrived' },
    disclosure: {
      fields: ['*'],
      recordIds: student.records.map((r) => r.recordId),
      reason: `move notice ${notice.id}: the child enrolled in ${move.toState} and has history in ${move.fromState}`,
    },
  });
  return { notice, deliveries: [departed, arrived] };
}

export interface DepartureInput {
  msixId: string;
  fromState: string;
  toState: string;
  expectedArrival: string | null;
  comment: string | null;
  createdBy: string;
  student: Student;
  traceId: string;
  today: string;
}

/**
 * A departure notice (the state the child is leaving tells the state the child
 * is going to), with the consolidated record so the new school has it on the
 * first day. One per student, states and expected arrival date: sending it
 * twice returns the first.
 */
export async function createDepartureNotice(
  tx: Db,
  d: DepartureInput,
): Promise<{ notice: Notice; delivery: Delivery | null; created: boolean }> {
  const key = ['departure', d.msixId, d.fromState, d.toState, d.expectedArrival ?? d.today].join('|');
  const notice = await insertNotice(tx, {
    kind: 'departure',
    dedupeKey: key,
    msixId: d.msixId,
    fromState: d.fromState,
    toState: d.toState,
    expectedArrival: d.expectedArrival,
    comment: d.comment,
    createdBy: d.createdBy,
    traceId: d.traceId,
  });
  if (!notice) {
    const r = await tx.query<Row>('SELECT * FROM move_notices WHERE dedupe_key = $1', [key]);
    return { notice: fromRow(r.rows[0]!), delivery: null, created: false };
  }
  const delivery = await createDelivery(tx, {
    stateCode: d.toState,
    kind: 'departure-notice',
    msixId: d.msixId,
    ordered: true,
    traceId: d.traceId,
    noticeId: notice.id,
    parentExchangeId: notice.exchangeId,
    data: {
      noticeId: notice.id,
      msixId: d.msixId,
      fromState: d.fromState,
      toState: d.toState,
      expectedArrival: d.expectedArrival,
      comment: d.comment,
      historyStates: d.student.states,
      student: d.student,
    },
    summary: { noticeId: notice.id },
    disclosure: {
      fields: ['*'],
      recordIds: d.student.records.map((r) => r.recordId),
      reason: `departure notice ${notice.id}: ${d.fromState} says the child is on the way to ${d.toState}`,
    },
  });
  return { notice, delivery, created: true };
}

export async function getNotice(db: Db, id: string): Promise<Notice | null> {
  if (!isExchangeUuid(id)) return null;
  const r = await db.query<Row>('SELECT * FROM move_notices WHERE id = $1', [id]);
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

export interface NoticeFilter {
  state?: string;
  msixId?: string;
  kind?: 'move' | 'departure';
  limit?: number;
  before?: string;
  /** With `before`: the id of the last item seen (see {@link createdBefore}). */
  beforeId?: string;
}

/** Notices newest first; `state` matches either end of the move. */
export async function listNotices(db: Db, f: NoticeFilter = {}): Promise<Notice[]> {
  const r = await db.query<Row>(
    `SELECT * FROM move_notices WHERE ($1::text IS NULL OR from_state = $1 OR to_state = $1) AND ($2::text IS NULL
     OR msix_id = $2)
       AND ($3::text IS NULL OR kind = $3) AND ${createdBefore(4, 6)}
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [
      f.state ?? null,
      f.msixId ?? null,
      f.kind ?? null,
      f.before ?? null,
      pageSize(f.limit),
      f.before ? (f.beforeId ?? null) : null,
    ],
  );
  return r.rows.map(fromRow);
}

/** One notice as the scope sees it: the two states it is about, or any for national roles. */
export async function readNotice(db: Db, scope: Scope, id: string): Promise<Notice> {
  const n = await getNotice(db, id);
  if (!n || (scope.state !== null && scope.state !== n.fromState && scope.state !== n.toState)) {
    throw new GatewayError('GW_ERR_NOT_FOUND', `No notice ${id}.`);
  }
  return n;
}

/** Notices as the scope sees them: a state-bound caller's sent and received ones only. */
export async function searchNotices(db: Db, scope: Scope, f: NoticeFilter = {}): Promise<Notice[]> {
  const state = listState(scope, f.state);
  return listNotices(db, { ...f, ...(state ? { state } : {}) });
}
