import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { Principal, Role } from '../../core/principal.js';
import { verifySifAuthorization, type SifVerifyDeps } from '../../core/security/sif-hmac.js';
import { appendAudit, type Actor } from '../../core/audit.js';
import { GatewayError } from '../../core/errors.js';
import { isMsixId } from '../../specs/ids.js';
import type { Config } from '../../runtime/config.js';
import type { Db } from '../../core/store/db.js';
import { decideAccess, mustMask, type AccessRequirement } from '../../core/security/access-decision.js';
import { authenticate, type Authentication } from '../../core/security/authenticate.js';
import { OidcRelyingParty } from '../../core/security/oidc.js';
import { parseRoleMap } from '../../core/security/claim-map.js';
import { Keyring } from '../../core/security/keyring.js';
import { clientIsActive } from '../../core/security/clients.js';
import { disclosureGrounds } from '../../core/security/disclosure.js';
import { maskPii } from '../../core/security/mask.js';
import type { TokenSettings } from '../../core/security/access-token.js';
import type { AccessRule } from './access.js';
import { connectLimitRedis } from './limit-redis.js';
import './principal.js';

/** The name of the sign-in session cookie (a gateway-signed session JWT). */
export const SESSION_COOKIE = 'msix_session';

/** What the auth hook found for a request that passed: the roles it got in through, and its state scope. */
export interface GrantedAccess {
  /** The caller's roles that the route accepts. */
  via: Role[];
  /** A state-bound caller's reads are limited to this state (routes declaring `stateQuery`); null: any. */
  stateScope: string | null;
  /** The caller got in only as help desk or federal reporting: mask PII in answers. */
  masked: boolean;
}

/** Security services shared by the auth hook and the oauth and sign-in routes. */
export interface SecurityServices {
  keyring: Keyring;
  tokens: TokenSettings;
  sessions: TokenSettings;
  /**
   * The OIDC provider (external, or the development one), once its issuer URL is known; null when none is configured.
   */
  oidc(): OidcRelyingParty | null;
  /** The gateway's public base URL: PUBLIC_URL, else the address it listens on. */
  publicBase(): string;
  clientActive(clientId: string): Promise<boolean>;
  /** Authenticators for schemes other than Bearer (SIF), by scheme name; a route opts in with `schemes`. */
  schemes: Map<string, SchemeAuthenticator>;
  /** Every route registered after the auth plugin, with its declaration: the source of the authorization matrix. */
  routes: RegisteredRoute[];
}

/** Authenticates a request carrying `Authorization: <scheme> …`; failures become 401 with an audit event. */
export type SchemeAuthenticator = (request: FastifyRequest) => Promise<Authentication>;

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
 * a principal. Register it for both names:
 * `const sif = sifScheme(deps); registerAuthScheme(app, 'SIF_HMACSHA256', sif); registerAuthScheme(app, 'Basic', sif);`
 */
export function sifScheme(
  deps: SifVerifyDeps & { principalFor(sessionToken: string): Promise<Principal | null> },
): SchemeAuthenticator {
  return async (request) => {
    const ts = request.headers.timestamp;
    const r = await verifySifAuthorization(
      request.headers.authorization,
      typeof ts === 'string' ? ts : undefined,
      deps,
    );
    if (r.kind !== 'ok') return { kind: 'invalid', why: r.why };
    const principal = await deps.principalFor(r.sessionToken);
    return principal
      ? { kind: 'ok', principal, via: 'scheme', scheme: r.scheme, expiresAt: Date.now() }
      : { kind: 'invalid', why: 'unknown-token' };
  };
}

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
    /** Set once this request's refusal is on the audit trail, so it is not recorded twice. */
    refusalAudited?: boolean;
    /** Set by auditDisclosure; a PII route answering 2xx without it gets a generic audit event. */
    disclosureAudited?: boolean;
  }
}

// The gateway's AccessRule and core's AccessRequirement must stay the same shape.
const _sameShape = (r: AccessRule): AccessRequirement => r;
void _sameShape;

/** The issuer the gateway puts in its own tokens. */
export function tokenIssuer(config: Config): string {
  return config.TOKEN_ISSUER || config.PUBLIC_URL || 'urn:msix-gateway';
}

