import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { StateRecordSchema, StudentSchema, createAjv } from '@msix/adapter-sdk/canonical';
import { GatewayError } from '../core/errors.js';
import { findUnsafeText } from '../core/security/text-safety.js';
import type { GatewayContext } from './context.js';
import './plugins/principal.js';
import './plugins/access.js';
import { registerProblemHandlers } from './plugins/problems.js';
import { healthRoutes } from './routes/health.js';
import { recordRoutes, recordStatusRoutes } from './routes/records.js';
import { studentRoutes } from './routes/students.js';
import { exchangeRoutes, ExchangeSchema } from './routes/exchanges.js';
import { matchingExplanationRoutes } from './routes/matching-explanations.js';
import { matchingReviewRoutes } from './routes/matching-reviews.js';
import { matchingMergeRoutes } from './routes/matching-merges.js';
import { fileRoutes } from './routes/files.js';
import { adapterRoutes } from './routes/adapters.js';
import { edfiPlugin } from './edfi/plugin.js';
import { canonicalEdfiUrl } from './edfi/paths.js';
import { sifPlugin } from './sif/plugin.js';
import { operatorScheme, registerAuthScheme, securityPlugin } from './plugins/auth.js';
import { disclosurePolicy, recordInState } from '../core/security/disclosure.js';
import { noticeGround, searchChoiceGround } from '../core/exchange/grounds.js';
import { oauthRoutes } from './routes/oauth.js';
import { signInRoutes } from './routes/auth-signin.js';
import { adminSessionRoutes } from './routes/admin-sessions.js';
import { adminClientRoutes, OPERATOR_SCHEME } from './routes/admin-clients.js';
import { auditHeadRoutes } from './routes/audit-head.js';
import { devIdpRoutes } from './dev-idp/routes.js';
import { exchangeRequestRoutes } from './routes/exchange-requests.js';
import { exchangeEdfiRoutes } from './routes/exchange-edfi.js';
import { exchangeNoticeRoutes } from './routes/exchange-notices.js';
import { exchangeDeliveryRoutes } from './routes/exchange-deliveries.js';
import { exchangeStateRoutes } from './routes/exchange-states.js';
import { studentSearchRoutes } from './routes/student-searches.js';
import { portalPlugin } from './portal/plugin.js';
import { reportRoutes } from './routes/reports.js';
import { edfiHeldRecordRoutes } from './routes/edfi-held-records.js';
import metricsPlugin from './plugins/metrics.js';
import overloadPlugin, { type PressureProbe } from './plugins/overload.js';
import { queueBoardPlugin } from './plugins/queue-board.js';

/** The gateway's fastify instance: TypeBox schemas give route handlers their types. */
export type GatewayApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * What opens a child's consolidated record to a state-bound caller, in the
 * order tried. One explicit list, assembled here at start (not filled by
 * whichever route modules happened to load).
 */
export const DISCLOSURE_GROUNDS = [recordInState, noticeGround, searchChoiceGround] as const;

export interface BuildOptions {
  logger?: Logger | boolean;
  /** Pressure readings for the overload guard instead of the process's own (tests). */
  pressure?: PressureProbe;
}

const CORRELATION = /^[\w.:-]{1,100}$/;

