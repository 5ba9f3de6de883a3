import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { asAdmin, asStateSystem } from '../support/auth.js';
import { MAX_OFFSET, MAX_PAGE_SIZE } from '../../core/paging.js';
import { createClient } from '../../core/security/clients.js';
import { BASE } from '../edfi/support/client.js';

let sys: TestSystem;
beforeAll(async () => {
  sys = await startSystem();
});
afterAll(async () => {
  await sys?.close();
});

type Param = {
  in: string;
  name: string;
  schema?: { type?: string; minimum?: number; maximum?: number; pattern?: string };
};
type Doc = { paths: Record<string, Record<string, { parameters?: Param[] }>> };

/**
 * Issue 13 finding 14: a number out of range in a query string reached Postgres (bigint overflow, negative
 * offsets) and came back as a 500. Every numeric query parameter the API documents has both bounds, so the schema
 * refuses it with a 400 naming the field, the rule and the fix.
 */
describe('numeric query parameters', () => {
  it('are bounded on every documented route', async () => {
    const doc = (await sys.app.inject('/docs/json')).json<Doc>();
    const unbounded: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods))
        for (const p of op.parameters ?? [])
          if (p.in === 'query' && (p.schema?.type === 'integer' || p.schema?.type === 'number'))
            if (p.schema.minimum === undefined || p.schema.maximum === undefined)
              unbounded.push(`${method.toUpperCase()} ${path} ?${p.name}`);
    expect(unbounded).toEqual([]);
  });

  it('answers an out-of-range number with a 400 naming the field and rule, never a 500', async () => {
    const admin = await asAdmin(sys);
    const tx = await asStateSystem(sys, 'TX');
    for (const url of [
      '/api/v1/exchanges?limit=99999999999999999999',
      '/api/v1/edfi/held-records?offset=99999999999999999999',
      '/api/v1/edfi/held-records?offset=-1',
      '/api/v1/states/TX/inbox?after=99999999999999999999',
      '/api/v1/merge-requests?offset=1e300',
    ]) {
      const r = await (url.includes('/inbox') ? tx : admin)(url);
      expect(r.statusCode, `${url}: ${r.body}`).toBe(400);
      expect(r.json().code, url).toBe('GW_ERR_VALIDATION');
      expect(r.body, url).toMatch(/offset|limit|after/);
    }
  });

  it('pages every list by one rule: limit 1 to MAX_PAGE_SIZE, offset 0 to MAX_OFFSET, out of it a 400', async () => {
    const doc = (await sys.app.inject('/docs/json')).json<Doc>();
    const admin = await asAdmin(sys);
    const tx = await asStateSystem(sys, 'TX');
    const lists: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths))
      for (const p of methods.get?.parameters ?? []) {
        if (p.in !== 'query' || (p.name !== 'limit' && p.name !== 'offset')) continue;
        const [min, max] = p.name === 'limit' ? [1, MAX_PAGE_SIZE] : [0, MAX_OFFSET];
        expect(p.schema, `${path} ?${p.name}`).toMatchObject({ type: 'integer', minimum: min, maximum: max });
        lists.push(path);
        const url = path.replace('{state}', 'TX').replace('{msixId}', '000000000000');
        for (const v of [String(max + 1), String(min - 1), 'ten', '99999999999999999999']) {
          const r = await (url.includes('/states/') ? tx : admin)(`${url}?${p.name}=${v}`);
          expect(r.statusCode, `${url}?${p.name}=${v}: ${r.body}`).toBe(400);
          const issue = r.json().errors[0];
          expect(issue, `${url}?${p.name}=${v}`).toMatchObject({ path: `querystring:/${p.name}` });
          expect(issue.rule).toMatch(/^(minimum|maximum|type)$/);
          expect(issue.fix).toMatch(/^Send a/);
          expect(String(issue.value)).toBe(v === 'ten' ? 'ten' : String(Number(v)));
        }
      }
    // The /api/v1 lists, the worklist and merge requests alike (these two clamped a limit of 100000 to 200, silently).
    expect(lists).toEqual(
      expect.arrayContaining(['/api/v1/exchanges', '/api/v1/match-reviews', '/api/v1/merge-requests']),
    );

    // Ed-Fi: the ODS/API's words, the same bounds.
    for (const q of [`limit=${MAX_PAGE_SIZE + 1}`, 'limit=-1', 'limit=ten', `offset=${MAX_OFFSET + 1}`, 'offset=-1']) {
      const r = await tx(`${BASE}/students?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.json(), q).toMatchObject({ type: 'urn:ed-fi:api:bad-request:parameter-validation-failed' });
      expect(r.json().errors[0], q).toMatch(/^(Limit|Offset) must be/);
    }
    const size = await tx(`${BASE}/students?pageSize=${MAX_PAGE_SIZE + 1}`);
    expect(size.json().errors).toEqual([
      `PageSize must be omitted or set to a numeric value between 1 and ${MAX_PAGE_SIZE}.`,
    ]);
    expect((await tx(`${BASE}/students?limit=${MAX_PAGE_SIZE}&offset=${MAX_OFFSET}`)).statusCode).toBe(200);

    // SIF: navigationPageSize and navigationPage, as headers or in the query string.
    const c = await createClient(sys.db, { stateCode: 'TX', roles: ['state-system'] });
    if (c.kind !== 'created') throw new Error(c.reason);
    const env = await sys.app.inject({
      method: 'POST',
      url: '/sif/v3/environments/environment',
      headers: { authorization: `Basic ${Buffer.from(`${c.client.clientId}:${c.secret}`).toString('base64')}` },
    });
    const token = /<sessionToken>([^<]+)</.exec(env.body)![1]!;
    const sif = (query: string, headers: Record<string, string> = {}) =>
      sys.app.inject({
        url: `/sif/v3/requests/StudentPersonals.json${query}`,
        headers: { authorization: `Basic ${Buffer.from(`${token}:${c.secret}`).toString('base64')}`, ...headers },
      });
    expect((await sif('', { navigationPageSize: String(MAX_PAGE_SIZE) })).statusCode).toBe(200);
    for (const [query, headers] of [
      ['', { navigationPageSize: String(MAX_PAGE_SIZE + 1) }],
      ['', { navigationPageSize: '0x10' }],
      ['?navigationPage=-1', {}],
      ['?navigationPage=1e3', {}],
      ['?navigationPage=99999999999', {}],
    ] as const) {
      const r = await sif(query, headers);
      expect(r.statusCode, `${query} ${JSON.stringify(headers)}: ${r.body}`).toBe(400);
      expect(r.body).toMatch(/navigationPage(Size)? .* is not a whole number from 1 to \d+/);
    }
  });
});
