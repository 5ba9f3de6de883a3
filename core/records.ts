import type { Db } from './store/db.js';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { contentHash } from './canonical-json.js';
import type { ModuleSqlFile } from './store/migrate.js';

/** What happened to one submitted record. `unchanged` means the same content was already stored: nothing to do. */
export type ApplyStatus = 'created' | 'updated' | 'unchanged' | 'withdrawn' | 'not_found';

export interface ApplyOutcome {
  stateStudentId: string;
  recordId: string | null;
  status: ApplyStatus;
  version: number;
  /** True when the matcher must look at this record again. */
  needsMatch: boolean;
}

export interface StoredRecord {
  id: string;
  stateCode: string;
  stateStudentId: string;
  status: 'active' | 'withdrawn';
  record: StateRecord;
  version: number;
  matchStatus: 'pending' | 'matched' | 'review';
  receivedAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  state_code: string;
  state_student_id: string;
  status: 'active' | 'withdrawn';
  record: StateRecord;
  version: number;
  match_status: 'pending' | 'matched' | 'review';
  received_at: Date | string;
  updated_at: Date | string;
  content_hash?: string;
}

export function storedFromRow(r: Row): StoredRecord {
  return {
    id: r.id,
    stateCode: r.state_code,
    stateStudentId: r.state_student_id,
    status: r.status,
    record: r.record,
    version: r.version,
    matchStatus: r.match_status,
    receivedAt: new Date(r.received_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/**
 * The state records aggregate's set-based write, in SQL for speed: this module owns `records.sql` (the function
 * `apply_state_records`), which the migrator runs again whenever it changes. Every write of a submitted record
 * goes through it: the API and Ed-Fi through {@link applyStateRecord}, batch files through
 * {@link applyStateRecords}, and the Ed-Fi one-statement Student creation from SQL (core/edfi/create-student.sql).
 */
export const STATE_RECORDS_SQL: ModuleSqlFile = { id: 'core/records', url: new URL('./records.sql', import.meta.url) };

/** One record to apply, with the code set version it was validated against. */
export interface ApplyItem {
  record: StateRecord;
  codesetVersion: string;
}

/** What `apply_state_records` reads for one item (JSON built with JSON.stringify, never by hand). */
interface SqlItem {
  i: number;
  state: string;
  sid: string;
  del: boolean;
  rec: Omit<StateRecord, 'action'> | null;
  hash: string | null;
  csv: string;
}

const NEEDS_MATCH: Record<ApplyStatus, boolean> = {
  created: true,
  updated: true,
  withdrawn: true,
  unchanged: false,
  not_found: false,
};

/**
 * Applies validated canonical records with MSIX insert/update/delete semantics, in the caller's transaction;
 * outcomes in input order. Insert and update both upsert (a state resending an insert for a child it already
 * sent is an update, not an error); the same content twice is `unchanged`, so resending a file creates nothing
 * new. One statement per run of items that names each student once: a batch that names a student twice is
 * applied in order, the later item seeing what the earlier one wrote.
 */
export async function applyStateRecords(
  tx: Db,
  items: readonly ApplyItem[],
  exchangeId: string | null,
): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  let run: SqlItem[] = [];
  let inRun = new Set<string>();
  const flush = async () => {
    if (!run.length) return;
    const r = await tx.query<{ i: number; record_id: string | null; outcome: ApplyStatus; version: number }>(
      'SELECT i, record_id, outcome, version FROM apply_state_records($1::uuid, $2::json)',
      [exchangeId, JSON.stringify(run)],
    );
    for (const row of r.rows) {
      outcomes[row.i] = {
        stateStudentId: items[row.i]!.record.stateStudentId,
        recordId: row.record_id,
        status: row.outcome,
        version: row.version,
        needsMatch: NEEDS_MATCH[row.outcome],
      };
    }
    run = [];
    inRun = new Set();
  };
  for (const [i, { record, codesetVersion }] of items.entries()) {
    const key = `${record.stateCode}\u0000${record.stateStudentId}`;
    if (inRun.has(key)) await flush();
    inRun.add(key);
    const del = (record.action ?? 'insert') === 'delete';
    const { action: _ignored, ...body } = record;
    run.push({
      i,
      state: record.stateCode,
      sid: record.stateStudentId,
      del,
      rec: del ? null : body,
      hash: del ? null : contentHash(body),
      csv: codesetVersion,
    });
  }
  await flush();
  return outcomes;
}

/** {@link applyStateRecords} with one record. */
export async function applyStateRecord(
  db: Db,
  rec: StateRecord,
  codesetVersion: string,
  exchangeId: string | null,
): Promise<ApplyOutcome> {
  return (await applyStateRecords(db, [{ record: rec, codesetVersion }], exchangeId))[0]!;
}

/**
 * Sets the match status of records (the matcher's verdict on them); with `versions`, only where the record is
 * still that version and pending (a record updated since waits for its own match job). The SQL function
 * `set_match_status` (records.sql) is also what the match job's one-call commit uses.
 */
export async function setMatchStatus(
  tx: Db,
  ids: readonly string[],
  status: 'matched' | 'review' | readonly ('matched' | 'review')[],
  versions?: readonly number[],
): Promise<void> {
  if (!ids.length) return;
  const statuses = typeof status === 'string' ? ids.map(() => status) : status;
  await tx.query('SELECT set_match_status($1::uuid[], $2::text[], $3::int[])', [ids, statuses, versions ?? null]);
}

export async function findStateRecord(db: Db, stateCode: string, stateStudentId: string): Promise<StoredRecord | null> {
  const r = await db.query<Row>('SELECT * FROM state_records WHERE state_code = $1 AND state_student_id = $2', [
    stateCode,
    stateStudentId,
  ]);
  return r.rows[0] ? storedFromRow(r.rows[0]) : null;
}

/** Records accepted but not yet matched (for example because the queue was down): the sweeper re-enqueues them. */
export async function pendingMatches(
  db: Db,
  olderThanMs: number,
  limit = 1000,
): Promise<{ id: string; version: number }[]> {
  const r = await db.query<{ id: string; version: number }>(
    `SELECT id, version FROM state_records WHERE match_status = 'pending'
     AND updated_at < now() - ($1::double precision * interval '1 millisecond')
     ORDER BY updated_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return r.rows;
}
