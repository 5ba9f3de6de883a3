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

let sys: TestSystem;
let tx: EdfiClient;

beforeAll(async () => {
  sys = await startSystem();
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
