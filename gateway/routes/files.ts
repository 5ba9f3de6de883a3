import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { LoadedAdapter } from '@msix/adapter-sdk';
import { installedAdapters, publicDisabled, servesState, type AdapterRegistry } from '../../adapters/registry.js';
import { GatewayError } from '../../core/errors.js';
import { renderReportCsv, type IngestReport } from '../../core/ingest/report.js';
import { getReport } from '../../core/ingest/storage.js';
import { acceptUpload } from '../../core/ingest/upload.js';
import { getExchange } from '../../core/ledger.js';
import { getState, stateAdapterChoice } from '../../core/states.js';
import { IdParam, StateParam } from '../schemas.js';
import { requireVisible } from '../../core/security/scope.js';
import { auditDisclosure, scopeOf } from '../plugins/auth.js';
import { requireState } from './records.js';

/** Largest batch file accepted: a 40,000-student typed file is about 45 MB, the same in Ed-Fi XML about 550 MB. */

const Accepted = Type.Object({
  exchangeId: Type.String({ format: 'uuid' }),
  status: Type.String(),
  file: Type.Object({
    name: Type.Union([Type.String(), Type.Null()]),
    adapter: Type.String(),
    sizeBytes: Type.Integer(),
    sha256: Type.String(),
  }),
  resendOf: Type.Union([Type.String(), Type.Null()]),
  links: Type.Object({ exchange: Type.String(), report: Type.String() }),
});

function fileNameOf(request: FastifyRequest<{ Querystring: { filename?: string } }>): string | null {
  if (request.query.filename) return request.query.filename.slice(0, 200);
  const cd = request.headers['content-disposition'];
  const m = typeof cd === 'string' ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd) : null;
  return m ? decodeURIComponent(m[1]!).slice(0, 200) : null;
}

function chooseAdapter(
  registry: AdapterRegistry,
  stateCode: string,
  named: string | undefined,
  chosen: string | null,
  fileName: string | null,
): LoadedAdapter {
  // The upload's ?adapter first, then the adapter the state's administrator chose, then the file name.
  const id = named ?? chosen ?? undefined;
  const serves = (a: LoadedAdapter) => servesState(a, stateCode);
  if (id) {
    const a = registry.get(id);
    if (!a) {
      const off = registry.disabled.find((d) => d.id === id);
      throw new GatewayError(
        'GW_ERR_BAD_REQUEST',
        off
          ? `Adapter ${id} is disabled: ${publicDisabled(off).reason}`
          : `There is no adapter ${id}. Installed: ${[...registry.adapters.keys()].join(', ')}.`,
      );
    }
    if (!serves(a)) throw new GatewayError('GW_ERR_BAD_REQUEST', `Adapter ${id} does not serve ${stateCode}.`);
    return a;
  }
  const candidates = fileName ? registry.forFileName(fileName).filter(serves) : [];
  if (candidates.length === 1) return candidates[0]!;
  throw new GatewayError(
    'GW_ERR_BAD_REQUEST',
    `Say which adapter reads this file with ?adapter=<id> (for ${stateCode}: ${registry
      .forState(stateCode)
      .map((a) => a.manifest.id)
      .join(', ')}).`,
  );
}

/**
 * Batch files: the upload use case (core/ingest/upload.ts) streams the file
 * into Postgres, the answer is 202 with an exchange id, and the `ingest` job
 * does the rest.
 * Progress is on the exchange; the per-record report on /report.
 */
