import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import {
  approveMergeRequest,
  createMergeRequest,
  getMergeRequest,
  listMergeRequests,
  MERGE_STATUSES,
  rejectMergeRequest,
  requestUndo,
  type ActorScope,
  type CreateResult,
  type DecideResult,
  type MergeRequestView,
} from '../../core/matching-store/merge-requests.js';
import { actorOf, scopeOf } from '../plugins/auth.js';
import { IdParam } from '../schemas.js';
import { etag, ifMatchVersion, MATCHING_ACT, Paging, paging, actingState } from './matching-shared.js';

const MsixId = Type.String({ pattern: '^[0-9]{12}$' });
/** The create body; the portal's merge and split forms are checked with it too. */
export const CreateBody = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('merge'),
      masterMsixId: MsixId,
      mergedMsixIds: Type.Array(MsixId, { minItems: 1, maxItems: 20 }),
      reason: Type.Optional(Type.String({ maxLength: 500 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('split'),
      msixId: MsixId,
      recordIds: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 50 }),
      reason: Type.Optional(Type.String({ maxLength: 500 })),
    },
    { additionalProperties: false },
  ),
]);
const NoteBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
const UndoBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(MERGE_STATUSES.map((s) => Type.Literal(s)))),
    msixId: Type.Optional(MsixId),
    ...Paging,
  },
  { additionalProperties: false },
);

const READ = { roles: ['data-admin', 'help-desk', 'admin'] as const };

const withLinks = (r: MergeRequestView) => ({
  ...r,
  links: {
    self: `/api/v1/merge-requests/${r.id}`,
    approve: `/api/v1/merge-requests/${r.id}/approve`,
    reject: `/api/v1/merge-requests/${r.id}/reject`,
    undo: `/api/v1/merge-requests/${r.id}/undo`,
    master: `/api/v1/students/${r.masterMsixId}`,
  },
});

/** A refusal decided by the use case, on the audit trail with its reason and rule before the 403 leaves. */
async function refuse(request: FastifyRequest, reason: string, rule: string): Promise<never> {
  await scopeOf(request).audit.refused({
    action: 'merge-request.refused',
    reason,
    details: { rule, requestId: (request.params as { id?: string }).id ?? null },
  });
  throw new GatewayError('GW_ERR_FORBIDDEN', reason, { extra: { rule } });
}

/**
 * A request naming students the requester may not see answers like one naming no student (404, the same words), and
 * each such student is on the audit trail as a refusal naming it, so its states' disclosure log shows the attempt.
 */
export async function auditUnseen(request: FastifyRequest, res: CreateResult): Promise<void> {
  if (res.kind !== 'not-found') return;
  for (const msixId of res.unseen)
    await scopeOf(request).audit.refused({
      action: 'merge-request.refused',
      msixId,
      reason: `a ${actingState(request) ?? 'national'} request named a student its state may not see`,
      details: { rule: 'unseen', requestId: (request.params as { id?: string }).id ?? null },
    });
}

/** A create (or undo) result as the API answers it: the request, or the problem that refused it (audited). */
export async function created(request: FastifyRequest, res: CreateResult): Promise<MergeRequestView> {
  switch (res.kind) {
    case 'created':
      return res.request;
    case 'invalid':
      throw new GatewayError('GW_ERR_VALIDATION', res.reason);
    case 'not-found':
      await auditUnseen(request, res);
      throw new GatewayError('GW_ERR_NOT_FOUND', res.reason);
    case 'forbidden':
      return refuse(request, res.reason, 'scope');
    case 'conflict':
      throw new GatewayError('GW_ERR_CONFLICT', res.reason);
    case 'locked':
      throw new GatewayError(
        'GW_ERR_LOCKED',
        `Students ${res.msixIds.join(', ')} are locked by a pending request; wait for its decision.`,
        {
          extra: {
            msixIds: res.msixIds,
            requests: res.requestIds.map((id) => `/api/v1/merge-requests/${id}`),
            correlation: request.id,
          },
        },
      );
  }
}

/**
 * An approve or reject result as the API answers it; an approval that still waits for other states is the
 * request with `awaitingStates`. Refusals are audited.
 */
export async function decided(
  request: FastifyRequest,
  res: DecideResult,
): Promise<MergeRequestView & { awaitingStates?: string[] }> {
  switch (res.kind) {
    case 'approved':
    case 'rejected':
      return res.request;
    case 'awaiting':
      return { ...res.request, awaitingStates: res.states };
    case 'not-found':
      throw new GatewayError('GW_ERR_NOT_FOUND', 'No such merge or split request.');
    case 'forbidden':
      return refuse(request, res.reason, 'scope');
    case 'same-person':
      return refuse(request, res.reason, 'second-approver');
    case 'not-pending':
      throw new GatewayError(
        'GW_ERR_CONFLICT',
        `This request is already ${res.status}${res.decidedBy ? ` (by ${res.decidedBy})` : ''}.`,
        { extra: { status: res.status } },
      );
    case 'stale':
      throw new GatewayError(
        'GW_ERR_PRECONDITION',
        `The request changed since you read it (now version ${res.version}).`,
        { extra: { currentEtag: etag(res.version) } },
      );
    case 'conflict':
      throw new GatewayError('GW_ERR_CONFLICT', res.reason);
  }
}

