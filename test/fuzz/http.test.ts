/**
 * Hostile requests against the real gateway (issue 18 item 2), built as every other test builds it (real Postgres,
 * Redis, inject): every operation of the OpenAPI document with path parameters, query strings and bodies drawn
 * from its own schema and then mutated; Ed-Fi resource bodies and query strings; SIF XML and JSON bodies and
 * headers; file submissions followed through the ingest use case; the token endpoint; portal pages; and hostile
 * headers on all of them. The property is the same everywhere: never a 5xx (bad input is a 4xx with a coded error),
 * in bounded time. Each target runs FUZZ_RUNS inputs nightly, a small sample in `npm test`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
// The gateway first, as the other tests load it (the portal's and the routes' modules import each other).
import { startSystem, type TestSystem } from '../support/system.js';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADAPTERS_DIR } from '../../adapters/registry.js';
import { createClient } from '../../core/security/clients.js';
import { createSession } from '../../core/security/sessions.js';
import { sifAuthorization } from '../../core/security/sif-hmac.js';
import type { Role } from '../../core/principal.js';
import { createLogger } from '../../runtime/logger.js';
import { ingestProcessor } from '../../worker/processors/ingest.js';
import { tokenFor } from '../support/auth.js';
import { sampleRecord } from '../support/records.js';
import { lea, school, smepa, ssa, student } from '../edfi/support/fixtures.js';
import { announce, assertBounded, fuzzParams, fuzzTimeout, measure } from './support/fuzz.js';
import {
  encodeAny,
  HOSTILE_TEXT,
  hostileJson,
  hostileText,
  mutatedJson,
  mutatedLines,
  mutatedXml,
} from './support/mutate.js';
import { fromSchema, type Schema } from './support/schema-arb.js';

announce('http');

let sys: TestSystem;
let openapi: Schema;
/** Bearer tokens by principal name; `anonymous` sends none. */
const tokens = new Map<string, string>();
let sessionCookie = '';
let sifAuth: () => string;
const ids: Record<string, string[]> = { msixId: [], exchange: [], edfiStudent: [] };

const PRINCIPALS: { name: string; state: string | null; roles: Role[] }[] = [
  { name: 'tx-system', state: 'TX', roles: ['state-system'] },
  { name: 'tx-admin', state: 'TX', roles: ['data-admin'] },
  { name: 'tx-counselor', state: 'TX', roles: ['counselor'] },
  { name: 'help-desk', state: null, roles: ['help-desk'] },
  { name: 'federal', state: null, roles: ['federal'] },
  { name: 'admin', state: null, roles: ['admin'] },
];

beforeAll(async () => {
  // Limits high enough that the fuzz measures the gateway, not the rate limiter.
  sys = await startSystem({ env: { RATE_LIMIT_MAX: '10000000', TOKEN_RATE_LIMIT_MAX: '10000000' } });
  openapi = (await sys.app.inject('/docs/json')).json() as Schema;
  for (const p of PRINCIPALS) tokens.set(p.name, (await tokenFor(sys, p)).token);
  const s = await createSession(
    sys.db,
    { subject: 'fuzz-admin', clientId: null, state: null, roles: ['admin'], name: 'Fuzz Admin' },
    { ttlSeconds: 3600 },
  );
  sessionCookie = `msix_session=${s.token}`;
  // A little data, so lookups by real ids reach the code past "not found".
  const rec = await send('tx-system', {
    method: 'POST',
    url: '/api/v1/states/TX/records',
    payload: sampleRecord({ stateStudentId: 'FUZZ1' }),
  });
  expect(rec.statusCode, rec.body).toBeLessThan(300);
  const edfi = async (resource: string, body: unknown) =>
    send('tx-system', { method: 'POST', url: `/data/v3/ed-fi/${resource}`, payload: body as object });
  await edfi('localEducationAgencies', lea());
  await edfi('schools', school());
  const st = await edfi('students', student('F0001'));
  ids.edfiStudent!.push(String(st.headers.location).split('/').pop()!);
  // A SIF environment for Texas (SIF has its own authentication).
  const c = await createClient(sys.db, { stateCode: 'TX', roles: ['state-system'] });
  if (c.kind !== 'created') throw new Error(c.reason);
  const env = await sys.app.inject({
    method: 'POST',
    url: '/sif/v3/environments/environment',
    headers: { authorization: `Basic ${Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64')}` },
  });
  expect(env.statusCode, env.body).toBe(201);
  const sessionToken = /<sessionToken>([^<]+)</.exec(env.body)![1]!;
  sifAuth = () => sifAuthorization('Basic', sessionToken, c.secret);
}, 120_000);
afterAll(async () => {
  await sys?.close();
});