export const fileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const registry = await installedAdapters(app.ctx.config.ADAPTERS);
  for (const d of registry.disabled)
    app.log.warn({ adapter: d.id, stage: d.stage, dir: d.dir }, `adapter disabled: ${d.reason}`);
  // In this plugin only: any body arrives as the raw stream (files are not JSON, and must not be buffered).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post(
    '/api/v1/states/:state/files',
    {
      config: { access: { roles: ['state-system', 'admin'], stateParam: 'state' } },
      schema: {
        tags: ['records'],
        summary: "Submit a batch file in the state's own format",
        description:
          'The body is the file itself (any media type; a folder-based format such as Ed-Fi interchanges ' +
          'is sent as a tar). `adapter` names the adapter that reads it, or is inferred from `filename` ' +
          '(or Content-Disposition). Answers 202 with an exchange id; progress is on GET ' +
          '/api/v1/exchanges/{id}, the per-record report on GET /api/v1/exchanges/{id}/report (JSON, or ' +
          'CSV with ?format=csv).',
        params: StateParam,
        querystring: Type.Object({
          adapter: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{1,40}$' })),
          filename: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 202: Accepted },
      },
    },
    async (request, reply) => {
      const stateCode = await requireState(app, request.params.state);
      const fileName = fileNameOf(request);
      const state = await getState(app.ctx.db, stateCode);
      const chosen = state ? stateAdapterChoice(state).adapter : null;
      const adapter = chooseAdapter(registry, stateCode, request.query.adapter, chosen, fileName);
      const body = request.body as Readable | undefined;
      if (!body || typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function')
        throw new GatewayError('GW_ERR_VALIDATION', 'Send the file as the request body.');
      const mediaType = request.headers['content-type'] ?? null;
      const out = await acceptUpload(app.ctx.db, app.ctx.queue, {
        stateCode,
        adapter: { id: adapter.manifest.id, version: adapter.manifest.version },
        fileName,
        mediaType,
        traceId: request.id,
        clientId: request.principal?.clientId ?? null,
        body,
        limitBytes: app.ctx.config.FILE_LIMIT_BYTES,
      });
      if (out.kind === 'too-large') {
        body.resume();
        throw new GatewayError(
          'GW_ERR_TOO_LARGE',
          `The file is larger than ${out.limitBytes} bytes; split it (a file holds at most 40,000 students).`,
        );
      }
      if (out.kind === 'empty') throw new GatewayError('GW_ERR_VALIDATION', 'The file is empty.');
      if (!out.enqueued)
        request.log.warn({ exchangeId: out.exchangeId }, 'ingest queue unavailable; the recovery pass queues the file');
      const id = out.exchangeId;
      const links = { exchange: `/api/v1/exchanges/${id}`, report: `/api/v1/exchanges/${id}/report` };
      return reply
        .code(202)
        .header('location', links.exchange)
        .send({
          exchangeId: id,
          status: 'received',
          file: { name: fileName, adapter: adapter.manifest.id, sizeBytes: out.sizeBytes, sha256: out.sha256 },
          resendOf: out.resendOf,
          links,
        });
    },
  );

  app.get(
    '/api/v1/exchanges/:id/report',
    {
      config: {
        access: {
          roles: ['state-system', 'data-admin', 'admin'],
          stateQuery: 'state',
          crossState: ['admin'],
          pii: true,
        },
      },
      schema: {
        tags: ['exchanges'],
        summary: 'The per-record result report of a batch file',
        description:
          'For every record, applied or rejected, and for every problem the field path, the value as ' +
          'sent, the rule, a message and a suggested fix. JSON, or CSV with ?format=csv or Accept: ' +
          'text/csv. 404 until the file has been processed.',
        params: IdParam,
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
          state: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
        }),
      },
    },
    async (request, reply) => {
      const ex = await getExchange(app.ctx.db, request.params.id);
      if (ex?.kind !== 'file') throw new GatewayError('GW_ERR_NOT_FOUND', `No file submission ${request.params.id}.`);
      requireVisible(scopeOf(request), ex.stateCode, `exchange ${request.params.id}`);
      const report = await getReport<IngestReport>(app.ctx.db, ex.id);
      if (!report)
        throw new GatewayError(
          'GW_ERR_NOT_FOUND',
          `The report of ${ex.id} is not ready (status ${ex.status}); follow progress on /api/v1/exchanges/${ex.id}.`,
        );
      await auditDisclosure(request, {
        action: 'file-report.read',
        fields: ['stateStudentId', 'value'],
        details: { exchangeId: ex.id, stateCode: ex.stateCode },
      });
      const csv =
        request.query.format === 'csv' ||
        (request.query.format !== 'json' && /text\/csv/.test(request.headers.accept ?? ''));
      if (csv)
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="report-${ex.id}.csv"`)
          .send(renderReportCsv(report));
      return reply.type('application/json').send(report);
    },
  );
};
