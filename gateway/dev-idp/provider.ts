import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from 'jose';
import { DEMO_USERS, type DemoUser } from './users.js';

/**
 * A minimal OpenID Connect provider for development and tests: discovery,
 * JWKS, an authorize endpoint that shows a user picker instead of a password,
 * a token endpoint that checks PKCE (S256 only), and userinfo. Keys and codes
 * live in memory. It exists because `oidc-provider` does not support Node 20;
 * it must never face the internet.
 */
export interface DevProviderOptions {
  clientId: string;
  /** Empty: a public client (PKCE only). */
  clientSecret: string;
  /** `aud` of the access tokens it issues (the gateway's OIDC_AUDIENCE). */
  accessTokenAudience: string;
}

export interface AuthorizeParams {
  response_type?: string;
  client_id?: string;
  redirect_uri?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: string;
}

export type AuthorizeCheck =
  | {
      kind: 'ok';
      params: Required<Pick<AuthorizeParams, 'client_id' | 'redirect_uri' | 'code_challenge'>> & AuthorizeParams;
    }
  | { kind: 'invalid'; error: string; detail: string; redirect: boolean };

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | null;
  scope: string;
  user: DemoUser;
  expires: number;
}

export type TokenExchange =
  | {
      kind: 'ok';
      body: { access_token: string; id_token: string; token_type: 'Bearer'; expires_in: number; scope: string };
    }
  | { kind: 'invalid'; status: 400 | 401; error: string; detail: string };

const TTL = 3600;

export class DevProvider {
  private codes = new Map<string, PendingCode>();
  private constructor(
    private readonly opts: DevProviderOptions,
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
    private readonly publicKey: CryptoKey,
  ) {}

