import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { Principal, Role } from '../../core/principal.js';
import { verifySifAuthorization, type SifVerifyDeps } from '../../core/security/sif-hmac.js';
import { appendAuditGrouped, type Actor } from '../../core/audit.js';
import { GatewayError } from '../../core/errors.js';
import type { Config } from '../../runtime/config.js';
import type { Db } from '../../core/store/db.js';
import { decideAccess, mustMask, type AccessRequirement } from '../../core/security/access-decision.js';
import { authenticate, type Authentication } from '../../core/security/authenticate.js';
import { OidcRelyingParty } from '../../core/security/oidc.js';
import { parseRoleMap } from '../../core/security/claim-map.js';
import { Keyring } from '../../core/security/keyring.js';
import { signingKeyPolicy } from '../../core/security/signing-keys.js';
import { clientIsActive } from '../../core/security/clients.js';
import type { DisclosurePolicy } from '../../core/security/disclosure.js';
import type { AuditSink, Scope } from '../../core/security/scope.js';
import type { TokenSettings } from '../../core/security/access-token.js';
import { openSession } from '../../core/security/sessions.js';
import type { AccessRule } from './access.js';
import { connectLimitRedis } from './limit-redis.js';
import { ttlCache, type Clock } from '../../lib/ttl-cache.js';
import './principal.js';

/** The name of the sign-in session cookie (an opaque token naming a server-side session). */
export const SESSION_COOKIE = 'msix_session';

/** What the auth hook found for a request that passed: the roles it got in through, and its state scope. */
export interface GrantedAccess {
  via: Role[];
  stateScope: string | null;
  masked: boolean;
}

/** Security services shared by the auth hook and the oauth, sign-in and admin routes. */
export interface SecurityServices {
  keyring: Keyring;
  tokens: TokenSettings;
  /** Settings of the short-lived signed sign-in flow cookie (state, nonce, PKCE verifier). */
  sessions: TokenSettings;
  /** The disclosure policy assembled at start: what opens a child's consolidated record. */
  grounds: DisclosurePolicy;
  oidc(): OidcRelyingParty | null;
  publicBase(): string;
  clientActive(clientId: string): Promise<boolean>;
  /** Drops a client's cached status, so a revocation made by this process takes effect at once. */
  forgetClient(clientId: string): void;
  schemes: Map<string, SchemeAuthenticator>;
  routes: RegisteredRoute[];
}

/** Authenticates a request carrying `Authorization: <scheme> …`; failures become 401 with an audit event. */
export type SchemeAuthenticator = (request: FastifyRequest) => Promise<Authentication>;

export interface RegisteredRoute {
  method: string;
  url: string;
  access: AccessRule | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    security: SecurityServices;
  }
  interface FastifyRequest {
    access?: GrantedAccess;
    /** The caller's request-scoped view of the data (core/security/scope.ts); set on every authenticated route. */
    scope?: Scope;
    /** Set once this request's refusal is on the audit trail, so it is not recorded twice. */
    refusalAudited: boolean;
    /** Set when a disclosure was audited; a PII route answering 2xx without it gets a generic audit event. */
    disclosureAudited: boolean;
  }
}

// The gateway's AccessRule and core's AccessRequirement must stay the same shape.
const _sameShape = (r: AccessRule): AccessRequirement => r;
void _sameShape;

/**
 * Adds an Authorization scheme (the SIF surface registers SIF_HMACSHA256 and
 * Basic, see `sifScheme`). Routes accept it only when they list it in
 * `config.access.schemes`.
 */
export function registerAuthScheme(app: FastifyInstance, scheme: string, authenticator: SchemeAuthenticator): void {
  app.security.schemes.set(scheme.toLowerCase(), authenticator);
}

/**
 * The SIF Authorization schemes as a scheme authenticator: verifies Basic or
 * SIF_HMACSHA256 (timestamp window, single use) and maps the session token to
 * a principal, both from one look-up of the session (`sessionFor`). Register it for both names:
 * `const sif = sifScheme(deps); registerAuthScheme(app, 'SIF_HMACSHA256', sif); registerAuthScheme(app, 'Basic', sif);`
 */
