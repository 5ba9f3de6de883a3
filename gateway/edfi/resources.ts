import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
/**
 * The Ed-Fi resource routes: `/ed-fi/{resource}` and `/ed-fi/{resource}/{id}`
 * for every resource of specs/edfi/catalog.ts and every descriptor list.
 * Thin: parse, call core/edfi, map the result to the status and headers the
 * ODS/API answers with. Resource names are matched case-insensitively.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { scopeOf } from '../plugins/auth.js';
import type { Role } from '../../core/principal.js';
import { findResource, type ResourceDef } from '../../specs/edfi/catalog.js';
import { descriptorListForResource } from '../../specs/edfi/descriptors.js';
import {
  deleteDocument,
  recordRejection,
  updateDocument,
  upsertDocument,
  type WriteResult,
  type Writer,
} from '../../core/edfi/write.js';
import { getDocument, listDeletedDocuments, listDocuments, listPartitions } from '../../core/edfi/read.js';
import {
  SEQ_MAX,
  encodePageToken,
  parseCollectionQuery,
  parsePagingQuery,
  parsePartitionsQuery,
  type ParsedQuery,
} from '../../core/edfi/query.js';
import { linkTargets, present } from '../../core/edfi/present.js';
import { etagMatches, etagOf } from '../../core/edfi/etag.js';
import {
  EdfiProblem,
  badRequest,
  dataValidationFailed,
  invalidId,
  methodNotAllowed,
  notFound,
  parameterValidationFailed,
  unsupportedMediaType,
} from './problems.js';
import { normalizeId } from '../../core/edfi/store.js';
import { descriptorById, listDescriptors } from '../../core/edfi/descriptor-resources.js';
import { listKeyChanges } from '../../core/edfi/key-change.js';

/** Who may read Ed-Fi data: a state's own systems and data administrators (their state only), and administrators. */
export const READ_ROLES: readonly Role[] = ['state-system', 'data-admin', 'admin'];
/** Who may write: a state's own systems, into their own state only. */
export const WRITE_ROLES: readonly Role[] = ['state-system'];

const ResourceParams = Type.Object({
  resource: Type.String({
    description: 'Ed-Fi resource or descriptor collection, e.g. students, gradeLevelDescriptors (any case).',
  }),
});
/** Ed-Fi collection queries filter on any field of the resource: the parser checks them (parseCollectionQuery). */
const AnyQuery = Type.Record(Type.String(), Type.Unknown());
const ItemParams = Type.Object({
  resource: ResourceParams.properties.resource,
  id: Type.String({ description: 'The resource id (32 hex digits).' }),
});

type Target = { kind: 'resource'; def: ResourceDef } | { kind: 'descriptor'; segment: string };

function target(segment: string, project = 'ed-fi'): Target {
  const def = findResource(segment);
  if (def && (def.project ?? 'ed-fi') === project) return { kind: 'resource', def };
  if (project === 'ed-fi' && descriptorListForResource(segment)) return { kind: 'descriptor', segment };
  throw notFound();
}

function resourceOnly(segment: string, write: string, project = 'ed-fi'): ResourceDef {
  const t = target(segment, project);
  if (t.kind === 'descriptor')
    throw methodNotAllowed(
      `Descriptors are read-only on this gateway: ${write} is not supported. They are the Ed-Fi Data ` +
        `Standard 5.2 lists.`,
    );
  return t.def;
}

/**
 * The caller's state from its request scope: reads are limited to it; national administrators read every state. A
 * state-bound role without a state never gets here (the security plugin fails closed).
 */
export function readScope(request: FastifyRequest): string | null {
  return scopeOf(request).state;
}

/**
 * Every read of Ed-Fi documents is a disclosure of student data and goes on the audit trail (issue 13 finding 3):
 * which resource, which documents, for whom.
 */
async function auditRead(
  request: FastifyRequest,
  resource: string,
  ids: readonly string[],
  details: Record<string, unknown> = {},
): Promise<void> {
  await scopeOf(request).audit.disclosed({
    action: 'edfi.read',
    recordIds: [],
    fields: ['*'],
    reason: `Ed-Fi ${resource} read by ${request.principal?.state ?? 'a national administrator'}`,
    details: { resource, documents: ids.slice(0, 500), count: ids.length, ...details },
  });
}

