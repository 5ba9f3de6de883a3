import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { appendAudit } from '../../core/audit.js';
import { GatewayError } from '../../core/errors.js';
import {
  checkEndpointInput,
  endpointUrls,
  getStoredEndpoint,
  putEndpoint,
  redactEndpoint,
} from '../../core/exchange/endpoints.js';
import { outboundRefusal, parseEndpointHosts } from '../../core/exchange/outbound.js';
import type { FieldIssue } from '@msix/adapter-sdk/canonical';
import { ackInbox, readInbox } from '../../core/exchange/delivery/inbox.js';
import { actorOf, auditDisclosure } from '../plugins/auth.js';
import { PageLimit, StateParam } from '../schemas.js';
import { requireState } from './records.js';

/**
 * What belongs to one state in the exchange: its inbox (the polling channel)
 * and its endpoint configuration (how messages reach it; whether it is a live
 * source). A state acts on its own; administrators on any.
 */
export const exchangeStateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/states/:state/inbox',
    {
      config: { access: { roles: ['state-system'], stateParam: 'state', pii: true } },
      schema: {
        tags: ['exchange'],
        summary: 'Messages waiting for this state, oldest first',
        description:
          'Items stay until acknowledged (POST …/inbox/{deliveryId}/ack). Page with `after` (the last ' +
          'position read). Per student, messages are in order; drop a repeat by its idempotencyKey.',
        params: StateParam,
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
          limit: Type.Optional(PageLimit()),
        }),
      },
    },
    async (request) => {
      const state = await requireState(app, request.params.state);
      const items = await readInbox(app.ctx.db, state, request.query);
      await auditDisclosure(request, {
        action: 'inbox.read',
        fields: items.length ? ['*'] : [],
        reason: `${state} read its inbox`,
        details: { deliveryIds: items.map((i) => i.deliveryId), count: items.length },
      });
      return { items, next: items.length ? `/api/v1/states/${state}/inbox?after=${items.at(-1)!.position}` : null };
    },
  );

  app.post(
    '/api/v1/states/:state/inbox/:id/ack',
    {
      config: { access: { roles: ['state-system'], stateParam: 'state' } },
      schema: {
        tags: ['exchange'],
        summary: 'Acknowledge one inbox item (idempotent)',
        params: Type.Object({ state: StateParam.properties.state, id: Type.String() }),
      },
    },
    async (request) => {
      const state = await requireState(app, request.params.state);
      const r = await ackInbox(app.ctx.db, state, request.params.id, request.principal?.subject ?? 'unknown');
      if (r.kind === 'not-found')
        throw new GatewayError('GW_ERR_NOT_FOUND', `No item ${request.params.id} in ${state}'s inbox.`);
      return { deliveryId: request.params.id, acknowledgedAt: r.at, alreadyAcknowledged: r.kind === 'already' };
    },
  );

  app.get(
    '/api/v1/states/:state/exchange-endpoint',
    {
      config: {
        access: {
          roles: ['admin', 'help-desk', 'data-admin', 'state-system'],
          stateParam: 'state',
          crossState: ['admin', 'help-desk'],
        },
      },
      schema: {
        tags: ['exchange'],
        summary: 'How the gateway reaches this state (secrets hidden)',
        params: StateParam,
      },
    },
    async (request) =>
      redactEndpoint(await getStoredEndpoint(app.ctx.db, await requireState(app, request.params.state))),
  );

  app.put(
    '/api/v1/states/:state/exchange-endpoint',
    {
      config: {
        access: { roles: ['admin', 'data-admin', 'state-system'], stateParam: 'state', crossState: ['admin'] },
      },
      schema: {
        tags: ['exchange'],
        summary: 'Configure how the gateway reaches this state',
        description:
          'delivery: {"channel":"inbox"} | {"channel":"webhook","url","secret"} | ' +
          '{"channel":"edfi","apiBase","tokenUrl","clientId","clientSecret","scope"?}; source (a live ' +
          'source): null | {"kind":"edfi",…same OAuth fields}. URLs must be https (plain http only on ' +
          'loopback).',
        params: StateParam,
      },
    },
    async (request) => {
      const state = await requireState(app, request.params.state);
      const check = checkEndpointInput(request.body);
      if (check.kind === 'invalid')
        throw new GatewayError(
          'GW_ERR_VALIDATION',
          `${check.issues.length} problem(s) in the endpoint configuration.`,
          { issues: check.issues },
        );
      // Outbound safety: each URL's host must be on the state's allow-list and resolve to public addresses only.
      const policy = {
        allowPrivate: app.ctx.config.EXCHANGE_ALLOW_PRIVATE_ADDRESSES,
        hosts: parseEndpointHosts(app.ctx.config.EXCHANGE_ENDPOINT_HOSTS),
      };
      const refused: FieldIssue[] = [];
      for (const url of endpointUrls(check.input)) {
        const why = await outboundRefusal(url, state, policy);
        if (why)
          refused.push({
            path: '/',
            value: url,
            rule: 'outbound',
            message: why,
            fix: 'Give the public https URL of the state system; the operator keeps the allow-list.',
          });
      }
      if (refused.length)
        throw new GatewayError('GW_ERR_VALIDATION', 'The gateway does not call these addresses.', { issues: refused });
      const before = await getStoredEndpoint(app.ctx.db, state);
      // Secrets are stored sealed with SIGNING_KEY_SECRET when it is set; answers and the audit show them hidden.
      const saved = await putEndpoint(
        app.ctx.db,
        state,
        check.input,
        request.principal?.subject ?? 'unknown',
        app.ctx.config.SIGNING_KEY_SECRET,
      );
      await appendAudit(app.ctx.db, {
        actor: actorOf(request),
        action: 'exchange-endpoint.updated',
        traceId: request.id,
        details: { state, before: redactEndpoint(before), after: redactEndpoint(saved) },
      });
      return redactEndpoint(saved);
    },
  );
};
