/**
 * Storage of Ed-Fi documents (table edfi_documents, migration 020): one row
 * per document with its natural key, the keys it references and a change
 * version. Every read and write is scoped to a state.
 *
 * Change versions (migration 070). A change-query client asks for
 * `newestChangeVersion`, reads the changes in (last synced, newest] and
 * remembers newest. With versions from a sequence that loses changes: a
 * version is taken when a row is written, not when its transaction commits,
 * so version 7 can commit after the client read up to 8, and the client never
 * asks below 9 again. Filtering by transaction id alone does not help, because
 * sequence order is not transaction-id order either.
 *
 * So a change's version is derived from the id of the transaction that wrote
 * it (`edfi_change_version()`: `pg_current_xact_id()` plus a fixed offset that
 * keeps new versions above the old sequence's), and the newest version
 * reported is `xmin - 1` (plus the offset) of the reader's snapshot
 * (`edfi_newest_change_version()`). Proof that a client following the
 * protocol misses nothing:
 *
 * 1. `xmin` is the oldest transaction id still running when the snapshot was
 *    taken; every transaction with a smaller id had ended by then.
 * 2. A change with version v <= newest was written by transaction v - offset
 *    < xmin: it has committed (and every later read sees it) or aborted (and
 *    never will be seen). No change with a version <= newest can appear later.
 * 3. Transaction ids only grow, so every later write gets a version > newest
 *    and falls into a later window (last synced, newest'].
 * 4. Several writes of one transaction share its version; two transactions
 *    that change one document are serialized by its row lock and have
 *    different ids, so a document's version (its ETag) changes with every
 *    committed change.
 *
 * The price: a write transaction left open holds `newestChangeVersion` back
 * until it ends; read-only transactions hold nothing back (they have no id).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.js';

/** One stored Ed-Fi document. */
export interface StoredDoc {
  id: string;
  stateCode: string;
  resource: string;
  identityKey: string;
  aliasKey: string | null;
  keyValues: Record<string, unknown>;
  refKeys: string[];
  studentUniqueId: string | null;
  body: Record<string, unknown>;
  contentHash: string;
  changeVersion: number;
  updatedAt: string;
}

/** A row of edfi_documents as selected by COLUMNS. */
export interface Row {
  id: string;
  state_code: string;
  resource: string;
  identity_key: string;
  alias_key: string | null;
  key_values: Record<string, unknown>;
  ref_keys: string[];
  student_unique_id: string | null;
  body: Record<string, unknown>;
  content_hash: string;
  change_version: number | string;
  updated_at: Date | string;
}

export const COLUMNS =
  'id, state_code, resource, identity_key, alias_key, key_values, ref_keys, student_unique_id, body, ' +
  'content_hash, change_version, updated_at';

