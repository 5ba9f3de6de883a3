/**
 * The SIF 3 surface over HTTP: environments (Basic application key, session token, SIF_HMACSHA256 with a fresh
 * timestamp, each signature once), the object services (create one and many, advisory RefIds, query with paging,
 * read, update, delete one and many), matrix parameters, and bad input answered with SIF error objects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../core/security/clients.js';
import { sifAuthorization } from '../../core/security/sif-hmac.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { xmllint } from './support.js';

const NS = 'xmlns="http://www.sifassociation.org/datamodel/na/4.x"';
const BASE = '/sif/v3';

const personal = (refId: string, id: string, first = 'Maria', last = 'Garcia') =>
  `<StudentPersonal ${NS} RefId="${refId}"><LocalId>${id}</LocalId><StateProvinceId>${id}</StateProvinceId>` +
  `<Name Type="04"><LastName>${last}</LastName><FirstName>${first}</FirstName></Name>` +
  '<Demographics><Gender>F</Gender><BirthDate>2010-04-02</BirthDate></Demographics></StudentPersonal>';

describe('SIF 3 surface', () => {
  let sys: TestSystem;
  let key: string;
  let secret: string;
  let token: string;
  let envId: string;
  const basic = () => sifAuthorization('Basic', token, secret);
  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: string, headers = {}) =>
    sys.app.inject({
      method,
      url: BASE + url,
      ...(body !== undefined ? { payload: body } : {}),
      headers: { authorization: basic(), 'content-type': 'application/xml', ...headers },
    });

  beforeAll(async () => {
    sys = await startSystem();
    const c = await createClient(sys.db, { stateCode: 'TX', roles: ['state-system'] });
    if (c.kind !== 'created') throw new Error(c.reason);
    key = c.client.clientId;
    secret = c.secret;
    const r = await sys.app.inject({
      method: 'POST',
      url: `${BASE}/environments/environment`,
      headers: { authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}` },
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(xmllint(r.body, 'infra'), r.body).toBeNull();
    token = /<sessionToken>([^<]+)</.exec(r.body)![1]!;
    envId = /environment [^>]*id="([^"]+)"/.exec(r.body)![1]!;
  });
  afterAll(async () => {
    await sys?.close();
  });

  it('creates one object (201), reads it back and finds it by query with paging headers', async () => {
    const r = await send('POST', '/requests/StudentPersonals/StudentPersonal', personal('A'.repeat(32), 'TX100'));
    expect(r.statusCode, r.body).toBe(201);
    expect(xmllint(r.body, 'na4')).toBeNull();
    const back = await send('GET', `/requests/StudentPersonals/${'a'.repeat(32)}`);
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain('<FirstName>Maria</FirstName>');
    const q = await send('GET', '/requests/StudentPersonals', undefined, {
      navigationPage: '1',
      navigationPageSize: '1',
    });
    expect(q.statusCode).toBe(200);
    expect(q.headers.navigationcount).toBe('1');
    expect(q.headers.navigationlastpage).toBe('1');
    expect(xmllint(q.body, 'na4')).toBeNull();
    const json = await send('GET', '/requests/StudentPersonals.json');
    expect(json.json().StudentPersonals.StudentPersonal[0].Name.FirstName).toBe('Maria');
  });

  it('creates many with per-item status (createResponse valid against the infrastructure XSD)', async () => {
    const body =
      `<StudentPersonals ${NS}>${personal('B'.repeat(32), 'TX101', 'Ana')}` +
      `<StudentPersonal RefId="${'C'.repeat(32)}"><LocalId>x</LocalId></StudentPersonal></StudentPersonals>`;
    const r = await send('POST', '/requests/StudentPersonals', body, { mustUseAdvisory: 'true' });
    expect(r.statusCode, r.body).toBe(200);
    expect(xmllint(r.body, 'infra'), r.body).toBeNull();
    expect(r.body).toContain(`id="${'B'.repeat(32)}" advisoryId="${'B'.repeat(32)}" statusCode="201"`);
    expect(r.body).toMatch(/statusCode="400"><error/);
    expect((await send('GET', `/requests/StudentPersonals/${'C'.repeat(32)}`)).statusCode).toBe(404);
  });

  it('SIF_HMACSHA256: a fresh timestamp passes once; a replay and a stale timestamp are 401', async () => {
    const ts = new Date().toISOString();
    const auth = sifAuthorization('SIF_HMACSHA256', token, secret, ts);
    const go = (a: string, t: string) =>
      sys.app.inject({
        method: 'GET',
        url: `${BASE}/requests/StudentPersonals`,
        headers: { authorization: a, timestamp: t },
      });
    expect((await go(auth, ts)).statusCode).toBe(200);
    const replay = await go(auth, ts);
    expect(replay.statusCode).toBe(401);
    expect(replay.body).toContain('<error');
    const old = new Date(Date.now() - 3600_000).toISOString();
    expect((await go(sifAuthorization('SIF_HMACSHA256', token, secret, old), old)).statusCode).toBe(401);
  });

  it('answers bad input with SIF errors, never a 500', async () => {
    const cases: [string, string, Record<string, string>, number][] = [
      ['malformed', '<StudentPersonal', {}, 400],
      ['doctype', `<!DOCTYPE x [<!ENTITY e "x">]><StudentPersonal ${NS}/>`, {}, 400],
      ['utf-7', `<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x+AD4-<StudentPersonal ${NS}/>`, {}, 400],
      ['charset', personal('D'.repeat(32), 'TX9'), { 'content-type': 'application/xml; charset=utf-7' }, 415],
      ['namespace', '<StudentPersonal xmlns="urn:other"/>', {}, 400],
    ];
    for (const [what, body, headers, status] of cases) {
      const r = await send('POST', '/requests/StudentPersonals/StudentPersonal', body, headers);
      expect(r.statusCode, `${what}: ${r.body}`).toBe(status);
      expect(xmllint(r.body, 'infra'), what).toBeNull();
    }
    expect((await send('GET', '/requests/StudentPersonals;zoneId=MI')).statusCode).toBe(404);
    expect((await send('GET', '/requests/StudentPersonals;zoneId=TX;contextId=OTHER')).statusCode).toBe(404);
    expect((await send('GET', '/requests/StudentPersonals;zoneId=TX;contextId=DEFAULT')).statusCode).toBe(200);
  });

  it('reads a path segment once decoded: a % left by the router is text, not a 500 (fuzz find)', async () => {
    // The segment was percent-decoded a second time, which threw on this `%` (issue 18 item 2).
    const r = await send('GET', `/requests/StudentPersonals/${'A'.repeat(32)};x=50%25`);
    expect(r.statusCode, r.body).toBe(200);
    const other = await send('GET', '/requests/StudentPersonals;zoneId=TX%25');
    expect(other.statusCode, other.body).toBe(404);
    expect(xmllint(other.body, 'infra')).toBeNull();
  });

  it('deletes many with methodOverride DELETE and a deleteRequest', async () => {
    const body =
      '<deleteRequest xmlns="http://www.sifassociation.org/infrastructure/3.2.1"><deletes>' +
      `<delete id="${'B'.repeat(32)}"/><delete id="${'E'.repeat(32)}"/></deletes></deleteRequest>`;
    const r = await send('PUT', '/requests/StudentPersonals', body, { methodOverride: 'DELETE' });
    expect(r.statusCode, r.body).toBe(200);
    expect(xmllint(r.body, 'infra'), r.body).toBeNull();
    expect(r.body).toContain(`id="${'B'.repeat(32)}" statusCode="204"`);
    expect(r.body).toContain(`id="${'E'.repeat(32)}" statusCode="404"`);
  });

  it('documents the SIF routes in the OpenAPI description', async () => {
    const doc = (await sys.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of [
      '/sif/v3/environments/environment',
      '/sif/v3/requests/{collection}',
      '/sif/v3/queues/{id}/messages',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });

  it('deletes the environment: its session token stops working', async () => {
    expect((await send('DELETE', `/environments/${envId}`)).statusCode).toBe(204);
    expect((await send('GET', '/requests/StudentPersonals')).statusCode).toBe(401);
  });
});
