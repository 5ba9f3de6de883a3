import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ROLES } from '../../core/principal.js';
import { auditSignIn } from '../../core/audit.js';
import { GatewayError } from '../../core/errors.js';
import { issueToken, openFlowState, signFlowState, verifyToken } from '../../core/security/access-token.js';
import type { PendingSignIn } from '../../core/security/oidc.js';
import { SESSION_COOKIE, actorOf, readCookie } from '../plugins/auth.js';

const SIGNIN_COOKIE = 'msix_signin';
const SIGNIN_TTL = 600;

/** A Set-Cookie value: HttpOnly always, SameSite=Lax so cross-site POSTs never carry it, Secure behind TLS. */
function cookie(name: string, value: string, maxAge: number, path: string, secure: boolean): string {
  return (
    `${name}=${encodeURIComponent(value)}; Path=${path}; Max-Age=${maxAge}; HttpOnly; ` +
    `SameSite=Lax${secure ? '; Secure' : ''}`
  );
}

/** Only a local path may be a return target, so the sign-in cannot be used as an open redirect. */
export function safeReturnTo(v: unknown): string {
  return typeof v === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(v) ? v : '/auth/me';
}

/**
 * People sign in through the OIDC provider with the authorization code flow
 * and PKCE; the gateway then keeps a small signed session cookie. Machine
 * clients never come here: they use /oauth/token.
 */
export async function signInRoutes(app: FastifyInstance): Promise<void> {
  const sec = app.security;
  const { config, db } = app.ctx;
  const secure = config.COOKIE_SECURE;

  function provider() {
    const rp = sec.oidc();
    if (!rp)
      throw new GatewayError(
        'GW_ERR_UNAVAILABLE',
        'No identity provider is configured (set OIDC_ISSUER, or DEV_IDP for development).',
      );
    return rp;
  }
  const callbackUrl = () => `${sec.publicBase()}/auth/callback`;

  app.get<{ Querystring: { returnTo?: string } }>(
    '/auth/login',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['security'],
        summary: 'Sign in through the identity provider (redirects)',
        querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 500 })) }),
      },
    },
    async (request, reply) => {
      const started = await provider().startSignIn(callbackUrl(), safeReturnTo(request.query.returnTo));
      if (started.kind !== 'ok')
        throw new GatewayError('GW_ERR_UNAVAILABLE', 'The identity provider does not answer; try again shortly.');
      const flow = await signFlowState(sec.keyring, sec.sessions, { ...started.pending }, SIGNIN_TTL);
      if (!flow)
        throw new GatewayError('GW_ERR_UNAVAILABLE', 'Sign-in is unavailable: the signing key cannot be opened.');
      return reply
        .header('set-cookie', cookie(SIGNIN_COOKIE, flow, SIGNIN_TTL, '/auth', secure))
        .header('cache-control', 'no-store')
        .redirect(started.url, 302);
    },
  );

  app.get(
    '/auth/callback',
    {
      config: { access: { public: true } },
      schema: { tags: ['security'], summary: 'Where the identity provider returns the browser' },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('set-cookie', cookie(SIGNIN_COOKIE, '', 0, '/auth', secure));
      const fail = async (reason: string, outcome: 'failure' | 'denied' = 'failure', who?: string) => {
        await auditSignIn(db, {
          actor: who ? { id: who } : actorOf(request),
          event: 'signin',
          outcome,
          method: 'oidc',
          traceId: request.id,
          details: { reason, ip: request.ip },
        });
        throw new GatewayError(
          outcome === 'denied' ? 'GW_ERR_FORBIDDEN' : 'GW_ERR_UNAUTHENTICATED',
          outcome === 'denied'
            ? "You have no role in the exchange; ask your state's user administrator."
            : `Sign-in failed: ${reason}.`,
        );
      };
      const raw = readCookie(request, SIGNIN_COOKIE);
      const flow = raw ? await openFlowState(sec.keyring, sec.sessions, raw) : null;
      if (!flow?.state || !flow.nonce || !flow.codeVerifier) return fail('the sign-in expired or was not started here');
      const pending: PendingSignIn = {
        state: flow.state,
        nonce: flow.nonce,
        codeVerifier: flow.codeVerifier,
        returnTo: safeReturnTo(flow.returnTo),
      };
      const res = await provider().finishSignIn(new URL(request.url, sec.publicBase() || 'http://localhost'), pending);
      if (res.kind === 'failed') return fail(res.reason);
      if (res.kind === 'no-roles') return fail('no gateway role', 'denied', `oidc:${res.subject}`);
      const session = await issueToken(sec.keyring, sec.sessions, 'session', res.claims);
      if (session.kind !== 'ok')
        throw new GatewayError('GW_ERR_UNAVAILABLE', 'Sign-in is unavailable: the signing key cannot be opened.');
      await auditSignIn(db, {
        actor: { id: res.claims.subject, state: res.claims.state, roles: res.claims.roles },
        event: 'signin',
        outcome: 'success',
        method: 'oidc',
        traceId: request.id,
        details: { session: session.jti, ip: request.ip },
      });
      reply.header('set-cookie', [
        cookie(SIGNIN_COOKIE, '', 0, '/auth', secure),
        cookie(SESSION_COOKIE, session.token, config.SESSION_TTL_SECONDS, '/', secure),
      ]);
      return reply.redirect(pending.returnTo, 302);
    },
  );

  const logout = async (request: FastifyRequest, reply: FastifyReply) => {
    const had = readCookie(request, SESSION_COOKIE);
    reply.header('set-cookie', cookie(SESSION_COOKIE, '', 0, '/', secure)).header('cache-control', 'no-store');
    if (had) {
      const v = await verifyToken(sec.keyring, sec.sessions, 'session', had);
      const actor =
        v.kind === 'ok' ? { id: v.claims.subject, state: v.claims.state, roles: v.claims.roles } : actorOf(request);
      await auditSignIn(db, { actor, event: 'signout', outcome: 'success', method: 'session', traceId: request.id });
    }
    const rp = sec.oidc();
    const to = rp ? await rp.logoutUrl(`${sec.publicBase()}/`) : null;
    return to ? reply.redirect(to, 302) : reply.send({ signedOut: true });
  };
  app.get(
    '/auth/logout',
    {
      config: { access: { public: true } },
      schema: { tags: ['security'], summary: 'Sign out (clears the session cookie)' },
    },
    logout,
  );
  app.post(
    '/auth/logout',
    {
      config: { access: { public: true } },
      schema: { tags: ['security'], summary: 'Sign out (clears the session cookie)' },
    },
    logout,
  );

  app.get(
    '/auth/me',
    {
      config: { access: { roles: ROLES } },
      schema: {
        tags: ['security'],
        summary: 'Who you are signed in as',
        response: {
          200: Type.Object({
            kind: Type.String(),
            subject: Type.String(),
            clientId: Type.Union([Type.String(), Type.Null()]),
            state: Type.Union([Type.String(), Type.Null()]),
            roles: Type.Array(Type.String()),
          }),
        },
      },
    },
    async (request) => request.principal!,
  );
}
