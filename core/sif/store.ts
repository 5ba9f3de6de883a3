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

/** What `write_sif_objects` reads per row (JSON built with JSON.stringify). */
const sqlRow = (o: PutObject) => ({
  ref_id: o.refId,
  state_code: o.stateCode,
  zone_id: o.zoneId,
  object: o.object,
  student_ref: o.studentRef,
  school_ref: o.schoolRef,
  state_student_id: o.stateStudentId,
  body: o.body,
});

/**
 * Writes objects in one statement, each with a new change number. `insert`: new objects only (a RefId already taken,
 * even by a concurrent writer, fails with 23505 rather than overwrite another's object); `upsert`: inserts or
 * replaces (a deleted one comes back). Every write of the table goes through here, one row or many.
 */
export async function writeSifObjects(db: Db, rows: readonly PutObject[], mode: 'insert' | 'upsert'): Promise<void> {
  if (!rows.length) return;
  await db.query(
    // The change version is the transaction's, the same for every row: read once, not once per row. The rows come as
    // json, not jsonb: each body is then read into jsonb once, where jsonb first built the whole array as one value
    // (a third slower for 1,000 StudentPersonals, issue 15).
    `WITH v AS MATERIALIZED (SELECT edfi_change_version() AS change_seq)
     INSERT INTO sif_objects (ref_id, state_code, zone_id, object, student_ref, school_ref, state_student_id, body,
       change_seq)
     SELECT x.ref_id, x.state_code, x.zone_id, x.object, x.student_ref, x.school_ref, x.state_student_id, x.body,
       v.change_seq
     FROM v, json_to_recordset($1::json) AS x(ref_id text, state_code text, zone_id text, object text,
       student_ref text, school_ref text, state_student_id text, body jsonb)
     ${
       mode === 'insert'
         ? ''
         : `ON CONFLICT (ref_id) DO UPDATE SET zone_id = EXCLUDED.zone_id, student_ref = EXCLUDED.student_ref,
       school_ref = EXCLUDED.school_ref, state_student_id = EXCLUDED.state_student_id, body = EXCLUDED.body,
       change_seq = EXCLUDED.change_seq, deleted_at = NULL, updated_at = now()`
     }`,
    [JSON.stringify(rows.map(sqlRow))],
  );
}

/** Inserts or replaces one object (reference data, tests): {@link writeSifObjects} with one row. */
export async function putSifObject(db: Db, o: PutObject): Promise<void> {
  await writeSifObjects(db, [o], 'upsert');
}

/** Marks objects deleted, with a new change number (changesSinceMarker reports the deletion). */
export async function deleteSifObjects(db: Db, refIds: readonly string[]): Promise<void> {
  if (!refIds.length) return;
  await db.query(
    `UPDATE sif_objects SET deleted_at = now(), change_seq = edfi_change_version(), updated_at = now()
     WHERE ref_id = ANY($1::text[])`,
    [refIds],
  );
}

/** Objects by RefId, deleted ones included, locked for the transaction (a writer's first look). */
export async function lockSifObjects(db: Db, refIds: readonly string[]): Promise<Map<string, SifObjectRow>> {
  if (!refIds.length) return new Map();
  const r = await db.query<Row>('SELECT * FROM sif_objects WHERE ref_id = ANY($1::text[]) FOR UPDATE', [refIds]);
  return new Map(r.rows.map((x) => [x.ref_id, fromRow(x)]));
}

/** Live objects by RefId (references to check, schools to read). */
export async function liveSifObjects(db: Db, refIds: readonly string[]): Promise<Map<string, SifObjectRow>> {
  if (!refIds.length) return new Map();
  const r = await db.query<Row>('SELECT * FROM sif_objects WHERE ref_id = ANY($1::text[]) AND deleted_at IS NULL', [
    refIds,
  ]);
  return new Map(r.rows.map((x) => [x.ref_id, fromRow(x)]));
}

/**
 * The live objects of students (StudentPersonal RefIds) in a state, grouped by student, each group in creation
 * order: the StudentPersonal itself and every object whose student it is.
 */
export async function objectsOfStudents(
  db: Db,
  stateCode: string,
  studentRefs: readonly string[],
): Promise<Map<string, SifObjectRow[]>> {
  const groups = new Map<string, SifObjectRow[]>(studentRefs.map((k) => [k, []]));
  if (!studentRefs.length) return groups;
  const r = await db.query<Row>(
    `SELECT * FROM sif_objects WHERE state_code = $1 AND deleted_at IS NULL
     AND (ref_id = ANY($2::text[]) OR student_ref = ANY($2::text[])) ORDER BY created_at, ref_id`,
    [stateCode, studentRefs],
  );
  for (const row of r.rows.map(fromRow)) {
    const key = groups.has(row.refId) && row.object === 'StudentPersonal' ? row.refId : row.studentRef;
    if (key) groups.get(key)?.push(row);
  }
  return groups;
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
  const order = q.since === undefined ? ['created_at', 'ref_id'] : ['change_seq', 'ref_id'];
  // The page is chosen on the narrow sort columns alone (with the total as a window count, in the same scan), and
  // only its rows are read whole: sorting every matching object with its body spilled to disk once a state held a
  // few thousand objects, which made a page several times slower than the SELECT it needs.
  const rows = await db.query<Row & { total: string }>(
    `WITH page AS (
       SELECT ${order.join(', ')}, count(*) OVER () AS total FROM sif_objects WHERE ${w}
       ORDER BY ${order.join(', ')} OFFSET ${q.offset} LIMIT ${q.limit})
     SELECT s.*, page.total FROM page JOIN sif_objects s ON s.ref_id = page.ref_id
     ORDER BY ${order.map((c) => `page.${c}`).join(', ')}`,
    params,
  );
  if (rows.rows.length) return { rows: rows.rows.map(fromRow), total: Number(rows.rows[0]!.total) };
  // Past the last page: the count alone.
  const total = await db.query<{ n: string }>(`SELECT count(*) AS n FROM sif_objects WHERE ${w}`, params);
  return { rows: [], total: Number(total.rows[0]!.n) };
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
