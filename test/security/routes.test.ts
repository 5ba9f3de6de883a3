import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';

let sys: TestSystem;
beforeAll(async () => {
  sys = await startSystem();
});
afterAll(async () => {
  await sys?.close();
});

describe('every route declares its access (fail closed)', () => {
  it('has a config.access declaration on every registered route', () => {
    const routes = sys.app.security.routes;
    expect(routes.length).toBeGreaterThan(10);
    const undeclared = routes.filter((r) => !r.access).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
  });

  it('refuses a route registered without a declaration, with 403 and an audit event', async () => {
    const { buildApp } = await import('../../gateway/app.js');
    const app = await buildApp(sys.app.ctx);
    app.get('/undeclared', async () => ({ secret: true }));
    const r = await app.inject('/undeclared');
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'GW_ERR_FORBIDDEN', status: 403 });
    const a = await sys.db.query(
      `SELECT 1 FROM audit_events WHERE action = 'access.denied' AND details->>'route' = '/undeclared'`,
    );
    expect(a.rowCount).toBe(1);
    await app.close();
  });

  it('answers 401 with problem details and WWW-Authenticate when no credentials are sent', async () => {
    const r = await sys.app.inject('/api/v1/exchanges');
    expect(r.statusCode).toBe(401);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(r.headers['www-authenticate']).toContain('Bearer');
    expect(r.json().code).toBe('GW_ERR_UNAUTHENTICATED');
  });

  it('keeps public what is meant to be public', async () => {
    for (const url of ['/health/live', '/.well-known/jwks.json', '/docs/json'])
      expect((await sys.app.inject(url)).statusCode, url).toBe(200);
    expect((await sys.app.inject('/no/such/route')).statusCode).toBe(404);
  });

  it('publishes the audit chain head (an anchor to verify against), with no student data in it', async () => {
    const r = await sys.app.inject('/api/v1/audit/head');
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const head = r.json<{ seq: number; hash: string }>();
    expect(Object.keys(head).sort()).toEqual(['at', 'checkpoint', 'hash', 'seq']);
    const row = await sys.db.query<{ hash: string }>('SELECT hash FROM audit_events WHERE seq = $1', [head.seq]);
    expect(row.rows[0]?.hash).toBe(head.hash);
  });
});

describe('the local operator scheme (the clients CLI beside a running gateway)', () => {
  it('opens the admin client routes with the lock file token over loopback only; refusals audited', async () => {
    const { buildApp } = await import('../../gateway/app.js');
    const token = 'operator-token-for-this-test-0123456789';
    const app = await buildApp({ ...sys.app.ctx, operatorToken: token });
    const as = (t: string, remoteAddress = '127.0.0.1') =>
      app.inject({
        url: '/api/v1/admin/clients',
        remoteAddress,
        headers: { authorization: `MsixOperator ${t}`, 'x-msix-operator': 'ops' },
      });
    expect((await as(token)).statusCode).toBe(200);
    const wrong = await as(`${token}x`);
    expect(wrong.statusCode).toBe(401);
    expect((await as(token, '10.1.2.3')).statusCode).toBe(401);
    // A gateway without a token (Postgres, or a worker) offers no such scheme.
    expect(
      (await sys.app.inject({ url: '/api/v1/admin/clients', headers: { authorization: `MsixOperator ${token}` } }))
        .statusCode,
    ).toBe(401);
    const denied = await sys.db.query<{ why: string }>(
      `SELECT details->>'why' AS why FROM audit_events WHERE action = 'access.denied'
         AND details->>'route' = '/api/v1/admin/clients' ORDER BY seq`,
    );
    expect(denied.rows.map((r) => r.why)).toEqual(['bad-operator-token', 'operator-not-local', 'bad-scheme']);
    await app.close();
  });

  it('rotates the signing keys through the admin route: one current key afterwards, the one it names', async () => {
    const { buildApp } = await import('../../gateway/app.js');
    const token = 'operator-token-for-this-test-0123456789';
    const app = await buildApp({ ...sys.app.ctx, operatorToken: token });
    const rotate = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/admin/signing-keys/rotate',
        remoteAddress: '127.0.0.1',
        headers: { authorization: `MsixOperator ${token}`, 'x-msix-operator': 'ops' },
      });
    const first = await rotate();
    expect(first.statusCode, first.body).toBe(200);
    const second = (await rotate()).json<{ kid: string; retired: number }>();
    expect(second.retired).toBe(1);
    const current = await sys.db.query<{ kid: string }>('SELECT kid FROM signing_keys WHERE sign_until > now()');
    expect(current.rows.map((r) => r.kid)).toEqual([second.kid]);
    await app.close();
  });
});