function send(principal: string | null, opts: InjectOptions): Promise<LightMyRequestResponse> {
  const token = principal ? tokens.get(principal) : undefined;
  return sys.app.inject({
    ...opts,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.headers ?? {}) },
  });
}

/** Sends one request and fails the property on a 5xx or a request that took too long. */
async function expectNo5xx(describeIt: string, request: () => Promise<LightMyRequestResponse>): Promise<void> {
  const { value: r, cost } = await measure(request);
  assertBounded(cost, describeIt);
  // Sign-in without an identity provider configured is a 503 by design (the suite's gateway has none).
  if (r.statusCode === 503 && r.body.includes('No identity provider is configured')) return;
  if (r.statusCode >= 500) throw new Error(`${describeIt} answered ${r.statusCode}: ${r.body.slice(0, 2000)}`);
}

/** Query strings a hostile client writes by hand: repeated keys, brackets, prototype keys, broken escapes. */
const rawQuery = fc.constantFrom(
  '%',
  '%ZZ',
  '%00',
  '%C0%AF',
  '%ED%A0%80',
  '__proto__=1',
  '__proto__[x]=1',
  'constructor[prototype][x]=1',
  'a[b][c]=1',
  'limit=1&limit=2',
  'offset=-1',
  'limit=99999999999999999999',
  'limit=1e3',
  '&&&=&',
  `a=${'x'.repeat(10_000)}`,
  Array.from({ length: 500 }, (_, i) => `k${i}=v`).join('&'),
);

/** A query string: some of the operation's own parameters (schema values or hostile ones), maybe hand-written junk. */
function queryFor(params: Schema[]): fc.Arbitrary<string> {
  const own = params.map((p) =>
    fc.option(
      fc
        .oneof(
          { weight: 2, arbitrary: fromSchema(p.schema as Schema, openapi) },
          { weight: 1, arbitrary: hostileText as fc.Arbitrary<unknown> },
        )
        .map((v) => [String(p.name), typeof v === 'string' ? v : JSON.stringify(v)] as const),
      { freq: 2 },
    ),
  );
  return fc
    .tuple(
      fc.tuple(...own),
      fc.array(fc.tuple(fc.constantFrom(...HOSTILE_TEXT.slice(0, 30), 'limit', 'offset', 'state'), hostileText), {
        maxLength: 2,
      }),
      fc.option(rawQuery, { freq: 4 }),
    )
    .map(([mine, extra, raw]) => {
      const q = new URLSearchParams();
      for (const kv of [...mine, ...extra]) if (kv) q.append(kv[0], kv[1]);
      const s = [q.toString(), raw].filter(Boolean).join('&');
      return s ? `?${s}` : '';
    });
}

/** A path parameter: from its schema, an id the database holds, or hostile text (escaped, or raw junk). */
function paramFor(p: Schema): fc.Arbitrary<string> {
  const known = [...(ids.msixId ?? []), ...(ids.exchange ?? []), ...(ids.edfiStudent ?? []), 'TX', 'FUZZ1'];
  return fc.oneof(
    { weight: 3, arbitrary: fromSchema(p.schema as Schema, openapi).map((v) => encodeAny(String(v))) },
    { weight: 1, arbitrary: fc.constantFrom(...known) },
    { weight: 2, arbitrary: hostileText.map((v) => encodeAny(v)) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%2F', '..', '%2e%2e%2f', '%00', '%ZZ', ';a=b', 'a;b') },
  );
}

interface Operation {
  method: string;
  path: string;
  params: Schema[];
  query: Schema[];
  body: Schema | undefined;
}

/** The operations of the OpenAPI document, but for the API docs themselves and the SIF routes (own target). */
function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(openapi.paths as Record<string, Record<string, Schema>>))
    for (const [method, op] of Object.entries(ops)) {
      if (path.startsWith('/docs') || path.startsWith('/sif/')) continue;
      const ps = (op.parameters ?? []) as Schema[];
      const content = (op.requestBody as Schema | undefined)?.content as Record<string, Schema> | undefined;
      out.push({
        method: method.toUpperCase(),
        path,
        params: ps.filter((p) => p.in === 'path'),
        query: ps.filter((p) => p.in === 'query'),
        body: content?.['application/json']?.schema as Schema | undefined,
      });
    }
  return out;
}

