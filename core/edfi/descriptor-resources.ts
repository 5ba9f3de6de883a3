/**
 * The descriptor lists served as read-only Ed-Fi descriptor resources
 * (`/ed-fi/gradeLevelDescriptors`). Ids are derived from the descriptor URI,
 * so they stay the same across restarts and gateways.
 */
import { createHash } from 'node:crypto';
import { descriptorListForResource, type DescriptorList } from '../../specs/edfi/descriptors.js';
import { SEQ_MAX, encodePageToken, parsePagingQuery } from './query.js';

/** One descriptor as the ODS/API serves it. */
export interface DescriptorItem {
  id: string;
  codeValue: string;
  namespace: string;
  shortDescription: string;
  description: string;
  _etag: string;
}

const idOf = (uri: string) => createHash('sha256').update(uri.toLowerCase()).digest('hex').slice(0, 32);

function items(list: DescriptorList): DescriptorItem[] {
  return list.values.map((v) => ({
    id: idOf(`${list.namespace}#${v.codeValue}`),
    codeValue: v.codeValue,
    namespace: list.namespace,
    shortDescription: v.shortDescription,
    // The ODS/API always answers a description; a list without one repeats the short description.
    description: v.description ?? v.shortDescription,
    _etag: `${list.dataStandard}`,
  }));
}

export type DescriptorPage =
  | { kind: 'ok'; items: DescriptorItem[]; total: number | null; nextPageToken: string | null }
  | { kind: 'bad'; errors: string[] };

/** The fields a descriptor list is filtered on (case-insensitively), by lower-cased query name. */
const FILTERS = new Map<string, (d: DescriptorItem) => string>([
  ['id', (d) => d.id],
  ['codevalue', (d) => d.codeValue],
  ['namespace', (d) => d.namespace],
  ['shortdescription', (d) => d.shortDescription],
  ['description', (d) => d.description],
]);

/** A page of a descriptor list, filtered by id, codeValue, namespace or descriptions (case-insensitively). */
export function listDescriptors(segment: string, query: Record<string, unknown>): DescriptorPage {
  const list = descriptorListForResource(segment);
  if (!list) return { kind: 'ok', items: [], total: null, nextPageToken: null };
  const q = parsePagingQuery(query, ['id', 'codeValue', 'namespace', 'shortDescription', 'description'], {
    cursor: true,
  });
  if (q.kind === 'bad') return q;
  const wanted: [(d: DescriptorItem) => string, string][] = [];
  for (const [k, v] of Object.entries(query)) {
    const get = FILTERS.get(k.toLowerCase());
    const value = String(v).toLowerCase();
    if (get) wanted.push([get, k.toLowerCase() === 'id' ? value.replace(/-/g, '') : value]);
  }
  const all = items(list).filter((d) => wanted.every(([get, v]) => get(d).toLowerCase() === v));
  // Cursor paging over a fixed list: a token's range is positions in the list.
  const { limit, totalCount, cursor, seqFrom } = q.query;
  const offset = seqFrom ?? q.query.offset;
  const page = all.slice(offset, offset + limit);
  const more = limit > 0 && page.length === limit && offset + limit < all.length && (cursor || offset === 0);
  return {
    kind: 'ok',
    items: page,
    total: totalCount ? all.length : null,
    nextPageToken: more ? encodePageToken(offset + limit, SEQ_MAX) : null,
  };
}

export function descriptorById(segment: string, id: string): DescriptorItem | undefined {
  const list = descriptorListForResource(segment);
  return list ? items(list).find((d) => d.id === id.replace(/-/g, '').toLowerCase()) : undefined;
}