export function fromRow(r: Row): StoredDoc {
  return {
    id: r.id,
    stateCode: r.state_code,
    resource: r.resource,
    identityKey: r.identity_key,
    aliasKey: r.alias_key,
    keyValues: r.key_values,
    refKeys: r.ref_keys,
    studentUniqueId: r.student_unique_id,
    body: r.body,
    contentHash: r.content_hash,
    changeVersion: Number(r.change_version),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** A new resource id: 32 hex digits (the ODS/API prints GUIDs without dashes). */
export const newDocumentId = (): string => randomUUID().replace(/-/g, '');

/** Accepts an id with or without dashes, in any case; null when it cannot be one. */
export function normalizeId(raw: string): string | null {
  const s = raw.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(s) ? s : null;
}

export async function findByKey(
  db: Db,
  stateCode: string,
  identityKey: string,
  forUpdate = false,
): Promise<StoredDoc | null> {
  const r = await db.query<Row>(
    `SELECT ${COLUMNS} FROM edfi_documents
     WHERE state_code = $1 AND identity_key = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [stateCode, identityKey],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

export async function findById(db: Db, id: string, forUpdate = false): Promise<StoredDoc | null> {
  const r = await db.query<Row>(
    `SELECT ${COLUMNS} FROM edfi_documents WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

/**
 * Which of `keys` exist in the state (as a document key or an education
 * organization alias). The rows found are share-locked, so they cannot be
 * deleted before the referencing write commits.
 */
export async function existingKeys(db: Db, stateCode: string, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const r = await db.query<{ identity_key: string; alias_key: string | null }>(
    `SELECT identity_key, alias_key FROM edfi_documents WHERE state_code = $1 AND (identity_key = ANY($2::text[])
     OR alias_key = ANY($2::text[])) FOR SHARE`,
    [stateCode, keys],
  );
  const found = new Set<string>();
  for (const row of r.rows) {
    found.add(row.identity_key);
    if (row.alias_key) found.add(row.alias_key);
  }
  return found;
}

/** Documents of the state with these keys (aliases included): the reference data a canonical mapping reads. */
export async function docsByKeys(db: Db, stateCode: string, keys: readonly string[]): Promise<StoredDoc[]> {
  if (keys.length === 0) return [];
  const r = await db.query<Row>(
    `SELECT ${COLUMNS} FROM edfi_documents WHERE state_code = $1 AND (identity_key = ANY($2::text[])
     OR alias_key = ANY($2::text[]))`,
    [stateCode, keys],
  );
  return r.rows.map(fromRow);
}

/**
 * The id and resource of the documents of the state with these keys (aliases included): what read-back links point at.
 */
export async function targetsByKeys(
  db: Db,
  stateCode: string,
  keys: readonly string[],
): Promise<Map<string, { id: string; resource: string }>> {
  const out = new Map<string, { id: string; resource: string }>();
  if (keys.length === 0) return out;
  const r = await db.query<{ id: string; resource: string; identity_key: string; alias_key: string | null }>(
    `SELECT id, resource, identity_key, alias_key FROM edfi_documents WHERE state_code = $1
     AND (identity_key = ANY($2::text[]) OR alias_key = ANY($2::text[]))`,
    [stateCode, keys],
  );
  for (const row of r.rows) {
    out.set(row.identity_key, { id: row.id, resource: row.resource });
    if (row.alias_key) out.set(row.alias_key, { id: row.id, resource: row.resource });
  }
  return out;
}

/** The resources of the documents that still reference any of `keys` (deletion is blocked while there are any). */
export async function dependentResources(
  db: Db,
  stateCode: string,
  keys: readonly string[],
  exceptId: string,
): Promise<string[]> {
  const r = await db.query<{ resource: string }>(
    `SELECT DISTINCT resource FROM edfi_documents WHERE ref_keys && $2::text[] AND ref_keys <> '{}' AND state_code = $1
     AND id <> $3 ORDER BY resource`,
    [stateCode, keys, exceptId],
  );
  return r.rows.map((x) => x.resource);
}

/**
 * The students whose documents reference any of `keys`, directly or through a
 * school that does (an LEA reaches students through its schools' enrollments).
 */
export async function studentsReferencing(db: Db, stateCode: string, keys: readonly string[]): Promise<string[]> {
  const r = await db.query<{ student_unique_id: string }>(
    `WITH via AS (
       SELECT identity_key, alias_key FROM edfi_documents
       WHERE state_code = $1 AND resource = 'schools' AND ref_keys && $2::text[] AND ref_keys <> '{}'
     ), reach AS (
       SELECT unnest($2::text[]) AS k UNION SELECT identity_key FROM via UNION SELECT alias_key FROM via
       WHERE alias_key IS NOT NULL
     )
     SELECT DISTINCT student_unique_id FROM edfi_documents
     WHERE state_code = $1 AND student_unique_id IS NOT NULL AND ref_keys && ARRAY(SELECT k FROM reach)
     AND ref_keys <> '{}'
     ORDER BY student_unique_id`,
    [stateCode, keys],
  );
  return r.rows.map((x) => x.student_unique_id);
}

/** Every document of one student in a state. */
export async function studentDocs(db: Db, stateCode: string, studentUniqueId: string): Promise<StoredDoc[]> {
  const r = await db.query<Row>(
    `SELECT ${COLUMNS} FROM edfi_documents WHERE state_code = $1 AND student_unique_id = $2 ORDER BY seq`,
    [stateCode, studentUniqueId],
  );
  return r.rows.map(fromRow);
}

/** A document to insert: what is stored, less what the store assigns (change version, time), plus who wrote it. */
export type NewDoc = Omit<StoredDoc, 'changeVersion' | 'updatedAt'> & { clientId: string | null };

/**
 * Inserts a document unless one with the same natural key exists in the state
 * (then null: the caller updates it). A concurrent insert of the same key waits
 * for the other transaction instead of failing.
 */
export async function insertDocIfAbsent(db: Db, d: NewDoc): Promise<StoredDoc | null> {
  const r = await db.query<Row>(
    `INSERT INTO edfi_documents (id, state_code, resource, identity_key, alias_key, key_values, ref_keys,
     student_unique_id, body, content_hash, change_version, client_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10, edfi_change_version(), $11)
     ON CONFLICT (state_code, identity_key) DO NOTHING RETURNING ${COLUMNS}`,
    [
      d.id,
      d.stateCode,
      d.resource,
      d.identityKey,
      d.aliasKey,
      JSON.stringify(d.keyValues),
      d.refKeys,
      d.studentUniqueId,
      JSON.stringify(d.body),
      d.contentHash,
      d.clientId,
    ],
  );
  return r.rows[0] ? fromRow(r.rows[0]) : null;
}

/** Replaces a document's content (its natural key stays: key changes are refused before this). */
export async function replaceDoc(
  db: Db,
  id: string,
  d: Pick<NewDoc, 'refKeys' | 'body' | 'contentHash' | 'clientId'>,
): Promise<StoredDoc> {
  const r = await db.query<Row>(
    `UPDATE edfi_documents SET ref_keys = $2, body = $3, content_hash = $4, client_id = $5,
     change_version = edfi_change_version(), updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, d.refKeys, JSON.stringify(d.body), d.contentHash, d.clientId],
  );
  return fromRow(r.rows[0]!);
}

/** Deletes a document and leaves a tombstone for change queries. */
export async function deleteDoc(db: Db, doc: StoredDoc): Promise<number> {
  await db.query('DELETE FROM edfi_documents WHERE id = $1', [doc.id]);
  const r = await db.query<{ change_version: number | string }>(
    `INSERT INTO edfi_deletes (id, state_code, resource, key_values, change_version)
     VALUES ($1,$2,$3,$4, edfi_change_version()) RETURNING change_version`,
    [doc.id, doc.stateCode, doc.resource, JSON.stringify(doc.keyValues)],
  );
  return Number(r.rows[0]!.change_version);
}

/** One filter of a collection query: the value at `path` equals `value` (strings case-insensitively). */
export interface Filter {
  path: readonly string[];
  value: string;
  caseInsensitive: boolean;
  /** `path` is inside each item of this collection: some item must match. */
  within?: readonly string[];
  /** The document id equals `value` (normalized). */
  isId?: boolean;
}

export interface ListQuery {
  /** Null: every state (national roles). */
  stateCode: string | null;
  resource: string;
  filters: Filter[];
  minChangeVersion?: number;
  maxChangeVersion?: number;
  /** Write sequence range (cursor paging). */
  seqFrom?: number;
  seqTo?: number;
  offset: number;
  limit: number;
  totalCount: boolean;
}

function where(q: Omit<ListQuery, 'offset' | 'limit' | 'totalCount'>, params: unknown[]): string {
  params.push(q.resource);
  const parts = [`resource = $${params.length}`];
  if (q.stateCode !== null) {
    params.push(q.stateCode);
    parts.push(`state_code = $${params.length}`);
  }
  for (const f of q.filters) {
    if (f.isId) {
      params.push(f.value);
      parts.push(`id = $${params.length}`);
      continue;
    }
    params.push(f.path, f.value);
    const p = params.length;
    const doc = f.within ? 'e' : 'body';
    const test = f.caseInsensitive
      ? `lower(${doc} #>> $${p - 1}::text[]) = lower($${p})`
      : `(${doc} #>> $${p - 1}::text[]) = $${p}`;
    if (!f.within) parts.push(test);
    else {
      params.push(f.within);
      parts.push(
        `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(body #> $${params.length}::text[]) = ` +
          `'array' THEN body #> $${params.length}::text[] ELSE '[]'::jsonb END) AS e WHERE ${test})`,
      );
    }
  }
  if (q.minChangeVersion !== undefined) {
    params.push(q.minChangeVersion);
    parts.push(`change_version >= $${params.length}`);
  }
  if (q.maxChangeVersion !== undefined) {
    params.push(q.maxChangeVersion);
    parts.push(`change_version <= $${params.length}`);
  }
  if (q.seqFrom !== undefined) {
    params.push(q.seqFrom, q.seqTo);
    parts.push(`seq BETWEEN $${params.length - 1} AND $${params.length}`);
  }
  return parts.join(' AND ');
}

/**
 * A page of a collection, in the order the documents were first written, and the total when asked; `lastSeq` is the
 * write sequence of the page's last document (cursor paging continues after it).
 */
export async function listDocs(
  db: Db,
  q: ListQuery,
): Promise<{ docs: StoredDoc[]; total: number | null; lastSeq: number | null }> {
  const params: unknown[] = [];
  const w = where(q, params);
  const r = await db.query<Row & { seq: number | string }>(
    `SELECT ${COLUMNS}, seq FROM edfi_documents WHERE ${w} ORDER BY seq OFFSET ${q.offset} LIMIT ${q.limit}`,
    params,
  );
  const last = r.rows[r.rows.length - 1];
  let total: number | null = null;
  if (q.totalCount) {
    const c = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM edfi_documents WHERE ${w}`, params);
    total = Number(c.rows[0]!.n);
  }
  return { docs: r.rows.map(fromRow), total, lastSeq: last ? Number(last.seq) : null };
}

/**
 * Where each partition of a collection starts (`/partitions`): the write sequence of every `size`-th matching
 * document, in order.
 */
export async function partitionStarts(
  db: Db,
  q: Omit<ListQuery, 'offset' | 'limit' | 'totalCount'>,
  size: number,
): Promise<number[]> {
  const params: unknown[] = [];
  const w = where(q, params);
  params.push(size);
  const r = await db.query<{ seq: number | string }>(
    `SELECT seq FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS rn FROM edfi_documents WHERE ${w}) AS t
      WHERE (rn - 1) % $${params.length} = 0 ORDER BY seq`,
    params,
  );
  return r.rows.map((x) => Number(x.seq));
}

export interface DeletedDoc {
  id: string;
  changeVersion: number;
  keyValues: Record<string, unknown>;
}

/** Tombstones of a resource, for `/{resource}/deletes`. */
export async function listDeletes(
  db: Db,
  q: Omit<ListQuery, 'filters'>,
): Promise<{ items: DeletedDoc[]; total: number | null }> {
  const params: unknown[] = [];
  const w = where({ ...q, filters: [] }, params);
  const r = await db.query<{ id: string; change_version: number | string; key_values: Record<string, unknown> }>(
    `SELECT id, change_version, key_values FROM edfi_deletes WHERE ${w} ORDER BY change_version OFFSET ${q.offset}
     LIMIT ${q.limit}`,
    params,
  );
  let total: number | null = null;
  if (q.totalCount)
    total = Number(
      (await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM edfi_deletes WHERE ${w}`, params)).rows[0]!.n,
    );
  return {
    items: r.rows.map((x) => ({ id: x.id, changeVersion: Number(x.change_version), keyValues: x.key_values })),
    total,
  };
}

/**
 * The oldest and newest change versions (the ODS/API starts counting at 0).
 * Newest is the safe horizon (see the top of this file): nothing at or below it
 * can still be committed, so a client may sync up to it and never look back.
 */
export async function availableChangeVersions(
  db: Db,
): Promise<{ oldestChangeVersion: number; newestChangeVersion: number }> {
  const r = await db.query<{ v: number | string }>('SELECT edfi_newest_change_version() AS v');
  return { oldestChangeVersion: 0, newestChangeVersion: Math.max(0, Number(r.rows[0]!.v)) };
}
