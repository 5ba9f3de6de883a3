/**
 * The SIF object services (requests connector): query with paging and changesSinceMarker, read by RefId, create one
 * (singular last segment, 201) or many (createResponse), update one or many (updateResponse), delete one or many
 * (methodOverride: DELETE with a deleteRequest), matrix parameters zoneId and contextId, and service paths
 * (`SchoolInfos/{RefId}/StudentPersonals`, `StudentPersonals/{RefId}/StudentAcademicRecords`). Thin: core/sif does
 * the work; this file speaks HTTP.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parseXmlSafely } from '../../core/security/safe-xml.js';
import { scopeOf } from '../plugins/auth.js';
import { parseSifBody, type ParsedItem } from '../../core/sif/parse.js';
import { createResponseTree, itemsResponseTree, SIF_INFRA_NS } from '../../core/sif/infra.js';
import {
  createSifObject,
  createSifObjects,
  removeSifObject,
  removeSifObjects,
  updateSifObject,
  updateSifObjects,
  writeRefusal,
  type SifItemError,
  type SifItemResult,
  type SifWriter,
} from '../../core/sif/write.js';
import type { SifOperation } from '../../mappings/sif/fields.js';
import { currentChangeMarker, findSifObject, listSifObjects } from '../../core/sif/store.js';
import { normalizeRefId } from '../../core/sif/refid.js';
import { zonesOf } from '../../core/sif/environments.js';
import {
  msixIdOfConsolidatedRef,
  msixIdOfStudentPersonal,
  readConsolidatedAcademicRecord,
} from '../../core/sif/consolidated.js';
import { SIF_PARSER_OPTIONS, writeCollectionXml, writeObjectXml, type SifElement } from '../../mappings/sif/tree.js';
import { SIF_NS, SIF_OBJECTS, type SifObjectName } from '../../specs/sif/objects.js';
import { MAX_OFFSET, MAX_PAGE_SIZE } from '../../core/paging.js';
import { environmentOf, SIF_ACCESS } from './environments.js';
import { createRecordRequestOverSif, readRecordRequestOverSif } from './exchanges.js';
import { header, parseSegment, requestMedia, responseMedia, sendSif, SifError, type Media } from './http.js';

const BY_COLLECTION = new Map<string, SifObjectName>(
  Object.entries(SIF_OBJECTS).map(([o, c]) => [c, o as SifObjectName]),
);
/** SIF's page size is bounded by the one paging rule (core/paging.ts), like every other list. */
const MAX_PAGE = MAX_PAGE_SIZE;
const DEFAULT_PAGE = 100;
/** The last navigationPage asked for still skips at most MAX_OFFSET objects, whatever the page size. */
const MAX_NAV_PAGE = Math.floor(MAX_OFFSET / MAX_PAGE) + 1;

function objectOf(collection: string): SifObjectName {
  const o = BY_COLLECTION.get(collection);
  if (!o) throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', `No SIF service ${collection} here.`);
  return o;
}

interface Where {
  stateCode: string;
  zoneId: string;
  media: Media;
}

/** The zone and context of a request (matrix parameters on the last segment); unknown ones are 404. */
async function where(request: FastifyRequest, last: string): Promise<Where> {
  const seg = parseSegment(last);
  const state = scopeOf(request).principal.state!;
  const env = await environmentOf(request);
  const zoneId = seg.matrix.zoneId ?? env?.defaultZone ?? state;
  if (!zonesOf(state).includes(zoneId))
    throw new SifError('GW_ERR_NOT_FOUND', 'Zone', `No zone ${zoneId} in this environment.`, `Use zone ${state}.`);
  const ctx = seg.matrix.contextId ?? 'DEFAULT';
  if (ctx !== 'DEFAULT')
    throw new SifError('GW_ERR_NOT_FOUND', 'Context', `No context ${ctx} in zone ${zoneId}.`, 'Use DEFAULT.');
  return { stateCode: state, zoneId, media: responseMedia(request, seg.suffix) };
}

const writerOf = (request: FastifyRequest, w: Where): SifWriter => ({
  stateCode: w.stateCode,
  zoneId: w.zoneId,
  clientId: request.principal?.clientId ?? null,
  traceId: request.id,
});

