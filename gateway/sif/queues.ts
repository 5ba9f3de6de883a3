/**
 * SIF queues and subscriptions of an environment: create, list, read and delete them; poll a queue's messages
 * (`GET …/queues/{id}/messages`, one event per call, `lastMessageId` acknowledging the message read last; DELETE
 * `…/messages/{id}` acknowledges one). Each queue has its own copy of the exchange engine's move notices and record
 * answers for the environment's state.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parseXmlSafely } from '../../core/security/safe-xml.js';
import { scopeOf } from '../plugins/auth.js';
import { zonesOf, type SifEnvironment } from '../../core/sif/environments.js';
import { queueTree, subscriptionTree, SIF_INFRA_NS } from '../../core/sif/infra.js';
import {
  ackQueueMessage,
  createQueue,
  createSubscription,
  deleteQueue,
  deleteSubscription,
  getQueue,
  listQueues,
  listSubscriptions,
  nextQueueMessage,
  waitingCount,
  type SifQueue,
} from '../../core/sif/queues.js';
import { SIF_PARSER_OPTIONS, valueAt, writeCollectionXml, type SifElement } from '../../mappings/sif/tree.js';
import { SIF_NS, SIF_OBJECTS } from '../../specs/sif/objects.js';
import { environmentOf, SIF_ACCESS } from './environments.js';
import { requestMedia, responseMedia, sendSif, SifError } from './http.js';

const SERVICES = new Set<string>(Object.values(SIF_OBJECTS));

async function envOf(request: FastifyRequest): Promise<SifEnvironment> {
  const env = await environmentOf(request);
  if (!env)
    throw new SifError(
      'GW_ERR_BAD_REQUEST',
      'Environment',
      'Queues and subscriptions belong to an environment: call with its session token (Basic or SIF_HMACSHA256).',
    );
  return env;
}

/** An infrastructure document from the body (queue or subscription), XML or Goessner JSON; empty: {}. */
function infraBody(request: FastifyRequest, root: string): SifElement {
  const body = request.body as Buffer | undefined;
  if (!body?.length) return {};
  if (requestMedia(request) === 'json') {
    try {
      const t = (JSON.parse(body.toString('utf8')) as Record<string, unknown>)[root];
      if (t && typeof t === 'object') return t as SifElement;
    } catch {
      throw new SifError('GW_ERR_BAD_JSON', 'Payload', `The ${root} JSON is not well-formed.`);
    }
    throw new SifError('GW_ERR_BAD_REQUEST', 'Payload', `The body must be a ${root} document.`);
  }
  const r = parseXmlSafely<Record<string, SifElement>>(body, { parser: SIF_PARSER_OPTIONS, maxBytes: 65_536 });
  if (r.kind !== 'ok') throw new SifError('GW_ERR_BAD_XML', 'Payload', `The ${root} XML is refused: ${r.detail}`);
  const t = r.doc[root];
  if (t === undefined) throw new SifError('GW_ERR_BAD_REQUEST', 'Payload', `The body must be a ${root} document.`);
  return typeof t === 'object' ? t : {};
}

