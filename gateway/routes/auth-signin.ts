import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ROLES } from '../../core/principal.js';
import { auditSignIn } from '../../core/audit.js';
import { GatewayError } from '../../core/errors.js';
import { openFlowState, signFlowState } from '../../core/security/access-token.js';
import type { PendingSignIn } from '../../core/security/oidc.js';
import { createSession, revokeSessionByToken } from '../../core/security/sessions.js';
import { SESSION_COOKIE, actorOf } from '../plugins/auth.js';

const SIGNIN_COOKIE = 'msix_signin';
const SIGNIN_TTL = 600;

/** Cookie attributes: HttpOnly always, SameSite=Lax so cross-site POSTs never carry it, Secure behind TLS. */
const cookieOptions = (maxAge: number, path: string, secure: boolean) =>
  ({ path, maxAge, httpOnly: true, sameSite: 'lax', secure }) as const;

/**
 * Only a local path may be a return target, so the sign-in cannot be used as an open redirect. Without one, the
 * person lands on the portal's home page for their role.
 */
export function safeReturnTo(v: unknown): string {
  return typeof v === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(v) ? v : '/portal';
}

/**
 * People sign in through the OIDC provider with the authorization code flow
 * and PKCE; the gateway then keeps a small signed session cookie. Machine
 * clients never come here: they use /oauth/token.
 */
export const signInRoutes: FastifyPluginAsyncTypebox = async (app) => {
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
  // The portal's sign-out button is a form: its body (the CSRF field) is read and ignored.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_r, _b, done) => done(null, {}),
  );
  const callbackUrl = () => `${sec.publicBase()}/auth/callback`;

  app.get(
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
      // The sign-in cookie and the provider's return go to the public base URL; a person who typed another name of
      // this server (localhost for 127.0.0.1) is sent there first, or the cookie would be missing on return.
      const base = sec.publicBase();
      if (base && !config.PUBLIC_URL && new URL(base).host !== request.host)
        return reply.header('cache-control', 'no-store').redirect(`${base}${request.url}`, 302);
      const started = await provider().startSignIn(callbackUrl(), safeReturnTo(request.query.returnTo));
      if (started.kind !== 'ok')
        throw new GatewayError('GW_ERR_UNAVAILABLE', 'The identity provider does not answer; try again shortly.');
      const flow = await signFlowState(sec.keyring, sec.sessions, { ...started.pending }, SIGNIN_TTL);
      if (!flow)
        throw new GatewayError('GW_ERR_UNAVAILABLE', 'Sign-in is unavailable: the signing key cannot be opened.');
      return reply
        .setCookie(SIGNIN_COOKIE, flow, cookieOptions(SIGNIN_TTL, '/auth', secure))
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
      reply.header('cache-control', 'no-store').clearCookie(SIGNIN_COOKIE, cookieOptions(0, '/auth', secure));
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
      const raw = request.cookies[SIGNIN_COOKIE];
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
      const { token, session } = await createSession(db, res.claims, {
        ttlSeconds: config.SESSION_TTL_SECONDS,
        ip: request.ip,
      });
      await auditSignIn(db, {
        actor: { id: res.claims.subject, state: res.claims.state, roles: res.claims.roles },
        event: 'signin',
        outcome: 'success',
        method: 'oidc',
        traceId: request.id,
        details: { session: session.id, ip: request.ip },
      });
      reply.setCookie(SESSION_COOKIE, token, cookieOptions(config.SESSION_TTL_SECONDS, '/', secure));
      return reply.redirect(pending.returnTo, 302);
    },
  );

  const logout = async (request: FastifyRequest, reply: FastifyReply) => {
    const had = request.cookies[SESSION_COOKIE];
    reply.clearCookie(SESSION_COOKIE, cookieOptions(0, '/', secure)).header('cache-control', 'no-store');
    if (had) {
      // The session ends on the server: the cookie, even copied elsewhere, no longer opens anything.
      const ended = await revokeSessionByToken(db, had, 'signout');
      const actor = ended ? { id: ended.subject, state: ended.state, roles: ended.roles } : actorOf(request);
      await auditSignIn(db, {
        actor,
        event: 'signout',
        outcome: 'success',
        method: 'session',
        traceId: request.id,
        details: { session: ended?.id ?? null },
      });
    }
    const rp = sec.oidc();
    const to = rp ? await rp.logoutUrl(`${sec.publicBase()}/portal`) : null;
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
};
