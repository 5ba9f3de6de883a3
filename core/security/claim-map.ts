import type { JWTPayload } from 'jose';
import type { TokenClaims } from './access-token.js';
import { isRole } from './clients.js';
import type { Role } from '../principal.js';

/**
 * How an identity provider's claims become a gateway principal. Providers
 * name roles their own way (Keycloak puts realm roles in realm_access.roles),
 * so the claim paths and a name map are configuration.
 */
export interface ClaimMapping {
  /** Dotted path to the roles claim (array or space-separated string). */
  rolesClaim: string;
  /** Dotted path to the two-letter state claim. */
  stateClaim: string;
  /** Provider role name to gateway role; gateway role names pass as they are. */
  roleMap: Record<string, Role>;
}

export type RoleMapParse = { kind: 'ok'; map: Record<string, Role> } | { kind: 'invalid'; reason: string };

/** Parses OIDC_ROLE_MAP (a JSON object); an empty string is an empty map. */
export function parseRoleMap(text: string): RoleMapParse {
  if (!text.trim()) return { kind: 'ok', map: {} };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'OIDC_ROLE_MAP is not JSON' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    return { kind: 'invalid', reason: 'OIDC_ROLE_MAP must be a JSON object' };
  const map: Record<string, Role> = Object.create(null) as Record<string, Role>;
  for (const [k, r] of Object.entries(v)) {
    if (typeof r !== 'string' || !isRole(r))
      return { kind: 'invalid', reason: `OIDC_ROLE_MAP maps ${k} to ${String(r)}, not a gateway role` };
    map[k] = r;
  }
  return { kind: 'ok', map };
}

function at(payload: Record<string, unknown>, path: string): unknown {
  let cur: unknown = payload;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * The principal's claims from a verified OIDC token or ID token. Unknown role
 * names are dropped (a provider has many roles unrelated to the exchange);
 * a user with no gateway role at all, or with a malformed state, gets null.
 */
export function mapOidcClaims(payload: JWTPayload, m: ClaimMapping): TokenClaims | null {
  if (typeof payload.sub !== 'string' || !payload.sub) return null;
  const raw = at(payload, m.rolesClaim);
  const names = Array.isArray(raw)
    ? raw.filter((x): x is string => typeof x === 'string')
    : typeof raw === 'string'
      ? raw.split(/[\s,]+/)
      : [];
  const roles = [
    ...new Set(
      names
        .map((n) => (Object.hasOwn(m.roleMap, n) ? m.roleMap[n] : isRole(n) ? n : null))
        .filter((r): r is Role => r !== null),
    ),
  ];
  if (roles.length === 0) return null;
  const st = at(payload, m.stateClaim);
  const state = typeof st === 'string' && st !== '' ? st.toUpperCase() : null;
  if (state !== null && !/^[A-Z]{2}$/.test(state)) return null;
  const name =
    typeof payload.name === 'string'
      ? payload.name
      : typeof payload.preferred_username === 'string'
        ? payload.preferred_username
        : undefined;
  return { subject: `oidc:${payload.sub}`, clientId: null, state, roles, ...(name ? { name } : {}) };
}
