import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { resolveDemographics } from '../../core/exchange/requests/resolve.js';
import {
  ATTESTATIONS,
  chooseCandidate,
  readDisclosureLog,
  SEARCH_PURPOSES,
  searchStudents,
  type SearchDeps,
} from '../../core/exchange/requests/search.js';
import { Identity, Parent } from '@msix/adapter-sdk/canonical';
import { scopeOf } from '../plugins/auth.js';
import { lagTolerantDb } from '../context.js';
import { IdParam, MsixIdParam, PageLimit } from '../schemas.js';
import type { FastifyInstance } from 'fastify';

/** How long the candidates of a search may be chosen from. */
const CHOICE_SECONDS = 900;

export const SearchBody = Type.Object(
  {
    demographics: Type.Object(
      { identity: Identity, parents: Type.Optional(Type.Array(Parent, { maxItems: 4 })) },
      { additionalProperties: false, description: 'Who the child in front of you is.' },
    ),
    purpose: Type.Union(
      SEARCH_PURPOSES.map((p) => Type.Literal(p)),
      { description: 'Why you need the record (kept with every step on the audit trail and the disclosure log).' },
    ),
    attestation: Type.Union(
      ATTESTATIONS.map((a) => Type.Literal(a)),
      { description: 'You attest the child is enrolling or enrolled with you (your school, your state).' },
    ),
  },
  { additionalProperties: false },
);

const Candidate = Type.Object(
  {
    candidate: Type.Integer({ description: 'Send this number to choose the candidate.' }),
    firstName: Type.String(),
    middleName: Type.Union([Type.String(), Type.Null()]),
    lastName1: Type.String(),
    lastName2: Type.Union([Type.String(), Type.Null()]),
    sex: Type.Union([Type.String(), Type.Null()]),
    birthDate: Type.String(),
    states: Type.Array(Type.String(), { description: 'States holding records of the candidate.' }),
  },
  { additionalProperties: false },
);

const SearchView = Type.Object(
  {
    id: Type.String(),
    purpose: Type.String(),
    attestation: Type.String(),
    candidates: Type.Array(Candidate),
    expiresAt: Type.String({ description: 'Choose a candidate before this.' }),
    links: Type.Object({ choice: Type.String() }),
  },
  { additionalProperties: false },
);

const ChoiceView = Type.Object(
  {
    searchId: Type.String(),
    msixId: Type.String(),
    grantedUntil: Type.String({ description: 'The record is open to you (only) until then.' }),
    links: Type.Object({ student: Type.String(), recordRequests: Type.String() }),
  },
  { additionalProperties: false },
);

const LogEntry = Type.Object(
  {
    at: Type.String(),
    action: Type.String(),
    outcome: Type.String(),
    actor: Type.String(),
    actorState: Type.Union([Type.String(), Type.Null()]),
    actorRoles: Type.Array(Type.String()),
    reason: Type.Union([Type.String(), Type.Null()]),
    purpose: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export function searchDeps(app: FastifyInstance): SearchDeps {
  const { db, config } = app.ctx;
  return {
    db,
    // Candidates may come from the replica: a child whose record arrived a moment ago is found a moment later.
    resolve: (d) => resolveDemographics(lagTolerantDb(app.ctx), d),
    budget: { perPerson: config.SEARCH_BUDGET_PER_PERSON, perClient: config.SEARCH_BUDGET_PER_CLIENT },
    grantSeconds: config.SEARCH_GRANT_SECONDS,
    choiceSeconds: CHOICE_SECONDS,
    alert: (a) =>
      app.log.warn({ alert: a.kind, budget: a.who, key: a.key, max: a.max }, 'national search budget used up'),
  };
}

/**
 * National search (docs/security.md#national-search): find a child by
 * demographics with a purpose and an attestation, choose one candidate, and
 * read the record for a limited time; the child's home states read who looked.
 */
export const studentSearchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/v1/student-searches',
    {
      config: { access: { roles: ['counselor', 'data-admin', 'state-system'], pii: true } },
      schema: {
        tags: ['students'],
        summary: 'Search for a child by demographics (national search)',
        description:
          'Answers candidates with only the fields needed to choose, and no MSIX id. No candidate means ' +
          'nobody matched confidently (no match and several near matches answer alike). Each search counts ' +
          'against a daily budget per person and per client (429 GW_ERR_SEARCH_BUDGET when used up).',
        body: SearchBody,
        response: { 200: SearchView },
      },
    },
    async (request) => {
      const s = await searchStudents(searchDeps(app), scopeOf(request), request.body);
      return { ...s, links: { choice: `/api/v1/student-searches/${s.id}/choice` } };
    },
  );

  app.post(
    '/api/v1/student-searches/:id/choice',
    {
      config: { access: { roles: ['counselor', 'data-admin', 'state-system'], pii: true } },
      schema: {
        tags: ['students'],
        summary: 'Choose a candidate of your search: its record opens to you for a limited time',
        params: IdParam,
        body: Type.Object({ candidate: Type.Integer({ minimum: 1, maximum: 50 }) }, { additionalProperties: false }),
        response: { 200: ChoiceView },
      },
    },
    async (request) => {
      const c = await chooseCandidate(searchDeps(app), scopeOf(request), request.params.id, request.body.candidate);
      return {
        ...c,
        links: { student: `/api/v1/students/${c.msixId}`, recordRequests: '/api/v1/record-requests' },
      };
    },
  );

  app.get(
    '/api/v1/students/:msixId/disclosures',
    {
      config: { access: { roles: ['data-admin', 'admin'], student: { param: 'msixId' }, pii: true } },
      schema: {
        tags: ['students'],
        summary: "Who saw or searched for this child, when and why (the child's home states' administrators)",
        params: MsixIdParam,
        querystring: Type.Object({ limit: Type.Optional(PageLimit(200)) }),
        response: { 200: Type.Object({ items: Type.Array(LogEntry) }, { additionalProperties: false }) },
      },
    },
    async (request) => ({
      items: await readDisclosureLog(app.ctx.db, scopeOf(request), request.params.msixId, request.query.limit),
    }),
  );
};
