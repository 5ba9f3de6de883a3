import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { appendAudit } from '../../core/audit.js';
import { authenticateClient } from '../../core/security/clients.js';
import { parseBasic } from '../../core/security/token-request.js';
import { parseXmlSafely } from '../../core/security/safe-xml.js';
import {
  createEnvironment,
  deleteEnvironment,
  environmentOfToken,
  getEnvironment,
  zonesOf,
  type SifEnvironment,
} from '../../core/sif/environments.js';
import { environmentTree, SIF_INFRA_NS } from '../../core/sif/infra.js';
import { SIF_PARSER_OPTIONS, valueAt, type SifElement } from '../../mappings/sif/tree.js';
import { actorOf, limitHook } from '../plugins/auth.js';
import type { AccessRule } from '../plugins/access.js';
import { requestMedia, responseMedia, sendSif, SifError } from './http.js';

/** What every SIF route besides environment creation accepts: a state system, by session token or bearer token. */
export const SIF_ACCESS: AccessRule = {
  roles: ['state-system'],
  pii: true,
  schemes: ['SIF_HMACSHA256', 'Basic'],
};

/** The session token in a SIF Authorization header (Basic or SIF_HMACSHA256), unverified: the auth hook verified it. */
export function sessionTokenOf(request: FastifyRequest): string | null {
  const m = /^(?:Basic|SIF_HMACSHA256) +([A-Za-z0-9+/=]+)\s*$/.exec(request.headers.authorization ?? '');
  if (!m) return null;
  const inner = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = inner.indexOf(':');
  return i > 0 ? inner.slice(0, i) : null;
}

/** The caller's environment (null when it called with a bearer token instead of a session token). */
export async function environmentOf(request: FastifyRequest): Promise<SifEnvironment | null> {
  const token = sessionTokenOf(request);
  return token ? environmentOfToken(request.server.ctx.db, token) : null;
}

/** The base URL of this SIF provider, for the environment's service URLs. */
function baseOf(request: FastifyRequest): string {
  const configured = request.server.security.publicBase();
  return `${configured || `${request.protocol}://${request.host}`}/sif/v3`;
}

/** Reads the optional `environment` document a consumer sends: solutionId, consumerName, applicationKey. */
function readEnvironmentBody(request: FastifyRequest): { solutionId?: string; consumerName?: string } {
  const body = request.body as Buffer | undefined;
  if (!body?.length) return {};
  const media = requestMedia(request);
  let tree: SifElement | undefined;
  if (media === 'json') {
    try {
      tree = (JSON.parse(body.toString('utf8')) as { environment?: SifElement }).environment;
    } catch {
      throw new SifError('GW_ERR_BAD_JSON', 'Payload', 'The environment JSON is not well-formed.');
    }
  } else {
    const r = parseXmlSafely<Record<string, SifElement>>(body, { parser: SIF_PARSER_OPTIONS, maxBytes: 65_536 });
    if (r.kind !== 'ok') throw new SifError('GW_ERR_BAD_XML', 'Payload', `The environment XML is refused: ${r.detail}`);
    tree = r.doc.environment;
  }
  if (!tree || typeof tree !== 'object')
    throw new SifError('GW_ERR_BAD_REQUEST', 'Payload', 'The body must be an environment document.');
  const pick = (p: string) => valueAt(tree, p)?.trim() || undefined;
  return { solutionId: pick('solutionId'), consumerName: pick('consumerName') };
}

