import * as client from 'openid-client';
import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { ttlCache, type Clock, type TtlCache } from '../../../lib/ttl-cache.js';

/** OAuth2 client credentials at a state's token endpoint. */
export interface OAuthClientConfig {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

export type TokenResult =
  | { kind: 'ok'; token: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'transient'; reason: string };

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//;

/** Turns what openid-client throws into invalid (credentials refused) or transient (network, 5xx). */
function classify(e: unknown): TokenResult {
  const err = e as { status?: number; error?: string; code?: string; message?: string; cause?: { status?: number } };
  const status = err.status ?? err.cause?.status;
  const what = err.error ?? err.code ?? err.message ?? 'token request failed';
  if (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return { kind: 'invalid', reason: `token endpoint refused the client credentials (HTTP ${status}: ${what})` };
  }
  return {
    kind: 'transient',
    reason: `token endpoint: ${typeof status === 'number' ? `HTTP ${status}: ` : ''}${what}`,
  };
}

/**
 * openid-client's fetch through the outbound agent. openid-client wants the global `Response`, so undici's answer is
 * handed over as one (same status, headers and body stream).
 */
function pinnedFetch(dispatcher: Dispatcher): client.CustomFetch {
  return async (url, options) => {
    const r = await undiciFetch(url, { ...options, dispatcher } as Parameters<typeof undiciFetch>[1]);
    return new Response(r.body as ReadableStream | null, {
      status: r.status,
      statusText: r.statusText,
      headers: r.headers as unknown as Headers,
    });
  };
}

/**
 * Access tokens for the states' Ed-Fi APIs, obtained with openid-client's
 * client-credentials grant and cached until shortly before they expire, so a
 * burst of deliveries costs one token request. Concurrent callers share one
 * request in flight. A 401 from the API calls `invalidate` and the next try
 * gets a fresh token.
 */
export class TokenProvider {
  private readonly cache: TtlCache<string, string>;
  private readonly inflight = new Map<string, Promise<TokenResult>>();

  constructor(now: Clock = Date.now) {
    this.cache = ttlCache({ max: 1000, ttlMs: 300_000, now });
  }

  private key(c: OAuthClientConfig): string {
    return `${c.tokenUrl}\u0000${c.clientId}\u0000${c.scope ?? ''}`;
  }

  /** A token for `c`, asked through `dispatcher` when given (the outbound agent, core/exchange/outbound.ts). */
  async token(c: OAuthClientConfig, timeoutMs: number, dispatcher?: Dispatcher): Promise<TokenResult> {
    const key = this.key(c);
    const hit = this.cache.get(key);
    if (hit !== undefined) return { kind: 'ok', token: hit };
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(c, key, timeoutMs, dispatcher).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  invalidate(c: OAuthClientConfig): void {
    this.cache.delete(this.key(c));
  }

  private async fetch(
    c: OAuthClientConfig,
    key: string,
    timeoutMs: number,
    dispatcher: Dispatcher | undefined,
  ): Promise<TokenResult> {
    try {
      const url = new URL(c.tokenUrl);
      const config = new client.Configuration(
        { issuer: url.origin, token_endpoint: url.href },
        c.clientId,
        c.clientSecret,
        client.ClientSecretBasic(c.clientSecret),
      );
      config.timeout = Math.max(1, Math.ceil(timeoutMs / 1000));
      if (LOOPBACK.test(url.href)) client.allowInsecureRequests(config);
      if (dispatcher) config[client.customFetch] = pinnedFetch(dispatcher);
      const res = await client.clientCredentialsGrant(config, c.scope ? { scope: c.scope } : {});
      const ttl = res.expiresIn() ?? 300;
      // Renew a little early so a token never expires on its way to the API.
      this.cache.set(key, res.access_token, { ttl: Math.max(1, ttl - 30) * 1000 });
      return { kind: 'ok', token: res.access_token };
    } catch (e) {
      return classify(e);
    }
  }
}