export function sifScheme(
  deps: Omit<SifVerifyDeps, 'secretFor'> & {
    sessionFor(sessionToken: string): Promise<{ secret: string; principal: Principal } | null>;
  },
): SchemeAuthenticator {
  return async (request) => {
    const ts = request.headers.timestamp;
    let session: { secret: string; principal: Principal } | null = null;
    const r = await verifySifAuthorization(request.headers.authorization, typeof ts === 'string' ? ts : undefined, {
      ...deps,
      secretFor: async (token) => {
        session = await deps.sessionFor(token);
        return session?.secret ?? null;
      },
    });
    if (r.kind !== 'ok') return { kind: 'invalid', why: r.why };
    const principal = (session as { principal: Principal } | null)?.principal;
    return principal
      ? { kind: 'ok', principal, via: 'scheme', scheme: r.scheme, expiresAt: Date.now() }
      : { kind: 'invalid', why: 'unknown-token' };
  };
}

/**
 * The local operator scheme: `Authorization: MsixOperator <token>`, where the token is the one this gateway wrote
 * into its data directory's lock file (readable only by the account running it). Accepted only over a loopback
 * connection (the socket's address, not a forwarded one); the caller acts as a national administrator named
 * `operator:<user>` from the `x-msix-operator` header, as the CLI named itself when it opened the database directly.
 */
export function operatorScheme(token: string): SchemeAuthenticator {
  const expected = createHash('sha256').update(token).digest();
  return async (request) => {
    const given = /^MsixOperator ([A-Za-z0-9_-]{20,200})$/.exec(request.headers.authorization ?? '')?.[1];
    const remote = request.socket.remoteAddress ?? '';
    const loopback = remote === '::1' || remote.startsWith('127.') || remote.startsWith('::ffff:127.');
    if (!given || !loopback) return { kind: 'invalid', why: loopback ? 'bad-operator-token' : 'operator-not-local' };
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), expected))
      return { kind: 'invalid', why: 'bad-operator-token' };
    const header = request.headers['x-msix-operator'];
    const user = typeof header === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(header) ? header : 'unknown';
    return {
      kind: 'ok',
      principal: { kind: 'person', subject: `operator:${user}`, clientId: null, state: null, roles: ['admin'] },
      via: 'scheme',
      scheme: 'MsixOperator',
      expiresAt: Date.now(),
    };
  };
}

/** The issuer the gateway puts in its own tokens. */
export function tokenIssuer(config: Config): string {
  return config.TOKEN_ISSUER || config.PUBLIC_URL || 'urn:msix-gateway';
}

/** The OIDC issuer in use: OIDC_ISSUER, or the development provider mounted at /dev-idp. */
export function oidcIssuer(config: Config, base: string): string {
  return config.OIDC_ISSUER || (config.DEV_IDP && base ? `${base}/dev-idp` : '');
}

/** Builds the security services from the configuration. `base` gives the public base URL once known. */
export function createSecurity(
  db: Db,
  config: Config,
  grounds: DisclosurePolicy,
  base: () => string = () => config.PUBLIC_URL,
  cacheClock: Clock = Date.now,
): SecurityServices {
  const keyring = new Keyring(db, signingKeyPolicy(config), undefined, cacheClock);
  const issuer = tokenIssuer(config);
  // Revocation takes effect within 5 seconds without a query per request.
  const active = ttlCache<string, boolean>({ max: 10_000, ttlMs: 5000, now: cacheClock });
  const roleMap = parseRoleMap(config.OIDC_ROLE_MAP);
  if (roleMap.kind === 'invalid') throw new Error(roleMap.reason);
  let rp: OidcRelyingParty | null = null;
  return {
    publicBase: base,
    grounds,
    oidc() {
      // Asked on every authenticated request: without an issuer configured, answer before reading the base URL
      // (which asks the socket for its address when PUBLIC_URL is not set).
      if (!config.OIDC_ISSUER && !config.DEV_IDP) return null;
      const iss = oidcIssuer(config, base());
      if (!iss) return null;
      if (rp?.issuer !== iss) {
        rp = new OidcRelyingParty({
          issuer: iss,
          clientId: config.OIDC_CLIENT_ID,
          clientSecret: config.OIDC_CLIENT_SECRET,
          audience: config.OIDC_AUDIENCE || config.OIDC_CLIENT_ID,
          scopes: config.OIDC_SCOPES,
          allowHttp: config.OIDC_ALLOW_HTTP || (config.DEV_IDP && !config.OIDC_ISSUER),
          claims: { rolesClaim: config.OIDC_ROLES_CLAIM, stateClaim: config.OIDC_STATE_CLAIM, roleMap: roleMap.map },
          authorizedParties: config.OIDC_AUTHORIZED_PARTIES.split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        });
      }
      return rp;
    },
    keyring,
    tokens: { issuer, audience: config.TOKEN_AUDIENCE, ttlSeconds: config.TOKEN_TTL_SECONDS },
    sessions: { issuer, audience: `${config.TOKEN_AUDIENCE}:session`, ttlSeconds: config.SESSION_TTL_SECONDS },
    routes: [],
    schemes: new Map(),
    async clientActive(clientId) {
      const hit = active.get(clientId);
      if (hit !== undefined) return hit;
      const ok = await clientIsActive(db, clientId);
      active.set(clientId, ok);
      return ok;
    },
    forgetClient(clientId) {
      active.delete(clientId);
    },
  };
}

