import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { withToken } from '../support/auth.js';
import { issueToken } from '../../core/security/access-token.js';
import { BASE, edfiClient, idFrom, type EdfiClient } from '../edfi/support/client.js';
import { lea, school, student } from '../edfi/support/fixtures.js';

/**
 * Issue 13 finding 3: `GET /data/v3/ed-fi/students` wrote no audit event, and a person with a state-bound role but
 * no state claim read every state's documents.
 */
let sys: TestSystem;
let tx: EdfiClient;
let studentId: string;

beforeAll(async () => {
  sys = await startSystem();
  tx = await edfiClient(sys, 'TX');
  expect((await tx.post('localEducationAgencies', lea())).statusCode).toBe(201);
  expect((await tx.post('schools', school())).statusCode).toBe(201);
  const s = await tx.post('students', student('604821'));
  expect(s.statusCode).toBe(201);
  studentId = idFrom(s);
});
afterAll(async () => sys?.close());

const reads = async () =>
  (
    await sys.db.query<{ actor_state: string; details: { resource: string; documents: string[] } }>(
      `SELECT actor_state, details FROM audit_events WHERE action = 'edfi.read' ORDER BY seq`,
    )
  ).rows;

describe('Ed-Fi reads', () => {
  it('are audited: a collection query and an item read each name the documents disclosed', async () => {
    const before = (await reads()).length;
    const list = await tx.get('students');
    expect(list.statusCode).toBe(200);
    const one = await tx.get(`${BASE}/students/${studentId}`);
    expect(one.statusCode).toBe(200);
    const events = (await reads()).slice(before);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.actor_state === 'TX' && e.details.resource === 'students')).toBe(true);
    expect(events[1]!.details.documents).toEqual([studentId]);
    expect(events[0]!.details.documents).toContain(studentId);
  });

  it('fail closed: a state-bound role without a state reads nothing', async () => {
    const sec = sys.app.security;
    const t = await issueToken(sec.keyring, sec.tokens, 'access', {
      subject: 'oidc:no-state',
      clientId: null,
      state: null,
      roles: ['state-system', 'data-admin'],
    });
    if (t.kind !== 'ok') throw new Error('cannot sign');
    const as = withToken(sys, t.token);
    for (const url of [`${BASE}/students`, `${BASE}/students/${studentId}`, `${BASE}/students/deletes`])
      expect((await as(url)).statusCode).toBe(403);
  });
});
