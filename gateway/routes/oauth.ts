import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ROLES } from '../../core/principal.js';
import { appendAudit } from '../../core/audit.js';
import { GatewayError } from '../../core/errors.js';
import { authenticateClient } from '../../core/security/clients.js';
import { issueToken, verifyToken } from '../../core/security/access-token.js';
import { readTokenRequest, type TokenRequestFields } from '../../core/security/token-request.js';
import { actorOf, limitHook } from '../plugins/auth.js';
import { toGatewayError } from '../plugins/problems.js';
import { correlationIdOf, edfiProblemBody } from '../edfi/problems.js';
import { RESOURCES } from '../../specs/edfi/catalog.js';
import { DESCRIPTOR_LISTS, descriptorResourceName } from '../../specs/edfi/descriptors.js';

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer(),
  scope: Type.String(),
});

/**
 * A form body as a plain record of the few fields OAuth uses; anything else is dropped. `Token` is read as `token`:
 * Ed-Fi clients send token_info requests as `{"Token": …}` or `Token=…`.
 */
const FORM_FIELDS = new Set(['grant_type', 'client_id', 'client_secret', 'scope', 'token', 'token_type_hint']);
function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [raw, v] of new URLSearchParams(body)) {
    const k = raw === 'Token' ? 'token' : raw;
    if (FORM_FIELDS.has(k) && !(k in out)) out[k] = v;
  }
  return out;
}

/** The token a token_info request names: `token` (RFC 7662) or `Token` (the Ed-Fi ODS/API's request body). */
function tokenParam(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  const v = b.token ?? b.Token;
  return typeof v === 'string' ? v : '';
}

/**
 * Errors of the OAuth endpoints as OAuth clients read them (RFC 6749 section 5.2: `application/json` with `error`
 * and `error_description`), carrying the Ed-Fi problem fields too (`type` `urn:ed-fi:api:security:authentication`
 * and the rest, as the ODS/API answers) and the gateway's code, so the help desk looks the refusal up as any other.
 */
function oauthErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const ge = toGatewayError(error, request.body);
    if (ge.status >= 500) request.log.error({ err: error }, 'unhandled error on the OAuth endpoints');
    if (ge.code === 'GW_ERR_UNAVAILABLE') reply.header('retry-after', String(ge.extra.retryAfterSeconds ?? 5));
    const extra = ge.extra as { error?: unknown; error_description?: unknown };
    const errorCode =
      typeof extra.error === 'string'
        ? extra.error
        : ge.status === 401
          ? 'invalid_client'
          : ge.status === 503 || ge.status === 429
            ? 'temporarily_unavailable'
            : ge.status >= 500
              ? 'server_error'
              : 'invalid_request';
    const problem = edfiProblemBody(ge, correlationIdOf(request));
    return reply
      .code(ge.status)
      .type('application/json; charset=utf-8')
      .send({ error: errorCode, error_description: problem.detail, ...problem });
  });
}

/** What a token's roles may do with each Ed-Fi resource, in token_info's `resources` (the ODS/API operations). */
function edfiResourcesFor(roles: readonly string[]): { resource: string; operations: string[] }[] {
  const operations = roles.includes('state-system')
    ? ['Create', 'Read', 'Update', 'Delete', 'ReadChanges']
    : roles.includes('data-admin') || roles.includes('admin')
      ? ['Read', 'ReadChanges']
      : [];
  if (!operations.length) return [];
  const descriptorOps = operations.filter((o) => o === 'Read' || o === 'ReadChanges');
  return [
    ...RESOURCES.map((r) => ({ resource: `/ed-fi/${r.name}`, operations })),
    ...[...DESCRIPTOR_LISTS.keys()].map((type) => ({
      resource: `/ed-fi/${descriptorResourceName(type)}`,
      operations: descriptorOps,
    })),
  ];
}

/** The client id a token request names (Basic header, form or JSON body), for the rate-limit key; '-' if none. */
function tokenClientOf(request: FastifyRequest): string {
  const req = readTokenRequest(request.headers.authorization, request.body);
  const id = req.fields.clientId;
  return typeof id === 'string' && id.length <= 200 ? id : '-';
}

function oauthError(status: 400 | 401, error: string, detail: string): GatewayError {
  return new GatewayError(status === 401 ? 'GW_ERR_UNAUTHENTICATED' : 'GW_ERR_BAD_REQUEST', detail, {
    extra: { error, error_description: detail },
  });
}

/**
 * OAuth2 client credentials for state systems, as Ed-Fi clients send them
 * (Basic header or form body, JSON accepted too), the JWKS that verifies the
 * tokens, Ed-Fi-style token introspection, and the server metadata.
 */
