import { randomUUID } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Role } from '../principal.js';
import type { Keyring } from './keyring.js';
import { ttlCache, type TtlCache } from '../../lib/ttl-cache.js';
import { isRole } from './clients.js';

/**
 * The gateway's own JWTs. Two kinds share the keys but never each other's
 * place: access tokens (`typ: at+jwt`, RFC 9068) for machine clients, and
 * session tokens (`typ: session+jwt`) inside the sign-in cookie.
 */
export type TokenKind = 'access' | 'session';
const TYP: Record<TokenKind, string> = { access: 'at+jwt', session: 'session+jwt' };

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** What a token says about its holder. */
export interface TokenClaims {
  subject: string;
  clientId: string | null;
  state: string | null;
  roles: Role[];
  name?: string;
}

export type IssueResult =
  | { kind: 'ok'; token: string; expiresIn: number; jti: string }
  | { kind: 'no-key'; reason: string };

export async function issueToken(
  keyring: Keyring,
  settings: TokenSettings,
  kind: TokenKind,
  c: TokenClaims,
): Promise<IssueResult> {
  const k = await keyring.signingKey();
  if (k.kind !== 'ok') return { kind: 'no-key', reason: k.reason };
  const jti = randomUUID();
  const payload: JWTPayload = { roles: c.roles, state: c.state, scope: c.roles.join(' ') };
  if (c.clientId) payload.client_id = c.clientId;
  if (c.name) payload.name = c.name;
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: k.key.alg, kid: k.key.kid, typ: TYP[kind] })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(c.subject)
    .setIssuedAt()
    .setExpirationTime(`${settings.ttlSeconds}s`)
    .setJti(jti)
    .sign(k.key.privateKey);
  return { kind: 'ok', token, expiresIn: settings.ttlSeconds, jti };
}

export type VerifyFailure =
  | 'malformed'
  | 'unknown-key'
  | 'bad-signature'
  | 'expired'
  | 'wrong-audience'
  | 'wrong-issuer'
  | 'wrong-type'
  | 'bad-claims'
  | 'id-token'
  | 'wrong-party';
export type VerifyResult =
  | { kind: 'ok'; claims: TokenClaims; expiresAt: number; issuedAt: number; jti: string | null }
  | { kind: 'invalid'; why: VerifyFailure };

/** Maps jose's exceptions to a reason, so nothing thrown crosses into the shell. */
export function joseFailure(e: unknown): VerifyFailure {
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWTClaimValidationFailed)
    return e.claim === 'aud'
      ? 'wrong-audience'
      : e.claim === 'iss'
        ? 'wrong-issuer'
        : e.claim === 'typ'
          ? 'wrong-type'
          : 'bad-claims';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'bad-signature';
  if (e instanceof errors.JWKSNoMatchingKey) return 'unknown-key';
  return 'malformed';
}

/** Reads roles and state from a verified payload; anything off-shape is refused rather than guessed. */
function claimsOf(p: JWTPayload): TokenClaims | null {
  if (typeof p.sub !== 'string' || !Array.isArray(p.roles)) return null;
  const roles = p.roles.filter((r): r is Role => typeof r === 'string' && isRole(r));
  if (roles.length !== p.roles.length) return null;
  const state =
    p.state === null || p.state === undefined
      ? null
      : typeof p.state === 'string' && /^[A-Z]{2}$/.test(p.state)
        ? p.state
        : undefined;
  if (state === undefined) return null;
  return {
    subject: p.sub,
    clientId: typeof p.client_id === 'string' ? p.client_id : null,
    state,
    roles,
    ...(typeof p.name === 'string' ? { name: p.name } : {}),
  };
}

/**
 * Tokens already verified, per keyring: an ES256 signature check costs more
 * than most routes' own work, and a state system sends the same token for
 * many requests. An entry lives until the token expires and at most a minute
 * (so a withdrawn key stops working within a minute); revocation of a client
 * is checked on every request elsewhere and is not affected.
 */
