import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { createClient, listClients, revokeClient, rotateClientSecret } from '../../core/security/clients.js';
import { rotateSigningKeys, signingKeyPolicy } from '../../core/security/signing-keys.js';
import { auditDisclosure } from '../plugins/auth.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()]);
const ClientView = Type.Object({
  clientId: Type.String(),
  stateCode: Nullable(Type.String()),
  name: Type.String(),
  roles: Type.Array(Type.String()),
  status: Type.String(),
  createdAt: Type.String(),
  rotatedAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  lastTokenAt: Nullable(Type.String()),
});
const WithSecret = Type.Object({
  client: ClientView,
  secret: Type.String({ description: 'Shown once; only its hash is stored.' }),
});
const ClientIdParam = Type.Object({ clientId: Type.String({ minLength: 1, maxLength: 64 }) });
/** The local operator scheme lets `npm run clients` on the gateway's machine use these routes (scripts/clients.ts). */
export const OPERATOR_SCHEME = 'MsixOperator';
const admin = { access: { roles: ['admin'] as const, schemes: [OPERATOR_SCHEME] } };

/**
 * Machine clients and signing keys for national administrators, and for the
 * `clients` CLI while a gateway holds the embedded database: the change is made
 * by the process that holds the data, so a revocation takes effect at once
 * (this gateway forgets the client's cached status) and survives shutdown.
 */
export const adminClientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;

  app.get(
    '/api/v1/admin/clients',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'Machine clients (all, or one state’s); secrets are never shown',
        querystring: Type.Object({ state: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$' })) }),
        response: { 200: Type.Object({ items: Type.Array(ClientView) }) },
      },
    },
    async (request) => ({ items: await listClients(db, request.query.state) }),
  );

  app.post(
    '/api/v1/admin/clients',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'Create a machine client; the secret is in this answer only',
        body: Type.Object(
          {
            state: Type.Optional(Type.Union([Type.String({ pattern: '^[A-Za-z]{2}$' }), Type.Null()])),
            roles: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 6 })),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: WithSecret },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const r = await createClient(db, {
        stateCode: b.state ?? null,
        roles: b.roles ?? ['state-system'],
        name: b.name,
      });
      if (r.kind !== 'created') throw new GatewayError('GW_ERR_VALIDATION', r.reason);
      await auditDisclosure(request, {
        action: 'client.created',
        fields: [],
        details: { clientId: r.client.clientId, state: r.client.stateCode, roles: r.client.roles },
      });
      reply.code(201);
      return { client: r.client, secret: r.secret };
    },
  );

  app.post(
    '/api/v1/admin/clients/:clientId/rotate',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'Issue a new secret (the old one stays valid for graceHours, 0 by default)',
        params: ClientIdParam,
        body: Type.Optional(
          Type.Object(
            { graceHours: Type.Optional(Type.Integer({ minimum: 0, maximum: 720 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: WithSecret },
      },
    },
    async (request) => {
      const graceHours = request.body?.graceHours ?? 0;
      const r = await rotateClientSecret(db, request.params.clientId, graceHours * 3600);
      if (r.kind === 'not-found') throw new GatewayError('GW_ERR_NOT_FOUND', 'No such client.');
      if (r.kind === 'revoked') throw new GatewayError('GW_ERR_CONFLICT', 'The client is revoked.');
      await auditDisclosure(request, {
        action: 'client.rotated',
        fields: [],
        details: { clientId: request.params.clientId, graceHours },
      });
      return { client: r.client, secret: r.secret };
    },
  );

  app.post(
    '/api/v1/admin/clients/:clientId/revoke',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'Revoke a client: no new tokens, and its tokens refused from now on',
        params: ClientIdParam,
        response: { 200: ClientView },
      },
    },
    async (request) => {
      const c = await revokeClient(db, request.params.clientId);
      if (!c) throw new GatewayError('GW_ERR_NOT_FOUND', 'No such client.');
      app.security.forgetClient(c.clientId);
      await auditDisclosure(request, {
        action: 'client.revoked',
        fields: [],
        details: { clientId: c.clientId },
      });
      return c;
    },
  );

  app.post(
    '/api/v1/admin/signing-keys/rotate',
    {
      config: admin,
      schema: {
        tags: ['security'],
        summary: 'Sign with a new key from now on (old keys stay published until their tokens expire)',
        response: { 200: Type.Object({ kid: Type.String(), retired: Type.Integer() }) },
      },
    },
    async (request) => {
      const { kid, retired } = await rotateSigningKeys(db, signingKeyPolicy(config));
      app.security.keyring.invalidate();
      await auditDisclosure(request, { action: 'keys.rotated', fields: [], details: { kid, retired } });
      return { kid, retired };
    },
  );
};