export const sifQueueRoutes: FastifyPluginAsync = async (app) => {
  const { db } = app.ctx;
  const route = { config: { access: SIF_ACCESS } };
  const base = (request: FastifyRequest) =>
    `${app.security.publicBase() || `${request.protocol}://${request.host}`}/sif/v3`;
  const view = async (request: FastifyRequest, env: SifEnvironment, q: SifQueue) =>
    queueTree({
      id: q.id,
      name: q.name,
      ownerId: env.id,
      uri: `${base(request)}/queues/${q.id}/messages`,
      created: q.createdAt,
      lastAccessed: q.lastAccessed,
      messageCount: await waitingCount(db, q.id),
    });
  const ownQueue = async (env: SifEnvironment, id: string) => {
    const q = await getQueue(db, env.id, id);
    if (!q) throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', `No queue ${id} in this environment.`);
    return q;
  };

  app.post('/queues', { ...route, schema: { tags: ['sif'], summary: 'Create a queue' } }, async (request, reply) => {
    const env = await envOf(request);
    const body = infraBody(request, 'queue');
    const q = await createQueue(db, env.id, valueAt(body, 'name') ?? null);
    reply.code(201).header('location', `${base(request)}/queues/${q.id}`);
    return sendSif(
      reply,
      request,
      { ns: SIF_INFRA_NS, root: 'queue', tree: await view(request, env, q) },
      responseMedia(request),
    );
  });

  app.get('/queues', { ...route, schema: { tags: ['sif'], summary: 'List your queues' } }, async (request, reply) => {
    const env = await envOf(request);
    const queues = await Promise.all((await listQueues(db, env.id)).map((q) => view(request, env, q)));
    return sendSif(
      reply,
      request,
      { ns: SIF_INFRA_NS, root: 'queues', tree: { queue: queues } },
      responseMedia(request),
    );
  });

  app.get<{ Params: { id: string } }>(
    '/queues/:id',
    { ...route, schema: { tags: ['sif'], summary: 'Read a queue' } },
    async (request, reply) => {
      const env = await envOf(request);
      const q = await ownQueue(env, request.params.id);
      return sendSif(
        reply,
        request,
        { ns: SIF_INFRA_NS, root: 'queue', tree: await view(request, env, q) },
        responseMedia(request),
      );
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/queues/:id',
    { ...route, schema: { tags: ['sif'], summary: 'Delete a queue (and its subscriptions)' } },
    async (request, reply) => {
      const env = await envOf(request);
      if (!(await deleteQueue(db, env.id, request.params.id)))
        throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', `No queue ${request.params.id} in this environment.`);
      reply.code(204);
      return reply.send();
    },
  );

  app.get<{ Params: { id: string }; Querystring: { lastMessageId?: string } }>(
    '/queues/:id/messages',
    {
      ...route,
      schema: {
        tags: ['sif'],
        summary: 'Next message of your queue; lastMessageId acknowledges the message you read last',
      },
    },
    async (request, reply) => {
      const env = await envOf(request);
      const q = await ownQueue(env, request.params.id);
      const lastMessageId = (request.query as Record<string, unknown>).lastMessageId;
      const r = await nextQueueMessage(db, {
        queue: q,
        stateCode: env.stateCode,
        by: request.principal?.subject ?? env.clientId,
        ...(typeof lastMessageId === 'string' && lastMessageId ? { lastMessageId } : {}),
      });
      if (r.kind === 'unknown-ack')
        throw new SifError('GW_ERR_NOT_FOUND', 'Queue', `No message ${String(lastMessageId)} on this queue.`);
      if (r.kind === 'empty') {
        reply.code(204).header('minWaitTime', '5');
        return reply.send();
      }
      const m = r.message;
      await scopeOf(request).audit.disclosed({
        action: 'sif.queue.message',
        msixId: m.message.msixId,
        fields: ['StudentRecordExchange'],
        details: { queueId: q.id, messageId: m.messageId, kind: m.message.kind },
      });
      const media = responseMedia(request);
      const tree = { StudentRecordExchange: [m.body] };
      const xml =
        media === 'xml' ? writeCollectionXml('StudentRecordExchanges', 'StudentRecordExchange', [m.body]) : undefined;
      reply.code(200);
      return sendSif(reply, request, { ns: SIF_NS, root: 'StudentRecordExchanges', tree, xml }, media, {
        messageType: 'EVENT',
        eventAction: m.eventAction,
        replacement: 'FULL',
        serviceType: 'OBJECT',
        serviceName: m.serviceName,
        zoneId: m.zoneId,
        contextId: 'DEFAULT',
        messageId: m.messageId,
        queueId: q.id,
        remainingMessages: String(m.remaining),
      });
    },
  );

  app.delete<{ Params: { id: string; messageId: string } }>(
    '/queues/:id/messages/:messageId',
    { ...route, schema: { tags: ['sif'], summary: 'Remove one message from your queue (acknowledge it)' } },
    async (request, reply) => {
      const env = await envOf(request);
      const q = await ownQueue(env, request.params.id);
      const r = await ackQueueMessage(db, {
        queueId: q.id,
        stateCode: env.stateCode,
        messageId: request.params.messageId,
        by: request.principal?.subject ?? env.clientId,
      });
      if (r.kind === 'unknown')
        throw new SifError('GW_ERR_NOT_FOUND', 'Queue', `No message ${request.params.messageId} on this queue.`);
      reply.code(204);
      return reply.send();
    },
  );

  app.post(
    '/subscriptions',
    { ...route, schema: { tags: ['sif'], summary: 'Subscribe a queue to the events of a service in a zone' } },
    async (request, reply) => {
      const env = await envOf(request);
      const body = infraBody(request, 'subscription');
      const serviceName = valueAt(body, 'serviceName') ?? '';
      const zoneId = valueAt(body, 'zoneId') ?? env.defaultZone;
      const contextId = valueAt(body, 'contextId') ?? 'DEFAULT';
      const queueId = valueAt(body, 'queueId') ?? '';
      if (!SERVICES.has(serviceName))
        throw new SifError(
          'GW_ERR_BAD_REQUEST',
          'Subscription',
          `No service ${serviceName || '(none)'} to subscribe to.`,
        );
      if (!zonesOf(env.stateCode).includes(zoneId) || contextId !== 'DEFAULT')
        throw new SifError('GW_ERR_NOT_FOUND', 'Zone', `No zone ${zoneId} with context ${contextId} here.`);
      await ownQueue(env, queueId);
      const s = await createSubscription(db, {
        environmentId: env.id,
        queueId,
        zoneId,
        contextId,
        serviceType: valueAt(body, 'serviceType') ?? 'OBJECT',
        serviceName,
      });
      reply.code(s.kind === 'created' ? 201 : 409);
      return sendSif(
        reply,
        request,
        { ns: SIF_INFRA_NS, root: 'subscription', tree: subscriptionTree(s.subscription) },
        responseMedia(request),
      );
    },
  );

  app.get(
    '/subscriptions',
    { ...route, schema: { tags: ['sif'], summary: 'List your subscriptions' } },
    async (request, reply) => {
      const env = await envOf(request);
      const subs = (await listSubscriptions(db, env.id)).map(subscriptionTree);
      return sendSif(
        reply,
        request,
        { ns: SIF_INFRA_NS, root: 'subscriptions', tree: { subscription: subs } },
        responseMedia(request),
      );
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/subscriptions/:id',
    { ...route, schema: { tags: ['sif'], summary: 'Delete a subscription' } },
    async (request, reply) => {
      const env = await envOf(request);
      if (!(await deleteSubscription(db, env.id, request.params.id)))
        throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', `No subscription ${request.params.id} here.`);
      reply.code(204);
      return reply.send();
    },
  );
};
