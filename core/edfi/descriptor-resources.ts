/**
 * The descriptor lists served as read-only Ed-Fi descriptor resources
 * (`/ed-fi/gradeLevelDescriptors`). Ids are derived from the descriptor URI,
 * so they stay the same across restarts and gateways.
 */
import { createHash } from 'node:crypto';
import { descriptorListForResource, type DescriptorList } from '../../specs/edfi/descriptors.js';
import { parsePagingQuery } from './query.js';

/** One descriptor as the ODS/API serves it. */
export interface DescriptorItem {
  id: string;
  codeValue: string;
  namespace: string;
  shortDescription: string;
  description?: string;
  _etag: string;
}

const idOf = (uri: string) => createHash('sha256').update(uri.toLowerCase()).digest('hex').slice(0, 32);

function items(list: DescriptorList): DescriptorItem[] {
  return list.values.map((v) => ({
    id: idOf(`${list.namespace}#${v.codeValue}`),
    codeValue: v.codeValue,
    namespace: list.namespace,
    shortDescription: v.shortDescription,
    ...(v.description !== undefined ? { description: v.description } : {}),
    _etag: `${list.dataStandard}`,
  }));
}

export type DescriptorPage =
  | { kind: 'ok'; items: DescriptorItem[]; total: number | null }
  | { kind: 'bad'; errors: string[] };

/** A page of a descriptor list, filtered by `codeValue` or `namespace` (case-insensitively). */
export function listDescriptors(segment: string, query: Record<string, unknown>): DescriptorPage {
  const list = descriptorListForResource(segment);
  if (!list) return { kind: 'ok', items: [], total: null };
  const q = parsePagingQuery(query, ['codeValue', 'namespace', 'shortDescription']);
  if (q.kind === 'bad') return q;
  const lower: Record<string, string> = Object.fromEntries(
    Object.entries(query).map(([k, v]) => [k.toLowerCase(), String(v).toLowerCase()]),
  );
  const all = items(list).filter(
    (d) =>
      (lower.codevalue === undefined || d.codeValue.toLowerCase() === lower.codevalue) &&
      (lower.namespace === undefined || d.namespace.toLowerCase() === lower.namespace) &&
      (lower.shortdescription === undefined || d.shortDescription.toLowerCase() === lower.shortdescription),
  );
  const { offset, limit, totalCount } = q.query;
  return { kind: 'ok', items: all.slice(offset, offset + limit), total: totalCount ? all.length : null };
}

export function descriptorById(segment: string, id: string): DescriptorItem | undefined {
  const list = descriptorListForResource(segment);
  return list ? items(list).find((d) => d.id === id.replace(/-/g, '').toLowerCase()) : undefined;
}