/** The body's bytes and media type; a charset other than UTF-8 is refused before anything reads the bytes. */
function bodyOf(request: FastifyRequest): { bytes: Buffer; media: Media } {
  const media = requestMedia(request);
  if (!media)
    throw new SifError(
      'GW_ERR_MEDIA_TYPE',
      'MediaType',
      'Send application/xml or application/json.',
      `Content-Type was ${request.headers['content-type'] ?? '(none)'}.`,
    );
  const charset = /charset\s*=\s*"?([\w-]+)/i.exec(String(request.headers['content-type']))?.[1];
  if (charset && !/^(utf-?8|us-ascii)$/i.test(charset))
    throw new SifError('GW_ERR_MEDIA_TYPE', 'MediaType', `The charset ${charset} is not accepted; send UTF-8.`);
  const bytes = request.body;
  if (!Buffer.isBuffer(bytes) || bytes.length === 0)
    throw new SifError('GW_ERR_BAD_REQUEST', 'Payload', 'The request needs a body.');
  return { bytes, media };
}

function readItems(request: FastifyRequest, object: SifObjectName, many: boolean): ParsedItem[] {
  const { bytes, media } = bodyOf(request);
  const r = parseSifBody(bytes, media, object, many, request.server.ctx.config.BODY_LIMIT_BYTES);
  if (r.kind === 'ok') return r.items;
  throw new SifError(
    media === 'xml' && r.reason !== 'namespace' && r.reason !== 'root' ? 'GW_ERR_BAD_XML' : 'GW_ERR_BAD_REQUEST',
    r.reason === 'namespace' ? 'Namespace' : 'Payload',
    r.detail,
  );
}

const mustUseAdvisory = (request: FastifyRequest) => /^true$/i.test(header(request, 'mustUseAdvisory') ?? '');

function sendObject(reply: FastifyReply, request: FastifyRequest, object: SifObjectName, tree: SifElement, w: Where) {
  const xml = w.media === 'xml' ? writeObjectXml(object, tree) : undefined;
  return sendSif(reply, request, { ns: SIF_NS, root: object, tree, xml }, w.media, {
    serviceType: 'OBJECT',
    serviceName: SIF_OBJECTS[object],
  });
}

/** One object's error as the request's SIF error (a single-object request, or a refusal of the whole request). */
function sifErrorOf(result: SifItemError): SifError {
  const code =
    result.status === 404
      ? 'GW_ERR_NOT_FOUND'
      : result.status === 409
        ? 'GW_ERR_CONFLICT'
        : result.status === 403
          ? 'GW_ERR_FORBIDDEN'
          : 'GW_ERR_VALIDATION';
  return new SifError(code, result.scope, result.message, result.description);
}

/** A write the environment's rights do not approve on this service: refused as a whole, before the body is read. */
function guardRight(object: SifObjectName, operation: SifOperation) {
  const refused = writeRefusal(object, operation);
  if (refused) throw sifErrorOf(refused);
}

/** The RefIds of a deleteRequest body (XML in an infrastructure namespace, or Goessner JSON). */
function deleteIds(request: FastifyRequest): string[] {
  const { bytes, media } = bodyOf(request);
  let doc: unknown;
  if (media === 'json') {
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new SifError('GW_ERR_BAD_JSON', 'Payload', 'The deleteRequest JSON is not well-formed.');
    }
  } else {
    const r = parseXmlSafely<Record<string, unknown>>(bytes, { parser: SIF_PARSER_OPTIONS });
    if (r.kind !== 'ok') throw new SifError('GW_ERR_BAD_XML', 'Payload', `The deleteRequest is refused: ${r.detail}`);
    doc = r.doc;
  }
  const req = (doc as { deleteRequest?: { deletes?: { delete?: unknown } } }).deleteRequest;
  const list = req?.deletes?.delete;
  const items = list === undefined ? [] : Array.isArray(list) ? list : [list];
  const ids = items.map((d) => (d && typeof d === 'object' ? (d as Record<string, unknown>)['@id'] : undefined));
  if (!req || ids.length === 0 || ids.some((x) => typeof x !== 'string'))
    throw new SifError(
      'GW_ERR_BAD_REQUEST',
      'Payload',
      'The body must be a deleteRequest: deletes/delete with an id attribute each.',
    );
  return ids as string[];
}