export const oauthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Form bodies only in this plugin: the data APIs stay JSON (and XML where declared).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8192 },
    (_req, body, done) => {
      done(null, parseForm(body as string));
    },
  );
  const { config } = app.ctx;
  const sec = app.security;
  oauthErrorHandler(app);

  app.post(
    '/oauth/token',
    {
      config: { access: { public: true } },
      // Stricter than the general limit, to slow secret guessing. Keyed by the client id asked for and the caller's
      // address (issue 13 finding 7): an attacker guessing one client's secret locks out only themselves, not every
      // state behind the same proxy; a looser per-address limit stops spraying many client ids from one address.
      preHandler: [
        limitHook(app, {
          max: config.TOKEN_RATE_LIMIT_MAX * 10,
          timeWindow: config.RATE_LIMIT_WINDOW_MS,
          keyGenerator: (r: FastifyRequest) => `token-ip:${r.ip}`,
        }),
        limitHook(app, {
          max: config.TOKEN_RATE_LIMIT_MAX,
          timeWindow: config.RATE_LIMIT_WINDOW_MS,
          keyGenerator: (r: FastifyRequest) => `token:${tokenClientOf(r)}@${r.ip}`,
        }),
      ],
      schema: {
        tags: ['security'],
        summary: 'Get an access token (OAuth2 client credentials)',
        description:
          'Send `Authorization: Basic base64(client_id:client_secret)` and ' +
          '`grant_type=client_credentials` (form), or the three fields in the form or JSON body. Answers ' +
          "a signed JWT for the client's state and roles.",
        response: { 200: TokenResponse },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      const req = readTokenRequest(request.headers.authorization, request.body);
      const fail = async (e: GatewayError, fields: Partial<TokenRequestFields>, why: string) => {
        await appendAudit(app.ctx.db, {
          actor: fields.clientId ? { id: fields.clientId, state: null, roles: [] } : actorOf(request),
          action: 'token.denied',
          outcome: 'failure',
          traceId: request.id,
          details: { why, ip: request.ip, grantType: fields.grantType ?? null },
        });
        if (e.status === 401) reply.header('www-authenticate', 'Basic realm="msix-gateway"');
        request.refusalAudited = true;
        throw e;
      };
      if (req.kind === 'invalid')
        return fail(
          oauthError(req.error === 'invalid_client' ? 401 : 400, req.error, req.detail),
          req.fields,
          req.error,
        );
      const { clientId, clientSecret, grantType } = req.fields;
      if (grantType !== 'client_credentials')
        return fail(
          oauthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported here.'),
          req.fields,
          'unsupported_grant_type',
        );
      const auth = await authenticateClient(app.ctx.db, clientId, clientSecret);
      if (auth.kind !== 'ok')
        return fail(
          oauthError(401, 'invalid_client', 'The client id or secret is wrong, or the client was revoked.'),
          req.fields,
          auth.kind,
        );
      const c = auth.client;
      const t = await issueToken(sec.keyring, sec.tokens, 'access', {
        subject: c.clientId,
        clientId: c.clientId,
        state: c.stateCode,
        roles: c.roles,
      });
      if (t.kind !== 'ok') {
        request.log.error({ reason: t.reason }, 'cannot sign tokens');
        throw new GatewayError('GW_ERR_UNAVAILABLE', 'Tokens cannot be issued right now.');
      }
      await appendAudit(app.ctx.db, {
        actor: { id: c.clientId, state: c.stateCode, roles: c.roles },
        action: 'token.issued',
        traceId: request.id,
        details: { jti: t.jti, expiresIn: t.expiresIn, ip: request.ip },
      });
      return {
        access_token: t.token,
        token_type: 'bearer' as const,
        expires_in: t.expiresIn,
        scope: c.roles.join(' '),
      };
    },
  );

  app.get(
    '/.well-known/jwks.json',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['security'],
        summary: "Public keys that verify the gateway's tokens (current and recently rotated)",
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return sec.keyring.jwks();
    },
  );

  app.get(
    '/.well-known/oauth-authorization-server',
    {
      config: { access: { public: true } },
      schema: { tags: ['security'], summary: 'OAuth server metadata (RFC 8414)' },
    },
    async (request) => {
      const base = config.PUBLIC_URL || `${request.protocol}://${request.host}`;
      return {
        issuer: sec.tokens.issuer,
        token_endpoint: `${base}/oauth/token`,
        jwks_uri: `${base}/.well-known/jwks.json`,
        introspection_endpoint: `${base}/oauth/token_info`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        scopes_supported: [...ROLES],
      };
    },
  );

  app.post(
    '/oauth/token_info',
    {
      config: { access: { roles: ROLES } },
      schema: {
        tags: ['security'],
        summary: 'Describe a token (Ed-Fi token_info)',
        description:
          'Send `token=…` (form or JSON) with your own bearer token. Describes your own tokens; an ' +
          'administrator may describe any. Anything else answers `{"active": false}`.',
      },
    },
    async (request) => {
      const token = tokenParam(request.body);
      if (!token) throw oauthError(400, 'invalid_request', 'Send the token to describe as `token` (or `Token`).');
      const v = await verifyToken(sec.keyring, sec.tokens, 'access', token);
      const me = request.principal!;
      if (v.kind !== 'ok') return { active: false };
      const mine = v.claims.subject === me.subject || me.roles.includes('admin');
      if (!mine) return { active: false };
      const revoked = v.claims.clientId ? !(await sec.clientActive(v.claims.clientId)) : false;
      if (revoked) return { active: false };
      return {
        active: true,
        client_id: v.claims.clientId,
        sub: v.claims.subject,
        state: v.claims.state,
        roles: v.claims.roles,
        // The Ed-Fi ODS/API's token_info fields, so Ed-Fi tooling can read the answer: a state system's claims are its
        // state (no education organization ids), its roles are the claim set, and no profiles are assigned.
        namespace_prefixes: [],
        education_organizations: [],
        assigned_profiles: [],
        claim_set: { name: v.claims.roles.join(' ') },
        resources: edfiResourcesFor(v.claims.roles),
        iss: sec.tokens.issuer,
        aud: sec.tokens.audience,
        exp: Math.floor(v.expiresAt / 1000),
        iat: Math.floor(v.issuedAt / 1000),
      };
    },
  );
};
