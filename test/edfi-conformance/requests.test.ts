/**
 * ODS/API request handling every Ed-Fi client relies on, one row per
 * behaviour (issue 16, defects 1-4, 6-8), from the Ed-Fi ODS/API 7.x client
 * developers' guide (error response knowledge base, authentication, token
 * info) and the Ed-Fi API design guidelines: correlation ids, bodiless
 * DELETEs, case-insensitive paths and trailing slashes, Use-Snapshot, 405s,
 * absolute Location headers, problem-details types, malformed ids, If-Match on
 * unknown ids, OAuth errors, token_info and /health.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { tokenFor, withToken } from '../support/auth.js';
import { BASE, edfiClient, idFrom, type EdfiClient } from '../edfi/support/client.js';
import { lea, school, student } from '../edfi/support/fixtures.js';
import { check, send, type Case } from './support.js';

let sys: TestSystem;
let tx: EdfiClient;
let studentId: string;
const UNKNOWN = '00000000000040008000000000000000';

beforeAll(async () => {
  sys = await startSystem();
  tx = await edfiClient(sys, 'TX');
  expect((await tx.post('localEducationAgencies', lea())).statusCode).toBe(201);
  expect((await tx.post('schools', school())).statusCode).toBe(201);
  studentId = idFrom(await tx.post('students', student('604821')));
});
afterAll(async () => {
  await sys?.close();
});

const notAllowed = (error: string): Case['problem'] => ({
  type: 'urn:ed-fi:api:method-not-allowed',
  title: 'Method Not Allowed',
  detail: 'The request construction was invalid.',
  errors: [error],
});

const CASES: Case[] = [
  // 1. correlationId is not a filter; the correlation-id header wins over it.
  { name: 'correlationId on a collection', method: 'GET', url: `${BASE}/students?correlationId=abc-1`, status: 200 },
  {
    name: 'correlationId on /deletes',
    method: 'GET',
    url: `${BASE}/students/deletes?correlationId=abc-1`,
    status: 200,
  },
  {
    name: 'correlationId on /keyChanges',
    method: 'GET',
    url: `${BASE}/students/keyChanges?correlationId=abc-1`,
    status: 200,
  },
  {
    name: 'correlationId query parameter in the problem',
    method: 'GET',
    url: `${BASE}/students?limit=501&correlationId=from-query`,
    status: 400,
    problem: { correlationId: 'from-query' },
  },
  {
    name: 'correlation-id header wins over the query parameter',
    method: 'GET',
    url: `${BASE}/students?limit=501&correlationId=from-query`,
    headers: { 'correlation-id': 'from-header' },
    status: 400,
    problem: { correlationId: 'from-header' },
  },
  // 3. Paths are case-insensitive and take a trailing slash.
  { name: 'change versions, ODS casing', method: 'GET', url: '/changeQueries/v1/AvailableChangeVersions', status: 200 },
  {
    name: 'change versions, lower case',
    method: 'GET',
    url: '/changequeries/v1/availablechangeversions/',
    status: 200,
  },
  { name: '/deletes/ with a trailing slash', method: 'GET', url: `${BASE}/students/deletes/`, status: 200 },
  { name: '/keyChanges/ with a trailing slash', method: 'GET', url: `${BASE}/students/keyChanges/`, status: 200 },
  { name: 'upper-case prefix and resource', method: 'GET', url: '/DATA/V3/ED-FI/STUDENTS', status: 200 },
  { name: 'item by id, capitalized resource', method: 'GET', url: `${BASE}/Students/{id}/`, status: 200 },
  { name: 'DELETES in capitals', method: 'GET', url: `${BASE}/students/DELETES`, status: 200 },
  // 4. Use-Snapshot with no snapshot configured.
  {
    name: 'Use-Snapshot on a read',
    method: 'GET',
    url: `${BASE}/students`,
    headers: { 'use-snapshot': 'true' },
    status: 404,
    problem: { type: 'urn:ed-fi:api:not-found', title: 'Not Found', detail: 'Snapshot not found.' },
  },
  {
    name: 'Use-Snapshot on change versions',
    method: 'GET',
    url: '/changeQueries/v1/availableChangeVersions',
    headers: { 'use-snapshot': 'True' },
    status: 404,
    problem: { detail: 'Snapshot not found.' },
  },
  ...(['DELETE', 'PUT'] as const).map(
    (method): Case => ({
      name: `Use-Snapshot on ${method}`,
      method,
      url: `${BASE}/students/{id}`,
      headers: { 'use-snapshot': 'true' },
      ...(method === 'PUT' ? { body: student('604821', { firstName: 'Never' }) } : {}),
      status: 405,
      problem: {
        type: 'urn:ed-fi:api:snapshots:method-not-allowed',
        title: 'Method Not Allowed with Snapshots',
        detail: 'An attempt was made to modify data in a Snapshot, but this data is read-only.',
      },
      headersOut: { allow: 'GET' },
    }),
  ),
  {
    name: 'Use-Snapshot on POST',
    method: 'POST',
    url: `${BASE}/students`,
    headers: { 'use-snapshot': 'true' },
    body: student('604899'),
    status: 405,
    problem: { type: 'urn:ed-fi:api:snapshots:method-not-allowed' },
  },
  {
    name: 'Use-Snapshot: false is live data',
    method: 'GET',
    url: `${BASE}/students`,
    headers: { 'use-snapshot': 'false' },
    status: 200,
  },
  // 6. 405s with the ODS messages.
  { name: 'HEAD on a collection', method: 'HEAD', url: `${BASE}/students`, status: 405 },
  { name: 'HEAD on an item', method: 'HEAD', url: `${BASE}/students/{id}`, status: 405 },
  {
    name: 'OPTIONS on a collection',
    method: 'OPTIONS',
    url: `${BASE}/students`,
    status: 405,
    problem: notAllowed("The endpoint of the request does not support the 'OPTIONS' method."),
  },
  {
    name: 'PUT without an id',
    method: 'PUT',
    url: `${BASE}/students`,
    body: student('604821'),
    status: 405,
    problem: notAllowed(
      'Resource collections cannot be replaced. To "upsert" an item in the collection, use POST. To update a ' +
        'specific item, use PUT and include the "id" in the route.',
    ),
  },
  {
    name: 'PUT without an id, trailing slash',
    method: 'PUT',
    url: `${BASE}/students/`,
    body: student('604821'),
    status: 405,
  },
  {
    name: 'DELETE without an id',
    method: 'DELETE',
    url: `${BASE}/students`,
    status: 405,
    problem: notAllowed(
      'Resource collections cannot be deleted. To delete a specific item, use DELETE and include the "id" in the ' +
        'route.',
    ),
  },
  { name: 'DELETE without an id, trailing slash', method: 'DELETE', url: `${BASE}/students/`, status: 405 },
  {
    name: 'POST with an id',
    method: 'POST',
    url: `${BASE}/students/{id}`,
    body: student('604821'),
    status: 405,
    problem: { type: 'urn:ed-fi:api:method-not-allowed' },
  },
  {
    name: 'PATCH',
    method: 'PATCH',
    url: `${BASE}/students/{id}`,
    body: student('604821'),
    status: 405,
    problem: notAllowed("The endpoint of the request does not support the 'PATCH' method."),
  },
  // 7. Problem types as the ODS/API has them.
  {
    name: 'limit over 500',
    method: 'GET',
    url: `${BASE}/students?limit=501`,
    status: 400,
    problem: { type: 'urn:ed-fi:api:bad-request:parameter-validation-failed', title: 'Parameter Validation Failed' },
    mentions: 'Limit must be omitted or set to a numeric value between 0 and 500.',
  },
  {
    name: 'a filter value of the wrong type',
    method: 'GET',
    url: `${BASE}/schools?schoolId=abc`,
    status: 400,
    problem: { type: 'urn:ed-fi:api:bad-request:parameter-validation-failed' },
  },
  {
    name: 'missing required property',
    method: 'POST',
    url: `${BASE}/students`,
    body: { studentUniqueId: '604898', firstName: 'Ana', birthDate: '2010-01-01' },
    status: 400,
    problem: {
      type: 'urn:ed-fi:api:bad-request:data-validation-failed',
      title: 'Data Validation Failed',
      detail: "Data validation failed. See 'validationErrors' for details.",
    },
  },
  {
    name: 'empty POST body',
    method: 'POST',
    url: `${BASE}/students`,
    headers: { 'content-type': 'application/json' },
    rawBody: '',
    status: 400,
    problem: { type: 'urn:ed-fi:api:bad-request', errors: ['A non-empty request body is required.'] },
  },
  {
    name: 'wrong content type',
    method: 'POST',
    url: `${BASE}/students`,
    headers: { 'content-type': 'text/plain' },
    rawBody: '{}',
    status: 415,
    problem: { type: 'urn:ed-fi:api:unsupported-media-type', detail: 'The request construction was invalid.' },
    mentions: "The value specified in the 'Content-Type' header is not supported by this host.",
  },
  {
    name: 'resource name typo',
    method: 'GET',
    url: `${BASE}/student`,
    status: 404,
    problem: { type: 'urn:ed-fi:api:not-found', title: 'Not Found', detail: 'The specified data could not be found.' },
  },
  // 8. Malformed ids are 400; If-Match on an unknown id is 404.
  ...(['GET', 'PUT', 'DELETE'] as const).map(
    (method): Case => ({
      name: `malformed id on ${method}`,
      method,
      url: `${BASE}/students/not-an-id`,
      ...(method === 'PUT' ? { body: student('604821') } : {}),
      status: 400,
      problem: { type: 'urn:ed-fi:api:bad-request:data-validation-failed' },
    }),
  ),
  ...(['PUT', 'DELETE'] as const).map(
    (method): Case => ({
      name: `If-Match on an unknown id, ${method}`,
      method,
      url: `${BASE}/students/${UNKNOWN}`,
      headers: { 'if-match': '"12"' },
      ...(method === 'PUT' ? { body: student('604821') } : {}),
      status: 404,
      problem: { type: 'urn:ed-fi:api:not-found' },
    }),
  ),
];

describe('ODS/API request handling', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    check(c, await send(tx.raw, c, { id: studentId }));
  });

  it('DELETE with Content-Type: application/json and no body deletes (204)', async () => {
    const id = idFrom(await tx.post('students', student('604897')));
    const r = await tx.raw({
      method: 'DELETE',
      url: `${BASE}/students/${id}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.statusCode).toBe(204);
    expect((await tx.get(`students/${id}`)).statusCode).toBe(404);
  });

  it('a refused Use-Snapshot DELETE leaves the item in place', async () => {
    const id = idFrom(await tx.post('students', student('604896')));
    const r = await tx.raw({ method: 'DELETE', url: `${BASE}/students/${id}`, headers: { 'use-snapshot': 'true' } });
    expect(r.statusCode).toBe(405);
    expect((await tx.get(`students/${id}`)).statusCode).toBe(200);
  });

  it('Location is absolute (201 and 200 upserts, PUT), under PUBLIC_URL when configured', async () => {
    const created = await tx.post('students', student('604895'));
    expect(created.headers.location).toMatch(/^http:\/\/localhost(:80)?\/data\/v3\/ed-fi\/students\/[0-9a-f]{32}$/);
    const again = await tx.post('students', student('604895', { firstName: 'Ana' }));
    expect(again.headers.location).toBe(created.headers.location);
    const hosted = await tx.raw({
      method: 'POST',
      url: `${BASE}/students`,
      payload: JSON.stringify(student('604894')),
      headers: { 'content-type': 'application/json', host: 'api.example.org' },
    });
    expect(hosted.headers.location).toMatch(/^http:\/\/api\.example\.org\/data\/v3\/ed-fi\/students\//);
  });
});

describe('OAuth and token_info as the ODS/API answers them', () => {
  it('answers a wrong secret with an OAuth error (JSON with error, error_description) and an Ed-Fi type', async () => {
    const r = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=client_credentials&client_id=tx_nobody&client_secret=wrong',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(r.statusCode).toBe(401);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json()).toMatchObject({
      error: 'invalid_client',
      error_description: expect.any(String),
      type: 'urn:ed-fi:api:security:authentication',
      title: 'Authentication Failed',
      status: 401,
    });
    const grant = await sys.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: 'grant_type=password',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(grant.json().error).toMatch(/^(unsupported_grant_type|invalid_request|invalid_client)$/);
    expect(grant.json().type).toMatch(/^urn:ed-fi:api:/);
  });

  it('token_info takes {"Token": …} (the ODS request) and token=…, and answers the ODS fields', async () => {
    const t = await tokenFor(sys, { state: 'TX', roles: ['state-system'] });
    const as = withToken(sys, t.token);
    for (const req of [
      { payload: { Token: t.token } },
      { payload: `Token=${t.token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { payload: { token: t.token } },
    ]) {
      const r = await as({ method: 'POST', url: '/oauth/token_info', ...req });
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body).toMatchObject({
        active: true,
        client_id: t.clientId,
        namespace_prefixes: expect.any(Array),
        education_organizations: expect.any(Array),
        assigned_profiles: [],
        claim_set: { name: expect.any(String) },
      });
      expect(body.resources).toContainEqual({
        resource: '/ed-fi/students',
        operations: ['Create', 'Read', 'Update', 'Delete', 'ReadChanges'],
      });
    }
    const missing = await as({ method: 'POST', url: '/oauth/token_info', payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: 'invalid_request', type: 'urn:ed-fi:api:bad-request' });
  });

  it('a request without a token is urn:ed-fi:api:security:authentication', async () => {
    const r = await sys.app.inject({ method: 'GET', url: `${BASE}/students` });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ type: 'urn:ed-fi:api:security:authentication', title: 'Authentication Failed' });
  });
});

describe('/health', () => {
  it('answers Healthy as the ODS/API does', async () => {
    const r = await sys.app.inject({ method: 'GET', url: '/health' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('Healthy');
  });
});
