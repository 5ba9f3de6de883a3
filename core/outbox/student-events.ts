/**
 * The student events outbox: what happened to a consolidated student, written
 * in the same transaction as the change, read by consumers (move notices,
 * reports) each exactly once.
 *
 * Why a cursor on (transaction id, id) and not on id alone: `id` comes from a
 * sequence, so it is taken when a row is inserted, not when its transaction
 * commits. Match jobs run several at once inside long transactions: event 7
 * can commit after event 8, and a consumer that read 8 and moved its cursor
 * to 8 would never see 7.
 *
 * Every row records the id of the transaction that wrote it (`xid`, an xid8
 * defaulting to `pg_current_xact_id()`, which is the top-level transaction's
 * id even inside a savepoint), so the column default alone makes every
 * writer safe; all of them go through `emit_student_events` (below). A consumer reads only rows whose `xid` is
 * below the `xmin` of its statement's snapshot, in (xid, id) order, after its
 * cursor. The proof that nothing is skipped:
 *
 * 1. `xmin` of a snapshot is the oldest transaction id still running when it
 *    was taken; every transaction with a smaller id had ended (committed or
 *    aborted) by then, and the snapshot sees exactly the committed ones.
 *    `pg_current_snapshot()` is the statement's own snapshot, so the rows the
 *    statement returns and the `xmin` it filters by belong together.
 * 2. So every row with `xid < xmin` that will ever exist is visible to the
 *    statement: none can still appear below that line.
 * 3. Any row committed later has `xid >= xmin` (its transaction was running or
 *    had not started), which is above every (xid, id) the consumer has read,
 *    so it comes after the cursor.
 * 4. Rows are read in (xid, id) order and the cursor moves to the last row
 *    handled, in the same transaction as the consumer's own writes: each row is
 *    handled once, and a failed batch is read again.
 *
 * The price: a write transaction left open holds every consumer back until it
 * ends (set `idle_in_transaction_session_timeout` on the server). Read-only
 * transactions (a pg_dump, a report) hold nothing back: they have no xid.
 */
import type { Db } from '../store/db.js';
import type { ModuleSqlFile } from '../store/migrate.js';

/** What can happen to a consolidated student; consumers react to these. */
export type StudentEventKind =
  | 'student-created'
  | 'record-linked'
  | 'record-updated'
  | 'record-withdrawn'
  | 'review-opened'
  | 'students-merged'
  | 'student-split'
  | 'link-changed';

export interface StudentEvent {
  id: number;
  msixId: string;
  recordId: string | null;
  stateCode: string | null;
  kind: StudentEventKind;
  details: Record<string, unknown>;
  traceId: string | null;
  at: string;
}

/**
 * Records events in the caller's transaction (the outbox pattern), in order, with one statement: the SQL
 * function `emit_student_events` (student-events.sql beside this module, run again by the migrator when it
 * changes), which the match job's one-call commit (core/matching-store/place-writes.sql) calls too.
 */
export async function emitStudentEvents(db: Db, events: readonly Omit<StudentEvent, 'id' | 'at'>[]): Promise<void> {
  if (!events.length) return;
  await db.query('SELECT emit_student_events($1::json)', [
    JSON.stringify(
      events.map((e) => ({
        msix_id: e.msixId,
        record_id: e.recordId,
        state_code: e.stateCode,
        kind: e.kind,
        details: e.details,
        trace_id: e.traceId,
      })),
    ),
  ]);
}

/** {@link emitStudentEvents} with one event. */
export async function emitStudentEvent(db: Db, e: Omit<StudentEvent, 'id' | 'at'>): Promise<void> {
  await emitStudentEvents(db, [e]);
}

/** The file of `emit_student_events`. */
export const STUDENT_EVENTS_SQL: ModuleSqlFile = {
  id: 'core/outbox/student-events',
  url: new URL('./student-events.sql', import.meta.url),
};

interface Row {
  id: number;
  xid: string;
  msix_id: string;
  record_id: string | null;
  state_code: string | null;
  kind: StudentEventKind;
  details: Record<string, unknown>;
  trace_id: string | null;
  at: Date | string;
}

/**
 * Hands a consumer the events after its cursor that no running transaction
 * can still precede, and advances the cursor in the same transaction as the
 * consumer's own writes, so each event is handled once. Returns how many.
 */
export async function consumeStudentEvents(
  db: Db,
  consumer: string,
  limit: number,
  handle: (tx: Db, events: StudentEvent[]) => Promise<void>,
): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query('INSERT INTO event_cursors (consumer) VALUES ($1) ON CONFLICT DO NOTHING', [consumer]);
    const cur = await tx.query<{ last_xid: string; last_id: number }>(
      'SELECT last_xid::text AS last_xid, last_id FROM event_cursors WHERE consumer = $1 FOR UPDATE',
      [consumer],
    );
    const { last_xid: lastXid, last_id: lastId } = cur.rows[0]!;
    const r = await tx.query<Row>(
      `SELECT id, xid::text AS xid, msix_id, record_id, state_code, kind, details, trace_id, at FROM student_events
       WHERE (xid, id) > ($1::xid8, $2::bigint) AND xid < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY xid, id LIMIT $3`,
      [lastXid, lastId, limit],
    );
    if (!r.rows.length) return 0;
    const events = r.rows.map((x) => ({
      id: x.id,
      msixId: x.msix_id,
      recordId: x.record_id,
      stateCode: x.state_code,
      kind: x.kind,
      details: x.details,
      traceId: x.trace_id,
      at: new Date(x.at).toISOString(),
    }));
    await handle(tx, events);
    const last = r.rows[r.rows.length - 1]!;
    await tx.query(
      'UPDATE event_cursors SET last_xid = $2::xid8, last_id = $3, updated_at = now() WHERE consumer = $1',
      [consumer, last.xid, last.id],
    );
    return events.length;
  });
}
