/**
 * Ed-Fi collection queries: `GET /ed-fi/{resource}?field=value&offset=&limit=&totalCount=`
 * on natural-key and scalar fields (references flattened: `schoolId` for
 * `schoolReference.schoolId`), plus the change-query window. Pure parsing:
 * the answer is store filters or the messages the ODS/API gives.
 */
import type { TSchema } from 'typebox';
import type { ResourceDef } from '../../specs/edfi/catalog.js';
import { MAX_OFFSET, MAX_PAGE_SIZE } from '../paging.js';
import { normalizeId, type Filter } from './store.js';

export const DEFAULT_LIMIT = 25;
/** The ODS/API's 500, which is also every other surface's bound (core/paging.ts, the one home of paging bounds). */
export const MAX_LIMIT = MAX_PAGE_SIZE;

type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'date-time' | 'descriptor';

/** A field a collection can be filtered on. */
export interface QueryField {
  name: string;
  /** Where the value is: in the document, or (with `within`) in each item of that collection. */
  path: readonly string[];
  type: FieldType;
  /** The collection (array) the field is a member of: the filter matches when any item has the value. */
  within?: readonly string[];
  /** The document id (a column, not a body field). */
  isId?: boolean;
}

function scalarType(s: TSchema): FieldType | null {
  const x = s as { type?: string; format?: string; 'x-edfi-descriptor'?: string };
  if (x['x-edfi-descriptor']) return 'descriptor';
  if (x.type === 'string') return x.format === 'date' ? 'date' : x.format === 'iso-date-time' ? 'date-time' : 'string';
  if (x.type === 'integer' || x.type === 'number' || x.type === 'boolean') return x.type;
  return null;
}

const cache = new Map<string, Map<string, QueryField>>();

/** The queryable fields of a resource, by lower-cased name (query names are case-insensitive). */
export function queryFields(def: ResourceDef): Map<string, QueryField> {
  const hit = cache.get(def.name);
  if (hit) return hit;
  const out = new Map<string, QueryField>();
  const add = (f: QueryField) => {
    if (!out.has(f.name.toLowerCase())) out.set(f.name.toLowerCase(), f);
  };
  const props = (def.schema as unknown as { properties: Record<string, TSchema> }).properties;
  for (const f of def.identity) {
    let s: TSchema | undefined = def.schema;
    for (const p of f.path) s = (s as unknown as { properties?: Record<string, TSchema> }).properties?.[p];
    add({ name: f.name, path: f.path, type: (s && scalarType(s)) ?? 'string' });
  }
  for (const [name, s] of Object.entries(props)) {
    const t = scalarType(s);
    if (t) add({ name, path: [name], type: t });
  }
  // Fields of references that are not part of the key, named as the reference names them.
  for (const [name, s] of Object.entries(props)) {
    const inner = (s as unknown as { properties?: Record<string, TSchema> }).properties;
    if (!name.endsWith('Reference') || !inner) continue;
    for (const [k, ks] of Object.entries(inner)) {
      const t = scalarType(ks);
      if (t) add({ name: k, path: [name, k], type: t });
    }
  }
  // Scalar members of collection items (`identificationCode` of `identificationCodes`): any item matching matches.
  for (const [name, s] of Object.entries(props)) {
    const item = (s as unknown as { items?: { properties?: Record<string, TSchema> } }).items;
    if (!item?.properties) continue;
    for (const [k, ks] of Object.entries(item.properties)) {
      const t = scalarType(ks);
      if (t) add({ name: k, path: [k], type: t, within: [name] });
    }
  }
  // The resource id is a filter too, as in the ODS/API.
  add({ name: 'id', path: ['id'], type: 'string', isId: true });
  cache.set(def.name, out);
  return out;
}

export interface ParsedQuery {
  filters: Filter[];
  offset: number;
  limit: number;
  totalCount: boolean;
  minChangeVersion?: number;
  maxChangeVersion?: number;
  /** Cursor paging (`pageToken`): only documents whose write sequence is in this range. */
  seqFrom?: number;
  seqTo?: number;
  /** The request pages by cursor (`pageToken`/`pageSize`), not by offset. */
  cursor?: boolean;
}

/** The upper end of the last partition's range. */
export const SEQ_MAX = Number.MAX_SAFE_INTEGER;

/**
 * A cursor page token (ODS/API 7.3 cursor paging): the range of write sequence numbers still to read, as opaque
 * base64url text. Clients only pass back what `Next-Page-Token` or `/partitions` gave them.
 */
