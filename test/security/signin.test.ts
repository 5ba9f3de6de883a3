import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from '../support/system.js';
import { injectAs } from '../support/auth.js';

let sys: TestSystem;
let base: string;
beforeAll(async () => {
  sys = await startSystem({ env: { DEV_IDP: 'true' } });
  await sys.app.listen({ host: '127.0.0.1', port: 0 });
  const a = sys.app.server.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(async () => {
  await sys?.close();
});

const cookiesOf = (r: Response) =>
  r.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='));

/** Walks the browser's path: login, the provider's user picker, the callback; returns the session cookie. */
async function signInAs(username: string): Promise<string> {
  const login = await fetch(`${base}/auth/login?returnTo=/auth/me`, { redirect: 'manual' });
  expect(login.status).toBe(302);
  const signin = cookiesOf(login).join('; ');
  const authorize = new URL(login.headers.get('location')!);
  expect(authorize.pathname).toBe('/dev-idp/authorize');
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  const page = await fetch(authorize);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(username);
  const form = new URLSearchParams([...authorize.searchParams.entries(), ['user', username]]);
  const picked = await fetch(`${base}/dev-idp/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  expect(picked.status).toBe(302);
  const callback = await fetch(picked.headers.get('location')!, { headers: { cookie: signin }, redirect: 'manual' });
  expect(callback.status).toBe(302);
  expect(callback.headers.get('location')).toBe('/auth/me');
  const session = cookiesOf(callback).find((c) => c.startsWith('msix_session='));
  expect(session).toBeDefined();
  expect(callback.headers.getSetCookie().join()).toMatch(/HttpOnly; SameSite=Lax/);
  return session!;
}

describe('people sign in through the development OIDC provider (code + PKCE)', () => {
  it('signs a counselor in, keeps a session cookie, and audits the sign-in', async () => {
    const session = await signInAs('tx.counselor');
    const me = await fetch(`${base}/auth/me`, { headers: { cookie: session } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ kind: 'person', state: 'TX', roles: ['counselor'], clientId: null });
    const a = await sys.db.query<{ actor: string; outcome: string }>(
      `SELECT actor, outcome FROM audit_events WHERE action = 'auth.signin'`,
    );
    expect(a.rows).toContainEqual({ actor: 'oidc:b0c1e3a2-0001-4000-8000-000000000001', outcome: 'success' });
    const out = await fetch(`${base}/auth/logout`, { headers: { cookie: session }, redirect: 'manual' });
    expect(out.headers.getSetCookie().join()).toContain('msix_session=;');
  });

  it('scopes a signed-in person like a client: a help-desk user sees the ledger but no student', async () => {
    const session = await signInAs('helpdesk');
    expect((await fetch(`${base}/api/v1/exchanges`, { headers: { cookie: session } })).status).toBe(200);
    expect((await fetch(`${base}/api/v1/students/100000000008`, { headers: { cookie: session } })).status).toBe(403);
  });

  it('refuses a callback without the sign-in cookie (no CSRF or replayed code) and audits it', async () => {
    const r = await fetch(`${base}/auth/callback?code=abc&state=xyz`, { redirect: 'manual' });
    expect(r.status).toBe(401);
    const a = await sys.db.query(`SELECT 1 FROM audit_events WHERE action = 'auth.signin' AND outcome = 'failure'`);
    expect(a.rowCount).toBeGreaterThan(0);
  });

  it("accepts the provider's access tokens as bearer tokens (discovery + JWKS) with mapped roles", async () => {
    const login = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    const authorize = new URL(login.headers.get('location')!);
    // Act as the provider's client directly: a PKCE pair of our own.
    const { createHash, randomBytes } = await import('node:crypto');
    const verifier = randomBytes(32).toString('base64url');
    authorize.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
    const picked = await fetch(`${base}/dev-idp/authorize`, {
      method: 'POST',
      body: new URLSearchParams([...authorize.searchParams.entries(), ['user', 'tx.dataadmin']]),
      redirect: 'manual',
    });
    const code = new URL(picked.headers.get('location')!).searchParams.get('code')!;
    const bad = await fetch(`${base}/dev-idp/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: authorize.searchParams.get('redirect_uri')!,
        client_id: 'msix-gateway',
        code_verifier: randomBytes(32).toString('base64url'),
      }),
    });
    expect(bad.status).toBe(400);
    // The code was spent by the failed attempt: get a new one.
    const again = await fetch(`${base}/dev-idp/authorize`, {
      method: 'POST',
      body: new URLSearchParams([...authorize.searchParams.entries(), ['user', 'tx.dataadmin']]),
      redirect: 'manual',
    });
    const code2 = new URL(again.headers.get('location')!).searchParams.get('code')!;
    const tok = await fetch(`${base}/dev-idp/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code2,
        redirect_uri: authorize.searchParams.get('redirect_uri')!,
        client_id: 'msix-gateway',
        code_verifier: verifier,
      }),
    });
    expect(tok.status).toBe(200);
    const { access_token, id_token } = (await tok.json()) as { access_token: string; id_token: string };
    // The ID token has the gateway's client id as its audience, but it is not an access token: refused (finding 12).
    const withId = await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${id_token}` } });
    expect(withId.status).toBe(401);
    expect(((await withId.json()) as { reason: string }).reason).toBe('id-token');
    const me = await fetch(`${base}/auth/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(await me.json()).toMatchObject({ kind: 'person', state: 'TX', roles: ['data-admin'] });
    expect(
      (await fetch(`${base}/api/v1/exchanges?state=CA`, { headers: { authorization: `Bearer ${access_token}` } }))
        .status,
    ).toBe(403);
  });
});

describe('sessions live on the server (issue 13 finding 12)', () => {
  it('ends the session on sign-out: a copied cookie stops working', async () => {
    const session = await signInAs('tx.counselor');
    const copy = session;
    expect((await fetch(`${base}/auth/me`, { headers: { cookie: copy } })).status).toBe(200);
    await fetch(`${base}/auth/logout`, { method: 'POST', headers: { cookie: session }, redirect: 'manual' });
    const after = await fetch(`${base}/auth/me`, { headers: { cookie: copy } });
    expect(after.status).toBe(401);
    const row = await sys.db.query<{ revoked_by: string }>(
      `SELECT revoked_by FROM sessions WHERE subject = 'oidc:b0c1e3a2-0001-4000-8000-000000000001'
       ORDER BY created_at DESC LIMIT 1`,
    );
    expect(row.rows[0]?.revoked_by).toBe('signout');
  });

  it("lets a national administrator list and revoke a person's sessions, audited", async () => {
    const first = await signInAs('tx.counselor');
    const second = await signInAs('tx.counselor');
    const admin = await injectAs(sys, { state: null, roles: ['admin'] });
    const subject = 'oidc:b0c1e3a2-0001-4000-8000-000000000001';
    const live = await admin(`/api/v1/admin/sessions?subject=${encodeURIComponent(subject)}&active=true`);
    expect(live.statusCode).toBe(200);
    const items = live.json().items as { id: string; subject: string; revokedAt: string | null }[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    // One session, then all of the person's.
    const one = await admin({ method: 'POST', url: `/api/v1/admin/sessions/${items[0]!.id}/revoke` });
    expect(one.statusCode).toBe(200);
    const all = await admin({ method: 'POST', url: '/api/v1/admin/sessions/revoke', payload: { subject } });
    expect(all.json()).toMatchObject({ subject, revoked: items.length - 1 });
    for (const cookie of [first, second]) {
      expect((await fetch(`${base}/auth/me`, { headers: { cookie } })).status).toBe(401);
    }
    const audit = await sys.db.query(`SELECT 1 FROM audit_events WHERE action = 'session.revoked'`);
    expect(audit.rowCount).toBe(2);
    // Not for anyone else.
    const counselor = await injectAs(sys, { state: 'TX', roles: ['data-admin'] });
    expect((await counselor('/api/v1/admin/sessions')).statusCode).toBe(403);
  });
});