/** The audit actor for a request: the principal, or who an anonymous caller appears to be. */
export function actorOf(request: FastifyRequest): Actor {
  const p = request.principal;
  return p
    ? { id: p.subject, state: p.state, roles: p.roles }
    : { id: `anonymous@${request.ip}`, state: null, roles: [] };
}

/** Where a request's disclosures and refusals go: the audit trail, with the caller, route and trace id filled in. */
function auditSinkOf(request: FastifyRequest): AuditSink {
  const db = request.server.ctx.db;
  const where = () => ({
    route: request.routeOptions.url ?? null,
    method: request.method,
    via: request.access?.via ?? [],
  });
  return {
    async disclosed(e) {
      await appendAuditGrouped(db, {
        actor: actorOf(request),
        action: e.action,
        msixId: e.msixId ?? null,
        recordIds: [...(e.recordIds ?? [])],
        fields: [...e.fields],
        reason: e.reason ?? request.disclosureReason ?? null,
        traceId: request.id,
        details: { ...where(), ...(e.details ?? {}) },
      });
      request.disclosureAudited = true;
    },
    async refused(e) {
      await appendAuditGrouped(db, {
        actor: actorOf(request),
        action: e.action,
        outcome: 'denied',
        msixId: e.msixId ?? null,
        reason: e.reason,
        traceId: request.id,
        details: { ...where(), ...(e.details ?? {}) },
      });
      request.refusalAudited = true;
    },
  };
}

/** The request's scope; every authenticated route has one (a public route asking for it is a programming error). */
export function scopeOf(request: FastifyRequest): Scope {
  if (!request.scope) throw new GatewayError('GW_ERR_INTERNAL', 'This route has no caller scope.');
  return request.scope;
}

/**
 * Records a disclosure of student data by this request (who, which student,
 * which fields, why). Use cases in core do this through `scope.audit`; this is
 * for what a shell discloses itself.
 */
