/**
 * Natural-key changes (issue 16 item 1): where the Data Standard model lets a resource's key change on PUT
 * (`x-Ed-Fi-isUpdatable`: sessions, sections, class periods, grades, gradebook entries, locations, student school
 * and section associations), the document keeps its id and takes the new key, and every document that references
 * it follows: its reference objects are rewritten to the new key values, and where such a reference is part of its
 * own key, its key changes too and the change goes on to the documents referencing it (as the ODS/API cascades
 * key updates). Each key change leaves a row for `/{resource}/keyChanges`. All in the caller's transaction.
 */
import type { Db } from '../store/db.js';
import { resourceNamed, type ResourceDef } from '../../specs/edfi/catalog.js';
import { contentHash } from '../canonical-json.js';
import { aliasKey, identityKey, keyValues, references } from './keys.js';
import { COLUMNS, fromRow, type Row, type StoredDoc } from './store.js';

/** What a key change writes into the changed document. */
export interface KeyedContent {
  identityKey: string;
  aliasKey: string | null;
  keyValues: Record<string, unknown>;
  refKeys: string[];
  body: Record<string, unknown>;
  contentHash: string;
  clientId: string | null;
}

async function writeKeyChange(db: Db, doc: StoredDoc, c: KeyedContent): Promise<StoredDoc> {
  const r = await db.query<Row>(
    `UPDATE edfi_documents SET identity_key = $2, alias_key = $3, key_values = $4, ref_keys = $5, body = $6,
     content_hash = $7, client_id = coalesce($8, client_id), change_version = edfi_change_version(), updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      doc.id,
      c.identityKey,
      c.aliasKey,
      JSON.stringify(c.keyValues),
      c.refKeys,
      JSON.stringify(c.body),
      c.contentHash,
      c.clientId,
    ],
  );
  if (doc.identityKey !== c.identityKey)
    await db.query(
      `INSERT INTO edfi_key_changes (id, state_code, resource, old_key_values, new_key_values)
       VALUES ($1, $2, $3, $4, $5)`,
      [doc.id, doc.stateCode, doc.resource, JSON.stringify(doc.keyValues), JSON.stringify(c.keyValues)],
    );
  return fromRow(r.rows[0]!);
}

/** Sets `values` into the object at `at` of a (copied) body. */
function setAt(body: unknown, at: readonly (string | number)[], values: Record<string, unknown>): void {
  let cur = body as Record<string | number, unknown>;
  for (const step of at) cur = cur[step] as Record<string | number, unknown>;
  Object.assign(cur, values);
}

/**
 * Changes the key of `doc` to the content `next`, then cascades to the documents referencing its old key.
 * Returns the changed document, or `conflict` when another document already has the new key.
 */
export async function changeKey(
  db: Db,
  def: ResourceDef,
  doc: StoredDoc,
  next: KeyedContent,
): Promise<{ kind: 'changed'; doc: StoredDoc } | { kind: 'conflict' }> {
  const taken = await db.query('SELECT 1 FROM edfi_documents WHERE state_code = $1 AND identity_key = $2', [
    doc.stateCode,
    next.identityKey,
  ]);
  if (taken.rows.length) return { kind: 'conflict' };
  const changed = await writeKeyChange(db, doc, next);
  await cascade(db, def, doc, changed, 0);
  return { kind: 'changed', doc: changed };
}

async function cascade(db: Db, def: ResourceDef, before: StoredDoc, after: StoredDoc, depth: number): Promise<void> {
  if (depth > 8) return;
  const oldKeys = [before.identityKey, ...(before.aliasKey ? [before.aliasKey] : [])];
  const r = await db.query<Row>(
    `SELECT ${COLUMNS} FROM edfi_documents WHERE state_code = $1 AND ref_keys && $2::text[] AND ref_keys <> '{}'
     AND id <> $3 FOR UPDATE`,
    [before.stateCode, oldKeys, before.id],
  );
  // The new key values under the names references use (the target's identity names).
  const newValues: Record<string, unknown> = {};
  for (const f of def.identity) newValues[f.name] = after.keyValues[f.name];
  for (const row of r.rows) {
    const dep = fromRow(row);
    const depDef = resourceNamed(dep.resource);
    const body = structuredClone(dep.body);
    for (const ref of references(depDef, dep.body)) if (oldKeys.includes(ref.key)) setAt(body, ref.at, newValues);
    const refs = references(depDef, body);
    const next: KeyedContent = {
      identityKey: identityKey(depDef, body),
      aliasKey: aliasKey(depDef, body),
      keyValues: keyValues(depDef, body),
      refKeys: [...new Set(refs.map((x) => x.key))],
      body,
      contentHash: contentHash(body),
      clientId: null,
    };
    const changed = await writeKeyChange(db, dep, next);
    if (dep.identityKey !== next.identityKey) await cascade(db, depDef, dep, changed, depth + 1);
  }
}

export interface KeyChange {
  id: string;
  changeVersion: number;
  oldKeyValues: Record<string, unknown>;
  newKeyValues: Record<string, unknown>;
}

/** Key changes of a resource, for `/{resource}/keyChanges`, in change-version order. */
export async function listKeyChanges(
  db: Db,
  q: {
    stateCode: string | null;
    resource: string;
    minChangeVersion?: number;
    maxChangeVersion?: number;
    offset: number;
    limit: number;
    totalCount: boolean;
  },
): Promise<{ items: KeyChange[]; total: number | null }> {
  const params: unknown[] = [q.resource];
  const parts = ['resource = $1'];
  if (q.stateCode !== null) parts.push(`state_code = $${params.push(q.stateCode)}`);
  if (q.minChangeVersion !== undefined) parts.push(`change_version >= $${params.push(q.minChangeVersion)}`);
  if (q.maxChangeVersion !== undefined) parts.push(`change_version <= $${params.push(q.maxChangeVersion)}`);
  const w = parts.join(' AND ');
  const r = await db.query<{
    id: string;
    change_version: number | string;
    old_key_values: Record<string, unknown>;
    new_key_values: Record<string, unknown>;
  }>(
    `SELECT id, change_version, old_key_values, new_key_values FROM edfi_key_changes WHERE ${w}
     ORDER BY change_version, seq OFFSET ${q.offset} LIMIT ${q.limit}`,
    params,
  );
  const total = q.totalCount
    ? Number(
        (await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM edfi_key_changes WHERE ${w}`, params))
          .rows[0]!.n,
      )
    : null;
  return {
    items: r.rows.map((x) => ({
      id: x.id,
      changeVersion: Number(x.change_version),
      oldKeyValues: x.old_key_values,
      newKeyValues: x.new_key_values,
    })),
    total,
  };
}