  static async create(opts: DevProviderOptions): Promise<DevProvider> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = {
      ...(await exportJWK(publicKey)),
      kid: `dev-${randomBytes(4).toString('hex')}`,
      alg: 'ES256',
      use: 'sig',
    };
    return new DevProvider(opts, privateKey, jwk, publicKey);
  }

  users(): readonly DemoUser[] {
    return DEMO_USERS;
  }

  discovery(issuer: string): Record<string, unknown> {
    return {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/jwks`,
      end_session_endpoint: `${issuer}/logout`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: this.opts.clientSecret
        ? ['client_secret_basic', 'client_secret_post']
        : ['none'],
      scopes_supported: ['openid', 'profile', 'email'],
      claims_supported: ['sub', 'name', 'email', 'preferred_username', 'msix_roles', 'msix_state'],
    };
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  /**
   * Checks an authorization request. Redirect URIs must be on the provider's own origin (the gateway it is mounted in).
   */
  checkAuthorize(issuer: string, p: AuthorizeParams): AuthorizeCheck {
    if (p.client_id !== this.opts.clientId)
      return { kind: 'invalid', error: 'unauthorized_client', detail: 'unknown client_id', redirect: false };
    let redirect: URL;
    try {
      redirect = new URL(p.redirect_uri ?? '');
    } catch {
      return {
        kind: 'invalid',
        error: 'invalid_request',
        detail: 'redirect_uri is missing or not a URL',
        redirect: false,
      };
    }
    if (redirect.origin !== new URL(issuer).origin || redirect.hash)
      return {
        kind: 'invalid',
        error: 'invalid_request',
        detail: 'redirect_uri must be on this server',
        redirect: false,
      };
    if (p.response_type !== 'code')
      return { kind: 'invalid', error: 'unsupported_response_type', detail: 'only response_type=code', redirect: true };
    if (!p.code_challenge || p.code_challenge_method !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(p.code_challenge)) {
      return {
        kind: 'invalid',
        error: 'invalid_request',
        detail: 'PKCE with code_challenge_method=S256 is required',
        redirect: true,
      };
    }
    if (!(p.scope ?? '').split(' ').includes('openid'))
      return { kind: 'invalid', error: 'invalid_scope', detail: 'scope must include openid', redirect: true };
    return {
      kind: 'ok',
      params: { ...p, client_id: p.client_id, redirect_uri: p.redirect_uri!, code_challenge: p.code_challenge },
    };
  }

  /** The user picked a demo user: a one-time code, good for 60 seconds. */
  issueCode(p: AuthorizeCheck & { kind: 'ok' }, username: string): string | null {
    const user = DEMO_USERS.find((u) => u.username === username);
    if (!user) return null;
    const code = randomBytes(32).toString('base64url');
    const now = Date.now();
    for (const [k, v] of this.codes) if (v.expires < now) this.codes.delete(k);
    this.codes.set(code, {
      clientId: p.params.client_id,
      redirectUri: p.params.redirect_uri,
      challenge: p.params.code_challenge,
      nonce: p.params.nonce ?? null,
      scope: p.params.scope ?? 'openid',
      user,
      expires: now + 60_000,
    });
    return code;
  }

  private claimsOf(u: DemoUser): Record<string, unknown> {
    return { name: u.name, email: u.email, preferred_username: u.username, msix_roles: u.roles, msix_state: u.state };
  }

  /**
   * The token endpoint: code + PKCE verifier (+ secret for a confidential client) for an ID token and an access token.
   */
  async exchange(
    issuer: string,
    f: {
      grant_type?: string;
      code?: string;
      redirect_uri?: string;
      code_verifier?: string;
      client_id?: string;
      client_secret?: string;
    },
  ): Promise<TokenExchange> {
    if (f.grant_type !== 'authorization_code')
      return { kind: 'invalid', status: 400, error: 'unsupported_grant_type', detail: 'only authorization_code' };
    if (f.client_id !== this.opts.clientId)
      return { kind: 'invalid', status: 401, error: 'invalid_client', detail: 'unknown client' };
    if (this.opts.clientSecret) {
      const a = Buffer.from(f.client_secret ?? ''),
        b = Buffer.from(this.opts.clientSecret);
      if (a.length !== b.length || !timingSafeEqual(a, b))
        return { kind: 'invalid', status: 401, error: 'invalid_client', detail: 'wrong client secret' };
    }
    const pending = f.code ? this.codes.get(f.code) : undefined;
    if (f.code) this.codes.delete(f.code);
    if (!pending || pending.expires < Date.now() || pending.clientId !== f.client_id)
      return { kind: 'invalid', status: 400, error: 'invalid_grant', detail: 'unknown, used or expired code' };
    if (pending.redirectUri !== f.redirect_uri)
      return {
        kind: 'invalid',
        status: 400,
        error: 'invalid_grant',
        detail: 'redirect_uri differs from the authorization request',
      };
    const verifier = f.code_verifier ?? '';
    if (
      !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) ||
      createHash('sha256').update(verifier).digest('base64url') !== pending.challenge
    ) {
      return { kind: 'invalid', status: 400, error: 'invalid_grant', detail: 'PKCE verification failed' };
    }
    const u = pending.user;
    const sign = (payload: Record<string, unknown>, aud: string, typ: string) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: this.publicJwk.kid!, typ })
        .setIssuer(issuer)
        .setSubject(u.sub)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime(`${TTL}s`)
        .setJti(randomBytes(12).toString('hex'))
        .sign(this.privateKey);
    const id_token = await sign(
      { ...this.claimsOf(u), ...(pending.nonce ? { nonce: pending.nonce } : {}) },
      pending.clientId,
      'JWT',
    );
    const access_token = await sign(
      { ...this.claimsOf(u), client_id: pending.clientId, scope: pending.scope },
      this.opts.accessTokenAudience,
      'at+jwt',
    );
    return {
      kind: 'ok',
      body: { access_token, id_token, token_type: 'Bearer', expires_in: TTL, scope: pending.scope },
    };
  }

  /** Userinfo for a valid access token of this provider. */
  async userinfo(issuer: string, token: string): Promise<Record<string, unknown> | null> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer,
        audience: this.opts.accessTokenAudience,
        typ: 'at+jwt',
      });
      const u = DEMO_USERS.find((x) => x.sub === payload.sub);
      return u ? { sub: u.sub, ...this.claimsOf(u) } : null;
    } catch {
      return null;
    }
  }
}