const verified = new WeakMap<Keyring, TtlCache<string, Extract<VerifyResult, { kind: 'ok' }>>>();
const VERIFIED_TTL_MS = 60_000;

export async function verifyToken(
  keyring: Keyring,
  settings: TokenSettings,
  kind: TokenKind,
  token: string,
): Promise<VerifyResult> {
  let cache = verified.get(keyring);
  if (!cache) verified.set(keyring, (cache = ttlCache({ max: 10_000, ttlMs: VERIFIED_TTL_MS, now: keyring.now })));
  const cacheKey = `${kind}\u0000${settings.issuer}\u0000${settings.audience}\u0000${token}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const result = await verifyUncached(keyring, settings, kind, token);
  if (result.kind === 'ok') {
    const ttl = Math.min(result.expiresAt - keyring.now(), VERIFIED_TTL_MS);
    if (ttl > 0) cache.set(cacheKey, result, { ttl });
  }
  return result;
}

async function verifyUncached(
  keyring: Keyring,
  settings: TokenSettings,
  kind: TokenKind,
  token: string,
): Promise<VerifyResult> {
  let kid: string | undefined;
  try {
    const h = decodeProtectedHeader(token);
    kid = h.kid;
    if (h.typ !== TYP[kind]) return { kind: 'invalid', why: 'wrong-type' };
  } catch {
    return { kind: 'invalid', why: 'malformed' };
  }
  if (!kid) return { kind: 'invalid', why: 'unknown-key' };
  const key = await keyring.verificationKey(kid);
  if (!key) return { kind: 'invalid', why: 'unknown-key' };
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: ['ES256'],
      typ: TYP[kind],
      clockTolerance: 30,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    const claims = claimsOf(payload);
    if (!claims) return { kind: 'invalid', why: 'bad-claims' };
    return {
      kind: 'ok',
      claims,
      expiresAt: payload.exp! * 1000,
      issuedAt: payload.iat! * 1000,
      jti: payload.jti ?? null,
    };
  } catch (e) {
    return { kind: 'invalid', why: joseFailure(e) };
  }
}

/** Whether a string looks like a compact JWS issued by `issuer` (read without verifying), to pick the verifier. */
export function unverifiedIssuer(token: string): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const p = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof p.iss === 'string' ? p.iss : null;
  } catch {
    return null;
  }
}

/**
 * A short-lived signed blob for the browser to carry between two requests of
 * one flow (the sign-in's state, nonce and PKCE verifier). Signed, not
 * encrypted: it holds nothing the browser may not see.
 */
export async function signFlowState(
  keyring: Keyring,
  settings: TokenSettings,
  data: Record<string, string>,
  ttlSeconds: number,
): Promise<string | null> {
  const k = await keyring.signingKey();
  if (k.kind !== 'ok') return null;
  return new SignJWT({ data })
    .setProtectedHeader({ alg: k.key.alg, kid: k.key.kid, typ: 'flow+jwt' })
    .setIssuer(settings.issuer)
    .setAudience(`${settings.audience}:flow`)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(k.key.privateKey);
}

export async function openFlowState(
  keyring: Keyring,
  settings: TokenSettings,
  token: string,
): Promise<Record<string, string> | null> {
  try {
    const { kid } = decodeProtectedHeader(token);
    const key = kid ? await keyring.verificationKey(kid) : null;
    if (!key) return null;
    const { payload } = await jwtVerify(token, key, {
      issuer: settings.issuer,
      audience: `${settings.audience}:flow`,
      typ: 'flow+jwt',
      algorithms: ['ES256'],
    });
    const d = payload.data;
    if (!d || typeof d !== 'object') return null;
    const out: Record<string, string> = {};
    for (const [k2, v] of Object.entries(d)) if (typeof v === 'string') out[k2] = v;
    return out;
  } catch {
    return null;
  }
}
