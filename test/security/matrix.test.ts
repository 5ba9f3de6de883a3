import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, eventually, type TestSystem } from '../support/system.js';
import { injectAs, withToken, type AuthedInject } from '../support/auth.js';
import { issueToken } from '../../core/security/access-token.js';
import { sampleRecord } from '../support/records.js';
import { ROLES, type Role } from '../../core/principal.js';
import type { AccessRule } from '../../gateway/plugins/access.js';

/**
 * The authorization matrix, generated from the routes' own declarations:
 * every route × every role (bound to TX, and national where a role can be)
 * × acting on its own state (TX) or another (CA), plus anonymous. The
 * expected answer comes from the written policy below, not from the code
 * under test, and a few cells are pinned by hand at the end.
 */
let sys: TestSystem;
const OWN = 'TX';
const OTHER = 'CA';
interface Caller {
  label: string;
  state: string | null;
  roles: Role[];
  call: AuthedInject | null;
}
const callers: Caller[] = [];
const fixture = {
  student: { own: '', other: '' },
  exchange: { own: '', other: '' },
  record: { own: 'TX-M1', other: 'CA-M1' },
};

beforeAll(async () => {
  sys = await startSystem({ workers: true });
  callers.push({ label: 'anonymous', state: null, roles: [], call: null });
  for (const role of ROLES)
    callers.push({
      label: `${role}@${OWN}`,
      state: OWN,
      roles: [role],
      call: await injectAs(sys, { state: OWN, roles: [role] }),
    });
  for (const role of ['help-desk', 'federal', 'admin'] as Role[])
    callers.push({
      label: `${role}@national`,
      state: null,
      roles: [role],
      call: await injectAs(sys, { state: null, roles: [role] }),
    });

  // A person whose provider gives state-bound roles but no state (a misconfigured account): refused everywhere.
  const sec = sys.app.security;
  const unbound = await issueToken(sec.keyring, sec.tokens, 'access', {
    subject: 'oidc:no-state',
    clientId: null,
    state: null,
    roles: [...STATE_BOUND],
  });
  if (unbound.kind !== 'ok') throw new Error('cannot sign a test token');
  callers.push({
    label: 'state-bound@no-state',
    state: null,
    roles: [...STATE_BOUND],
    call: withToken(sys, unbound.token),
  });

  // A child known only to TX, and one known only to CA (different names, so they never match).
  const tx = await injectAs(sys, { state: OWN, roles: ['state-system'] });
  const ca = await injectAs(sys, { state: OTHER, roles: ['state-system'] });
  const a = await tx({
    method: 'POST',
    url: `/api/v1/states/${OWN}/records`,
    payload: sampleRecord({
      stateCode: OWN,
      stateStudentId: fixture.record.own,
      identity: { firstName: 'Rosa', birthDate: '2011-03-03' },
    }),
  });
  const b = await ca({
    method: 'POST',
    url: `/api/v1/states/${OTHER}/records`,
    payload: sampleRecord({
      stateCode: OTHER,
      stateStudentId: fixture.record.other,
      identity: { firstName: 'Tomas', birthDate: '2012-05-05' },
    }),
  });
  fixture.exchange = { own: a.json().exchangeId, other: b.json().exchangeId };
  fixture.student.own = await eventually(
    async () => (await tx(`/api/v1/states/${OWN}/records/${fixture.record.own}`)).json().msixId as string | null,
  );
  fixture.student.other = await eventually(
    async () => (await ca(`/api/v1/states/${OTHER}/records/${fixture.record.other}`)).json().msixId as string | null,
  );
});
afterAll(async () => {
  await sys?.close();
});

type Rule = Exclude<AccessRule, { public: true }>;
const NO_PII: Role[] = ['help-desk', 'federal'];
const STATE_BOUND: Role[] = ['state-system', 'counselor', 'data-admin'];