export const encodePageToken = (from: number, to: number): string => Buffer.from(`${from},${to}`).toString('base64url');

function decodePageToken(token: string): { from: number; to: number } | null {
  const m = /^(\d{1,16}),(\d{1,16})$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m) return null;
  const from = Number(m[1]);
  const to = Number(m[2]);
  return Number.isSafeInteger(from) && Number.isSafeInteger(to) && from <= to ? { from, to } : null;
}

/**
 * Reads `pageToken`/`pageSize` (cursor paging), which exclude `offset`/`limit` and, with a token, `totalCount`, as
 * the ODS/API documents them.
 */
function cursorPaging(q: Record<string, string>, page: Omit<ParsedQuery, 'filters'>, errors: string[]): void {
  const token = q.pagetoken;
  const size = q.pagesize;
  if (token === undefined && size === undefined) return;
  if (q.offset !== undefined || q.limit !== undefined)
    errors.push('The pageToken and pageSize parameters cannot be used together with offset and limit.');
  if (token !== undefined && page.totalCount)
    errors.push('TotalCount is not supported with cursor paging (pageToken); ask with totalCount=true&limit=0.');
  if (size !== undefined && (!INT.test(size) || Number(size) < 1 || Number(size) > MAX_LIMIT))
    errors.push(`PageSize must be omitted or set to a numeric value between 1 and ${MAX_LIMIT}.`);
  page.cursor = true;
  page.offset = 0;
  page.limit = size !== undefined && INT.test(size) ? Number(size) : DEFAULT_LIMIT;
  if (token === undefined) return;
  const range = decodePageToken(token);
  if (!range) errors.push('The pageToken is not valid: pass back a Next-Page-Token or a /partitions token as given.');
  else {
    page.seqFrom = range.from;
    page.seqTo = range.to;
  }
}

export type QueryParse = { kind: 'ok'; query: ParsedQuery } | { kind: 'bad'; errors: string[] };

const INT = /^\d+$/;

/** Reads the paging and change-version parameters every collection (and `/deletes`) takes. */
function paging(q: Record<string, string>, errors: string[]): Omit<ParsedQuery, 'filters'> {
  const offset = q.offset ?? '0';
  const limit = q.limit ?? String(DEFAULT_LIMIT);
  if (!INT.test(offset) || !Number.isSafeInteger(Number(offset)))
    errors.push('Offset must be a numeric value greater than or equal to 0.');
  else if (Number(offset) > MAX_OFFSET)
    errors.push(`Offset must be a numeric value between 0 and ${MAX_OFFSET}: page with pageToken past that.`);
  if (!INT.test(limit) || Number(limit) > MAX_LIMIT)
    errors.push(`Limit must be omitted or set to a numeric value between 0 and ${MAX_LIMIT}.`);
  const total = (q.totalcount ?? 'false').toLowerCase();
  if (total !== 'true' && total !== 'false') errors.push('TotalCount must be true or false.');
  const out: Omit<ParsedQuery, 'filters'> = {
    offset: Number(offset),
    limit: Number(limit),
    totalCount: total === 'true',
  };
  for (const [name, key] of [
    ['minChangeVersion', 'minchangeversion'],
    ['maxChangeVersion', 'maxchangeversion'],
  ] as const) {
    const v = q[key];
    if (v === undefined) continue;
    if (!INT.test(v) || !Number.isSafeInteger(Number(v)))
      errors.push(`${name} must be a numeric value greater than or equal to 0.`);
    else out[name] = Number(v);
  }
  return out;
}

/**
 * Parameters that are not filters: paging, the change window, and `correlationId` (the ODS/API's way to tag a
 * request for its logs; the problem details carry it back).
 */
const PAGING = new Set(['offset', 'limit', 'totalcount', 'minchangeversion', 'maxchangeversion', 'correlationid']);
/** Cursor paging's parameters (collections only). */
const CURSOR = ['pagetoken', 'pagesize'];

function lowerKeys(raw: Record<string, unknown>, errors: string[]): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (Array.isArray(v)) errors.push(`The parameter '${k}' is given more than once.`);
    // A query string holds text; an object (only a caller other than the HTTP parser can pass one) is refused, not
    // turned into text (which threw for one whose toString is not a function).
    else if (v !== null && typeof v === 'object') errors.push(`The parameter '${k}' must be text.`);
    else q[k.toLowerCase()] = String(v);
  }
  return q;
}

