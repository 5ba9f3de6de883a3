import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { isStubRecord } from '../../core/security/disclosure.js';
import { GatewayError } from '../../core/errors.js';
import { getState } from '../../core/states.js';
import { submitRecords } from '../../core/submissions.js';
import { findStateRecord } from '../../core/records.js';
import { studentOfRecord } from '../../core/students.js';
import { StateParam } from '../schemas.js';

const Outcome = Type.Object({
  stateStudentId: Type.String(),
  recordId: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([
    Type.Literal('created'),
    Type.Literal('updated'),
    Type.Literal('unchanged'),
    Type.Literal('withdrawn'),
    Type.Literal('not_found'),
  ]),
  version: Type.Integer(),
});
const SubmitResponse = Type.Object({
  exchangeId: Type.String({ format: 'uuid' }),
  counts: Type.Record(Type.String(), Type.Integer()),
  records: Type.Array(Outcome),
  links: Type.Object({ exchange: Type.String() }),
});

/** Looks the state up or answers 404: every state-scoped route starts here. */
export async function requireState(app: FastifyInstance, code: string): Promise<string> {
  const state = await getState(app.ctx.db, code);
  if (!state?.enabled)
    throw new GatewayError('GW_ERR_UNKNOWN_STATE', `State '${code}' does not take part in the exchange.`);
  return state.code;
}

/** The canonical write path: one StateRecord or an array, validated, stored synchronously, matching enqueued. */
export const recordRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/v1/states/:state/records',
    {
      config: { access: { roles: ['state-system', 'admin'], stateParam: 'state' } },
      schema: {
        tags: ['records'],
        summary: 'Submit canonical state records',
        description:
          'Takes one canonical StateRecord or an array of them. All are validated first; when any is ' +
          'invalid nothing is stored and the answer lists every problem. Matching runs asynchronously.',
        params: StateParam,
        body: Type.Union([Type.Ref('StateRecord'), Type.Array(Type.Ref('StateRecord'), { minItems: 1 })]),
        response: { 200: SubmitResponse, 201: SubmitResponse },
      },
      // The body is validated by the canonical validator so that errors carry record indexes and fixes.
      validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : (data: unknown) => ({ value: data })),
    },
    async (request, reply) => {
      const stateCode = await requireState(app, request.params.state);
      const body = request.body;
      const asArray = Array.isArray(body);
      const list: unknown[] = asArray ? body : [body];
      if (list.length === 0)
        throw new GatewayError('GW_ERR_VALIDATION', 'The array is empty: send at least one record.');
      if (list.length > app.ctx.config.MAX_RECORDS_PER_REQUEST) {
        throw new GatewayError(
          'GW_ERR_TOO_LARGE',
          `At most ${app.ctx.config.MAX_RECORDS_PER_REQUEST} records per request; send larger sets as a file.`,
        );
      }
      const res = await submitRecords(
        app.ctx.db,
        app.ctx.queue,
        { stateCode, traceId: request.id, kind: 'records-api', clientId: request.principal?.clientId ?? null },
        list,
        asArray,
      );
      if (res.kind === 'wrong-state')
        throw new GatewayError('GW_ERR_STATE_MISMATCH', 'A state may only write its own records.', {
          issues: res.issues,
        });
      if (res.kind === 'invalid') {
        throw new GatewayError('GW_ERR_VALIDATION', `${res.issues.length} problem(s) found; nothing was stored.`, {
          issues: res.issues,
          extra: { exchangeId: res.exchange.id },
        });
      }
      const created = res.outcomes.some((o) => o.status === 'created');
      return reply
        .code(created ? 201 : 200)
        .header('location', `/api/v1/exchanges/${res.exchange.id}`)
        .send({
          exchangeId: res.exchange.id,
          counts: res.exchange.counts,
          records: res.outcomes.map(({ needsMatch: _n, ...o }) => o),
          links: { exchange: `/api/v1/exchanges/${res.exchange.id}` },
        });
    },
  );
};

const RecordStatus = Type.Object({
  recordId: Type.String(),
  stateCode: Type.String(),
  stateStudentId: Type.String(),
  status: Type.String(),
  version: Type.Integer(),
  matchStatus: Type.String(),
  msixId: Type.Union([Type.String(), Type.Null()]),
  stub: Type.Boolean({
    description:
      'The record carries no enrollment: it is matched, but it is no ground to read the consolidated record ' +
      '(send the enrollment to make it one).',
  }),
  receivedAt: Type.String(),
  updatedAt: Type.String(),
});

/** Where a state's own record stands: stored, matched, and under which MSIX id (states keep it and send it back). */
export const recordStatusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/states/:state/records/:stateStudentId',
    {
      config: {
        access: {
          roles: ['state-system', 'data-admin', 'counselor', 'admin'],
          stateParam: 'state',
          crossState: ['admin'],
        },
      },
      schema: {
        tags: ['records'],
        summary: "A state's own record: status and MSIX id",
        params: Type.Object({ state: StateParam.properties.state, stateStudentId: Type.String({ maxLength: 15 }) }),
        response: { 200: RecordStatus },
      },
    },
    async (request) => {
      const stateCode = await requireState(app, request.params.state);
      const rec = await findStateRecord(app.ctx.db, stateCode, request.params.stateStudentId);
      if (!rec)
        throw new GatewayError('GW_ERR_NOT_FOUND', `${stateCode} has sent no record ${request.params.stateStudentId}.`);
      return {
        recordId: rec.id,
        stateCode: rec.stateCode,
        stateStudentId: rec.stateStudentId,
        status: rec.status,
        version: rec.version,
        matchStatus: rec.matchStatus,
        msixId: await studentOfRecord(app.ctx.db, rec.id),
        stub: isStubRecord(rec.record),
        receivedAt: rec.receivedAt,
        updatedAt: rec.updatedAt,
      };
    },
  );
};