/** What the merge use cases need from the gateway. */
export const mergeDeps = (app: FastifyInstance) => ({
  db: app.ctx.db,
  consolidation: { requiredCredits: app.ctx.config.GRADUATION_CREDITS },
});

/**
 * Who asks or decides: the caller, the state a data administrator acts for, whether the disclosure grounds open a
 * child to the caller, the trace id.
 */
export const who = (request: FastifyRequest): ActorScope => {
  const scope = scopeOf(request);
  return {
    actor: actorOf(request),
    scopeState: actingState(request),
    sees: async (db, msixId) => (await scope.grounds.decide(db, scope.principal, msixId)).kind === 'granted',
    traceId: request.id,
  };
};

/**
 * Merge and split requests (MSIX practice): a data administrator asks, a
 * different one approves or rejects; the students are locked meanwhile; an
 * approved request can be undone by an undo request, approved the same way.
 */
export const matchingMergeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps = () => mergeDeps(app);

  app.post(
    '/api/v1/merge-requests',
    {
      config: { access: MATCHING_ACT },
      schema: {
        tags: ['matching'],
        summary: 'Ask to merge students or split records off a student',
        body: CreateBody,
        description:
          'merge: the master keeps its MSIX id and the merged students redirect to it. split: the listed ' +
          'records move together to a new MSIX id. Takes effect when a different data administrator ' +
          'approves.',
      },
    },
    async (request, reply) => {
      const r = await created(request, await createMergeRequest(deps(), request.body, who(request)));
      return reply
        .code(201)
        .header('location', `/api/v1/merge-requests/${r.id}`)
        .header('etag', etag(r.version))
        .send(withLinks(r));
    },
  );

  app.get(
    '/api/v1/merge-requests',
    {
      config: { access: READ },
      schema: { tags: ['matching'], summary: 'Merge, split and undo requests, newest first', querystring: ListQuery },
    },
    async (request) => {
      const { limit, offset } = paging(request.query);
      const page = await listMergeRequests(app.ctx.db, {
        status: request.query.status,
        msixId: request.query.msixId,
        scopeState: actingState(request),
        limit,
        offset,
      });
      return { items: page.items.map(withLinks), total: page.total, limit, offset };
    },
  );

  app.get(
    '/api/v1/merge-requests/:id',
    {
      config: { access: READ },
      schema: { tags: ['matching'], summary: 'One merge, split or undo request', params: IdParam },
    },
    async (request, reply) => {
      const r = await getMergeRequest(app.ctx.db, request.params.id, actingState(request));
      if (!r) throw new GatewayError('GW_ERR_NOT_FOUND', `No merge or split request ${request.params.id}.`);
      return reply.header('etag', etag(r.version)).send(withLinks(r));
    },
  );

  app.post(
    '/api/v1/merge-requests/:id/approve',
    {
      config: { access: MATCHING_ACT },
      schema: {
        tags: ['matching'],
        summary: 'Approve a pending request (not your own)',
        description:
          'A request whose students hold records in several states takes effect once the requester and the ' +
          'approvers together speak for every one of them (a national administrator speaks for all); until then ' +
          'the approval is recorded and the answer names awaitingStates.',
        params: IdParam,
        body: Type.Optional(NoteBody),
      },
    },
    async (request, reply) => {
      const r = await decided(
        request,
        await approveMergeRequest(deps(), request.params.id, {
          ...who(request),
          ifMatch: ifMatchVersion(request, false),
          note: request.body?.note,
        }),
      );
      return reply.header('etag', etag(r.version)).send(withLinks(r));
    },
  );

  app.post(
    '/api/v1/merge-requests/:id/reject',
    {
      config: { access: MATCHING_ACT },
      schema: {
        tags: ['matching'],
        summary: 'Reject a pending request (its maker may withdraw it this way)',
        params: IdParam,
        body: Type.Optional(NoteBody),
      },
    },
    async (request, reply) => {
      const r = await decided(
        request,
        await rejectMergeRequest(deps(), request.params.id, {
          ...who(request),
          ifMatch: ifMatchVersion(request, false),
          note: request.body?.note,
        }),
      );
      return reply.header('etag', etag(r.version)).send(withLinks(r));
    },
  );

  app.post(
    '/api/v1/merge-requests/:id/undo',
    {
      config: { access: MATCHING_ACT },
      schema: {
        tags: ['matching'],
        summary: "Ask to undo an approved merge or split (needs a second administrator's approval)",
        params: IdParam,
        body: Type.Optional(UndoBody),
      },
    },
    async (request, reply) => {
      const r = await created(
        request,
        await requestUndo(deps(), request.params.id, { ...who(request), reason: request.body?.reason }),
      );
      return reply
        .code(201)
        .header('location', `/api/v1/merge-requests/${r.id}`)
        .header('etag', etag(r.version))
        .send(withLinks(r));
    },
  );
};
