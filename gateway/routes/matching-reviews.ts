import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewayError } from '../../core/errors.js';
import { maskExplanation } from '../../core/matching-store/explanation.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  getReview,
  listReviews,
  resolveReview,
  type ResolveResult,
  type ReviewDetail,
  type ReviewStatus,
} from '../../core/matching-store/reviews.js';
import { listState, requireVisible } from '../../core/security/scope.js';
import { actorOf, auditDisclosure, scopeOf } from '../plugins/auth.js';
import { IdParam } from '../schemas.js';
import {
  etag,
  ifMatchVersion,
  IntString,
  MATCHING_ACT,
  num,
  Paging,
  paging,
  ScoreString,
  actingState,
} from './matching-shared.js';

const ListQuery = Type.Object(
  {
    state: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z]{2}$',
        description: 'Records of this state only (a data administrator sees their own state).',
      }),
    ),
    status: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('closed')], {
        description: 'Default open.',
      }),
    ),
    minAgeDays: Type.Optional(IntString('Opened at least this many days ago.')),
    maxAgeDays: Type.Optional(IntString('Opened at most this many days ago.')),
    minScore: Type.Optional(ScoreString('Best match probability at least this (0 to 1).')),
    maxScore: Type.Optional(ScoreString('Best match probability at most this (0 to 1).')),
    ...Paging,
  },
  { additionalProperties: false },
);

/** The resolve body; the portal's decision form is checked with it too. */
export const ResolveBody = Type.Object(
  {
    decision: Type.Union([Type.Literal('same'), Type.Literal('different')], {
      description: 'same: the record is the child of `msixId`; different: it is none of the candidates.',
    }),
    msixId: Type.Optional(Type.String({ pattern: '^[0-9]{12}$' })),
  },
  { additionalProperties: false },
);

// Declaring stateQuery gives a state-bound data administrator a state scope on every worklist route.
const READ = {
  roles: ['data-admin', 'help-desk', 'admin'] as const,
  stateQuery: 'state',
  crossState: ['help-desk', 'admin'] as const,
};

/**
 * The near-match worklist. Items carry ids, states, scores and reasons, no
 * names; one review's detail carries the compared values (masked for the
 * help desk). Resolving needs If-Match: 412 when the review changed since it
 * was read, 409 when someone already decided it.
 */
export const matchingReviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/match-reviews',
    {
      config: { access: READ },
      schema: {
        tags: ['matching'],
        summary: 'The near-match worklist',
        description: 'Oldest first. Filter by state, status, age in days and score range.',
        querystring: ListQuery,
      },
    },
    async (request) => {
      const q = request.query;
      const { limit, offset } = paging(q);
      const state = listState(scopeOf(request), q.state);
      const page = await listReviews(app.ctx.db, {
        state: state ?? null,
        status: (q.status ?? 'open') as ReviewStatus,
        minAgeDays: num(q.minAgeDays),
        maxAgeDays: num(q.maxAgeDays),
        minScore: num(q.minScore),
        maxScore: num(q.maxScore),
        limit,
        offset,
      });
      return {
        items: page.items.map((r) => ({ ...r, links: { self: `/api/v1/match-reviews/${r.id}` } })),
        total: page.total,
        limit,
        offset,
        next:
          offset + limit < page.total
            ? `/api/v1/match-reviews?` +
              `${new URLSearchParams({ ...stringify(q), offset: String(offset + limit), limit: String(limit) })}`
            : null,
      };
    },
  );

  app.get(
    '/api/v1/match-reviews/:id',
    {
      config: { access: READ },
      schema: { tags: ['matching'], summary: 'One near-match review with its evidence', params: IdParam },
    },
    async (request, reply) => {
      const r = await visibleReview(app, request, request.params.id);
      const { masked } = scopeOf(request);
      if (!masked) await auditReviewRead(request, r);
      return reply
        .header('etag', etag(r.version))
        .send({ ...r, explanation: masked ? maskExplanation(r.explanation) : r.explanation, masked });
    },
  );

  app.post(
    '/api/v1/match-reviews/:id/resolve',
    {
      config: { access: MATCHING_ACT },
      schema: {
        tags: ['matching'],
        summary: 'Resolve a near match as the same child or a different child',
        params: IdParam,
        body: ResolveBody,
        description:
          'Needs If-Match with the ETag of the review. The decision is sticky: stored as ' +
          'must-link/cannot-link constraints the engine never undoes.',
      },
    },
    async (request, reply) => {
      const res = await resolveAsAsked(app, request, request.params.id, request.body, ifMatchVersion(request, true));
      return reply
        .header('etag', etag(res.review.version))
        .send({ ...res.review, result: { msixId: res.msixId, outcome: res.outcome } });
    },
  );
};

