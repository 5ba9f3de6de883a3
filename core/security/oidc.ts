import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { ExternalVerifier } from './authenticate.js';
import { joseFailure, type TokenClaims, type VerifyResult } from './access-token.js';
import { mapOidcClaims, type ClaimMapping } from './claim-map.js';

/**
 * The gateway as a relying party of one OpenID Connect provider (Keycloak in
 * compose, the development provider in `npm start`, a state's or ED's IdP in
 * production): discovery and JWKS through openid-client, bearer tokens from
 * the provider verified against its keys, and people signed in with the
 * authorization code flow and PKCE.
 */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Audience bearer tokens from the provider must carry. */
  audience: string;
  scopes: string;
  allowHttp: boolean;
  claims: ClaimMapping;
  /** Clients (`azp`, or `client_id`) whose access tokens are accepted; empty: any client of the provider. */
  authorizedParties: readonly string[];
}

/**
 * Whether a verified provider token is an access token. Only access tokens
 * open the API: an ID token says who signed in to the gateway's own client,
 * it grants nothing, and with the gateway's client id as its audience it
 * would otherwise pass the audience check. Access tokens are `typ: at+jwt`
 * (RFC 9068), or carry Keycloak's `typ: Bearer` claim, or a `scope`; a token
 * with a nonce, `at_hash` or `c_hash`, or `typ: ID`, is an ID token.
 */
export function tokenKind(headerTyp: string | undefined, p: JWTPayload): 'access' | 'id' | 'unknown' {
  const htyp = (headerTyp ?? '').toLowerCase();
  const ptyp = typeof p.typ === 'string' ? p.typ.toLowerCase() : null;
  if (p.nonce !== undefined || p.at_hash !== undefined || p.c_hash !== undefined || ptyp === 'id') return 'id';
  if (htyp === 'at+jwt' || htyp === 'application/at+jwt' || ptyp === 'bearer' || typeof p.scope === 'string') {
    return 'access';
  }
  return 'unknown';
}

/** What the browser's sign-in must carry from /auth/login to /auth/callback (kept in a short-lived signed cookie). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

export type SignInResult =
  | { kind: 'ok'; claims: TokenClaims; idClaims: JWTPayload }
  | { kind: 'no-roles'; subject: string }
  | { kind: 'failed'; reason: string };

export class OidcRelyingParty implements ExternalVerifier {
  private discovered: Promise<oidc.Configuration> | null = null;
  private failedAt = 0;
  private jwks: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(readonly settings: OidcSettings) {}

  get issuer(): string {
    return this.settings.issuer;
  }

  /** Discovery, cached; a failure is retried after 10 seconds rather than on every request. */
  async configuration(): Promise<oidc.Configuration | null> {
    if (!this.discovered && Date.now() - this.failedAt < 10_000) return null;
    if (!this.discovered) {
      const s = this.settings;
      const auth = s.clientSecret ? oidc.ClientSecretBasic(s.clientSecret) : oidc.None();
      this.discovered = oidc.discovery(
        new URL(s.issuer),
        s.clientId,
        undefined,
        auth,
        s.allowHttp ? { execute: [oidc.allowInsecureRequests] } : {},
      );
    }
    try {
      return await this.discovered;
    } catch {
      this.discovered = null;
      this.failedAt = Date.now();
      return null;
    }
  }

  async verify(token: string): Promise<VerifyResult> {
    const cfg = await this.configuration();
    const uri = cfg?.serverMetadata().jwks_uri;
    if (!cfg || !uri) return { kind: 'invalid', why: 'unknown-key' };
    this.jwks ??= createRemoteJWKSet(new URL(uri), { cooldownDuration: 30_000, timeoutDuration: 5000 });
    try {
      const { payload, protectedHeader } = await jwtVerify(token, this.jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: 30,
        requiredClaims: ['exp', 'sub'],
        algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      });
      const kind = tokenKind(protectedHeader.typ, payload);
      if (kind !== 'access') return { kind: 'invalid', why: kind === 'id' ? 'id-token' : 'wrong-type' };
      const parties = this.settings.authorizedParties;
      const party =
        typeof payload.azp === 'string'
          ? payload.azp
          : typeof payload.client_id === 'string'
            ? payload.client_id
            : null;
      if (parties.length > 0 && (party === null || !parties.includes(party)))
        return { kind: 'invalid', why: 'wrong-party' };
      const claims = mapOidcClaims(payload, this.settings.claims);
      if (!claims) return { kind: 'invalid', why: 'bad-claims' };
      return {
        kind: 'ok',
        claims,
        expiresAt: payload.exp! * 1000,
        issuedAt: (payload.iat ?? 0) * 1000,
        jti: payload.jti ?? null,
      };
    } catch (e) {
      return { kind: 'invalid', why: joseFailure(e) };
    }
  }

  /** Starts a sign-in: the provider URL to send the browser to, and what the callback must check. */
  async startSignIn(
    redirectUri: string,
    returnTo: string,
  ): Promise<{ kind: 'ok'; url: string; pending: PendingSignIn } | { kind: 'unavailable' }> {
    const cfg = await this.configuration();
    if (!cfg) return { kind: 'unavailable' };
    const pending: PendingSignIn = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
      returnTo,
    };
    const url = oidc.buildAuthorizationUrl(cfg, {
      redirect_uri: redirectUri,
      scope: this.settings.scopes,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { kind: 'ok', url: url.href, pending };
  }

  /** Finishes a sign-in: exchanges the code (with the PKCE verifier), checks state and nonce, maps the claims. */
  async finishSignIn(currentUrl: URL, pending: PendingSignIn): Promise<SignInResult> {
    const cfg = await this.configuration();
    if (!cfg) return { kind: 'failed', reason: 'identity provider unavailable' };
    try {
      const tokens = await oidc.authorizationCodeGrant(cfg, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const id = tokens.claims();
      if (!id) return { kind: 'failed', reason: 'no ID token' };
      let merged: JWTPayload = { ...id };
      const rolesMissing = mapOidcClaims(merged, this.settings.claims) === null;
      if (rolesMissing && cfg.serverMetadata().userinfo_endpoint) {
        const info = await oidc.fetchUserInfo(cfg, tokens.access_token, id.sub);
        // The ID token wins where both speak; userinfo fills in the role and state claims.
        merged = { ...info, ...id };
      }
      const claims = mapOidcClaims(merged, this.settings.claims);
      if (!claims) return { kind: 'no-roles', subject: id.sub };
      return { kind: 'ok', claims, idClaims: merged };
    } catch (e) {
      return { kind: 'failed', reason: e instanceof Error ? e.message : 'sign-in failed' };
    }
  }

  /** The provider's logout URL, when it has one. */
  async logoutUrl(postLogoutRedirectUri: string): Promise<string | null> {
    const cfg = await this.configuration();
    if (!cfg?.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(cfg, {
      post_logout_redirect_uri: postLogoutRedirectUri,
      client_id: this.settings.clientId,
    }).href;
  }
}
