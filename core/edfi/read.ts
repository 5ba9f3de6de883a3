/**
 * Ed-Fi reads: one document by id, a page of a collection, a page of
 * deletions. A state-bound caller sees only its own state's documents.
 */
import type { Db } from '../store/db.js';
import type { ResourceDef } from '../../specs/edfi/catalog.js';
import { findById, listDeletes, listDocs, normalizeId, type DeletedDoc, type StoredDoc } from './store.js';
import type { ParsedQuery } from './query.js';

export type GetResult =
  | { kind: 'found'; doc: StoredDoc }
  | { kind: 'not-found' }
  | { kind: 'forbidden'; detail: string };

/** `scope`: the caller's state, or null for national roles. */
export async function getDocument(db: Db, def: ResourceDef, rawId: string, scope: string | null): Promise<GetResult> {
  const id = normalizeId(rawId);
  const doc = id === null ? null : await findById(db, id);
  if (!doc || doc.resource !== def.name) return { kind: 'not-found' };
  if (scope !== null && doc.stateCode !== scope) {
    return {
      kind: 'forbidden',
      detail: `This ${def.entity} belongs to another state; a state system reads only its own state's records.`,
    };
  }
  return { kind: 'found', doc };
}

export function listDocuments(
  db: Db,
  def: ResourceDef,
  scope: string | null,
  q: ParsedQuery,
): Promise<{ docs: StoredDoc[]; total: number | null }> {
  return listDocs(db, { stateCode: scope, resource: def.name, ...q });
}

export function listDeletedDocuments(
  db: Db,
  def: ResourceDef,
  scope: string | null,
  q: ParsedQuery,
): Promise<{ items: DeletedDoc[]; total: number | null }> {
  const { filters: _f, ...page } = q;
  return listDeletes(db, { stateCode: scope, resource: def.name, ...page });
}