const principal = fc.constantFrom<string | null>(null, ...PRINCIPALS.map((p) => p.name));

/** A request to one operation: parameters, query and body from its schemas, then mutated. */
function operationRequest(op: Operation): fc.Arbitrary<InjectOptions & { who: string | null }> {
  const pathArb = fc
    .tuple(...op.params.map(paramFor))
    .map((vals) => op.path.replace(/\{(\w+)\}/g, (_m, name) => vals[op.params.findIndex((p) => p.name === name)]!));
  const bodyArb: fc.Arbitrary<string | undefined> = op.body
    ? fc.oneof(
        { weight: 2, arbitrary: fromSchema(op.body, openapi).map((v) => JSON.stringify(v)) },
        { weight: 3, arbitrary: fromSchema(op.body, openapi).chain((v) => mutatedJson(v)) },
        { weight: 1, arbitrary: hostileJson.map((v) => JSON.stringify(v) ?? 'null') },
      )
    : fc.option(
        hostileJson.map((v) => JSON.stringify(v) ?? 'null'),
        { nil: undefined, freq: 4 },
      );
  return fc.tuple(pathArb, queryFor(op.query), bodyArb, principal).map(([path, query, body, who]) => ({
    method: op.method as InjectOptions['method'],
    url: path + query,
    who,
    ...(body !== undefined && op.method !== 'GET'
      ? { payload: body, headers: { 'content-type': 'application/json' } }
      : {}),
  }));
}

/** Hostile headers: content types, accept, conditional requests, correlation ids, broken credentials, cookies. */
const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      'content-type': fc.constantFrom(
        'application/json',
        'application/json; charset=utf-16',
        'application/xml',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
        'application/problem+json',
        '*/*',
        ';;;',
        'application/json; charset=',
        'a'.repeat(3000),
      ),
      accept: fc.constantFrom(
        'application/json',
        'application/xml',
        'text/csv',
        'text/html',
        'application/pdf',
        '*/*;q=0',
        'application/json;q=abc',
        ',,,',
        'x/y',
        'a'.repeat(3000),
      ),
      'if-match': fc.oneof(fc.constantFrom('*', '"x"', 'W/"1"', '""', '"', '"a","b"'), hostileText),
      'if-none-match': fc.oneof(fc.constantFrom('*', '"x"', 'W/"1"'), hostileText),
      'x-correlation-id': hostileText,
      authorization: fc.oneof(
        fc.constantFrom('Bearer', 'Bearer ', 'Basic', 'Basic %%%', 'Basic Og==', 'Bearer a.b.c', 'Negotiate x'),
        fc.constantFrom('Bearer ', 'Basic ', 'SIF_HMACSHA256 ').chain((s) => hostileText.map((t) => s + t)),
        fc.constantFrom('Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', `Bearer ${'A'.repeat(9000)}`),
      ),
      cookie: fc.oneof(
        fc.constantFrom('msix_session=x', 'msix_session=', '=;=;', '__proto__=1', `a=${'b'.repeat(5000)}`),
        hostileText.map((t) => `msix_session=${encodeAny(t)}`),
      ),
      'x-forwarded-for': fc.constantFrom('1.2.3.4', '::1', 'not-an-ip', '1.2.3.4, 5.6.7.8', ''),
      timestamp: fc.oneof(fc.constantFrom('2026-01-01T00:00:00Z', 'now', '-1'), hostileText),
      navigationPage: fc.oneof(fc.constantFrom('0', '-1', '1', '1e9', '99999999999999999999'), hostileText),
      navigationPageSize: fc.oneof(fc.constantFrom('0', '-1', '1', '1e9', '99999999999999999999'), hostileText),
      mustUseAdvisory: fc.oneof(fc.constantFrom('true', 'false', 'yes'), hostileText),
      'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', '*;q=0'),
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'x'),
    },
    { requiredKeys: [] },
  )
  // Header values are Latin-1 text without line breaks on the wire; what Node refuses to send is not a request.
  .map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.replace(/[^\x20-\x7e\x80-\xff]/g, '?')])));