function writerOf(request: FastifyRequest): Writer {
  const p = request.principal;
  if (!p?.state) {
    throw new EdfiProblem('GW_ERR_STATE_MISMATCH', {
      type: 'security:authorization',
      title: 'Authorization Denied',
      detail: 'Access to the requested data could not be authorized.',
      errors: ['Only a state system writes Ed-Fi data, and only into its own state; this token is bound to no state.'],
    });
  }
  return { stateCode: p.state, clientId: p.clientId, traceId: request.id };
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The JSON body of a write, or the Ed-Fi problem for a missing body or another media type. */
function jsonBody(request: FastifyRequest): unknown {
  const ct = request.headers['content-type'];
  const empty = request.body === undefined || request.body === null || request.body === '';
  if (empty && !ct) throw badRequest(['A non-empty request body is required.']);
  if (!ct || !JSON_TYPE.test(ct)) throw unsupportedMediaType(ct);
  if (empty) throw badRequest(['A non-empty request body is required.']);
  return request.body;
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
};

/** The path prefix the request came in under (`/data/v3` or `/data`), for Location headers. */
const baseOf = (request: FastifyRequest): string => (request.url.startsWith('/data/v3/') ? '/data/v3' : '/data');

/**
 * The absolute URL of an item, for `Location` (the ODS/API answers absolute URLs; clients follow them as given):
 * under PUBLIC_URL when the gateway is configured with one, else under the scheme and host the request came to.
 */
function locationOf(app: FastifyInstance, request: FastifyRequest, def: ResourceDef, id: string): string {
  const origin = app.ctx.config.PUBLIC_URL.replace(/\/+$/, '') || `${request.protocol}://${request.host}`;
  return `${origin}${baseOf(request)}/${def.project ?? 'ed-fi'}/${def.name}/${id}`;
}

/** The id of a by-id route, or 400 when it is not an Ed-Fi resource id at all (the ODS/API answers 400, not 404). */
function routeId(raw: string): string {
  if (normalizeId(raw) === null) throw invalidId();
  return raw;
}

/** Maps every failed write to its Ed-Fi problem. */
function failure(
  r: Exclude<WriteResult, { kind: 'written' } | { kind: 'deleted' }>,
  def: ResourceDef,
  verb: 'update' | 'delete' | 'create',
): EdfiProblem {
  switch (r.kind) {
    case 'invalid':
      return dataValidationFailed(r.validationErrors, r.errors);
    case 'id-in-body':
      return new EdfiProblem('GW_ERR_VALIDATION', {
        type: 'bad-request:data-validation-failed',
        title: 'Data Validation Failed',
        detail: 'The request data was constructed incorrectly.',
        errors: [
          "Resource identifiers cannot be assigned by the client. The 'id' property should not be " +
            'included in the request body.',
        ],
      });
    case 'id-mismatch':
      return badRequest(['Request body id must match the id in the url.']);
    case 'unresolved':
      return new EdfiProblem('GW_ERR_EDFI_UNRESOLVED_REFERENCE', {
        type: 'data-conflict:unresolved-reference',
        title: 'Unresolved Reference',
        detail: `The referenced ${r.entities.join(', ')} item(s) do not exist.`,
        errors: [
          `Send the ${r.entities.join(', ')} first: references are checked against what this state has ` +
            `sent (see /metadata/data/v3/dependencies for the order).`,
        ],
      });
    case 'dependent':
      return new EdfiProblem('GW_ERR_EDFI_DEPENDENT_ITEM', {
        type: 'data-conflict:dependent-item-exists',
        title: 'Dependent Item Exists',
        detail:
          `The requested action cannot be performed because this item is referenced by existing ` +
          `${r.entities.join(', ')} item(s).`,
      });
    case 'identity-conflict':
      return new EdfiProblem('GW_ERR_EDFI_IDENTITY_CONFLICT', {
        type: 'data-conflict:identity-conflict',
        title: 'Identity Conflict',
        detail: r.detail,
      });
    case 'key-change':
      return new EdfiProblem('GW_ERR_EDFI_KEY_CHANGE', {
        type: 'bad-request:data-validation-failed:key-change-not-supported',
        title: 'Key Change Not Supported',
        detail:
          `Identifying values for the ${r.entity} resource cannot be changed. Delete and recreate the ` +
          `resource item instead.`,
      });
    case 'not-found':
      return notFound(
        verb === 'update'
          ? 'Resource to update was not found'
          : verb === 'delete'
            ? 'Resource to delete was not found'
            : 'The specified data could not be found.',
      );
    case 'forbidden':
      return new EdfiProblem('GW_ERR_STATE_MISMATCH', {
        type: 'security:authorization',
        title: 'Authorization Denied',
        detail: 'Access to the requested data could not be authorized.',
        errors: [r.detail],
      });
    case 'precondition-failed':
      if (r.reason === 'exists') {
        return new EdfiProblem('GW_ERR_PRECONDITION', {
          type: 'precondition-failed:if-none-match',
          title: 'Precondition Failed',
          detail: 'The item already exists (If-None-Match: *).',
          errors: [`A ${def.entity} with this natural key already exists; omit If-None-Match to update it.`],
        });
      }
      return new EdfiProblem('GW_ERR_PRECONDITION', {
        type: 'optimistic-lock-failed',
        title: 'Optimistic Lock Failed',
        detail: 'The item has been modified by another user.',
        errors: [
          "The resource item's etag value does not match what was specified in the 'If-Match' " +
            'request header indicating that it has been modified by another client since it was last ' +
            'retrieved.',
        ],
      });
  }
}

async function fail(
  app: FastifyInstance,
  w: Writer,
  def: ResourceDef,
  r: WriteResult,
  verb: 'update' | 'delete' | 'create',
): Promise<never> {
  if (r.kind === 'written' || r.kind === 'deleted') throw new Error('not a failure');
  if (
    r.kind === 'invalid' ||
    r.kind === 'unresolved' ||
    r.kind === 'key-change' ||
    r.kind === 'dependent' ||
    r.kind === 'identity-conflict'
  ) {
    await recordRejection(app.ctx.db, w, def.name, r);
  }
  throw failure(r, def, verb);
}

const sendPage = (reply: FastifyReply, items: unknown[], total: number | null) => {
  if (total !== null) reply.header('total-count', String(total));
  return reply.type('application/json').send(items);
};

/** Registers the routes under one base path (`/data/v3` for ODS/API clients, `/data` for DMS clients). */
export const resourceRoutes: FastifyPluginAsyncTypebox<{ project?: string }> = async (app, opts) => {
  /** `ed-fi`, or `tpdm` for the Teacher Prep resources of the model. */
  const project = opts.project ?? 'ed-fi';
  const deps = { db: app.ctx.db, queue: app.ctx.queue };
  const read = { access: { roles: READ_ROLES } };
  const write = { access: { roles: WRITE_ROLES } };
  const tags = ['ed-fi'];

  // A trailing slash is accepted, as in the ODS/API (`/ed-fi/students/`).
  for (const url of [`/${project}/:resource`, `/${project}/:resource/`])
    app.get(
      url,
      {
        config: read,
        schema: {
          tags,
          summary: 'Query a resource or descriptor collection',
          description:
            'Filters on natural-key and scalar fields; offset/limit paging (25, at most 500); ' +
            'Total-Count with totalCount=true; minChangeVersion/maxChangeVersion.',
          params: ResourceParams,
          querystring: AnyQuery,
        },
      },
      async (request, reply) => {
        const t = target(request.params.resource, project);
        if (t.kind === 'descriptor') {
          const page = listDescriptors(t.segment, request.query);
          if (page.kind === 'bad') throw parameterValidationFailed(page.errors);
          if (page.nextPageToken) reply.header('next-page-token', page.nextPageToken);
          return sendPage(reply, page.items, page.total);
        }
        const q = parseCollectionQuery(t.def, request.query);
        if (q.kind === 'bad') throw parameterValidationFailed(q.errors);
        const { docs, total, nextPageToken } = await listDocuments(app.ctx.db, t.def, readScope(request), q.query);
        if (nextPageToken) reply.header('next-page-token', nextPageToken);
        await auditRead(
          request,
          t.def.name,
          docs.map((d) => d.id),
        );
        const links = await linkTargets(app.ctx.db, docs);
        return sendPage(
          reply,
          docs.map((d) => present(d, links)),
          total,
        );
      },
    );

  /**
   * A change query of a collection (`deletes`, `keyChanges`): paging and the change window only. Descriptor lists
   * are fixed: nothing of them is ever deleted or re-keyed. `list` reads the page and audits the disclosure.
   */
  const changeQuery = (
    path: 'deletes' | 'keyChanges',
    summary: string,
    list: (
      request: FastifyRequest,
      def: ResourceDef,
      q: ParsedQuery,
    ) => Promise<{ items: unknown[]; total: number | null }>,
  ) =>
    app.get(
      `/${project}/:resource/${path}`,
      { config: read, schema: { tags, summary, params: ResourceParams, querystring: AnyQuery } },
      async (request, reply) => {
        const t = target(request.params.resource, project);
        const q = parsePagingQuery(request.query);
        if (q.kind === 'bad') throw parameterValidationFailed(q.errors);
        if (t.kind === 'descriptor') return sendPage(reply, [], q.query.totalCount ? 0 : null);
        const { items, total } = await list(request, t.def, q.query);
        return sendPage(reply, items, total);
      },
    );

  changeQuery('deletes', 'Change query: items deleted between two change versions', async (request, def, q) => {
    const page = await listDeletedDocuments(app.ctx.db, def, readScope(request), q);
    await auditRead(request, def.name, [], { deletes: page.items.length });
    return page;
  });

  app.get(
    `/${project}/:resource/partitions`,
    {
      config: read,
      schema: {
        tags,
        summary: 'Page tokens splitting the collection into partitions for parallel cursor paging',
        description:
          '`number` partitions asked for (at most 200; 10 when omitted; fewer for small collections), with the ' +
          "collection's filters and change window. Read each with `pageToken` and follow `Next-Page-Token`.",
        params: ResourceParams,
        querystring: AnyQuery,
      },
    },
    async (request, reply) => {
      const t = target(request.params.resource, project);
      const q = parsePartitionsQuery(t.kind === 'resource' ? t.def : null, request.query);
      if (q.kind === 'bad') throw parameterValidationFailed(q.errors);
      // A descriptor list is one partition.
      const pageTokens =
        t.kind === 'descriptor' || !q.query
          ? [encodePageToken(0, SEQ_MAX)]
          : await listPartitions(app.ctx.db, t.def, readScope(request), q.query, q.number);
      return reply.type('application/json').send({ pageTokens });
    },
  );

  changeQuery(
    'keyChanges',
    'Change query: natural-key changes (resources whose key the model lets change)',
    async (request, def, q) => {
      const { filters: _f, ...paging } = q;
      const page = await listKeyChanges(app.ctx.db, { stateCode: readScope(request), resource: def.name, ...paging });
      await auditRead(
        request,
        def.name,
        page.items.map((k) => k.id),
        { keyChanges: page.items.length },
      );
      return page;
    },
  );

  app.get(
    `/${project}/:resource/:id`,
    {
      config: read,
      schema: { tags, summary: 'Read one item by id (ETag; 304 on If-None-Match)', params: ItemParams },
    },
    async (request, reply) => {
      const t = target(request.params.resource, project);
      routeId(request.params.id);
      if (t.kind === 'descriptor') {
        const d = descriptorById(t.segment, request.params.id);
        if (!d) throw notFound();
        return reply.type('application/json').send(d);
      }
      const r = await getDocument(app.ctx.db, t.def, request.params.id, readScope(request));
      if (r.kind === 'not-found') throw notFound();
      if (r.kind === 'forbidden') throw failure(r, t.def, 'create');
      await auditRead(request, t.def.name, [r.doc.id]);
      const etag = etagOf(r.doc.changeVersion);
      const inm = header(request, 'if-none-match');
      if (inm && etagMatches(inm, r.doc.changeVersion)) return reply.code(304).header('etag', etag).send();
      return reply
        .header('etag', etag)
        .type('application/json')
        .send(present(r.doc, await linkTargets(app.ctx.db, [r.doc])));
    },
  );

  for (const url of [`/${project}/:resource`, `/${project}/:resource/`])
    app.post(
      url,
      {
        config: write,
        schema: { tags, summary: 'Upsert by natural key: 201 when new, 200 when it existed', params: ResourceParams },
      },
      async (request, reply) => {
        const def = resourceOnly(request.params.resource, 'POST', project);
        const body = jsonBody(request);
        const w = writerOf(request);
        const inm = header(request, 'if-none-match');
        const r = await upsertDocument(deps, w, def, body, inm ? { ifNoneMatch: inm } : {});
        if (r.kind !== 'written') return fail(app, w, def, r, 'create');
        return reply
          .code(r.status === 'created' ? 201 : 200)
          .header('location', locationOf(app, request, def, r.doc.id))
          .header('etag', etagOf(r.doc.changeVersion))
          .send();
      },
    );

  app.put(
    `/${project}/:resource/:id`,
    {
      config: write,
      schema: { tags, summary: 'Replace an item by id (204; 412 when If-Match does not match)', params: ItemParams },
    },
    async (request, reply) => {
      const def = resourceOnly(request.params.resource, 'PUT', project);
      routeId(request.params.id);
      const body = jsonBody(request);
      const w = writerOf(request);
      const ifMatch = header(request, 'if-match');
      const ifNoneMatch = header(request, 'if-none-match');
      const r = await updateDocument(deps, w, def, request.params.id, body, {
        ...(ifMatch ? { ifMatch } : {}),
        ...(ifNoneMatch ? { ifNoneMatch } : {}),
      });
      if (r.kind !== 'written') return fail(app, w, def, r, 'update');
      return reply
        .code(204)
        .header('location', locationOf(app, request, def, r.doc.id))
        .header('etag', etagOf(r.doc.changeVersion))
        .send();
    },
  );

  app.delete(
    `/${project}/:resource/:id`,
    {
      config: write,
      schema: { tags, summary: 'Delete an item by id (204; 409 while referenced)', params: ItemParams },
    },
    async (request, reply) => {
      const def = resourceOnly(request.params.resource, 'DELETE', project);
      routeId(request.params.id);
      const w = writerOf(request);
      const ifMatch = header(request, 'if-match');
      const r = await deleteDocument(deps, w, def, request.params.id, ifMatch ? { ifMatch } : {});
      if (r.kind !== 'deleted') return fail(app, w, def, r, 'delete');
      return reply.code(204).send();
    },
  );

  // The wrong verb on a collection or an item is 405, as in the ODS/API.
  const m405 = { access: { public: true as const } };
  app.route({
    method: ['PUT', 'DELETE', 'PATCH'],
    url: `/${project}/:resource`,
    config: m405,
    schema: { hide: true },
    handler: async (request) => {
      target((request.params as { resource: string }).resource, project);
      throw methodNotAllowed(
        request.method === 'PUT'
          ? 'Resource collections cannot be replaced. To "upsert" an item in the collection, use POST. To ' +
              'update a specific item, use PUT and include the "id" in the route.'
          : request.method === 'DELETE'
            ? 'Resource collections cannot be deleted. To delete a specific item, use DELETE and include ' +
              'the "id" in the route.'
            : "The endpoint of the request does not support the 'PATCH' method.",
      );
    },
  });
  app.route({
    method: ['POST', 'PATCH'],
    url: `/${project}/:resource/:id`,
    config: m405,
    schema: { hide: true },
    handler: async (request) => {
      target((request.params as { resource: string }).resource, project);
      throw methodNotAllowed(
        request.method === 'POST'
          ? 'Resource items can only be updated using PUT. To "upsert" an item in the resource collection ' +
              'using POST, remove the "id" from the route.'
          : "The endpoint of the request does not support the 'PATCH' method.",
      );
    },
  });
};
