/**
 * Reads a client-credentials token request the ways Ed-Fi clients send it:
 * `Authorization: Basic base64(id:secret)` with a form body, or id and secret
 * in the form or JSON body. Pure: the route does the HTTP and the audit.
 */
export interface TokenRequestFields {
  grantType: string;
  clientId: string;
  clientSecret: string;
}

export type TokenRequest =
  | { kind: 'ok'; fields: TokenRequestFields }
  | {
      kind: 'invalid';
      error: 'invalid_request' | 'invalid_client';
      detail: string;
      fields: Partial<TokenRequestFields>;
    };

import { hasUnsafeText } from './text-safety.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 512 ? v : undefined);

/** RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding; tolerate clients that skip it. */
function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function parseBasic(
  header: string | undefined,
): { clientId: string; clientSecret: string } | null | 'malformed' {
  if (!header) return null;
  const m = /^Basic +([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return /^Basic/i.test(header) ? 'malformed' : null;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) return 'malformed';
  return { clientId: formDecode(text.slice(0, i)), clientSecret: formDecode(text.slice(i + 1)) };
}

export function readTokenRequest(authorization: string | undefined, body: unknown): TokenRequest {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const grantType = str(b.grant_type) ?? '';
  const bodyId = str(b.client_id);
  const bodySecret = str(b.client_secret);
  const basic = parseBasic(authorization);
  if (basic === 'malformed')
    return {
      kind: 'invalid',
      error: 'invalid_client',
      detail: 'The Basic authorization header is malformed.',
      fields: { grantType },
    };
  if (basic && bodySecret !== undefined) {
    return {
      kind: 'invalid',
      error: 'invalid_request',
      detail: 'Send the client secret in the Basic header or in the body, not both.',
      fields: { grantType, clientId: basic.clientId },
    };
  }
  if (basic && bodyId !== undefined && bodyId !== basic.clientId) {
    return {
      kind: 'invalid',
      error: 'invalid_request',
      detail: 'The client_id in the body differs from the Basic header.',
      fields: { grantType, clientId: basic.clientId },
    };
  }
  const clientId = basic?.clientId ?? bodyId;
  const clientSecret = basic?.clientSecret ?? bodySecret;
  if ([clientId, clientSecret].some((x) => x !== undefined && hasUnsafeText(x)))
    return {
      kind: 'invalid',
      error: 'invalid_client',
      detail: 'The client id or secret holds a NUL or an unpaired surrogate; no client has one.',
      fields: { grantType },
    };
  if (!grantType)
    return {
      kind: 'invalid',
      error: 'invalid_request',
      detail: 'grant_type is required (client_credentials).',
      fields: { clientId },
    };
  if (!clientId || !clientSecret)
    return {
      kind: 'invalid',
      error: 'invalid_client',
      detail: 'Send client_id and client_secret (Basic header or body).',
      fields: { grantType, clientId },
    };
  return { kind: 'ok', fields: { grantType, clientId, clientSecret } };
}