/** The OIDC issuer in use: OIDC_ISSUER, or the development provider mounted at /dev-idp. */
export function oidcIssuer(config: Config, base: string): string {
  return config.OIDC_ISSUER || (config.DEV_IDP && base ? `${base}/dev-idp` : '');
}

/** Builds the security services from the configuration. `base` gives the public base URL once known. */
export function createSecurity(db: Db, config: Config, base: () => string = () => config.PUBLIC_URL): SecurityServices {
  const maxTtl = Math.max(config.TOKEN_TTL_SECONDS, config.SESSION_TTL_SECONDS);
  const keyring = new Keyring(db, {
    rotateAfterSeconds: Math.round(config.SIGNING_KEY_ROTATE_DAYS * 86_400),
    maxTokenSeconds: maxTtl + 60,
    sealSecret: config.SIGNING_KEY_SECRET,
  });
  const issuer = tokenIssuer(config);
  const active = new Map<string, { at: number; ok: boolean }>();
  const roleMap = parseRoleMap(config.OIDC_ROLE_MAP);
  if (roleMap.kind === 'invalid') throw new Error(roleMap.reason);
  let rp: OidcRelyingParty | null = null;
  return {
    publicBase: base,
    oidc() {
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
        });
      }
      return rp;
    },
    keyring,
    tokens: { issuer, audience: config.TOKEN_AUDIENCE, ttlSeconds: config.TOKEN_TTL_SECONDS },
    sessions: { issuer, audience: `${config.TOKEN_AUDIENCE}:session`, ttlSeconds: config.SESSION_TTL_SECONDS },
    routes: [],
    schemes: new Map(),
    // Revocation takes effect within 5 seconds without a query per request.
    async clientActive(clientId) {
      const hit = active.get(clientId);
      if (hit && Date.now() - hit.at < 5000) return hit.ok;
      const ok = await clientIsActive(db, clientId);
      if (active.size > 10_000) active.clear();
      active.set(clientId, { at: Date.now(), ok });
      return ok;
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

/** Reads one cookie from the Cookie header (no cookie plugin: this is the only cookie). */
export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/**
 * Records a disclosure of student data by this request (who, which student,
 * which fields, why). Every route that answers with student data calls it;
 * routes that forget get a generic event from the safety net below.
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
  await appendAudit(request.server.ctx.db, {
    actor: actorOf(request),
    action: d.action,
    msixId: d.msixId ?? null,
    recordIds: d.recordIds ?? [],
    fields: d.fields,
    reason: d.reason ?? request.disclosureReason ?? null,
    traceId: request.id,
    details: {
      route: request.routeOptions.url ?? null,
      method: request.method,
      via: request.access?.via ?? [],
      ...(d.details ?? {}),
    },
  });
  request.disclosureAudited = true;
}

/** The answer with names and birth dates masked when the caller is help desk (or federal) only. */
export function maskForCaller<T>(request: FastifyRequest, data: T): T {
  return request.access?.masked ? maskPii(data) : data;
}

/**
 * The state a state-bound caller's list must be limited to: its own, unless
 * its roles reach every state. `requested` is the state asked for, if any.
 */
export function effectiveState(request: FastifyRequest, requested: string | undefined): string | undefined {
  return request.access?.stateScope ?? requested?.toUpperCase();
}

/** Refuses (404, so existence does not leak) an item of another state to a state-scoped caller. */
export function assertStateVisible(request: FastifyRequest, stateCode: string, what: string): void {
  const scope = request.access?.stateScope;
  if (scope && scope !== stateCode) throw new GatewayError('GW_ERR_NOT_FOUND', `No ${what}.`);
}

async function deny(
  request: FastifyRequest,
  reply: FastifyReply,
  err: GatewayError,
  details: Record<string, unknown>,
  msixId: string | null,
): Promise<never> {
  if (err.status === 401)
    reply.header('www-authenticate', `Bearer realm="msix-gateway"${details.why ? `, error="invalid_token"` : ''}`);
  request.refusalAudited = true;
  await appendAudit(request.server.ctx.db, {
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

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The one place authorization happens. For every matched route it reads the
 * route's `config.access` declaration, authenticates the caller, applies the
 * role, state and student-disclosure rules, and refuses with 401/403 problem
 * details and an audit event. A route without a declaration is refused.
 */
export function registerAuth(app: FastifyInstance): void {
  app.decorateRequest('refusalAudited', false);
  app.decorate(
    'security',
    createSecurity(app.ctx.db, app.ctx.config, () => {
      if (app.ctx.config.PUBLIC_URL) return app.ctx.config.PUBLIC_URL.replace(/\/$/, '');
      const addr = app.server.listening ? app.server.address() : null;
      if (!addr || typeof addr !== 'object') return '';
      const host = ['0.0.0.0', '::', ''].includes(app.ctx.config.HOST) ? 'localhost' : app.ctx.config.HOST;
      return `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
    }),
  );
  app.decorateRequest('access', undefined);
  app.decorateRequest('disclosureAudited', false);
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
          { ...sec, external: sec.oidc() },
          request.headers.authorization,
          readCookie(request, SESSION_COOKIE),
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
    const studentParam = rule && !('public' in rule) ? rule.student?.param : undefined;
    const msixId = studentParam && typeof params[studentParam] === 'string' ? (params[studentParam] as string) : null;
    if (decision.kind === 'deny') {
      if (!rule) request.log.error({ route: request.routeOptions.url }, 'route without config.access refused');
      await deny(request, reply, new GatewayError(decision.code, decision.detail), {}, msixId);
      return;
    }
    request.access = { via: decision.via, stateScope: decision.stateScope, masked: mustMask(decision.via) };
    if (decision.studentParam !== null && request.principal) {
      // A malformed id discloses nothing: the route answers it with its own 400.
      if (msixId === null || !isMsixId(msixId)) return;
      const g = await disclosureGrounds(app.ctx.db, request.principal, msixId);
      if (g.kind === 'denied') {
        await deny(
          request,
          reply,
          new GatewayError('GW_ERR_FORBIDDEN', 'Your state has no record, request or move notice for this student.'),
          { grounds: g.reason },
          msixId,
        );
      } else {
        request.disclosureReason = g.reason;
      }
    }
  });

  // Safety net: a PII route that answered 2xx without auditing gets a generic disclosure event before the answer
  // leaves.
  app.addHook('onSend', async (request, reply, payload) => {
    const rule = request.routeOptions.config?.access;
    if (!rule || 'public' in rule || !(rule.pii || rule.student) || request.disclosureAudited) return payload;
    if (reply.statusCode < 200 || reply.statusCode >= 300) return payload;
    const msixId = rule.student ? ((request.params as Record<string, string>)[rule.student.param] ?? null) : null;
    await auditDisclosure(request, { action: 'student.disclosed', msixId, fields: ['*'] });
    return payload;
  });

  // Refused input (malformed, oversized, poisoned, invalid, wrong media type) is a security event too.
  app.addHook('onSend', async (request, reply, payload) => {
    const status = reply.statusCode;
    if (request.refusalAudited || request.is404 || ![400, 405, 406, 413, 415, 422].includes(status)) return payload;
    const code = typeof payload === 'string' ? (/"code":"(GW_ERR_[A-Z_]+)"/.exec(payload)?.[1] ?? null) : null;
    request.refusalAudited = true;
    await appendAudit(app.ctx.db, {
      actor: actorOf(request),
      action: 'request.rejected',
      outcome: 'denied',
      traceId: request.id,
      details: {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status,
        code,
        ip: request.ip,
        contentType: request.headers['content-type'] ?? null,
      },
    });
    return payload;
  });
}

/**
 * Everything that stands in front of the routes, in order: security headers,
 * a per-IP flood guard (so unauthenticated floods cannot fill the audit
 * trail), authentication and authorization, then the per-client rate limit
 * keyed by the authenticated client (or IP when anonymous).
 */
export async function registerSecurity(app: FastifyInstance): Promise<void> {
  const c = app.ctx.config;
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
  registerAuth(app);
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
 * An onRequest hook enforcing one rate limit: 429 problem details with
 * Retry-After when exceeded, rate headers otherwise. Routes use it for their
 * own stricter limits (the token endpoint).
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
