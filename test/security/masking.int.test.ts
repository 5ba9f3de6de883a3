import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RECORDS } from '../../demo/students.js';
import type { StateRecord } from '@msix/adapter-sdk/canonical';
import { asStateSystem, injectAs, type AuthedInject } from '../support/auth.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { submitAndMatch } from '../exchange/support.js';
import type { AccessRule } from '../../gateway/plugins/access.js';
import { maskPii } from '../../core/security/mask.js';

/**
 * Issue 13 finding 2: the help desk read names and birth dates, because validation messages quoted the rejected
 * value ("'Hernández Cruz;' holds characters not allowed here") and masking worked by field name only. Every answer
 * the help desk and federal reporting can get is searched for the demo children's names and birth dates.
 */
let sys: TestSystem;
const readers: { label: string; call: AuthedInject }[] = [];
const BAD_SURNAME = 'Hernández Cruz;';

/** Every name, surname and birth date of the demo children, and the rejected surname. */
function secrets(): string[] {
  const out = new Set<string>([BAD_SURNAME, 'Hernández Cruz']);
  for (const r of DEMO_RECORDS) {
    const i = r.identity;
    for (const v of [i.firstName, i.lastName1, i.lastName2, i.middleName, i.birthDate]) if (v) out.add(v);
    for (const p of r.parents ?? []) for (const v of [p.firstName, p.lastName]) if (v) out.add(v);
  }
  // Words that are also ordinary field text would match by accident; names of three letters or fewer are skipped.
  return [...out].filter((s) => s.length > 3);
}

beforeAll(async () => {
  sys = await startSystem({ workers: true });
  await submitAndMatch(sys, DEMO_RECORDS.slice(0, 4) as StateRecord[]);
  // A record refused for a character a surname cannot have: the refusal goes to the ledger.
  const bad = structuredClone(DEMO_RECORDS[0]!) as StateRecord;
  bad.stateStudentId = 'TX-BAD-1';
  bad.identity.lastName1 = BAD_SURNAME;
  const tx = await asStateSystem(sys, 'TX');
  const r = await tx({ method: 'POST', url: '/api/v1/states/TX/records', payload: bad });
  expect(r.statusCode).toBe(400);
  // The writer itself is told the value: it sent it.
  expect(r.body).toContain('Hernández Cruz');
  readers.push({ label: 'help-desk', call: await injectAs(sys, { state: null, roles: ['help-desk'] }) });
  readers.push({ label: 'federal', call: await injectAs(sys, { state: null, roles: ['federal'] }) });
});
afterAll(async () => sys?.close());

type Rule = Exclude<AccessRule, { public: true }>;

describe('masking by value', () => {
  it('never shows help desk or federal a demo child’s name or birth date, on any route they may read', async () => {
    const words = secrets();
    const routes = sys.app.security.routes.filter((r) => {
      const a = r.access;
      return r.method === 'GET' && a && !('public' in a) && !/^\/(docs|dev-idp)/.test(r.url);
    });
    // Ids seen in answers feed the routes with parameters (a small crawl).
    const ids = new Set<string>();
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (typeof x === 'string' && /(^id$|Id$)/.test(k) && x.length >= 8) ids.add(x);
          collect(x);
        }
    };
    const leaks: string[] = [];
    let answered = 0;
    for (const pass of [0, 1]) {
      for (const route of routes) {
        const rule = route.access as Rule;
        const params = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
        if (pass === 0 && params.length) continue;
        if (pass === 1 && !params.length) continue;
        const values = params.length ? [...ids].slice(0, 40) : [''];
        for (const id of values) {
          const url = route.url.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => (n === rule.stateParam ? 'TX' : id));
          for (const reader of readers) {
            const res = await reader.call(url);
            if (res.statusCode === 200) answered++;
            try {
              collect(res.json());
            } catch {
              // not JSON
            }
            for (const w of words)
              if (res.body.includes(w)) leaks.push(`${reader.label} GET ${url} (${res.statusCode}) shows '${w}'`);
          }
        }
      }
    }
    expect(answered).toBeGreaterThan(5);
    expect(leaks).toEqual([]);
  }, 240_000);

  it('blanks a value wherever it is quoted, not only under a field called name', () => {
    const masked = maskPii({
      errors: [{ path: '/identity/lastName1', value: 'Soto;', message: "'Soto;' holds characters not allowed here" }],
      summary: 'rejected Soto; at line 3',
    });
    expect(JSON.stringify(masked)).not.toContain('Soto');
  });
});