/** The written policy: may this caller pass this route's declaration for this target? */
function policyAllows(rule: Rule, c: Caller, target: 'own' | 'other'): boolean {
  if (c.call === null) return false;
  const granted = c.roles
    .filter((r) => rule.roles.includes(r))
    // A state-bound role without a state grants nothing (fail closed).
    .filter((r) => c.state !== null || !STATE_BOUND.includes(r))
    .filter((r) => !((rule.pii || rule.student) && NO_PII.includes(r)));
  if (granted.length === 0) return false;
  const everyState = granted.some((r) => rule.crossState?.includes(r));
  const targetState = target === 'own' ? OWN : OTHER;
  if (rule.stateParam && !everyState && c.state !== targetState) return false;
  if (rule.stateQuery && !everyState && c.state !== targetState) return false;
  // A child's record: national administrators always; everyone else only with a record of the child in their state.
  if (rule.student && !granted.includes('admin') && !(c.state === OWN && target === 'own')) return false;
  return true;
}

function materialize(method: string, url: string, rule: Rule, target: 'own' | 'other') {
  const state = target === 'own' ? OWN : OTHER;
  let path = url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    if (name === rule.stateParam) return state;
    if (rule.student && name === rule.student.param) return fixture.student[target];
    if (name === 'stateStudentId') return fixture.record[target];
    if (name === 'id' && url.includes('exchanges')) return fixture.exchange[target];
    return 'x1';
  });
  if (rule.stateQuery) path += `?${rule.stateQuery}=${state}`;
  const payload =
    method === 'POST' && url.endsWith('/records')
      ? sampleRecord({ stateCode: state, stateStudentId: `MX-${Math.random().toString(36).slice(2, 10)}` })
      : ['POST', 'PUT', 'PATCH'].includes(method)
        ? {}
        : undefined;
  return { method: method as 'GET', url: path, ...(payload ? { payload } : {}) };
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SKIP = [/^\/docs/, /^\/dev-idp/];

