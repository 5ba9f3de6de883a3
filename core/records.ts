import type { Db } from './store/db.js';
import type { StateRecord } from '../specs/canonical/state-record.js';
import { contentHash } from './canonical-json.js';

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
 * Applies one validated canonical record with MSIX insert/update/delete
 * semantics. Insert and update both upsert (a state resending an insert for a
 * child it already sent is an update, not an error); the same content twice is
 * `unchanged`, so resending a file creates nothing new.
 */
export async function applyStateRecord(
  db: Db,
  rec: StateRecord,
  codesetVersion: string,
  exchangeId: string | null,
): Promise<ApplyOutcome> {
  const action = rec.action ?? 'insert';
  const existing = await db.query<Row>(
    'SELECT id, status, version, content_hash FROM state_records WHERE state_code = $1 AND ' +
      'state_student_id = $2 FOR UPDATE',
    [rec.stateCode, rec.stateStudentId],
  );
  const cur = existing.rows[0];
  if (action === 'delete') {
    if (!cur)
      return { stateStudentId: rec.stateStudentId, recordId: null, status: 'not_found', version: 0, needsMatch: false };
    if (cur.status === 'withdrawn')
      return {
        stateStudentId: rec.stateStudentId,
        recordId: cur.id,
        status: 'unchanged',
        version: cur.version,
        needsMatch: false,
      };
    const r = await db.query<{ version: number }>(
      `UPDATE state_records SET status = 'withdrawn', version = version + 1, match_status = 'pending',
       last_exchange_id = $2, updated_at = now()
       WHERE id = $1 RETURNING version`,
      [cur.id, exchangeId],
    );
    return {
      stateStudentId: rec.stateStudentId,
      recordId: cur.id,
      status: 'withdrawn',
      version: r.rows[0]!.version,
      needsMatch: true,
    };
  }
  const { action: _ignored, ...body } = rec;
  const hash = contentHash(body);
  const cols = [
    JSON.stringify(body),
    hash,
    codesetVersion,
    exchangeId,
    rec.identity.firstName,
    rec.identity.lastName1,
    rec.identity.birthDate,
  ];
  if (!cur) {
    const r = await db.query<{ id: string }>(
      `INSERT INTO state_records (state_code, state_student_id, record, content_hash, codeset_version, last_exchange_id,
       first_name, last_name1, birth_date)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
      [rec.stateCode, rec.stateStudentId, ...cols],
    );
    return {
      stateStudentId: rec.stateStudentId,
      recordId: r.rows[0]!.id,
      status: 'created',
      version: 1,
      needsMatch: true,
    };
  }
  if (cur.content_hash === hash && cur.status === 'active') {
    return {
      stateStudentId: rec.stateStudentId,
      recordId: cur.id,
      status: 'unchanged',
      version: cur.version,
      needsMatch: false,
    };
  }
  const r = await db.query<{ version: number }>(
    `UPDATE state_records SET record = $2, content_hash = $3, codeset_version = $4, last_exchange_id = $5,
     first_name = $6,
       last_name1 = $7, birth_date = $8, status = 'active', version = version + 1, match_status = 'pending',
       updated_at = now()
     WHERE id = $1 RETURNING version`,
    [cur.id, ...cols],
  );
  return {
    stateStudentId: rec.stateStudentId,
    recordId: cur.id,
    status: 'updated',
    version: r.rows[0]!.version,
    needsMatch: true,
  };
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
