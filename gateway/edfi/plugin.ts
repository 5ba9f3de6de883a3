import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  methodNotAllowed,
  profileNotServed,
  registerEdfiProblemHandlers,
  snapshotMethodNotAllowed,
  snapshotNotFound,
} from './problems.js';
import { resourceRoutes } from './resources.js';
import { consolidatedRoutes } from './consolidated.js';
import { discoveryRoutes } from './discovery.js';
import { changeQueryRoutes } from './change-queries.js';

/**
 * `Use-Snapshot: true` answered as the ODS/API answers it when no snapshot is configured (this gateway keeps none):
 * a read is 404 "Snapshot not found.", a write 405 with `Allow: GET`. Never silently served from live data.
 */
export function refuseSnapshots(scope: FastifyInstance): void {
  scope.addHook('preHandler', async (request: FastifyRequest, reply) => {
    const h = request.headers['use-snapshot'];
    if (typeof h !== 'string' || h.trim().toLowerCase() !== 'true') return;
    if (request.method === 'GET') throw snapshotNotFound();
    reply.header('allow', 'GET');
    throw snapshotMethodNotAllowed();
  });
}

/**
 * The Ed-Fi data routes' own JSON parser: an empty body is no body (a DELETE sent with `Content-Type:
 * application/json` and nothing else is a plain DELETE, as in the ODS/API); POST and PUT still refuse a missing body
 * themselves. Anything else is fastify's JSON parser with the gateway's prototype-poisoning refusal.
 */
function jsonAllowingEmpty(scope: FastifyInstance): void {
  const parse = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) {
      done(null, undefined);
      return;
    }
    void parse(request, body as string, done);
  });
}

/** A profile media type (`application/vnd.ed-fi.student.nutrition.readable+json`). */
const PROFILE = /application\/vnd\.ed-fi\.[^,;]*\.(?:readable|writable)\+json/i;

/**
 * Ed-Fi profiles are not served here: a request naming a profile media type (Content-Type to write, Accept to read)
 * is refused with 415, as the ODS/API refuses a profile it does not have, rather than served the whole resource.
 */
function refuseProfiles(scope: FastifyInstance): void {
  scope.addHook('onRequest', async (request) => {
    const ct = request.headers['content-type'];
    const accept = request.headers.accept;
    const named = [ct, accept].find((h): h is string => typeof h === 'string' && PROFILE.test(h));
    if (named) throw profileNotServed(named.match(PROFILE)![0]);
  });
}

const notAnEdfiMethod = (request: FastifyRequest) =>
  methodNotAllowed(`The endpoint of the request does not support the '${request.method}' method.`);

/**
 * HEAD and OPTIONS are not Ed-Fi methods: 405 on every Ed-Fi path, as in the ODS/API. The hook covers the HEAD
 * routes fastify adds for every GET; the catch-all route covers the paths without a GET.
 */
function refuseHeadAndOptions(scope: FastifyInstance): void {
  scope.addHook('preHandler', async (request) => {
    if (request.method === 'HEAD') throw notAnEdfiMethod(request);
  });
  scope.route({
    method: ['HEAD', 'OPTIONS'],
    url: '/*',
    config: { access: { public: true as const } },
    schema: { hide: true },
    handler: async (request) => {
      throw notAnEdfiMethod(request);
    },
  });
}

export const edfiPlugin: FastifyPluginAsyncTypebox = async (app) => {
  for (const prefix of ['/data/v3', '/data']) {
    await app.register(
      async (scope) => {
        registerEdfiProblemHandlers(scope, { notFound: true });
        refuseHeadAndOptions(scope);
        refuseProfiles(scope);
        jsonAllowingEmpty(scope);
        refuseSnapshots(scope);
        await scope.register(resourceRoutes);
        await scope.register(resourceRoutes, { project: 'tpdm' });
        await scope.register(consolidatedRoutes);
      },
      { prefix },
    );
  }
  await app.register(async (scope) => {
    registerEdfiProblemHandlers(scope, { notFound: false });
    await scope.register(discoveryRoutes);
    await scope.register(async (changes) => {
      refuseSnapshots(changes);
      await changes.register(changeQueryRoutes);
    });
  });
};
