import type { Principal } from '../principal.js';
import type { Keyring } from './keyring.js';
import {
  unverifiedIssuer,
  verifyToken,
  type TokenClaims,
  type TokenSettings,
  type VerifyFailure,
  type VerifyResult,
} from './access-token.js';

/** Verifies a bearer token from the configured external OIDC issuer. */
export interface ExternalVerifier {
  issuer: string;
  verify(token: string): Promise<VerifyResult>;
}

export interface AuthenticationDeps {
  keyring: Keyring;
  tokens: TokenSettings;
  external: ExternalVerifier | null;
  /** False when a machine client was revoked after its token was issued. */
  clientActive(clientId: string): Promise<boolean>;
  /** The live server-side session a session cookie names (null: unknown, expired, signed out or revoked). */
  openSession(token: string): Promise<{ principal: Principal; expiresAt: number } | null>;
}

export type Authentication =
  | { kind: 'none' }
  | { kind: 'ok'; principal: Principal; via: 'gateway-token' | 'oidc-token' | 'session'; expiresAt: number }
  | { kind: 'ok'; principal: Principal; via: 'scheme'; scheme: string; expiresAt: number }
  | { kind: 'invalid'; why: VerifyFailure | 'revoked' | 'bad-scheme' | 'no-session' | (string & {}) };

export function principalOf(c: TokenClaims): Principal {
  return {
    kind: c.clientId ? 'client' : 'person',
    subject: c.subject,
    clientId: c.clientId,
    state: c.state,
    roles: c.roles,
  };
}

/** The token in an `Authorization: Bearer …` header; null when there is none, '' when the header is not Bearer. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer +([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header);
  return m ? m[1]! : '';
}

/**
 * Who is calling: a gateway access token or an external OIDC access token in
 * the Authorization header, else the sign-in session cookie. A header that is
 * present but wrong is an error, never a fallback to the cookie; so is a
 * session cookie that names no live session.
 */
export async function authenticate(
  deps: AuthenticationDeps,
  authorization: string | undefined,
  sessionToken: string | null,
): Promise<Authentication> {
  const bearer = bearerToken(authorization);
  if (bearer === '') return { kind: 'invalid', why: 'bad-scheme' };
  if (bearer) {
    // The issuer is read (a base64 and JSON decode) only when an external issuer is configured at all.
    const ext = deps.external && unverifiedIssuer(bearer) === deps.external.issuer ? deps.external : null;
    const res = ext ? await ext.verify(bearer) : await verifyToken(deps.keyring, deps.tokens, 'access', bearer);
    if (res.kind !== 'ok') return res;
    if (res.claims.clientId && !ext && !(await deps.clientActive(res.claims.clientId)))
      return { kind: 'invalid', why: 'revoked' };
    return {
      kind: 'ok',
      principal: principalOf(res.claims),
      via: ext ? 'oidc-token' : 'gateway-token',
      expiresAt: res.expiresAt,
    };
  }
  if (sessionToken) {
    const s = await deps.openSession(sessionToken);
    if (!s) return { kind: 'invalid', why: 'no-session' };
    return { kind: 'ok', principal: s.principal, via: 'session', expiresAt: s.expiresAt };
  }
  return { kind: 'none' };
}