/** Parses the query string of `GET /ed-fi/{resource}`. */
export function parseCollectionQuery(
  def: ResourceDef,
  raw: Record<string, unknown>,
  opts: { cursor?: boolean; extra?: readonly string[] } = {},
): QueryParse {
  const errors: string[] = [];
  const q = lowerKeys(raw, errors);
  const page = paging(q, errors);
  if (opts.cursor !== false) cursorPaging(q, page, errors);
  const skip = new Set([...PAGING, ...(opts.cursor !== false ? CURSOR : []), ...(opts.extra ?? [])]);
  const fields = queryFields(def);
  const filters: Filter[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (skip.has(k)) continue;
    const f = fields.get(k);
    if (!f) {
      errors.push(
        `The query parameter '${k}' is not a property of ${def.entity} that can be searched; use one of ` +
          `${[...fields.values()].map((x) => x.name).join(', ')}.`,
      );
      continue;
    }
    let value = v;
    if (f.type === 'integer' || f.type === 'number') {
      if (!/^-?\d+(\.\d+)?$/.test(v) || (f.type === 'integer' && !/^-?\d+$/.test(v))) {
        errors.push(`${f.name} must be a ${f.type === 'integer' ? 'whole number' : 'number'}.`);
        continue;
      }
      value = String(Number(v));
    } else if (f.type === 'boolean') {
      if (!/^(true|false)$/i.test(v)) {
        errors.push(`${f.name} must be true or false.`);
        continue;
      }
      value = v.toLowerCase();
    } else if (f.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(v)) {
      errors.push(`${f.name} must be a date in the form YYYY-MM-DD.`);
      continue;
    } else if (f.isId) {
      const id = normalizeId(v);
      if (id === null) {
        errors.push('id must be a resource id: 32 hexadecimal digits (a GUID, dashes allowed).');
        continue;
      }
      filters.push({ path: [], value: id, caseInsensitive: false, isId: true });
      continue;
    }
    filters.push({
      path: f.path,
      value,
      caseInsensitive: f.type === 'string' || f.type === 'descriptor',
      ...(f.within ? { within: f.within } : {}),
    });
  }
  if (errors.length) return { kind: 'bad', errors };
  return { kind: 'ok', query: { filters, ...page } };
}

/** Parses the query string of `GET /ed-fi/{resource}/deletes` and of descriptor lists (paging only). */
export function parsePagingQuery(
  raw: Record<string, unknown>,
  allowed: readonly string[] = [],
  opts: { cursor?: boolean } = {},
): QueryParse {
  const errors: string[] = [];
  const q = lowerKeys(raw, errors);
  const page = paging(q, errors);
  if (opts.cursor) cursorPaging(q, page, errors);
  const ok = new Set([...allowed.map((a) => a.toLowerCase()), ...(opts.cursor ? CURSOR : [])]);
  for (const k of Object.keys(q))
    if (!PAGING.has(k) && !ok.has(k)) errors.push(`The query parameter '${k}' is not supported here.`);
  if (errors.length) return { kind: 'bad', errors };
  return { kind: 'ok', query: { filters: [], ...page } };
}

/** The most partitions `/partitions` gives (the ODS/API's limit). */
const MAX_PARTITIONS = 200;

/**
 * Parses the query string of `GET /{resource}/partitions`: `number` (1 to 200, omitted for the default), then, for a
 * resource (`def`; a descriptor list has none), the collection's filters and change window without cursor paging.
 */
export function parsePartitionsQuery(
  def: ResourceDef | null,
  raw: Record<string, unknown>,
): { kind: 'ok'; query: ParsedQuery | null; number: number | undefined } | { kind: 'bad'; errors: string[] } {
  const errors: string[] = [];
  const text = lowerKeys(raw, errors).number;
  if (errors.length) return { kind: 'bad', errors };
  if (text !== undefined && (!/^\d{1,3}$/.test(text) || +text < 1 || +text > MAX_PARTITIONS))
    return {
      kind: 'bad',
      errors: [`Number must be omitted or set to a numeric value between 1 and ${MAX_PARTITIONS}.`],
    };
  const number = text === undefined ? undefined : Number(text);
  if (!def) return { kind: 'ok', query: null, number };
  const q = parseCollectionQuery(def, raw, { cursor: false, extra: ['number'] });
  return q.kind === 'bad' ? q : { kind: 'ok', query: q.query, number };
}