const SAMPLE = 15;

describe('hostile HTTP requests: never a 5xx, in bounded time', () => {
  it(
    'every operation of the OpenAPI document: parameters, query strings and bodies from its schema, mutated',
    async () => {
      const ops = operations();
      expect(ops.length).toBeGreaterThan(40);
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ops).chain((op) => operationRequest(op)),
          async ({ who, ...req }) => expectNo5xx(`${req.method} ${req.url} as ${who}`, () => send(who, req)),
        ),
        fuzzParams(SAMPLE * 3),
      );
    },
    fuzzTimeout(SAMPLE * 3, 40),
  );

  it(
    'hostile headers on every operation',
    async () => {
      const ops = operations();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ops).chain((op) => operationRequest(op)),
          hostileHeaders,
          async ({ who, ...req }, headers) =>
            expectNo5xx(`${req.method} ${req.url} as ${who} with ${JSON.stringify(headers).slice(0, 500)}`, () =>
              send(who, { ...req, headers: { ...(req.headers ?? {}), ...headers } }),
            ),
        ),
        fuzzParams(SAMPLE),
      );
    },
    fuzzTimeout(SAMPLE, 40),
  );

  it(
    'Ed-Fi resources: mutated bodies (POST, PUT) and query strings',
    async () => {
      const samples: [string, unknown][] = [
        ['students', student('F0002')],
        ['schools', school()],
        ['localEducationAgencies', lea()],
        ['studentSchoolAssociations', ssa('F0001')],
        ['studentMigrantEducationProgramAssociations', smepa('F0001')],
      ];
      const write = fc
        .tuple(fc.constantFrom(...samples), fc.constantFrom('POST', 'PUT'), principal)
        .chain(([[resource, body], method, who]) =>
          mutatedJson(body).map((payload) => ({
            who,
            method: method as InjectOptions['method'],
            url: `/data/v3/ed-fi/${resource}${method === 'PUT' ? `/${ids.edfiStudent![0]}` : ''}`,
            payload,
            headers: { 'content-type': 'application/json' },
          })),
        );
      const read = fc
        .tuple(
          fc.constantFrom(...samples.map(([r]) => r), 'descriptors', 'gradeLevelDescriptors', 'nope'),
          fc.constantFrom('', '/deletes', '/partitions', '/keyChanges', `/${ids.edfiStudent![0]}`),
          fc.array(
            fc.tuple(
              fc.constantFrom(
                'offset',
                'limit',
                'totalCount',
                'pageToken',
                'pageSize',
                'minChangeVersion',
                'maxChangeVersion',
                'number',
                'studentUniqueId',
                'firstName',
                'birthDate',
                'schoolId',
                'id',
                'OFFSET',
                '__proto__',
              ),
              hostileText,
            ),
            { maxLength: 4 },
          ),
          fc.option(rawQuery, { freq: 4 }),
          principal,
        )
        .map(([resource, tail, kv, raw, who]) => {
          const q = new URLSearchParams(kv).toString();
          return {
            who,
            method: 'GET' as const,
            url: `/data/v3/ed-fi/${resource}${tail}?${[q, raw].filter(Boolean).join('&')}`,
          };
        });
      await fc.assert(
        fc.asyncProperty(fc.oneof(write, read), async ({ who, ...req }) =>
          expectNo5xx(`${req.method} ${req.url} as ${who}`, () => send(who, req)),
        ),
        fuzzParams(SAMPLE),
      );
    },
    fuzzTimeout(SAMPLE, 40),
  );

  it(
    'SIF: mutated XML and JSON objects and collections, hostile navigation headers',
    async () => {
      const NS = 'http://www.sifassociation.org/datamodel/na/4.x';
      const personal =
        `<StudentPersonal xmlns="${NS}" RefId="${'A'.repeat(32)}"><LocalId>TX-1</LocalId>` +
        '<StateProvinceId>TX-1</StateProvinceId><Name Type="04"><LastName>Garcia</LastName>' +
        '<FirstName>Maria</FirstName></Name><Demographics><Gender>F</Gender><BirthDate>2010-04-02</BirthDate>' +
        '</Demographics><Migrant>Y</Migrant></StudentPersonal>';
      const enrollment =
        `<StudentSchoolEnrollment xmlns="${NS}" RefId="${'B'.repeat(32)}" StudentPersonalRefId="${'A'.repeat(32)}" ` +
        'SchoolInfoRefId="D3E34B359D75101A8C3D00AA001A1651" MembershipType="Home" TimeFrame="Current" ' +
        'SchoolYear="2026"><EntryDate>2026-01-12</EntryDate><GradeLevel><Code>09</Code></GradeLevel>' +
        '</StudentSchoolEnrollment>';
      const many = personal.replace(`<StudentPersonal xmlns="${NS}"`, '<StudentPersonal');
      const second = many.replace(/A{32}/, 'C'.repeat(32));
      const collection = `<StudentPersonals xmlns="${NS}">${many}${second}</StudentPersonals>`;
      const personalJson = {
        StudentPersonal: {
          '@RefId': 'D'.repeat(32),
          LocalId: 'TX-2',
          Name: { '@Type': '04', LastName: 'Garcia', FirstName: 'Ana' },
          Demographics: { Gender: 'F', BirthDate: '2011-05-06' },
        },
      };
      const xml = fc.oneof(
        mutatedXml(personal).map((b) => ({ url: '/requests/StudentPersonals/StudentPersonal', body: b })),
        mutatedXml(enrollment).map((b) => ({
          url: '/requests/StudentSchoolEnrollments/StudentSchoolEnrollment',
          body: b,
        })),
        mutatedXml(collection).map((b) => ({ url: '/requests/StudentPersonals', body: b })),
        mutatedXml(personal).map((b) => ({ url: `/requests/StudentPersonals/${'A'.repeat(32)}`, body: b, put: true })),
      );
      const json = mutatedJson(personalJson).map((b) => ({
        url: '/requests/StudentPersonals/StudentPersonal.json',
        body: Buffer.from(b),
        json: true,
      }));
      const get = fc
        .tuple(
          fc.constantFrom(
            '/requests/StudentPersonals',
            '/requests/StudentPersonals.json',
            `/requests/StudentPersonals/${'A'.repeat(32)}`,
            '/requests/StudentPersonals;zoneId=x;contextId=y',
            `/requests/StudentPersonals/${'A'.repeat(32)}/StudentSchoolEnrollments`,
            '/requests/Nope',
            '/queues',
            '/subscriptions',
          ),
          hostileText.map(encodeAny),
        )
        .map(([u, extra]) => ({ url: u, get: true, extra }));
      await fc.assert(
        fc.asyncProperty(fc.oneof(xml, json, get), hostileHeaders, fc.boolean(), async (req, headers, hostile) => {
          const r = req as { url: string; body?: Buffer; put?: boolean; json?: boolean; get?: boolean; extra?: string };
          const method = r.get ? 'GET' : r.put ? 'PUT' : 'POST';
          const url = `/sif/v3${r.url}${r.extra ? `;x=${r.extra}` : ''}`;
          const base = {
            authorization: sifAuth(),
            'content-type': r.json ? 'application/json' : 'application/xml',
            ...(r.json ? { accept: 'application/json' } : {}),
          };
          await expectNo5xx(`${method} ${url}`, () =>
            sys.app.inject({
              method,
              url,
              ...(r.body ? { payload: r.body } : {}),
              headers: hostile ? { ...base, ...headers, authorization: base.authorization } : base,
            }),
          );
        }),
        fuzzParams(SAMPLE),
      );
    },
    fuzzTimeout(SAMPLE, 60),
  );

  it(
    'file submissions: mutated typed-record and CSV files, accepted or refused, then ingested without failing',
    async () => {
      const msix = readFileSync(join(DEFAULT_ADAPTERS_DIR, 'msix-typed', 'fixtures', 'valid', 'tx-daily.msix'));
      const csv = readFileSync(join(DEFAULT_ADAPTERS_DIR, 'mis2000-csv', 'fixtures', 'valid', 'nc-nightly.csv'));
      const ingest = ingestProcessor({
        db: sys.db,
        queue: sys.queue,
        config: sys.config,
        logger: createLogger('silent'),
      } as Parameters<typeof ingestProcessor>[0]);
      const file = fc.oneof(
        mutatedLines(msix, '|').map((b) => ({ state: 'TX', adapter: 'msix-typed', b })),
        mutatedLines(csv, ',').map((b) => ({ state: 'TX', adapter: 'mis2000-csv', b })),
      );
      await fc.assert(
        fc.asyncProperty(file, fc.option(hostileText, { freq: 3 }), async ({ state, adapter, b }, name) => {
          const q = new URLSearchParams({ adapter, ...(name !== null ? { filename: name } : {}) });
          let answer: LightMyRequestResponse | undefined;
          await expectNo5xx(`upload ${adapter}`, async () => {
            answer = await send('tx-system', {
              method: 'POST',
              url: `/api/v1/states/${state}/files?${q}`,
              payload: b,
              headers: { 'content-type': 'application/octet-stream' },
            });
            return answer;
          });
          if (answer!.statusCode !== 202) return;
          const exchangeId = (answer!.json() as { exchangeId: string }).exchangeId;
          const { cost } = await measure(() =>
            ingest({ data: { exchangeId, traceId: 'fuzz' } } as Parameters<typeof ingest>[0]),
          );
          assertBounded(cost, `ingest of ${adapter}`);
          const ex = await send('tx-system', { method: 'GET', url: `/api/v1/exchanges/${exchangeId}` });
          const status = (ex.json() as { status: string }).status;
          if (!['completed', 'completed_with_errors', 'rejected'].includes(status))
            throw new Error(`ingest ended ${status}`);
          await expectNo5xx('report', () =>
            send('tx-system', { method: 'GET', url: `/api/v1/exchanges/${exchangeId}/report?format=csv` }),
          );
        }),
        fuzzParams(Math.ceil(SAMPLE / 2)),
      );
    },
    fuzzTimeout(SAMPLE, 200),
  );

  it(
    'the token endpoint: mutated form and JSON bodies and credentials',
    async () => {
      const form = fc
        .record(
          {
            grant_type: fc.oneof(fc.constantFrom('client_credentials', 'password', ''), hostileText),
            client_id: hostileText,
            client_secret: hostileText,
            scope: hostileText,
            token: hostileText,
          },
          { requiredKeys: [] },
        )
        .map((f) => ({ body: new URLSearchParams(f).toString(), type: 'application/x-www-form-urlencoded' }));
      const json = mutatedJson({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' }).map(
        (body) => ({ body, type: 'application/json' }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(form, json),
          fc.constantFrom('/oauth/token', '/oauth/token_info'),
          hostileHeaders,
          async ({ body, type }, url, headers) =>
            expectNo5xx(`POST ${url} ${body.slice(0, 200)}`, () =>
              sys.app.inject({ method: 'POST', url, payload: body, headers: { ...headers, 'content-type': type } }),
            ),
        ),
        fuzzParams(SAMPLE),
      );
    },
    fuzzTimeout(SAMPLE, 40),
  );

  it(
    'portal pages: hostile path segments and query strings, signed in',
    async () => {
      const pages = [
        '/portal',
        '/portal/find',
        '/portal/students/{id}',
        '/portal/students/{id}/pdf',
        '/portal/status',
        '/portal/requests',
        '/portal/requests/{id}',
        '/portal/reports',
        '/portal/deliveries',
        '/portal/deliveries/{id}/cancel',
        '/portal/departures',
        '/portal/ledger',
        '/portal/exchanges/{id}',
        '/portal/worklist',
        '/portal/worklist/{id}',
        '/portal/merges',
        '/portal/merges/split',
        '/portal/merges/{id}',
      ];
      const query = fc
        .array(
          fc.tuple(
            fc.constantFrom(
              'q',
              'page',
              'limit',
              'offset',
              'state',
              'status',
              'kind',
              'before',
              'msixId',
              'firstName',
              'lastName1',
              'birthDate',
              'sort',
              'from',
              'to',
              'returnTo',
              '__proto__',
            ),
            hostileText,
          ),
          { maxLength: 4 },
        )
        .map((kv) => new URLSearchParams(kv).toString());
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...pages),
          paramFor({ schema: { type: 'string' } }),
          query,
          fc.option(rawQuery, { freq: 4 }),
          async (page, id, q, raw) => {
            const url = `${page.replace('{id}', id)}?${[q, raw].filter(Boolean).join('&')}`;
            await expectNo5xx(`GET ${url}`, () =>
              sys.app.inject({ method: 'GET', url, headers: { cookie: sessionCookie } }),
            );
          },
        ),
        fuzzParams(SAMPLE),
      );
    },
    fuzzTimeout(SAMPLE, 60),
  );
});
