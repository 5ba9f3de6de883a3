/**
 * Ed-Fi reads: one document by id, a page of a collection, a page of
 * deletions. A state-bound caller sees only its own state's documents.
 */
import type { Db } from '../store/db.js';
import type { ResourceDef } from '../../specs/edfi/catalog.js';
import {
  findById,
  listDeletes,
  listDocs,
  normalizeId,
  partitionStarts,
  type DeletedDoc,
  type StoredDoc,
} from './store.js';
import { MAX_LIMIT, SEQ_MAX, encodePageToken, type ParsedQuery } from './query.js';

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

/**
 * A page of a collection, and the `Next-Page-Token` that continues it (cursor paging, ODS/API 7.3) when the page is
 * full: on every first page and every cursor page, not on offset pages past the first.
 */
export async function listDocuments(
  db: Db,
  def: ResourceDef,
  scope: string | null,
  q: ParsedQuery,
): Promise<{ docs: StoredDoc[]; total: number | null; nextPageToken: string | null }> {
  const { docs, total, lastSeq } = await listDocs(db, { stateCode: scope, resource: def.name, ...q });
  const more = q.limit > 0 && docs.length === q.limit && lastSeq !== null && (q.cursor || q.offset === 0);
  return { docs, total, nextPageToken: more ? encodePageToken(lastSeq + 1, q.seqTo ?? SEQ_MAX) : null };
}

/** Partitions asked for when none is said: the ODS/API gives a sensible number, up to ten. */
const DEFAULT_PARTITIONS = 10;

/**
 * `/partitions`: page tokens that split the matching documents into about `number` evenly sized ranges for parallel
 * reading (ODS/API 7.3): each partition holds at least five full pages, so small collections get fewer partitions.
 */
export async function listPartitions(
  db: Db,
  def: ResourceDef,
  scope: string | null,
  q: ParsedQuery,
  number: number | undefined,
): Promise<string[]> {
  const { filters, minChangeVersion, maxChangeVersion } = q;
  const base = {
    stateCode: scope,
    resource: def.name,
    filters,
    ...(minChangeVersion !== undefined ? { minChangeVersion } : {}),
    ...(maxChangeVersion !== undefined ? { maxChangeVersion } : {}),
  };
  const count = (await listDocs(db, { ...base, offset: 0, limit: 0, totalCount: true })).total ?? 0;
  const wanted = number ?? DEFAULT_PARTITIONS;
  const size = Math.max(Math.ceil(count / Math.max(wanted, 1)), MAX_LIMIT * 5);
  const starts = await partitionStarts(db, base, size);
  if (!starts.length) return [encodePageToken(0, SEQ_MAX)];
  return starts.map((from, i) =>
    encodePageToken(i === 0 ? 0 : from, i + 1 < starts.length ? starts[i + 1]! - 1 : SEQ_MAX),
  );
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