export async function auditDisclosure(
  request: FastifyRequest,
  d: {
    action: string;
    msixId?: string | null;
    recordIds?: string[];
    fields: string[];
    reason?: string;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await auditSinkOf(request).disclosed(d);
}

async function deny(
  request: FastifyRequest,
  reply: FastifyReply,
  err: GatewayError,
  details: Record<string, unknown>,
  msixId: string | null,
): Promise<never> {
  if (err.status === 401)
    reply.header('www-authenticate', `Bearer realm="msix-gateway"${details.why ? ', error="invalid_token"' : ''}`);
  request.refusalAudited = true;
  await appendAuditGrouped(request.server.ctx.db, {
    actor: actorOf(request),
    action: 'access.denied',
    outcome: 'denied',
    msixId,
    traceId: request.id,
    details: {
      method: request.method,
      route: request.routeOptions.url ?? null,
      code: err.code,
      detail: err.message,
      ...details,
    },
  });
  throw err;
}

/** Roles that reach every state's rows (they are bound to no state, or act nationally). */
const NATIONAL_ROLES: ReadonlySet<Role> = new Set(['help-desk', 'federal', 'admin']);

/**
 * The state whose rows the caller may see on this route: none (every state)
 * when it got in through a national or `crossState` role, else its own.
 */
function rowScope(
  rule: Exclude<AccessRule, { public: true }>,
  p: Principal,
  via: readonly Role[],
  listScope: string | null,
) {
  if (rule.stateQuery !== undefined) return listScope;
  return via.some((r) => NATIONAL_ROLES.has(r) || (rule.crossState?.includes(r) ?? false)) ? null : p.state;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const INPUT_REFUSALS = new Set([400, 405, 406, 413, 415, 422]);

/** The problem code in a serialized problem-details payload, for the audit trail. */
const codeIn = (payload: unknown): string | null =>
  typeof payload === 'string' ? (/"code":"(GW_ERR_[A-Z_]+)"/.exec(payload)?.[1] ?? null) : null;

/**
 * The one place authorization happens. For every matched route it reads the
 * route's `config.access` declaration, authenticates the caller, applies the
 * role and state rules, builds the request's Scope, and refuses with 401/403
 * problem details and an audit event. A route without a declaration is
 * refused. Refusals decided later (a handler's 403 or 404, a 5xx) are audited
 * by the onSend hooks here, once.
 */
function authorization(app: FastifyInstance): void {
  app.decorateRequest('refusalAudited', false);
  app.decorateRequest('disclosureAudited', false);
  app.decorateRequest('access', undefined);
  app.decorateRequest('scope', undefined);
  app.addHook('onRoute', (route) => {
    // Read lazily: onRoute hooks of child contexts (the public docs) run after this one and may set the declaration.
    for (const method of [route.method].flat())
      app.security.routes.push({
        method,
        url: route.url,
        get access() {
          return route.config?.access;
        },
      });
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return;
    const rule = request.routeOptions.config.access;
    const sec = app.security;
    let auth: Authentication = { kind: 'none' };
    if (rule && !('public' in rule)) {
      const scheme = /^([A-Za-z0-9_-]+) /.exec(request.headers.authorization ?? '')?.[1]?.toLowerCase();
      if (scheme && scheme !== 'bearer') {
        const fn = sec.schemes.get(scheme);
        const allowed = (rule.schemes ?? []).some((x) => x.toLowerCase() === scheme);
        auth = fn && allowed ? await fn(request) : { kind: 'invalid', why: 'bad-scheme' };
      } else {
        auth = await authenticate(
          {
            keyring: sec.keyring,
            tokens: sec.tokens,
            external: sec.oidc(),
            clientActive: (id) => sec.clientActive(id),
            openSession: async (token) => {
              const s = await openSession(app.ctx.db, token);
              return s ? { principal: s.principal, expiresAt: Date.parse(s.session.expiresAt) } : null;
            },
          },
          request.headers.authorization,
          request.cookies[SESSION_COOKIE] ?? null,
        );
      }
      if (auth.kind === 'ok') request.principal = auth.principal;
      if (auth.kind === 'invalid') {
        await deny(
          request,
          reply,
          new GatewayError('GW_ERR_UNAUTHENTICATED', 'The token is not valid here.', { extra: { reason: auth.why } }),
          { why: auth.why },
          null,
        );
      }
    }
    const params = (request.params ?? {}) as Record<string, unknown>;
    const decision = decideAccess({
      rule,
      principal: request.principal ?? null,
      params,
      query: (request.query ?? {}) as Record<string, unknown>,
      write: WRITE_METHODS.has(request.method),
    });
    if (decision.kind === 'deny') {
      if (!rule) request.log.error({ route: request.routeOptions.url }, 'route without config.access refused');
      await deny(request, reply, new GatewayError(decision.code, decision.detail), {}, null);
      return;
    }
    const masked = mustMask(decision.via);
    request.access = { via: decision.via, stateScope: decision.stateScope, masked };
    if (request.principal && rule && !('public' in rule)) {
      request.scope = {
        principal: request.principal,
        via: decision.via,
        state: rowScope(rule, request.principal, decision.via, decision.stateScope),
        masked,
        traceId: request.id,
        grounds: sec.grounds,
        audit: auditSinkOf(request),
      };
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const rule = request.routeOptions.config?.access;
    const guarded = rule !== undefined && !('public' in rule);
    // Answers to authenticated callers carry student or exchange data: never cached by a browser or proxy.
    if (guarded && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    const status = reply.statusCode;
    // Safety net: a PII route that answered 2xx without auditing gets a generic disclosure event before the answer
    // leaves.
    if (guarded && (rule.pii || rule.student) && !request.disclosureAudited && status >= 200 && status < 300) {
      const msixId = rule.student ? ((request.params as Record<string, string>)[rule.student.param] ?? null) : null;
      await auditDisclosure(request, { action: 'student.disclosed', msixId, fields: ['*'] });
    }
    if (request.refusalAudited || request.is404) return payload;
    const ctx = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      status,
      code: codeIn(payload),
      ip: request.ip,
    };
    if (INPUT_REFUSALS.has(status)) {
      // Refused input (malformed, oversized, poisoned, invalid, wrong media type) is a security event too.
      request.refusalAudited = true;
      await appendAuditGrouped(app.ctx.db, {
        actor: actorOf(request),
        action: 'request.rejected',
        outcome: 'denied',
        traceId: request.id,
        details: { ...ctx, contentType: request.headers['content-type'] ?? null },
      });
    } else if (guarded && (status === 403 || status === 404)) {
      // A handler's refusal on a scoped route (another state's id, a body naming another state, a self-approval, a
      // probe).
      request.refusalAudited = true;
      await appendAuditGrouped(app.ctx.db, {
        actor: actorOf(request),
        action: 'access.denied',
        outcome: 'denied',
        traceId: request.id,
        details: ctx,
      });
    } else if (status >= 500) {
      request.refusalAudited = true;
      await appendAuditGrouped(app.ctx.db, {
        actor: actorOf(request),
        action: 'request.failed',
        outcome: 'failure',
        traceId: request.id,
        details: ctx,
      }).catch((err: unknown) => {
        request.log.error({ err }, 'cannot audit a failed request');
      });
    }
    return payload;
  });
}

/**
 * An onRequest (or preHandler) hook enforcing one rate limit: 429 problem
 * details with Retry-After when exceeded, rate headers otherwise. Routes use
 * it for their own stricter limits (the token endpoint).
 */
export function limitHook(
  app: FastifyInstance,
  opts: { max: number; timeWindow: number; keyGenerator: (req: FastifyRequest) => string },
) {
  const limiter = app.createRateLimit(opts);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const r = await limiter(request);
    if (r.isAllowed) return;
    reply
      .header('x-ratelimit-limit', r.max)
      .header('x-ratelimit-remaining', Math.max(0, r.remaining))
      .header('x-ratelimit-reset', r.ttlInSeconds);
    if (r.isExceeded) {
      reply.header('retry-after', r.ttlInSeconds);
      throw new GatewayError('GW_ERR_RATE_LIMITED', `Too many requests; retry in ${r.ttlInSeconds} s.`);
    }
  };
}

export interface SecurityOptions {
  /** What opens a child's consolidated record, assembled by the composition root. */
  grounds: DisclosurePolicy;
  /** Security headers and rate limits in front of the routes (off for the worker's health-only app). */
  front: boolean;
}

/**
 * Everything that stands in front of the routes, in order: security headers,
 * a per-IP flood guard (so unauthenticated floods cannot fill the audit
 * trail), authentication and authorization, then the per-client rate limit
 * keyed by the authenticated client (or IP when anonymous). A fastify-plugin,
 * so its hooks and decorators reach every route registered after it.
 */
async function security(app: FastifyInstance, opts: SecurityOptions): Promise<void> {
  const c = app.ctx.config;
  app.decorate(
    'security',
    createSecurity(
      app.ctx.db,
      c,
      opts.grounds,
      () => {
        if (c.PUBLIC_URL) return c.PUBLIC_URL.replace(/\/$/, '');
        const addr = app.server.listening ? app.server.address() : null;
        if (!addr || typeof addr !== 'object') return '';
        const host = ['0.0.0.0', '::', ''].includes(c.HOST) ? 'localhost' : c.HOST;
        return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
      },
      app.ctx.cacheClock,
    ),
  );
  if (!opts.front) {
    authorization(app);
    return;
  }
  await app.register(helmet, { global: true });
  // Counters in Redis when the gateway has one, so several gateway processes share one budget per client. When Redis
  // cannot answer, a request goes through unlimited (skipOnError): availability over strictness (docs/security.md).
  const shared = app.ctx.sharedLimits;
  const redis = shared ? await connectLimitRedis(shared, app.log) : null;
  if (redis)
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  // Limits are our own hooks in a fixed order (the plugin's hooks skip every limit after the first that ran on a
  // request).
  await app.register(rateLimit, {
    global: false,
    ...(redis && shared ? { redis, nameSpace: shared.prefix, skipOnError: true } : {}),
  });
  // Every limit's keys need their own prefix: in Redis all limits made with createRateLimit share one key space.
  app.addHook(
    'onRequest',
    limitHook(app, {
      max: c.RATE_LIMIT_MAX * 10,
      timeWindow: c.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (req) => `flood:${req.ip}`,
    }),
  );
  authorization(app);
  app.addHook(
    'onRequest',
    limitHook(app, {
      max: c.RATE_LIMIT_MAX,
      timeWindow: c.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (req) => (req.principal ? `p:${req.principal.clientId ?? req.principal.subject}` : `ip:${req.ip}`),
    }),
  );
}

/**
 * The security layer as a plugin: declares what it needs (the gateway context,
 * cookies) and what it adds (`security`, `request.scope`).
 */
export const securityPlugin = fp(security, {
  name: 'msix-security',
  fastify: '5.x',
  decorators: { fastify: ['ctx'] },
  dependencies: ['@fastify/cookie'],
});