describe('authorization matrix (route declarations × roles × own/other state)', () => {
  it('answers every cell as the policy says', async () => {
    const routes = sys.app.security.routes.filter(
      (r) => r.method !== 'HEAD' && !SKIP.some((s) => s.test(r.url)) && r.access && !('public' in r.access),
    );
    expect(routes.length).toBeGreaterThanOrEqual(6);
    const wrong: string[] = [];
    let cells = 0;
    let refused = 0;
    for (const route of routes) {
      const rule = route.access as Rule;
      for (const c of callers) {
        for (const target of ['own', 'other'] as const) {
          const req = materialize(route.method, route.url, rule, target);
          const res = c.call ? await c.call(req) : await sys.app.inject(req);
          cells++;
          const denied = res.statusCode === 401 || res.statusCode === 403;
          if (denied) refused++;
          const expected = policyAllows(rule, c, target);
          if (denied === expected)
            wrong.push(
              `${route.method} ${req.url} as ${c.label}: expected ${expected ? 'allowed' : 'denied'}, ` +
                `got ${res.statusCode} ${res.body.slice(0, 120)}`,
            );
          if (denied) {
            // The SIF surface answers its refusals as SIF error objects, the gateway's code first in the description.
            const sif = route.url.startsWith('/sif/');
            // (XML, or Goessner JSON when the request was JSON).
            if (sif) expect(res.headers['content-type']).toMatch(/^application\/(xml|json)/);
            // OAuth answers its errors as the Ed-Fi ODS/API does: application/json with `error` and the problem fields.
            else if (route.url.startsWith('/oauth/')) expect(res.headers['content-type']).toContain('application/json');
            else expect(res.headers['content-type']).toContain('application/problem+json');
            const code = sif
              ? /<description>(GW_ERR_[A-Z_]+)|"description":"(GW_ERR_[A-Z_]+)/.exec(res.body)?.slice(1).find(Boolean)
              : res.json().code;
            if (!c.call) expect([res.statusCode, code]).toEqual([401, 'GW_ERR_UNAUTHENTICATED']);
            else expect(res.statusCode).toBe(403);
            // A write naming a state the caller does not act for is the state-mismatch refusal; any other is forbidden.
            const roleOk = c.roles.some(
              (r) =>
                rule.roles.includes(r) &&
                !((rule.pii || rule.student) && NO_PII.includes(r)) &&
                (c.state !== null || !STATE_BOUND.includes(r)),
            );
            const mismatch =
              roleOk &&
              WRITES.has(route.method) &&
              rule.stateParam !== undefined &&
              c.state !== (target === 'own' ? OWN : OTHER) &&
              !c.roles.some((r) => rule.crossState?.includes(r));
            const want = mismatch ? 'GW_ERR_STATE_MISMATCH' : 'GW_ERR_FORBIDDEN';
            if (c.call && code !== want)
              wrong.push(`${route.method} ${req.url} as ${c.label}: refused with ${code}, not ${want}`);
          }
        }
      }
    }
    console.info(
      `authorization matrix: ${routes.length} routes × ${callers.length} callers × 2 targets = ${cells} ` +
        `cells, ${refused} refused`,
    );
    expect(wrong).toEqual([]);
    expect(cells).toBe(routes.length * callers.length * 2);
    const denials = await sys.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_events WHERE action = 'access.denied'`,
    );
    expect(denials.rows[0]!.n).toBeGreaterThan(0);
    // Every route (the portal's pages too) × every caller: over a thousand requests, minutes on a loaded machine.
  }, 240_000);

  it('pins the cells that matter most by hand', async () => {
    const by = (label: string) => callers.find((c) => c.label === label)!.call!;
    // A state writes only its own state's records.
    expect(
      (
        await by('state-system@TX')({
          method: 'POST',
          url: `/api/v1/states/${OTHER}/records`,
          payload: sampleRecord({ stateCode: OTHER, stateStudentId: 'X9' }),
        })
      ).statusCode,
    ).toBe(403);
    // A counselor reads a child only with grounds in their state.
    expect((await by('counselor@TX')(`/api/v1/students/${fixture.student.own}`)).statusCode).toBe(200);
    expect((await by('counselor@TX')(`/api/v1/students/${fixture.student.other}`)).statusCode).toBe(403);
    // Help desk and federal never see a child's record; federal does not see the ledger either.
    expect((await by('help-desk@national')(`/api/v1/students/${fixture.student.own}`)).statusCode).toBe(403);
    expect((await by('federal@national')('/api/v1/exchanges')).statusCode).toBe(403);
    // A state-scoped reader does not learn of another state's exchange.
    expect((await by('data-admin@TX')(`/api/v1/exchanges/${fixture.exchange.other}`)).statusCode).toBe(404);
    const list = (await by('state-system@TX')('/api/v1/exchanges')).json().items as { stateCode: string }[];
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((e) => e.stateCode === OWN)).toBe(true);
  });

  it('shows help-desk staff exchange status with names and birth dates masked', async () => {
    const hd = callers.find((c) => c.label === 'help-desk@national')!.call!;
    const res = await hd('/api/v1/exchanges?limit=50');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Record<string, unknown>[];
    expect(items.map((e) => e.stateCode)).toEqual(expect.arrayContaining([OWN, OTHER]));
    const text = JSON.stringify(items);
    for (const pii of ['Rosa', 'Tomas', 'Garcia', '2011-03-03']) expect(text).not.toContain(pii);
  });

  it('audits every student read with who, which student, which fields and why', async () => {
    await callers.find((c) => c.label === 'counselor@TX')!.call!(`/api/v1/students/${fixture.student.own}`);
    const r = await sys.db.query<{ actor_roles: string[]; fields: string[]; reason: string; msix_id: string }>(
      `SELECT actor_roles, fields, reason, msix_id FROM audit_events WHERE action = 'student.read'
       AND 'counselor' = ANY(actor_roles) ORDER BY seq DESC LIMIT 1`,
    );
    expect(r.rows[0]).toMatchObject({
      msix_id: fixture.student.own,
      fields: ['*'],
      reason: expect.stringContaining('TX record'),
    });
  });
});
