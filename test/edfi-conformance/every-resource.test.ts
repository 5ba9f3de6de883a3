/**
 * The ODS/API request behaviours of requests.test.ts, on every resource and
 * descriptor list the gateway serves (the whole generated Data Standard 5
 * surface): correlationId is no filter, paths match case-insensitively with a
 * trailing slash, change queries and partitions answer, HEAD and OPTIONS and
 * PUT/DELETE without an id are 405, a malformed id is 400, If-Match on an
 * unknown id is 404, Use-Snapshot reads are 404 "Snapshot not found.". What
 * is refused for one resource is collected, so one run names every resource
 * that misbehaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { edfiClient, type EdfiClient } from '../edfi/support/client.js';
import { RESOURCES } from '../../specs/edfi/catalog.js';
import { DESCRIPTOR_LISTS, descriptorResourceName } from '../../specs/edfi/descriptors.js';
import { send, type Case } from './support.js';
import { idFrom } from '../edfi/support/client.js';
import { acceptedDocument } from '../edfi/support/minimal.js';

let sys: TestSystem;
let tx: EdfiClient;

beforeAll(async () => {
  // Several requests for every resource and descriptor type: more than one client's per-minute limit.
  sys = await startSystem({ env: { RATE_LIMIT_MAX: '100000' } });
  tx = await edfiClient(sys, 'TX');
});
afterAll(async () => {
  await sys?.close();
});

const UNKNOWN = '00000000000040008000000000000000';

/** The cases of one collection URL (`/data/v3/ed-fi/students`); `writable` adds the by-id write cases. */
function casesFor(base: string, writable: boolean): Omit<Case, 'name'>[] {
  const shouted = base.toUpperCase();
  return [
    { method: 'GET', url: `${base}?correlationId=c-1&limit=1`, status: 200 },
    { method: 'GET', url: `${shouted}/`, status: 200 },
    { method: 'GET', url: `${base}/Deletes/?correlationId=c-1`, status: 200 },
    { method: 'GET', url: `${base}/keychanges`, status: 200 },
    { method: 'GET', url: `${base}/partitions?number=2`, status: 200 },
    { method: 'HEAD', url: base, status: 405 },
    { method: 'OPTIONS', url: base, status: 405 },
    { method: 'DELETE', url: `${base}/`, status: 405 },
    { method: 'GET', url: `${base}/not-an-id`, status: 400 },
    { method: 'GET', url: base, headers: { 'use-snapshot': 'true' }, status: 404 },
    ...(writable
      ? [
          { method: 'PUT', url: base, body: {}, status: 405 } as const,
          { method: 'DELETE', url: `${base}/${UNKNOWN}`, headers: { 'if-match': '"1"' }, status: 404 } as const,
        ]
      : []),
  ];
}

const COLLECTIONS: [string, string, boolean][] = [
  ...RESOURCES.map((r): [string, string, boolean] => [r.name, `/data/v3/${r.project ?? 'ed-fi'}/${r.name}`, true]),
  ...[...DESCRIPTOR_LISTS.keys()].map((type): [string, string, boolean] => [
    descriptorResourceName(type),
    `/data/v3/ed-fi/${descriptorResourceName(type)}`,
    false,
  ]),
];

describe('ODS/API request behaviours on every collection', () => {
  it(`answers as the ODS/API on all ${COLLECTIONS.length} collections`, async () => {
    expect(COLLECTIONS.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const [name, base, writable] of COLLECTIONS) {
      const cases = casesFor(base, writable);
      const answers = await Promise.all(cases.map((c) => send(tx.raw, c)));
      answers.forEach((r, i) => {
        const c = cases[i]!;
        if (r.statusCode !== c.status)
          failures.push(
            `${name}: ${c.method} ${c.url} answered ${r.statusCode}, not ${c.status}: ${r.body.slice(0, 160)}`,
          );
      });
    }
    expect(failures).toEqual([]);
  });
});

type Json = Record<string, unknown>;

const version = (etag: unknown): number => Number(String(etag).replace(/"/g, ''));

describe('ETags, change queries and deletes on every resource', () => {
  it('upserts keep the ETag, If-None-Match/If-Match hold on every verb, changes and deletes are listed', async () => {
    const failures: string[] = [];
    const made = new Map<string, Json>();
    const items: { name: string; base: string; id: string; etag: string; body: Json }[] = [];
    const json = { 'content-type': 'application/json' };
    for (const [i, def] of RESOURCES.entries()) {
      const base = `/data/v3/${def.project ?? 'ed-fi'}/${def.name}`;
      let body: Json;
      try {
        body = acceptedDocument(def, made, 'EVERY1', i);
      } catch (e) {
        failures.push(String(e));
        continue;
      }
      const payload = JSON.stringify(body);
      const r = await tx.raw({ method: 'POST', url: base, payload, headers: json });
      if (r.statusCode !== 201) {
        failures.push(`POST ${def.name}: ${r.statusCode} ${r.body.slice(0, 200)}`);
        continue;
      }
      made.set(def.name, body);
      const item = { name: def.name, base, id: idFrom(r), etag: String(r.headers.etag), body };
      items.push(item);
      const again = await tx.raw({ method: 'POST', url: base, payload, headers: json });
      if (again.statusCode !== 200 || again.headers.etag !== item.etag)
        failures.push(`POST ${def.name} again: ${again.statusCode}, ETag ${again.headers.etag} not ${item.etag}`);
    }
    const start = Math.min(...items.map((x) => version(x.etag)));
    for (const x of items) {
      const at = `${x.base}/${x.id}`;
      const payload = JSON.stringify(x.body);
      const [notModified, stalePut, staleDelete] = await Promise.all([
        tx.raw({ method: 'GET', url: at, headers: { 'if-none-match': x.etag } }),
        tx.raw({ method: 'PUT', url: at, payload, headers: { ...json, 'if-match': '"1"' } }),
        tx.raw({ method: 'DELETE', url: at, headers: { 'if-match': '"1"' } }),
      ]);
      if (notModified.statusCode !== 304) failures.push(`GET ${x.name} If-None-Match: ${notModified.statusCode}`);
      if (stalePut.statusCode !== 412) failures.push(`PUT ${x.name} stale If-Match: ${stalePut.statusCode}`);
      if (staleDelete.statusCode !== 412) failures.push(`DELETE ${x.name} stale If-Match: ${staleDelete.statusCode}`);
      const put = await tx.raw({ method: 'PUT', url: at, payload, headers: { ...json, 'if-match': x.etag } });
      if (put.statusCode !== 204) failures.push(`PUT ${x.name} If-Match: ${put.statusCode} ${put.body.slice(0, 200)}`);
      const changed = await tx.get(`${x.base}?minChangeVersion=${start}&limit=500`);
      if (!(changed.json() as Json[]).some((d) => d.id === x.id))
        failures.push(`GET ${x.name}?minChangeVersion: item missing`);
    }
    for (const x of [...items].reverse()) {
      const d = await tx.raw({ method: 'DELETE', url: `${x.base}/${x.id}` });
      if (d.statusCode !== 204) {
        failures.push(`DELETE ${x.name}: ${d.statusCode} ${d.body.slice(0, 200)}`);
        continue;
      }
      const gone = (await tx.get(`${x.base}/deletes?minChangeVersion=${start}`)).json() as Json[];
      const tomb = gone.find((g) => g.id === x.id);
      if (!tomb || typeof tomb.changeVersion !== 'number' || !tomb.keyValues)
        failures.push(`GET ${x.name}/deletes: no tombstone with changeVersion and keyValues`);
    }
    expect(items.length).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  }, 120_000);
});
