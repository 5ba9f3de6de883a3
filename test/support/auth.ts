import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Role } from '../../core/principal.js';
import { createClient } from '../../core/security/clients.js';
import type { TestSystem } from './system.js';

export interface TokenRequest {
  /** Two-letter state the client acts for; null or omitted for national roles (admin, federal, help-desk). */
  state?: string | null;
  roles: Role[];
}

export interface IssuedToken {
  token: string;
  clientId: string;
  clientSecret: string;
}

const cache = new WeakMap<object, Map<string, Promise<IssuedToken>>>();

/**
 * A real access token: creates a client through the real code path and asks
 * `POST /oauth/token` for a token with HTTP Basic, as a state system would.
 * Cached per system and (state, roles), so each test file pays scrypt once.
 */
export function tokenFor(sys: Pick<TestSystem, 'app' | 'db'>, req: TokenRequest): Promise<IssuedToken> {
  const key = `${req.state ?? '-'}|${[...req.roles].sort().join(',')}`;
  let m = cache.get(sys.app);
  if (!m) cache.set(sys.app, (m = new Map()));
  let p = m.get(key);
  if (!p) {
    p = issue(sys, req);
    m.set(key, p);
    p.catch(() => m!.delete(key));
  }
  return p;
}

async function issue(sys: Pick<TestSystem, 'app' | 'db'>, req: TokenRequest): Promise<IssuedToken> {
  const c = await createClient(sys.db, { stateCode: req.state ?? null, roles: req.roles, name: 'test client' });
  if (c.kind !== 'created') throw new Error(`cannot create test client: ${c.reason}`);
  const basic = Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64');
  const r = await sys.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: 'grant_type=client_credentials',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (r.statusCode !== 200) throw new Error(`token request failed: ${r.statusCode} ${r.body}`);
  return { token: r.json().access_token as string, clientId: c.client.clientId, clientSecret: c.secret };
}

/**
 * `inject` with a bearer token: `const tx = await injectAs(sys, { state: 'TX', roles: ['state-system'] }); await
 * tx('/path')`.
 */
export type AuthedInject = (opts: string | InjectOptions) => Promise<LightMyRequestResponse>;

export async function injectAs(sys: Pick<TestSystem, 'app' | 'db'>, req: TokenRequest): Promise<AuthedInject> {
  const { token } = await tokenFor(sys, req);
  return withToken(sys, token);
}

export function withToken(sys: Pick<TestSystem, 'app'>, token: string): AuthedInject {
  return (opts) => {
    const o: InjectOptions = typeof opts === 'string' ? { method: 'GET', url: opts } : opts;
    return sys.app.inject({ ...o, headers: { ...(o.headers ?? {}), authorization: `Bearer ${token}` } });
  };
}

/** Shorthands for the usual callers. */
export const asStateSystem = (sys: Pick<TestSystem, 'app' | 'db'>, state: string) =>
  injectAs(sys, { state, roles: ['state-system'] });
export const asAdmin = (sys: Pick<TestSystem, 'app' | 'db'>) => injectAs(sys, { state: null, roles: ['admin'] });
