import type { Db } from './store/db.js';

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

/** Records an event in the caller's transaction (the outbox pattern). */
export async function emitStudentEvent(db: Db, e: Omit<StudentEvent, 'id' | 'at'>): Promise<void> {
  await db.query(
    'INSERT INTO student_events (msix_id, record_id, state_code, kind, details, trace_id) VALUES ($1,$2,$3,$4,$5,$6)',
    [e.msixId, e.recordId, e.stateCode, e.kind, JSON.stringify(e.details), e.traceId],
  );
}

interface Row {
  id: number;
  msix_id: string;
  record_id: string | null;
  state_code: string | null;
  kind: StudentEventKind;
  details: Record<string, unknown>;
  trace_id: string | null;
  at: Date | string;
}

/**
 * Hands a consumer the events after its cursor and advances the cursor in the
 * same transaction as the consumer's own writes, so each event is handled once.
 */
export async function consumeStudentEvents(
  db: Db,
  consumer: string,
  limit: number,
  handle: (tx: Db, events: StudentEvent[]) => Promise<void>,
): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.query('INSERT INTO event_cursors (consumer) VALUES ($1) ON CONFLICT DO NOTHING', [consumer]);
    const cur = await tx.query<{ last_id: number }>(
      'SELECT last_id FROM event_cursors WHERE consumer = $1 FOR UPDATE',
      [consumer],
    );
    const last = cur.rows[0]?.last_id ?? 0;
    const r = await tx.query<Row>('SELECT * FROM student_events WHERE id > $1 ORDER BY id LIMIT $2', [last, limit]);
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
    await tx.query('UPDATE event_cursors SET last_id = $2, updated_at = now() WHERE consumer = $1', [
      consumer,
      events[events.length - 1]!.id,
    ]);
    return events.length;
  });
}