export const sifEnvironmentRoutes: FastifyPluginAsync = async (app) => {
  const { db, config } = app.ctx;

  app.post(
    '/environments/environment',
    {
      config: { access: { public: true } },
      // Per IP, as strict as the token endpoint: slows secret guessing.
      onRequest: limitHook(app, {
        max: config.TOKEN_RATE_LIMIT_MAX,
        timeWindow: config.RATE_LIMIT_WINDOW_MS,
        keyGenerator: (r: FastifyRequest) => `sif-env:${r.ip}`,
      }),
      schema: {
        tags: ['sif'],
        summary: 'Create a SIF environment (Basic application key and secret)',
        description:
          'Send `Authorization: Basic base64(applicationKey:secret)` (a state-system client id and secret) and ' +
          'optionally an `environment` document. Answers 201 with the environment: sessionToken, default zone, ' +
          'provisioned zones with services and rights, infrastructure service URLs.',
      },
    },
    async (request, reply) => {
      const refuse = async (why: string, err: SifError, clientId: string | null) => {
        await appendAudit(db, {
          actor: clientId ? { id: clientId, state: null, roles: [] } : actorOf(request),
          action: 'sif.environment.denied',
          outcome: 'denied',
          traceId: request.id,
          details: { why, ip: request.ip },
        });
        request.refusalAudited = true;
        if (err.status === 401) reply.header('www-authenticate', 'Basic realm="msix-gateway SIF"');
        throw err;
      };
      const basic = parseBasic(request.headers.authorization);
      if (!basic || basic === 'malformed')
        return refuse(
          basic ? 'malformed' : 'missing',
          new SifError(
            'GW_ERR_UNAUTHENTICATED',
            'Authentication',
            'Send Authorization: Basic base64(applicationKey:secret) to create an environment.',
          ),
          null,
        );
      const auth = await authenticateClient(db, basic.clientId, basic.clientSecret);
      if (auth.kind !== 'ok')
        return refuse(
          auth.kind,
          new SifError(
            'GW_ERR_UNAUTHENTICATED',
            'Authentication',
            'The application key or secret is wrong, or the application was revoked.',
          ),
          basic.clientId,
        );
      const client = auth.client;
      if (!client.stateCode || !client.roles.includes('state-system'))
        return refuse(
          'role',
          new SifError(
            'GW_ERR_FORBIDDEN',
            'Authorization',
            'A SIF application acts for one state: its client needs the state-system role and a state.',
          ),
          client.clientId,
        );
      const input = readEnvironmentBody(request);
      const { environment, sessionToken } = await createEnvironment(db, {
        client,
        secret: basic.clientSecret,
        ...input,
        sealSecret: config.SIGNING_KEY_SECRET,
      });
      await appendAudit(db, {
        actor: { id: client.clientId, state: client.stateCode, roles: client.roles },
        action: 'sif.environment.created',
        traceId: request.id,
        details: { environmentId: environment.id, ip: request.ip },
      });
      const base = baseOf(request);
      reply.code(201).header('location', `${base}/environments/${environment.id}`);
      reply.header('cache-control', 'no-store');
      const tree = environmentTree({
        ...environment,
        sessionToken,
        zones: zonesOf(environment.stateCode),
        base,
      });
      return sendSif(reply, request, { ns: SIF_INFRA_NS, root: 'environment', tree }, responseMedia(request));
    },
  );

  const own = async (request: FastifyRequest, id: string): Promise<SifEnvironment> => {
    const env = await getEnvironment(db, id);
    if (!env || env.clientId !== request.principal?.clientId)
      throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', `No environment ${id} of this application.`);
    return env;
  };

  app.get<{ Params: { envId: string } }>(
    '/environments/:envId',
    { config: { access: SIF_ACCESS }, schema: { tags: ['sif'], summary: 'Read your SIF environment' } },
    async (request, reply) => {
      const env = await own(request, request.params.envId);
      const tree = environmentTree({ ...env, zones: zonesOf(env.stateCode), base: baseOf(request) });
      return sendSif(reply, request, { ns: SIF_INFRA_NS, root: 'environment', tree }, responseMedia(request));
    },
  );

  app.delete<{ Params: { envId: string } }>(
    '/environments/:envId',
    {
      config: { access: SIF_ACCESS },
      schema: { tags: ['sif'], summary: 'Delete your SIF environment: its session token stops working' },
    },
    async (request, reply) => {
      const env = await own(request, request.params.envId);
      await deleteEnvironment(db, env.id, env.clientId);
      await appendAudit(db, {
        actor: actorOf(request),
        action: 'sif.environment.deleted',
        traceId: request.id,
        details: { environmentId: env.id },
      });
      reply.code(204);
      return reply.send();
    },
  );
};