/** TRUST_PROXY as fastify's trustProxy: none, every hop, a hop count, or a list of proxy addresses and CIDRs. */
function trustProxyOf(value: string): boolean | string[] | ((address: string, hop: number) => boolean) {
  const v = value.trim();
  if (!v || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return (_address, hop) => hop < hops;
  }
  return v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * Builds the HTTP gateway without listening, so tests drive it with inject()
 * and `npm start` listens. Routes are thin: they parse, call core, and map the
 * result to HTTP.
 */
export async function buildApp(ctx: GatewayContext, opts: BuildOptions = {}): Promise<GatewayApp> {
  // pino's Logger is a FastifyBaseLogger; typed as such, the instance keeps fastify's own logger type.
  const loggerInstance: FastifyBaseLogger | undefined = typeof opts.logger === 'object' ? opts.logger : undefined;
  const app = Fastify({
    loggerInstance,
    logger: typeof opts.logger === 'boolean' ? opts.logger : undefined,
    bodyLimit: ctx.config.BODY_LIMIT_BYTES,
    // Behind a load balancer the caller's address is in X-Forwarded-For; trusted only from the proxies configured.
    trustProxy: trustProxyOf(ctx.config.TRUST_PROXY),
    requestIdHeader: false,
    genReqId: (req) => {
      const h = req.headers['x-correlation-id'];
      return typeof h === 'string' && CORRELATION.test(h) ? h : randomUUID();
    },
    ajv: { customOptions: {} },
    // Ed-Fi paths match case-insensitively and with a trailing slash, as the ODS/API's do (gateway/edfi/paths.ts).
    rewriteUrl: (req) => canonicalEdfiUrl(req.url ?? '/'),
    // A JSON body carrying __proto__ or constructor.prototype is refused (400), not parsed.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('ctx', ctx);

  // Bodies are checked as sent; query strings, params and headers arrive as text and are coerced to their schema types.
  const bodyAjv = createAjv();
  const textAjv = createAjv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));
  // Responses are serialized from their TypeBox response schemas (fast-json-stringify, fastify's default): a field
  // the schema does not name never leaves, so a property added to a row by mistake cannot leak (issue 11 item 5).
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-correlation-id', request.id);
  });

  // NUL and unpaired surrogates are refused at the edge, in the body, the query string and the path (400, audited as a
  // rejected request), before any handler or the database sees them.
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['body', request.body],
      ['query', request.query],
      ['params', request.params],
    ] as const) {
      const at = findUnsafeText(value);
      if (at)
        throw new GatewayError('GW_ERR_BAD_REQUEST', 'The request holds a NUL character or an unpaired surrogate.', {
          issues: [
            {
              path: `${part}:${at}`,
              rule: 'text',
              message: 'holds a NUL character or an unpaired UTF-16 surrogate',
              fix: 'Send valid Unicode text without NUL characters.',
            },
          ],
        });
    }
  });
  registerProblemHandlers(app);
  // Load shedding first: a request shed under overload costs no token check, body parse or database call.
  await app.register(overloadPlugin, opts.pressure ? { probe: opts.pressure } : {});
  // Security headers, rate limits, and authentication + authorization of every route (config.access).
  await app.register(cookie);
  await app.register(securityPlugin, { grounds: disclosurePolicy(DISCLOSURE_GROUNDS), front: true });
  app.addSchema(StateRecordSchema);
  app.addSchema(StudentSchema);
  // Shared schemas are added here, at the root: addSchema inside a plugin gives that plugin a fresh validator without
  // the code-set keywords.
  app.addSchema(ExchangeSchema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Migrant student record exchange gateway',
        version: '0.1.0',
        description: 'Canonical, Ed-Fi-style and SIF-style APIs for exchanging migrant student records between states.',
      },
      tags: [
        { name: 'records', description: 'Canonical state records in' },
        { name: 'students', description: 'Consolidated students out' },
        { name: 'exchanges', description: 'The exchange ledger' },
        { name: 'exchange', description: 'Record requests, move notices and deliveries between states' },
        { name: 'health', description: 'Liveness and readiness' },
        { name: 'sif', description: 'SIF 3 environments, objects (NA 4.x), queues and subscriptions' },
        { name: 'security', description: 'Tokens, keys and sign-in' },
        { name: 'reports', description: 'Federal and state aggregates (cells under 5 children suppressed)' },
      ],
      // Swagger UI's Authorize button: a state system's client credentials, or a token got elsewhere.
      components: {
        securitySchemes: {
          oauth2: {
            type: 'oauth2',
            description: 'A machine client (npm run demo:token prints one per demo state system).',
            flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } },
          },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
    // Each route's security from its access declaration: public routes need nothing, every other one a token.
    transform: ({ schema, url, route }) => {
      const access = route.config?.access;
      const open = !access || 'public' in access;
      return { schema: { ...schema, security: open ? [] : [{ oauth2: [] }, { bearer: [] }] } as typeof schema, url };
    },
    refResolver: {
      buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  // The API documentation is public: its routes come from the plugin, so they are declared here.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: { public: true } };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: true } });
  });

  // Every request counted and timed; GET /metrics for Prometheus.
  await app.register(metricsPlugin);
  await app.register(healthRoutes);
  await app.register(oauthRoutes);
  await app.register(signInRoutes);
  await app.register(adminSessionRoutes);
  if (ctx.operatorToken) registerAuthScheme(app, OPERATOR_SCHEME, operatorScheme(ctx.operatorToken));
  await app.register(adminClientRoutes);
  await app.register(auditHeadRoutes);
  // Development only: a built-in OIDC provider with demo users (npm start); production points OIDC_ISSUER at a real
  // one.
  if (ctx.config.DEV_IDP) await app.register(devIdpRoutes, { prefix: '/dev-idp' });
  await app.register(recordRoutes);
  await app.register(recordStatusRoutes);
  await app.register(studentRoutes);
  await app.register(studentSearchRoutes);
  await app.register(matchingExplanationRoutes);
  await app.register(matchingReviewRoutes);
  await app.register(matchingMergeRoutes);
  await app.register(exchangeRoutes);
  await app.register(fileRoutes);
  await app.register(adapterRoutes);
  await app.register(edfiPlugin);
  await app.register(sifPlugin);
  await app.register(exchangeRequestRoutes);
  await app.register(exchangeEdfiRoutes);
  await app.register(exchangeNoticeRoutes);
  await app.register(exchangeDeliveryRoutes);
  await app.register(exchangeStateRoutes);
  // The web portal for people (issue 14): pages on the same access rules and core use cases as the API.
  await app.register(reportRoutes);
  await app.register(edfiHeldRecordRoutes);
  await app.register(portalPlugin);
  // The BullMQ board, national administrators only.
  await app.register(queueBoardPlugin);
  return app;
}

/** Only the health routes: what a worker-only process serves to its orchestrator. */
export async function buildHealthApp(ctx: GatewayContext): Promise<GatewayApp> {
  // Fastify's default 10 s per plugin is too short for a worker started on a machine at load 20: the soak saw a
  // restarted worker exit with "Plugin did not start in time: 'healthRoutes'" (issue 18).
  const app = Fastify({ pluginTimeout: 60_000 }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('ctx', ctx);
  registerProblemHandlers(app);
  // Same rule as the gateway: only declared routes answer.
  await app.register(cookie);
  await app.register(securityPlugin, { grounds: disclosurePolicy(DISCLOSURE_GROUNDS), front: false });
  await app.register(healthRoutes);
  return app;
}