/** A page number or size from the header or the query string. */
function navigation(request: FastifyRequest, name: string, fallback: number, max: number): number {
  const q = (request.query as Record<string, unknown>)[name];
  const raw = header(request, name) ?? (typeof q === 'string' ? q : undefined);
  if (raw === undefined) return fallback;
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= max))
    throw new SifError(
      'GW_ERR_BAD_REQUEST',
      'Paging',
      `${name} ${JSON.stringify(raw.slice(0, 24))} is not a whole number from 1 to ${max}: send one, or leave it ` +
        `out (${fallback}).`,
    );
  return n;
}

async function query(
  request: FastifyRequest,
  reply: FastifyReply,
  object: SifObjectName,
  w: Where,
  filter: { studentRef?: string; schoolRef?: string; enrolledAt?: string },
  servicePath: string,
) {
  const db = request.server.ctx.db;
  const page = navigation(request, 'navigationPage', 1, MAX_NAV_PAGE);
  const size = navigation(request, 'navigationPageSize', DEFAULT_PAGE, MAX_PAGE);
  const marker = (request.query as Record<string, unknown>).changesSinceMarker;
  let since: number | undefined;
  if (typeof marker === 'string') {
    since = Number(marker);
    if (!/^\d{1,18}$/.test(marker))
      throw new SifError('GW_ERR_BAD_REQUEST', 'ChangesSinceMarker', 'changesSinceMarker must be the value we sent.');
  }
  const newest = await currentChangeMarker(db);
  const { rows, total } = await listSifObjects(db, {
    stateCode: w.stateCode,
    zoneId: w.zoneId,
    object,
    ...filter,
    ...(since !== undefined ? { since } : {}),
    offset: (page - 1) * size,
    limit: size,
  });
  const live = rows.filter((r) => !r.deleted);
  await scopeOf(request).audit.disclosed({
    action: 'sif.query',
    fields: ['*'],
    details: { object, count: live.length, page, servicePath },
  });
  const collection = SIF_OBJECTS[object];
  const trees = live.map((r) => r.body);
  const lastPage = Math.max(1, Math.ceil(total / size));
  const extra = {
    responseAction: 'QUERY',
    serviceType: servicePath.includes('/') ? 'SERVICEPATH' : 'OBJECT',
    serviceName: servicePath,
    relativeServicePath: servicePath,
    navigationPage: String(page),
    navigationPageSize: String(size),
    navigationCount: String(total),
    navigationLastPage: String(lastPage),
    changesSinceMarker: String(newest),
  };
  const tree: SifElement = { [object]: trees };
  const xml = w.media === 'xml' ? writeCollectionXml(collection, object, trees) : undefined;
  return sendSif(reply, request, { ns: SIF_NS, root: collection, tree, xml }, w.media, extra);
}