/** One review, when the caller may see its state: 404 when there is none, the scope's refusal when it is hidden. */
export async function visibleReview(app: FastifyInstance, request: FastifyRequest, id: string): Promise<ReviewDetail> {
  const r = await getReview(app.ctx.db, id);
  if (!r) throw new GatewayError('GW_ERR_NOT_FOUND', `No match review ${id}.`);
  requireVisible(scopeOf(request), r.stateCode, `match review ${id}`);
  return r;
}

/**
 * A review's evidence names and birth dates of the records compared: reading it unmasked is a disclosure of each.
 */
export async function auditReviewRead(request: FastifyRequest, r: ReviewDetail): Promise<void> {
  const others = r.explanation.students.flatMap((s) => (s.best ? [s.best.recordId] : []));
  await auditDisclosure(request, {
    action: 'match-review.read',
    recordIds: [r.recordId, ...new Set(others)],
    fields: [...new Set(r.explanation.students.flatMap((s) => s.best?.fields.map((f) => f.field) ?? []))],
    reason: `near-match review ${r.id}`,
    details: { reviewId: r.id },
  });
}

/**
 * Resolves a near-match review as the caller asked (the API's resolve route and the portal's decision form): the
 * caller must see the review's state; each refusal of the use case becomes the API's problem.
 */
export async function resolveAsAsked(
  app: FastifyInstance,
  request: FastifyRequest,
  id: string,
  body: { decision: 'same' | 'different'; msixId?: string | undefined },
  ifMatch: number | null,
): Promise<Extract<ResolveResult, { kind: 'resolved' }>> {
  await visibleReview(app, request, id);
  const res = await resolveReview(
    { db: app.ctx.db, consolidation: { requiredCredits: app.ctx.config.GRADUATION_CREDITS } },
    {
      reviewId: id,
      decision: body.decision,
      msixId: body.msixId,
      ifMatch,
      actor: actorOf(request),
      scopeState: actingState(request),
      traceId: request.id,
    },
  );
  switch (res.kind) {
    case 'resolved':
      return res;
    case 'not-found':
      throw new GatewayError('GW_ERR_NOT_FOUND', `No match review ${id}.`);
    case 'forbidden':
      throw new GatewayError('GW_ERR_FORBIDDEN', res.reason);
    case 'already-decided':
      throw new GatewayError(
        'GW_ERR_CONFLICT',
        res.status === 'resolved'
          ? `This review was already resolved by ${res.decidedBy ?? 'someone else'} at ` +
              `${res.decidedAt ?? 'an earlier time'}.`
          : `This review was closed (${res.closedReason ?? 'the record changed'}).`,
        { extra: { status: res.status, decidedBy: res.decidedBy, decidedAt: res.decidedAt } },
      );
    case 'stale':
      throw new GatewayError(
        'GW_ERR_PRECONDITION',
        `The review changed since you read it (now version ${res.version}); read it again and decide ` +
          `on what it shows now.`,
        { extra: { currentEtag: etag(res.version) } },
      );
    case 'locked':
      throw new GatewayError(
        'GW_ERR_LOCKED',
        `Students ${res.msixIds.join(', ')} are locked by a pending merge or split request; decide ` +
          `that request first.`,
        { extra: { msixIds: res.msixIds, requests: res.requestIds.map((r) => `/api/v1/merge-requests/${r}`) } },
      );
    case 'invalid':
      throw new GatewayError('GW_ERR_VALIDATION', res.reason, {
        issues: [
          {
            path: '/msixId',
            value: body.msixId ?? null,
            rule: 'candidate',
            message: res.reason,
            fix: 'Name one of the review\'s candidateMsixIds (or its currentMsixId), or decide "different".',
          },
        ],
      });
  }
}

function stringify(q: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined) out[k] = String(v);
  return out;
}
