/**
 * The SIF objects table: one row per object a state wrote through the SIF surface (or reference data loaded for it),
 * holding the schema-shaped tree as sent, with the references the rest of the gateway needs as columns.
 */
import type { Db } from '../store/db.js';
import type { SifElement } from '../../mappings/sif/tree.js';
import type { SifObjectName } from '../../specs/sif/objects.js';

export interface SifObjectRow {
  refId: string;
  stateCode: string;
  zoneId: string;
  object: SifObjectName;
  studentRef: string | null;
  schoolRef: string | null;
  stateStudentId: string | null;
  body: SifElement;
  changeSeq: number;
  deleted: boolean;
}

interface Row {
  ref_id: string;
  state_code: string;
  zone_id: string;
  object: SifObjectName;
  student_ref: string | null;
  school_ref: string | null;
  state_student_id: string | null;
  body: SifElement;
  change_seq: string | number;
  deleted_at: Date | string | null;
}

const fromRow = (r: Row): SifObjectRow => ({
  refId: r.ref_id,
  stateCode: r.state_code,
  zoneId: r.zone_id,
  object: r.object,
  studentRef: r.student_ref,
  schoolRef: r.school_ref,
  stateStudentId: r.state_student_id,
  body: r.body,
  changeSeq: Number(r.change_seq),
  deleted: r.deleted_at !== null,
});

/** One object by RefId (deleted ones too when `withDeleted`), optionally locked for the transaction. */
export async function findSifObject(
  db: Db,
  refId: string,
  opts: { lock?: boolean; withDeleted?: boolean } = {},
): Promise<SifObjectRow | null> {
  const r = await db.query<Row>(
    `SELECT * FROM sif_objects WHERE ref_id = $1 ${opts.withDeleted ? '' : 'AND deleted_at IS NULL'}
     ${opts.lock ? 'FOR UPDATE' : ''}`,
    [refId],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

/** What a write supplies: the row without what the table assigns (change number, deletion). */
export type PutObject = Omit<SifObjectRow, 'changeSeq' | 'deleted'>;

/** Inserts or replaces an object (a deleted one comes back), with a new change number. */
export async function putSifObject(db: Db, o: PutObject): Promise<SifObjectRow> {
  const r = await db.query<Row>(
    `INSERT INTO sif_objects (ref_id, state_code, zone_id, object, student_ref, school_ref, state_student_id, body)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
     ON CONFLICT (ref_id) DO UPDATE SET zone_id = EXCLUDED.zone_id, student_ref = EXCLUDED.student_ref,
       school_ref = EXCLUDED.school_ref, state_student_id = EXCLUDED.state_student_id, body = EXCLUDED.body,
       change_seq = edfi_change_version(), deleted_at = NULL, updated_at = now()
     RETURNING *`,
    [o.refId, o.stateCode, o.zoneId, o.object, o.studentRef, o.schoolRef, o.stateStudentId, JSON.stringify(o.body)],
  );
  return fromRow(r.rows[0]!);
}

export async function deleteSifObject(db: Db, refId: string): Promise<void> {
  await db.query(
    `UPDATE sif_objects SET deleted_at = now(), change_seq = edfi_change_version(), updated_at = now()
     WHERE ref_id = $1`,
    [refId],
  );
}

/** The live objects of one student (StudentPersonal RefId) in a state. */
export async function objectsOfStudent(db: Db, stateCode: string, studentRef: string): Promise<SifObjectRow[]> {
  const r = await db.query<Row>(
    `SELECT * FROM sif_objects WHERE state_code = $1 AND deleted_at IS NULL
     AND (ref_id = $2 OR student_ref = $2) ORDER BY created_at, ref_id`,
    [stateCode, studentRef],
  );
  return r.rows.map(fromRow);
}

export interface ListQuery {
  stateCode: string;
  zoneId: string;
  object: SifObjectName;
  /** Only objects whose student (or school) is this RefId: service paths. */
  studentRef?: string;
  schoolRef?: string;
  /** Only students with an enrollment at this school (SchoolInfos/{RefId}/StudentPersonals). */
  enrolledAt?: string;
  /** Only objects changed after this change number (deleted ones included). */
  since?: number;
  offset: number;
  limit: number;
}

/** One page of a state's objects, oldest first, with the total. */
export async function listSifObjects(db: Db, q: ListQuery): Promise<{ rows: SifObjectRow[]; total: number }> {
  const where = ['state_code = $1', 'zone_id = $2', 'object = $3'];
  const params: unknown[] = [q.stateCode, q.zoneId, q.object];
  if (q.since === undefined) where.push('deleted_at IS NULL');
  else {
    params.push(q.since);
    // Only changes every earlier transaction has committed up to (the same horizon as the marker).
    where.push(`change_seq > $${params.length} AND change_seq <= edfi_newest_change_version()`);
  }
  if (q.studentRef) {
    params.push(q.studentRef);
    where.push(`student_ref = $${params.length}`);
  }
  if (q.schoolRef) {
    params.push(q.schoolRef);
    where.push(`school_ref = $${params.length}`);
  }
  if (q.enrolledAt) {
    params.push(q.enrolledAt);
    where.push(
      `ref_id IN (SELECT student_ref FROM sif_objects WHERE school_ref = $${params.length} AND deleted_at IS NULL)`,
    );
  }
  const w = where.join(' AND ');
  const order = q.since === undefined ? 'created_at, ref_id' : 'change_seq';
  const total = await db.query<{ n: string }>(`SELECT count(*) AS n FROM sif_objects WHERE ${w}`, params);
  const rows = await db.query<Row>(
    `SELECT * FROM sif_objects WHERE ${w} ORDER BY ${order} OFFSET ${q.offset} LIMIT ${q.limit}`,
    params,
  );
  return { rows: rows.rows.map(fromRow), total: Number(total.rows[0]!.n) };
}

/**
 * The marker a consumer passes as changesSinceMarker next time: the newest change version below which every
 * transaction has ended, so no change can still commit under it (max(change_seq) could skip a late commit).
 */
export async function currentChangeMarker(db: Db): Promise<number> {
  const r = await db.query<{ m: string | null }>('SELECT edfi_newest_change_version() AS m');
  return Math.max(0, Number(r.rows[0]?.m ?? 0));
}

/** The StudentPersonal RefIds of a state's students by state student id (for messages about them). */
export async function studentRefsByStateId(db: Db, stateCode: string, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  const r = await db.query<{ ref_id: string }>(
    `SELECT ref_id FROM sif_objects WHERE state_code = $1 AND object = 'StudentPersonal' AND deleted_at IS NULL
     AND state_student_id = ANY($2::text[]) ORDER BY created_at`,
    [stateCode, ids],
  );
  return r.rows.map((x) => x.ref_id);
}
