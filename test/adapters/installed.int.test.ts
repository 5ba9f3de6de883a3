/**
 * Adapters installed by configuration alone: the NGS-style example package (packages/adapter-ngs, written only
 * against @msix/adapter-sdk) is named in ADAPTERS with a broken entry beside it; the broken one is reported in
 * readiness details and the adapter list, a state's administrator chooses the NGS adapter and its configuration,
 * and a file submitted with no adapter named ends in consolidated students.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectAs, type AuthedInject } from '../support/auth.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';

const NGS = readFileSync(new URL('../../packages/adapter-ngs/fixtures/valid/tx-families.ngs', import.meta.url));
let sys: TestSystem;
let admin: AuthedInject;
let txAdmin: AuthedInject;
let txSystem: AuthedInject;
beforeAll(async () => {
  sys = await startSystem({ workers: true, env: { ADAPTERS: '@msix-examples/adapter-ngs, ./no/such/adapter' } });
  admin = await injectAs(sys, { state: null, roles: ['admin'] });
  txAdmin = await injectAs(sys, { state: 'TX', roles: ['data-admin'] });
  txSystem = await injectAs(sys, { state: 'TX', roles: ['state-system'] });
});
afterAll(async () => {
  await sys?.close();
});

describe('adapters installed through ADAPTERS', () => {
  it('loads the package behind the manifest check and reports the broken entry in readiness details', async () => {
    const ready = await sys.app.inject('/health/ready');
    expect(ready.statusCode).toBe(200);
    const body = ready.json() as { adapters: { loaded: string[]; disabled: { id: string; stage: string }[] } };
    expect(body.adapters.loaded).toEqual(expect.arrayContaining(['msix-typed', 'ngs-export']));
    expect(body.adapters.disabled).toEqual([
      { id: './no/such/adapter', stage: 'discovery', reason: expect.stringMatching(/does not exist/) },
    ]);
    // Readiness is public: no server path in it.
    expect(ready.body).not.toContain(process.cwd());
    const list = (await admin('/api/v1/adapters')).json() as {
      installed: { id: string; from: string }[];
      disabled: { id: string }[];
    };
    expect(list.installed.find((a) => a.id === 'ngs-export')).toMatchObject({ from: '@msix-examples/adapter-ngs' });
    expect(list.disabled.map((d) => d.id)).toEqual(['./no/such/adapter']);
    // The help desk's board says it first.
    const board = await injectAs(sys, { state: null, roles: ['help-desk'] });
    const page = await board('/portal/deliveries');
    expect(page.statusCode, page.body.slice(0, 300)).toBe(200);
    expect(page.body).toMatch(/One adapter did not load[\s\S]*<strong>\.\/no\/such\/adapter<\/strong> \(discovery\)/);
  });

  it("lets the state's administrator choose the adapter and its configuration, checked by its schema", async () => {
    const put = (body: unknown) =>
      txAdmin({ method: 'PUT', url: '/api/v1/states/TX/adapter', payload: body as Record<string, unknown> });
    const unknown = await put({ adapter: 'no-such-adapter' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0]).toMatchObject({ path: '/adapter', rule: 'installed' });
    const badConfig = await put({ adapter: 'ngs-export', config: { dateFormat: 'DD.MM.YYYY' } });
    expect(badConfig.statusCode).toBe(400);
    expect(badConfig.json().errors[0]).toMatchObject({ path: '/config', rule: 'configSchema' });
    // Another state's administrator may not choose for Texas.
    const caAdmin = await injectAs(sys, { state: 'CA', roles: ['data-admin'] });
    const other = await caAdmin({
      method: 'PUT',
      url: '/api/v1/states/TX/adapter',
      payload: { adapter: 'ngs-export' },
    });
    expect(other.statusCode).toBe(403);
    const ok = await put({ adapter: 'ngs-export', config: { dateFormat: 'MM/DD/YYYY' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await txAdmin('/api/v1/states/TX/adapter')).json()).toEqual({
      adapter: 'ngs-export',
      config: { dateFormat: 'MM/DD/YYYY' },
    });
  });

  it('reads an NGS export submitted with no adapter named into consolidated students', async () => {
    const up = await txSystem({
      method: 'POST',
      url: '/api/v1/states/TX/files?filename=export.dat',
      payload: NGS,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(up.statusCode, up.body).toBe(202);
    expect(up.json().file.adapter).toBe('ngs-export');
    const id = up.json().exchangeId as string;
    const ex = await eventually(async () => {
      const r = (await txSystem(`/api/v1/exchanges/${id}`)).json() as { status: string };
      return ['completed', 'completed_with_errors', 'rejected', 'failed'].includes(r.status) ? r : null;
    }, 30_000);
    expect(ex.status).toBe('completed');
    const msixId = await eventually(async () => {
      const r = (await admin('/api/v1/states/TX/records/TX1001')).json() as { msixId: string | null };
      return r.msixId;
    }, 30_000);
    const student = await admin(`/api/v1/students/${msixId}`);
    expect(student.statusCode, student.body).toBe(200);
    // The family's qualifying move and parents reached the child's consolidated record.
    expect(JSON.stringify(student.json())).toContain('2024-08-19');
  }, 90_000);
});