export const sifObjectRoutes: FastifyPluginAsync = async (app) => {
  const { db } = app.ctx;
  const route = { config: { access: SIF_ACCESS }, schema: { tags: ['sif'] } };
  const errorIds = () => randomUUID();

  // Query (paged, changesSinceMarker); HEAD answers the same headers.
  app.get<{ Params: { collection: string } }>(
    '/requests/:collection',
    { ...route, schema: { ...route.schema, summary: 'Query SIF objects (navigationPage, navigationPageSize)' } },
    async (request, reply) => {
      const w = await where(request, request.params.collection);
      const name = parseSegment(request.params.collection).name;
      return query(request, reply, objectOf(name), w, {}, name);
    },
  );

  // Create many: a collection body, a createResponse with one status per object.
  app.post<{ Params: { collection: string } }>(
    '/requests/:collection',
    { ...route, schema: { ...route.schema, summary: 'Create several SIF objects (createResponse)' } },
    async (request, reply) => {
      const w = await where(request, request.params.collection);
      const object = objectOf(parseSegment(request.params.collection).name);
      guardRight(object, 'CREATE');
      const items = readItems(request, object, true);
      const opts = { mustUseAdvisory: mustUseAdvisory(request) };
      let created: SifItemResult[];
      if (object === 'StudentRecordExchange') {
        // Each one a record request of its own, through the exchange's request flow.
        created = [];
        for (const item of items) created.push(await createRecordRequestOverSif(app, request, item, opts));
      } else created = await createSifObjects(app.ctx, writerOf(request, w), object, items, opts);
      const results = created.map((result, i) => {
        const sent = items[i]!.tree['@RefId'];
        return { result, advisoryId: typeof sent === 'string' ? sent : null };
      });
      const tree = createResponseTree(results, errorIds);
      return sendSif(reply, request, { ns: SIF_INFRA_NS, root: 'createResponse', tree }, w.media, {
        responseAction: 'CREATE',
      });
    },
  );

  // Update many, or delete many with methodOverride: DELETE and a deleteRequest.
  app.put<{ Params: { collection: string } }>(
    '/requests/:collection',
    {
      ...route,
      schema: {
        ...route.schema,
        summary: 'Update several SIF objects (updateResponse), or delete several (methodOverride: DELETE)',
      },
    },
    async (request, reply) => {
      const w = await where(request, request.params.collection);
      const object = objectOf(parseSegment(request.params.collection).name);
      const writer = writerOf(request, w);
      const override = header(request, 'methodOverride')?.toUpperCase();
      if (override === 'DELETE') {
        guardRight(object, 'DELETE');
        const ids = deleteIds(request);
        const removed = await removeSifObjects(app.ctx, writer, object, ids);
        const results = ids.map((id, i) => ({ id, result: removed[i]! }));
        const tree = itemsResponseTree('deletes', results, errorIds);
        return sendSif(reply, request, { ns: SIF_INFRA_NS, root: 'deleteResponse', tree }, w.media, {
          responseAction: 'DELETE',
        });
      }
      if (override && override !== 'UPDATE')
        throw new SifError('GW_ERR_BAD_REQUEST', 'MethodOverride', `methodOverride ${override} is not supported.`);
      guardRight(object, 'UPDATE');
      const items = readItems(request, object, true).map((item) => {
        const sent = item.tree['@RefId'];
        return { ...item, refId: typeof sent === 'string' && sent ? sent : null };
      });
      const updated = await updateSifObjects(app.ctx, writer, object, items);
      const results = items.map((item, i) => ({ id: item.refId ?? '', result: updated[i]! }));
      const tree = itemsResponseTree('updates', results, errorIds);
      return sendSif(reply, request, { ns: SIF_INFRA_NS, root: 'updateResponse', tree }, w.media, {
        responseAction: 'UPDATE',
      });
    },
  );

  // Create one (singular last segment) answers 201 with the object as stored.
  app.post<{ Params: { collection: string; item: string } }>(
    '/requests/:collection/:item',
    { ...route, schema: { ...route.schema, summary: 'Create one SIF object (…/StudentPersonals/StudentPersonal)' } },
    async (request, reply) => {
      const w = await where(request, request.params.item);
      const object = objectOf(parseSegment(request.params.collection).name);
      if (parseSegment(request.params.item).name !== object)
        throw new SifError(
          'GW_ERR_METHOD_NOT_ALLOWED',
          'Method',
          `POST a new ${object} to …/${SIF_OBJECTS[object]}/${object}.`,
        );
      guardRight(object, 'CREATE');
      const [item] = readItems(request, object, false);
      const opts = { mustUseAdvisory: mustUseAdvisory(request) };
      const result =
        object === 'StudentRecordExchange'
          ? await createRecordRequestOverSif(app, request, item!, opts)
          : await createSifObject(app.ctx, writerOf(request, w), object, item!, opts);
      if (result.kind !== 'created') throw sifErrorOf(result as SifItemError);
      reply.code(201).header('location', `${request.url.replace(/\/[^/]*$/, '')}/${result.refId}`);
      return sendObject(reply, request, object, result.tree, w);
    },
  );

  app.get<{ Params: { collection: string; refId: string } }>(
    '/requests/:collection/:refId',
    { ...route, schema: { ...route.schema, summary: 'Read one SIF object by RefId' } },
    async (request, reply) => {
      const w = await where(request, request.params.refId);
      const object = objectOf(parseSegment(request.params.collection).name);
      const refId = normalizeRefId(parseSegment(request.params.refId).name);
      if (object === 'StudentRecordExchange' && refId) {
        const tree = await readRecordRequestOverSif(app, request, refId);
        if (tree) return sendObject(reply, request, object, tree, w);
      }
      const row = refId ? await findSifObject(db, refId) : null;
      if (row && row.object === object && row.stateCode === w.stateCode && row.zoneId === w.zoneId) {
        await scopeOf(request).audit.disclosed({ action: 'sif.read', fields: ['*'], details: { object, refId } });
        return sendObject(reply, request, object, row.body, w);
      }
      // A consolidated academic record the gateway announced (a move notice names it).
      const msixId = refId && object === 'StudentAcademicRecord' ? await msixIdOfConsolidatedRef(db, refId) : null;
      if (msixId) {
        const tree = await readConsolidatedAcademicRecord(db, scopeOf(request), msixId, null);
        if ('mergedInto' in tree)
          throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', 'This record was merged into another child.');
        return sendObject(reply, request, object, tree, w);
      }
      throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', `No ${object} with RefId ${request.params.refId}.`);
    },
  );

  app.put<{ Params: { collection: string; refId: string } }>(
    '/requests/:collection/:refId',
    { ...route, schema: { ...route.schema, summary: 'Update one SIF object (204)' } },
    async (request, reply) => {
      const w = await where(request, request.params.refId);
      const object = objectOf(parseSegment(request.params.collection).name);
      guardRight(object, 'UPDATE');
      const [item] = readItems(request, object, false);
      const result = await updateSifObject(
        app.ctx,
        writerOf(request, w),
        object,
        parseSegment(request.params.refId).name,
        item!,
      );
      if (result.kind === 'error') throw sifErrorOf(result);
      reply.code(204);
      return sendSif(reply, request, { ns: SIF_NS, root: object, tree: {} }, w.media, {
        responseAction: 'UPDATE',
      }).send();
    },
  );

  app.delete<{ Params: { collection: string; refId: string } }>(
    '/requests/:collection/:refId',
    { ...route, schema: { ...route.schema, summary: 'Delete one SIF object (204)' } },
    async (request, reply) => {
      const w = await where(request, request.params.refId);
      const object = objectOf(parseSegment(request.params.collection).name);
      guardRight(object, 'DELETE');
      const result = await removeSifObject(
        app.ctx,
        writerOf(request, w),
        object,
        parseSegment(request.params.refId).name,
      );
      if (result.kind === 'error') throw sifErrorOf(result);
      reply.code(204);
      return reply.header('responseAction', 'DELETE').send();
    },
  );

  // Service paths: SchoolInfos/{RefId}/StudentSchoolEnrollments, StudentPersonals/{RefId}/StudentAcademicRecords…
  app.get<{ Params: { parent: string; parentRef: string; collection: string } }>(
    '/requests/:parent/:parentRef/:collection',
    {
      ...route,
      schema: {
        ...route.schema,
        summary: "Service paths: objects of one school or student; a child's consolidated academic record",
      },
    },
    async (request, reply) => {
      const w = await where(request, request.params.collection);
      const parent = objectOf(request.params.parent);
      const object = objectOf(parseSegment(request.params.collection).name);
      const parentRef = normalizeRefId(request.params.parentRef);
      const owner = parentRef ? await findSifObject(db, parentRef) : null;
      if (!owner || owner.object !== parent || owner.stateCode !== w.stateCode)
        throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', `No ${parent} with RefId ${request.params.parentRef}.`);
      const servicePath = `${SIF_OBJECTS[parent]}/{}/${SIF_OBJECTS[object]}`;
      if (parent === 'StudentPersonal' && object === 'StudentAcademicRecord') {
        // The child's academic record across every state, once the child is matched.
        const msixId = await msixIdOfStudentPersonal(db, owner);
        if (!msixId)
          throw new SifError(
            'GW_ERR_NOT_FOUND',
            'NotFound',
            'This child has no consolidated record yet: matching runs shortly after each write.',
          );
        const tree = await readConsolidatedAcademicRecord(db, scopeOf(request), msixId, owner.refId);
        if ('mergedInto' in tree)
          throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', 'This record was merged into another child.');
        const xml = w.media === 'xml' ? writeCollectionXml('StudentAcademicRecords', object, [tree]) : undefined;
        return sendSif(
          reply,
          request,
          { ns: SIF_NS, root: 'StudentAcademicRecords', tree: { StudentAcademicRecord: [tree] }, xml },
          w.media,
          { responseAction: 'QUERY', serviceType: 'SERVICEPATH', serviceName: servicePath, navigationCount: '1' },
        );
      }
      if (parent === 'SchoolInfo')
        return query(
          request,
          reply,
          object,
          w,
          object === 'StudentPersonal' ? { enrolledAt: owner.refId } : { schoolRef: owner.refId },
          servicePath,
        );
      if (parent === 'StudentPersonal')
        return query(request, reply, object, w, { studentRef: owner.refId }, servicePath);
      throw new SifError('GW_ERR_NOT_FOUND', 'NotFound', `No service path ${servicePath}.`);
    },
  );
};
