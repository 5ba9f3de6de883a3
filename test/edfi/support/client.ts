import type { LightMyRequestResponse } from 'fastify';
import { injectAs, type AuthedInject } from '../../support/auth.js';
import type { TestSystem } from '../../support/system.js';

/** A small Ed-Fi client over inject, authenticated as one state's system. */
export interface EdfiClient {
  raw: AuthedInject;
  post(resource: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  put(resource: string, id: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  get(path: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  del(resource: string, id: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export const BASE = '/data/v3/ed-fi';

/** A path as the test client sends it: absolute URLs (Location headers) by their path, bare names under BASE. */
function pathOf(path: string): string {
  if (/^https?:\/\//.test(path)) {
    const u = new URL(path);
    return u.pathname + u.search;
  }
  return path.startsWith('/') ? path : `${BASE}/${path}`;
}

/** The id at the end of a Location header. */
export const idFrom = (r: LightMyRequestResponse): string => String(r.headers.location).split('/').pop()!;

export async function edfiClient(sys: TestSystem, state: string): Promise<EdfiClient> {
  const raw = await injectAs(sys, { state, roles: ['state-system'] });
  const json = { 'content-type': 'application/json' };
  return {
    raw,
    post: (resource, body, headers = {}) =>
      raw({
        method: 'POST',
        url: `${BASE}/${resource}`,
        payload: JSON.stringify(body),
        headers: { ...json, ...headers },
      }),
    put: (resource, id, body, headers = {}) =>
      raw({
        method: 'PUT',
        url: `${BASE}/${resource}/${id}`,
        payload: JSON.stringify(body),
        headers: { ...json, ...headers },
      }),
    get: (path, headers = {}) => raw({ method: 'GET', url: pathOf(path), headers }),
    del: (resource, id, headers = {}) => raw({ method: 'DELETE', url: `${BASE}/${resource}/${id}`, headers }),
  };
}

/**
 * An item as read back, without what the server adds (id, _etag, _lastModifiedDate, reference links): what the client
 * sent.
 */
export function asSent(item: Record<string, unknown>): Record<string, unknown> {
  const { id: _i, _etag: _e, _lastModifiedDate: _l, ...rest } = item;
  for (const [k, v] of Object.entries(rest)) {
    if (k.endsWith('Reference') && v && typeof v === 'object' && 'link' in v) {
      const { link: _link, ...ref } = v as Record<string, unknown>;
      rest[k] = ref;
    }
  }
  return rest;
}
